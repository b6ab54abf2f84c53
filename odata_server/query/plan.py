"""Resource path → SQLAlchemy select.

A path such as ``Customers('ALFKI')/Orders(10643)/Order_Details`` becomes one
SELECT: the addressed entity type's columns, joined back along each navigation
property to the entity set the path starts from, filtered by each key on the way.
Rows come back as plain tuples (no ORM objects), in the order of the properties
asked for. Every value from the URL is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import AliasedClass

from odata_server.edm.model import Property
from odata_server.edm.storage import EntityStorage, Storage
from odata_server.uri.path import EntitySetSegment, KeySegment, NavigationSegment, PathSegment


@dataclass(frozen=True, slots=True)
class _Walk:
    """The FROM clause and WHERE conditions that reach the last entity of a path."""

    root: type
    target: type | AliasedClass[object]
    target_storage: EntityStorage
    joins: tuple[object, ...]
    conditions: tuple[sa.ColumnElement[bool], ...]


def _walk(segments: Sequence[PathSegment], storage: Storage) -> _Walk:
    first = segments[0]
    assert isinstance(first, EntitySetSegment)
    current_storage = storage[first.entity_set.entity_type.qualified_name]
    root: type = current_storage.mapped_class
    current: type | AliasedClass[object] = root
    joins: list[object] = []
    conditions: list[sa.ColumnElement[bool]] = []
    for segment in segments[1:]:
        if isinstance(segment, KeySegment):
            conditions.extend(
                getattr(current, current_storage.columns[prop.name]) == value for prop, value in segment.values
            )
        elif isinstance(segment, NavigationSegment):
            relationship = getattr(current, current_storage.relationships[segment.navigation.name])
            current_storage = storage[segment.navigation.target_type]
            # Aliased, so that a navigation back to a type already in the FROM clause
            # (Employees(1)/Employee1) joins a second copy of its table.
            current = aliased(current_storage.mapped_class)
            joins.append(relationship.of_type(current))
        else:  # pragma: no cover - callers pass entity segments only
            raise TypeError(f"not an entity segment: {segment!r}")
    return _Walk(root, current, current_storage, tuple(joins), tuple(conditions))


def _from(walk: _Walk, *columns: sa.ColumnElement[object]) -> sa.Select[tuple[object, ...]]:
    statement = sa.select(*columns).select_from(walk.root)
    for join in walk.joins:
        statement = statement.join(join)  # type: ignore[arg-type]
    return statement.where(*walk.conditions)


def select_entities(
    segments: Sequence[PathSegment],
    storage: Storage,
    properties: Sequence[Property],
    *,
    order_by: Sequence[Property] = (),
) -> sa.Select[tuple[object, ...]]:
    """SELECT ``properties`` of the entities that ``segments`` address, ordered by ``order_by``."""
    walk = _walk(segments, storage)
    columns = [getattr(walk.target, walk.target_storage.columns[prop.name]) for prop in properties]
    order = [getattr(walk.target, walk.target_storage.columns[prop.name]) for prop in order_by]
    return _from(walk, *columns).order_by(*order)


def count_entities(segments: Sequence[PathSegment], storage: Storage) -> sa.Select[tuple[int]]:
    """SELECT the number of entities that ``segments`` address."""
    return _from(_walk(segments, storage), sa.func.count())  # type: ignore[return-value]


def entities_exist(segments: Sequence[PathSegment], storage: Storage) -> sa.Select[tuple[bool]]:
    """SELECT whether any entity is addressed by ``segments``."""
    return sa.select(sa.exists(_from(_walk(segments, storage), sa.literal(1))))  # type: ignore[return-value]


__all__ = ["count_entities", "entities_exist", "select_entities"]
