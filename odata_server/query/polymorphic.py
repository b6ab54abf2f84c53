"""The rows of an entity type with derived types, in SQL: their columns and their type.

Entities of a type with derived types are read through SQLAlchemy's ``with_polymorphic``
alias of its class, so the columns of every derived type come along in the same SELECT:
one table for single-table inheritance, the base table LEFT OUTER JOINed to each derived
type's table for joined-table inheritance. A column a derived type declares is read from
the sub-entity of that type's class (``alias.Flight.FlightNumber``), the others from the
alias itself. Which type a row has is told by its discriminator column (the values of
each type are in :attr:`~odata_server.edm.storage.EntityStorage.identities`).

Without derived types, an entity is a plain alias of its class, as everywhere else.
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import aliased, with_polymorphic
from sqlalchemy.orm.util import AliasedClass

from odata_server.edm.model import EntityType, Model
from odata_server.edm.storage import Storage

Entity = type | AliasedClass[Any]
Column = sa.ColumnElement[Any]


def type_entity(
    model: Model, storage: Storage, entity_type: EntityType, *, derived: bool = True, alias: bool = True
) -> Entity:
    """The rows of ``entity_type`` in a FROM clause, a new alias of them unless ``alias`` is False:
    with the columns of its derived types, unless ``derived`` is False (for a step on the way
    that needs none)."""
    mapped_class, classes = _classes(model, storage, entity_type, derived)
    if not alias:
        return mapped_class if not classes else with_polymorphic(mapped_class, list(classes), flat=True)
    return _alias(mapped_class, classes)


class Aliases:
    """The aliases of entity types that the FROM clauses of one statement take.

    SQLAlchemy builds the columns of an alias when it is first used, which is most of the
    time a navigation in ``$filter`` takes to build. So the n-th alias of a type in a
    statement is the same object in every statement, and its columns are built once.
    Within one statement every alias is another object: a subquery never takes an alias
    of its enclosing query for its own (SQLAlchemy would correlate it away). Whatever
    builds one statement must take all its aliases from one instance.
    """

    _pool: ClassVar[dict[tuple[object, ...], Entity]] = {}
    _POOL_SIZE = 4096  # types × aliases per statement: reached only by models made again and again (tests)

    def __init__(self) -> None:
        self._taken: dict[tuple[object, ...], int] = {}

    def of(self, model: Model, storage: Storage, entity_type: EntityType, *, derived: bool = True) -> Entity:
        """An alias of ``entity_type``'s rows that this statement has not taken yet (see
        :func:`type_entity`)."""
        kind = _classes(model, storage, entity_type, derived)
        taken = self._taken.get(kind, 0)
        self._taken[kind] = taken + 1
        alias = self._pool.get((kind, taken))
        if alias is None:
            if len(self._pool) >= self._POOL_SIZE:
                self._pool.clear()
            alias = self._pool[(kind, taken)] = _alias(*kind)
        return alias


def _classes(model: Model, storage: Storage, entity_type: EntityType, derived: bool) -> tuple[type, tuple[type, ...]]:
    """The mapped class of ``entity_type``, and those of its derived types if ``derived``."""
    mapped_class = storage[entity_type.qualified_name].mapped_class
    if not derived:
        return mapped_class, ()
    return mapped_class, tuple(storage[d.qualified_name].mapped_class for d in model.derived_types(entity_type))


def _alias(mapped_class: type, classes: tuple[type, ...]) -> Entity:
    if not classes:
        return aliased(mapped_class, flat=True)
    return with_polymorphic(mapped_class, list(classes), aliased=True, flat=True)


def column(
    model: Model,
    storage: Storage,
    entity: Entity,
    entity_type: EntityType,
    name: str,
    of_type: EntityType | None = None,
) -> Column:
    """The column of the property ``name`` of ``of_type`` (``entity_type`` itself, or a type
    derived from it) in ``entity``, an alias of ``entity_type``'s rows.

    For entities not of ``of_type`` it holds whatever their row has (null, for a column
    of another table); :func:`only_of` makes it null."""
    owner = of_type or entity_type
    declaring = _declaring_type(model, owner, name)
    attribute = storage[declaring.qualified_name].columns[name]
    if declaring.qualified_name in model.lineage(entity_type):
        return getattr(entity, attribute)  # type: ignore[no-any-return]
    sub_entity = getattr(entity, storage[declaring.qualified_name].mapped_class.__name__)
    return getattr(sub_entity, attribute)  # type: ignore[no-any-return]


def _declaring_type(model: Model, entity_type: EntityType, name: str) -> EntityType:
    """The type in ``entity_type``'s lineage that declares property ``name``: the topmost that has it."""
    declaring = entity_type
    for type_name in model.lineage(entity_type):
        candidate = model.entity_types[type_name]
        if name in candidate.properties:
            declaring = candidate
    return declaring


def is_of(storage: Storage, entity: Entity, entity_type: EntityType, target: EntityType) -> sa.ColumnElement[bool]:
    """Whether a row of ``entity`` (an alias of ``entity_type``'s rows) is of ``target``, a type derived from it."""
    discriminator = storage[entity_type.qualified_name].discriminator
    identities = storage[target.qualified_name].identities
    if discriminator is None or not identities:
        return sa.false()
    return getattr(entity, discriminator).in_(identities)  # type: ignore[no-any-return]


def only_of(value: Column, storage: Storage, entity: Entity, entity_type: EntityType, target: EntityType) -> Column:
    """``value`` for rows of ``target`` (a type derived from ``entity_type``), null for the others."""
    return sa.case((is_of(storage, entity, entity_type, target), value), else_=sa.null())


def type_name(model: Model, storage: Storage, entity: Entity, entity_type: EntityType) -> Column:
    """The qualified name of each row's type: the most derived one its discriminator is of."""
    deepest_first = reversed(model.derived_types(entity_type))
    whens = [(is_of(storage, entity, entity_type, derived), derived.qualified_name) for derived in deepest_first]
    return sa.case(*whens, else_=entity_type.qualified_name)


def relationship(storage: Storage, entity: Entity, entity_type: EntityType, name: str) -> Any:
    """The relationship attribute behind navigation property ``name`` of ``entity_type``."""
    return getattr(entity, storage[entity_type.qualified_name].relationships[name])


__all__ = ["Column", "Entity", "column", "is_of", "only_of", "relationship", "type_entity", "type_name"]
