"""The keys of a contained entity's containers, read with the entity for its canonical URL.

A trip's row holds the key of its person (the foreign key); a plan item's row holds its
trip's, but maybe not its person's. Each container key is therefore the contained
entity's own column where the foreign key carries it, and otherwise a correlated
subquery that climbs the containment relationships, one level per step::

    (SELECT trips.person FROM trips WHERE trips.trip_id = plan_items.trip_id)
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapper, aliased

from odata_server.edm.model import ContainedEntities, ContainerKey
from odata_server.edm.storage import Storage
from odata_server.query.expressions import Entity


def container_key_column(
    storage: Storage, source: ContainedEntities, key: ContainerKey, entity: Entity
) -> sa.ColumnElement[Any]:
    """The value of the container key ``key`` for ``entity``, an entity of ``source``."""
    container: Any = source
    for _ in range(key.level):
        container = container.parent
    attribute = storage[container.entity_type.qualified_name].columns[key.property.name]
    return _climb(storage, source, key.level, attribute, entity)[1]


def _climb(
    storage: Storage, source: ContainedEntities, level: int, attribute: str, entity: Entity
) -> tuple[str | None, sa.ColumnElement[Any]]:
    """The column ``attribute`` of the container ``level`` steps up from ``entity``, and the
    name of the entity's own attribute when it is one (so the level below can use it)."""
    parent_storage = storage[source.parent.entity_type.qualified_name]
    mapper: Mapper[Any] = sa.inspect(parent_storage.mapped_class)
    relationship = mapper.relationships[parent_storage.relationships[source.navigation.name]]
    pairs = [
        (mapper.get_property_by_column(local).key, relationship.mapper.get_property_by_column(remote).key)
        for local, remote in relationship.local_remote_pairs or ()
    ]
    container = aliased(parent_storage.mapped_class)
    if level == 1:
        name: str | None = attribute
        column = getattr(container, attribute)
    else:
        assert isinstance(source.parent, ContainedEntities)
        name, column = _climb(storage, source.parent, level - 1, attribute, container)
    for container_attribute, own_attribute in pairs:
        if name == container_attribute:  # the foreign key carries it
            return own_attribute, getattr(entity, own_attribute)
    joined = [getattr(container, container_attribute) == getattr(entity, own) for container_attribute, own in pairs]
    return None, sa.select(column).where(*joined).scalar_subquery()


__all__ = ["container_key_column"]
