"""SQL for functions and actions: the binding parameter values they get, and what they return.

An implementation gets ORM-friendly values: the entity it is bound to as a mapped
instance (loaded with :func:`addressed_entity`), the collection it is bound to as a
``Select`` of the mapped class (:func:`addressed_collection`), which it may filter or
order further. It returns entities as a ``Select`` of the mapped class, or as mapped
instances; :func:`returned_select` makes a ``Select`` of either, which the path
then starts from (:class:`~odata_server.uri.path.ResultSegment`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from odata_server.edm.model import EntityType, Model
from odata_server.edm.storage import Storage
from odata_server.query.plan import EntityQuery, Select
from odata_server.uri.path import EntitySetSegment, PathSegment


def addressed_entity(segments: Sequence[PathSegment], storage: Storage, model: Model) -> Select:
    """An ORM select of the entity ``segments`` address, to load it as a mapped instance (of its
    own class, when a class derives from the addressed one)."""
    query = EntityQuery(segments, storage, model)
    return query.select(query.target)  # type: ignore[arg-type]


def addressed_collection(
    segments: Sequence[PathSegment], storage: Storage, model: Model, entity_type: EntityType
) -> Select:
    """A select of the mapped class for the entities ``segments`` address: all of an entity set,
    or those whose key the path reaches (``People('russell')/Friends``, ``People/NS.Employee``)."""
    query = EntityQuery(segments, storage, model)
    mapped_class = query.target_storage.mapped_class
    if len(segments) == 1 and isinstance(segments[0], EntitySetSegment):
        return sa.select(mapped_class)
    keys = entity_type.key_properties
    reached = query.select(*(query.column(prop) for prop in keys))
    own = [getattr(mapped_class, query.target_storage.columns[prop.name]) for prop in keys]
    return sa.select(mapped_class).where((own[0] if len(own) == 1 else sa.tuple_(*own)).in_(reached))


def returned_select(result: object, mapped_class: type, where: str) -> Select:
    """What an implementation returned for entities of ``mapped_class``, as a select of them:
    a select as it is, mapped instances by their key, ``None`` as no entity.

    Raises:
        TypeError: it returned something else (a mistake in the implementation, ``where``).
    """
    if isinstance(result, sa.Select):
        described = result.column_descriptions
        if len(described) != 1 or described[0].get("entity") is not mapped_class:
            raise TypeError(f"{where} returned a select of {described!r}, not of {mapped_class.__name__} alone")
        return result
    instances = [] if result is None else list(result) if isinstance(result, list | tuple) else [result]
    keys: list[tuple[Any, ...]] = []
    for instance in instances:
        if not isinstance(instance, mapped_class):
            raise TypeError(
                f"{where} returned {type(instance).__name__}, not a {mapped_class.__name__}, a list of them "
                "or a select of them"
            )
        identity = sa.inspect(instance).identity
        if identity is None:
            raise TypeError(f"{where} returned a {mapped_class.__name__} that is not in the database")
        keys.append(identity)
    columns: Sequence[sa.Column[Any]] = sa.inspect(mapped_class).primary_key
    if not keys:
        return sa.select(mapped_class).where(sa.false())
    if len(columns) == 1:
        return sa.select(mapped_class).where(columns[0].in_([key[0] for key in keys]))
    return sa.select(mapped_class).where(sa.tuple_(*columns).in_(keys))


__all__ = ["addressed_collection", "addressed_entity", "returned_select"]
