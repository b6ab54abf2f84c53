"""The shape of a ``$filter``: its text with each string, number, date, time and guid literal cut out.

Clients send one query again and again with other values: a grid filtered by what a
user types, a dashboard per customer (``$filter=CustomerID eq 'ALFKI'``, then
``'ANATR'``). Queries of one shape share their parsed, bound and planned form, and
their values go to the database as parameters, so a new value costs a regular
expression instead of a parse, a bind and a plan.

Cutting literals out of a text without parsing it is safe only where the cut is
checked: the shape names where each literal starts, the parser records where each
:class:`~odata_server.uri.syntax.Literal` starts, and the binder numbers a constant
with its slot only when the two agree (same place, same text). A shape is shared only
if every one of its literals became such a constant (:func:`slot_types`); a literal
the binder reads for its value (a string compared with an enumeration, a key inside
a path) leaves its slot empty, and that shape keeps to exact texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, is_dataclass

from odata_server.edm.types import PrimitiveType
from odata_server.uri import nodes
from odata_server.uri.literals import expression_value, literal_type
from odata_server.uri.syntax import Literal

# A string literal not preceded by a name (``duration'P1D'``, ``NS.Color'Red'`` and
# ``binary'...'`` are other literals); or, not part of a name nor of another literal, a
# point in time, a guid, a date, a time of day, or an integer or decimal number (perhaps
# negative, not written with an exponent). Each group is named as the parser names the
# literal's kind. What it matches that the parser reads otherwise (digits inside a
# geography literal, say) is caught by the check the module docstring describes.
_LITERAL = re.compile(
    r"(?<![\w.'])(?P<string>'(?:[^']|'')*')"
    r"|(?<![\w.:'+-])(?:"
    r"(?P<date_time_offset>-?[0-9]{4,}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,12})?)?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2}))"
    r"|(?P<guid>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})"
    r"|(?P<date>-?[0-9]{4,}-[0-9]{2}-[0-9]{2})"
    r"|(?P<time_of_day>[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,12})?)?)"
    r"|(?P<number>-?[0-9]+(?:\.[0-9]+)?)"
    r")(?![\w.:'-])"
)

#: The mark of a cut literal in a template; a text holding it is not cut.
_MARK = "\x00"


def parameter_name(slot: int) -> str:
    """The name of the bound parameter that carries the literal in ``slot``."""
    return f"odata_literal_{slot}"


@dataclass(frozen=True, slots=True)
class FilterShape:
    """A ``$filter`` text cut into ``template`` and its ``literals``.

    Attributes:
        template: the text with each literal replaced by a mark of its kind: texts with
            one template differ only in the values of their literals.
        literals: the literals cut out, in order; their positions are in the text.
    """

    template: str
    literals: tuple[Literal, ...]

    @property
    def slots(self) -> Mapping[int, tuple[int, Literal]]:
        """The position of each literal in the text → its slot and the literal."""
        return {literal.position: (slot, literal) for slot, literal in enumerate(self.literals)}

    def parameters(self, types: tuple[PrimitiveType, ...]) -> dict[str, object]:
        """The values of the literals as parameters, converted to the Edm ``types`` their
        slots were bound to (texts of one template have literals of the same types).

        Raises:
            LiteralTypeError: a literal is no value of its type (``2024-02-30``): the
                request must be bound from its own text, to answer why.
        """
        return {
            parameter_name(slot): expression_value(literal, edm_type)
            for slot, (literal, edm_type) in enumerate(zip(self.literals, types, strict=True))
        }


def filter_shape(text: str) -> FilterShape | None:
    """The shape of a ``$filter`` text, or None if it has no literal to cut out."""
    if _MARK in text:
        return None
    literals: list[Literal] = []
    parts: list[str] = []
    end = 0
    for match in _LITERAL.finditer(text):
        kind, literal = next((group, value) for group, value in match.groupdict().items() if value is not None)
        if kind == "number":
            kind = "decimal" if "." in literal else "integer"
        cut = Literal(kind, literal, match.start())
        literals.append(cut)
        # Literals of one template are of one kind and bind to one type (a number's by its size).
        parts += [text[end : match.start()], _MARK, kind, ":", literal_type(cut).value, _MARK]
        end = match.end()
    if not literals:
        return None
    parts.append(text[end:])
    return FilterShape("".join(parts), tuple(literals))


def slot_types(node: nodes.Node, count: int) -> tuple[PrimitiveType, ...] | None:
    """The Edm type of each of the ``count`` slots of a bound ``$filter``, or None unless
    each slot is filled by exactly one constant."""
    found: dict[int, PrimitiveType] = {}
    for constant in _constants(node):
        if constant.slot is None:
            continue
        if constant.slot in found or constant.type.primitive is None:
            return None
        found[constant.slot] = constant.type.primitive
    if sorted(found) != list(range(count)):
        return None
    return tuple(found[slot] for slot in range(count))


def _constants(value: object) -> Iterator[nodes.Constant]:
    """The constants inside a semantic node, walking its nodes (not the model they name)."""
    if isinstance(value, nodes.Constant):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _constants(item)
    elif is_dataclass(value) and type(value).__module__ == nodes.__name__:
        for field in fields(value):
            yield from _constants(getattr(value, field.name))


__all__ = ["FilterShape", "filter_shape", "parameter_name", "slot_types"]
