"""Syntax nodes: what a URL says, before it is bound to the model.

Model-free, like odata.net's SyntacticAst: a segment named ``Products`` is just an
identifier here; the binder decides it is an entity set.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Literal:
    """A primitive literal as written: its ABNF kind and its text.

    ``kind`` is one of null, boolean, guid, date_time_offset, date, time_of_day,
    decimal, integer, string, duration, binary. The binder converts the text once it
    knows the expected Edm type.
    """

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class KeyPredicate:
    """``(1)`` or ``(OrderID=1,ProductID=2)``: values with their names (``None`` for a simple key)."""

    values: tuple[tuple[str | None, Literal], ...]


@dataclass(frozen=True, slots=True)
class IdentifierSegment:
    """A path segment naming something: ``Products``, ``Products(1)``, ``NS.Type``.

    ``parentheses`` is True when the segment had ``(...)``, even empty ones.
    """

    name: str
    key: KeyPredicate | None = None
    parentheses: bool = False


@dataclass(frozen=True, slots=True)
class DollarSegment:
    """A dollar-prefixed path segment: ``$metadata``, ``$count``, ``$value``, ``$ref`` ..."""

    name: str


Segment = IdentifierSegment | DollarSegment

__all__ = ["DollarSegment", "IdentifierSegment", "KeyPredicate", "Literal", "Segment"]
