"""Edm types from Python type annotations.

Complex values, function parameters and return types are declared the Python way:
a dataclass is a complex type, an :class:`enum.Enum` an enumeration type (an
:class:`enum.Flag` one whose members combine), ``list[X]`` a collection, ``X | None``
nullable, and ``Annotated[int, PrimitiveType.INT64]`` picks a primitive type where
the Python type alone does not say which.

:class:`PythonTypes` collects the complex and enumeration types it meets, so the
model lists each once however many properties and parameters use it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal

from odata_server.edm.model import (
    ComplexType,
    EdmType,
    EntityType,
    EnumMember,
    EnumType,
    Property,
    TypeUse,
    frozen_mapping,
)
from odata_server.edm.types import INTEGER_RANGES, PrimitiveType
from odata_server.errors import ModelError

#: The Edm type of each Python type that has an obvious one.
PYTHON_PRIMITIVES: dict[type, PrimitiveType] = {
    str: PrimitiveType.STRING,
    bool: PrimitiveType.BOOLEAN,
    int: PrimitiveType.INT32,
    float: PrimitiveType.DOUBLE,
    Decimal: PrimitiveType.DECIMAL,
    dt.datetime: PrimitiveType.DATE_TIME_OFFSET,
    dt.date: PrimitiveType.DATE,
    dt.time: PrimitiveType.TIME_OF_DAY,
    dt.timedelta: PrimitiveType.DURATION,
    uuid.UUID: PrimitiveType.GUID,
    bytes: PrimitiveType.BINARY,
}


class PythonTypes:
    """Turns annotations into Edm types, collecting the complex and enumeration types met.

    Args:
        namespace: the schema namespace of the types made.
        entity_type_of: the entity type of a mapped class, or ``None`` if the class is
            not exposed; lets parameters and return types name entities.
    """

    def __init__(self, namespace: str, entity_type_of: Callable[[type], EntityType | None] = lambda cls: None) -> None:
        self.namespace = namespace
        self.entity_type_of = entity_type_of
        self.complex_types: dict[str, ComplexType] = {}
        self.enum_types: dict[str, EnumType] = {}
        self._complex_by_class: dict[type, ComplexType] = {}
        self._enum_by_class: dict[type, EnumType] = {}
        self._building: set[type] = set()

    def use(self, annotation: object, where: str) -> TypeUse:
        """The Edm type ``annotation`` stands for; ``where`` names it in errors."""
        nullable = False
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(arguments) != 1:
                raise ModelError(f"{where}: a union of several types has no OData equivalent; use one type or X | None")
            nullable = len(arguments) < len(typing.get_args(annotation))
            annotation = arguments[0]
            origin = typing.get_origin(annotation)
        if origin in (list, tuple, Sequence, typing.Sequence):
            arguments = typing.get_args(annotation)
            if origin is tuple and (len(arguments) != 2 or arguments[1] is not Ellipsis):
                raise ModelError(f"{where}: a collection is list[X] or tuple[X, ...], not {annotation!r}")
            if not arguments:
                raise ModelError(f"{where}: say what a collection holds, as in list[str]")
            item = self.use(arguments[0], where)
            if item.collection:
                raise ModelError(f"{where}: OData has no collections of collections")
            # CSDL §7.2.1: the Nullable of a collection is that of its items; a collection
            # itself is never null (it is empty instead).
            return TypeUse(item.type, collection=True, nullable=item.nullable)
        return TypeUse(self.single(annotation, where), nullable=nullable)

    def single(self, annotation: object, where: str) -> EdmType:
        """The Edm type of a single (not collection, not optional) annotation."""
        if typing.get_origin(annotation) is typing.Annotated:
            base, *extras = typing.get_args(annotation)
            chosen = [extra for extra in extras if isinstance(extra, PrimitiveType)]
            if chosen:
                return chosen[0]
            return self.single(base, where)
        if isinstance(annotation, PrimitiveType):
            return annotation
        if not isinstance(annotation, type):
            raise ModelError(f"{where}: {annotation!r} has no OData equivalent")
        if issubclass(annotation, enum.Enum):
            return self.enum_type(annotation)
        if dataclasses.is_dataclass(annotation):
            return self.complex_type(annotation)
        entity_type = self.entity_type_of(annotation)
        if entity_type is not None:
            return entity_type
        for python_type in type.mro(annotation):
            if python_type in PYTHON_PRIMITIVES:
                return PYTHON_PRIMITIVES[python_type]
        raise ModelError(
            f"{where}: {annotation.__qualname__} has no OData equivalent; use a primitive type, an Enum, "
            "a dataclass (a complex type) or a class exposed as an entity type"
        )

    def enum_type(self, python_class: type[enum.Enum]) -> EnumType:
        """The enumeration type of an :class:`enum.Enum`: integer values are kept, others numbered in order."""
        if python_class in self._enum_by_class:
            return self._enum_by_class[python_class]
        members = list(python_class)
        if not members:
            raise ModelError(f"{python_class.__qualname__} has no members")
        numbered = all(isinstance(member.value, int) and not isinstance(member.value, bool) for member in members)
        flags = issubclass(python_class, enum.Flag)
        if flags and not numbered:
            raise ModelError(f"{python_class.__qualname__}: the members of a Flag must have integer values")
        enum_type = EnumType(
            name=python_class.__name__,
            namespace=self.namespace,
            members=tuple(
                EnumMember(member.name, member.value if numbered else index) for index, member in enumerate(members)
            ),
            is_flags=flags,
            underlying_type=_underlying_type(
                [member.value for member in members] if numbered else [len(members)], python_class
            ),
            python_class=python_class,
        )
        self._register(enum_type, self.enum_types)
        self._enum_by_class[python_class] = enum_type
        return enum_type

    def complex_type(self, python_class: type) -> ComplexType:
        """The complex type of a dataclass; a dataclass base class becomes its base type."""
        if python_class in self._complex_by_class:
            return self._complex_by_class[python_class]
        if python_class in self._building:
            raise ModelError(f"{python_class.__qualname__} contains itself, which a complex type here cannot")
        self._building.add(python_class)
        try:
            base = next((b for b in python_class.__bases__ if dataclasses.is_dataclass(b)), None)
            base_type = self.complex_type(base) if base is not None else None
            hints = typing.get_type_hints(python_class, include_extras=True)
            properties: dict[str, Property] = {}
            for item in dataclasses.fields(python_class):
                use = self.use(hints[item.name], f"{python_class.__qualname__}.{item.name}")
                if isinstance(use.type, EntityType):
                    raise ModelError(
                        f"{python_class.__qualname__}.{item.name}: a complex type cannot hold entities; "
                        "use a navigation property of the entity type instead"
                    )
                properties[item.name] = Property(item.name, use.type, nullable=use.nullable, collection=use.collection)
        finally:
            self._building.discard(python_class)
        complex_type = ComplexType(
            name=python_class.__name__,
            namespace=self.namespace,
            properties=frozen_mapping(properties),  # type: ignore[arg-type]
            base_type=base_type.qualified_name if base_type is not None else None,
            python_class=python_class,
        )
        self._register(complex_type, self.complex_types)
        self._complex_by_class[python_class] = complex_type
        return complex_type

    def _register(self, made: ComplexType | EnumType, into: dict[str, typing.Any]) -> None:
        clash = self.complex_types.get(made.qualified_name) or self.enum_types.get(made.qualified_name)
        if clash is not None:
            raise ModelError(f"two Python classes both make the type {made.qualified_name}; rename one of them")
        into[made.qualified_name] = made


def _underlying_type(values: list[int], python_class: type) -> PrimitiveType:
    for candidate in (PrimitiveType.INT32, PrimitiveType.INT64):
        low, high = INTEGER_RANGES[candidate]
        if all(low <= value <= high for value in values):
            return candidate
    raise ModelError(f"{python_class.__qualname__} has member values beyond Edm.Int64")


__all__ = ["PYTHON_PRIMITIVES", "PythonTypes"]
