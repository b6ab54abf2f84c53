"""SQLAlchemy inheritance as OData type inheritance (CSDL §6.1.1 BaseType, §6.1.2 Abstract).

A class given to ``service.add`` brings its mapped subclasses along, single-table and
joined-table alike, as entity types derived from its own: ``Flight`` derives from
``PublicTransportation``, which derives from ``PlanItem``. The declaration of the class
at the top of such a hierarchy says what all of its types show (``exclude=``, ``names=``);
``exclude=`` may also name subclasses, which leaves them out with their own subclasses.
Concrete-table subclasses share no table with their base, so they are not derived types
here: add them as entity sets of their own.

The discriminator column (``polymorphic_on``) is not a property: each entity's type is
told by ``@odata.type``, and each type's entities are those whose discriminator holds
the polymorphic identity of its class or of a subclass of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import NoInspectionAvailable
from sqlalchemy.orm import Mapper

from odata_server.errors import ModelError

if TYPE_CHECKING:
    from odata_server.edm.from_sqlalchemy import EntitySetDeclaration


@dataclass(frozen=True, slots=True)
class ExposedClass:
    """A mapped class with an entity type.

    Attributes:
        mapped_class: the class.
        declaration: the declaration whose ``exclude=`` and ``names=`` shape its type:
            its own, or that of the class at the top of its hierarchy.
        base: the exposed class its entity type derives from, or None.
    """

    mapped_class: type
    declaration: EntitySetDeclaration
    base: type | None = None

    @property
    def mapper(self) -> Mapper[Any]:
        return mapper_of(self.mapped_class)


def mapper_of(mapped_class: type) -> Mapper[Any]:
    try:
        mapper = sa.inspect(mapped_class)
    except NoInspectionAvailable:
        raise ModelError(
            f"{mapped_class.__qualname__} is not a SQLAlchemy mapped class; declare it on a DeclarativeBase subclass"
        ) from None
    if not isinstance(mapper, Mapper):
        raise ModelError(f"{mapped_class!r} is not a SQLAlchemy mapped class")
    return mapper


def exposed_classes(declarations: Iterable[EntitySetDeclaration]) -> dict[type, ExposedClass]:
    """Every class with an entity type: the declared ones and their mapped subclasses,
    base classes before the classes derived from them.

    A declared class inside the hierarchy of another declared class (``Flights`` beside
    ``PlanItems``) shares the entity type of that hierarchy, so it may not shape it.
    """
    first: dict[type, EntitySetDeclaration] = {}
    for declaration in declarations:
        first.setdefault(declaration.mapped_class, declaration)
    exposed: dict[type, ExposedClass] = {}
    for mapped_class, declaration in sorted(first.items(), key=lambda item: _depth(item[0])):
        if mapped_class in exposed:
            root = exposed[mapped_class].declaration
            if declaration.shapes_type:
                raise ModelError(
                    f"{mapped_class.__qualname__} is a type derived from {root.mapped_class.__qualname__}, whose "
                    f"declaration shapes it: give type_name=, exclude=, names=, media= and streams= to service.add("
                    f"{root.mapped_class.__qualname__}, ...) instead"
                )
            continue
        _add_hierarchy(exposed, ExposedClass(mapped_class, declaration))
    return exposed


def _depth(mapped_class: type) -> int:
    return len(list(mapper_of(mapped_class).iterate_to_root()))


def _add_hierarchy(exposed: dict[type, ExposedClass], item: ExposedClass) -> None:
    exposed[item.mapped_class] = item
    mapper = item.mapper
    excluded = item.declaration.excluded_classes
    for sub in mapper.self_and_descendants:
        if sub.inherits is mapper and not sub.concrete and sub.class_ not in excluded:
            _add_hierarchy(exposed, ExposedClass(sub.class_, item.declaration, item.mapped_class))


def has_derived(exposed: dict[type, ExposedClass], mapped_class: type) -> bool:
    return any(item.base is mapped_class for item in exposed.values())


def discriminator(exposed: dict[type, ExposedClass], item: ExposedClass) -> str | None:
    """The attribute of the discriminator column of a class in a hierarchy of several entity
    types; None for a class alone.

    Raises:
        ModelError: the hierarchy has no discriminator, so its rows cannot tell their type.
    """
    root = item
    while root.base is not None:
        root = exposed[root.base]
    if not has_derived(exposed, root.mapped_class):
        return None
    mapper = item.mapper
    if mapper.polymorphic_on is None:
        where = root.mapped_class.__qualname__
        raise ModelError(
            f"{where} has mapped subclasses but no polymorphic_on column, so a row cannot tell its type; "
            f"give {where} a discriminator (__mapper_args__ polymorphic_on) or exclude= its subclasses"
        )
    if not isinstance(mapper.polymorphic_on, sa.Column):
        raise ModelError(
            f"{root.mapped_class.__qualname__}: polymorphic_on must be a column, which a new entity's type is "
            "written to, not an expression"
        )
    return discriminator_attribute(mapper)


def discriminator_attribute(mapper: Mapper[Any]) -> str | None:
    """The attribute of a class's ``polymorphic_on``, if it has one: SQLAlchemy's bookkeeping,
    never a property (a class exposed alone holds rows of its own class only)."""
    if mapper.polymorphic_on is None:
        return None
    return mapper.get_property_by_column(mapper.polymorphic_on).key


def identities(mapper: Mapper[Any]) -> tuple[object, ...]:
    """The discriminator values of the rows of a class: its polymorphic identity and those of
    its subclasses (shown as the nearest class with an entity type when not exposed themselves)."""
    found = []
    for sub in mapper.self_and_descendants:
        if sub.polymorphic_identity is not None and not _concrete_below(sub, mapper):
            found.append(sub.polymorphic_identity)
    return tuple(found)


def _concrete_below(sub: Mapper[Any], top: Mapper[Any]) -> bool:
    current: Mapper[Any] | None = sub
    while current is not None and current is not top:
        if current.concrete:
            return True
        current = current.inherits
    return False


def abstract(mapper: Mapper[Any]) -> bool:
    """A class of a hierarchy with no polymorphic identity: no row can be of it."""
    return mapper.polymorphic_on is not None and mapper.polymorphic_identity is None


__all__ = [
    "ExposedClass",
    "abstract",
    "discriminator",
    "discriminator_attribute",
    "exposed_classes",
    "has_derived",
    "identities",
    "mapper_of",
]
