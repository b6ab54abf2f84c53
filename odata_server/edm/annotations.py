"""Vocabulary annotations (CSDL §14) attached to model elements.

Only the value shapes the framework emits are modelled: booleans, integers,
strings, enumeration members, property paths, records of those, and collections
of property paths, strings or records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True, slots=True)
class PropertyPath:
    """A path to a property, as an annotation value (``<PropertyPath>`` in CSDL XML)."""

    path: str


@dataclass(frozen=True, slots=True)
class EnumMember:
    """A member of an enumeration type, qualified: ``Aggregation.RollupType/SingleHierarchy``."""

    member: str

    @property
    def name(self) -> str:
        return self.member.rpartition("/")[2]


@dataclass(frozen=True, slots=True)
class Record:
    """A structured annotation value: property name → value, in a stable order."""

    values: tuple[tuple[str, AnnotationValue], ...]

    @classmethod
    def of(cls, values: Mapping[str, AnnotationValue]) -> Record:
        return cls(tuple(values.items()))


AnnotationValue = Union[
    bool, int, str, EnumMember, PropertyPath, Record, tuple[PropertyPath, ...], tuple[str, ...], tuple[Record, ...]
]


@dataclass(frozen=True, slots=True)
class Annotation:
    """A term applied to a model element, e.g. ``Annotation("Core.Computed", True)``.

    ``term`` is written with the vocabulary alias (``Core``, ``Capabilities``); the
    CSDL writers declare those aliases in ``$metadata``.
    """

    term: str
    value: AnnotationValue


#: The vocabularies referenced by the annotations the framework emits: alias → (namespace, URL).
VOCABULARIES: dict[str, tuple[str, str]] = {
    "Core": (
        "Org.OData.Core.V1",
        "https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml",
    ),
    "Capabilities": (
        "Org.OData.Capabilities.V1",
        "https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Capabilities.V1.xml",
    ),
    "Aggregation": (
        "Org.OData.Aggregation.V1",
        "https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Aggregation.V1.xml",
    ),
}

__all__ = ["VOCABULARIES", "Annotation", "AnnotationValue", "EnumMember", "PropertyPath", "Record"]
