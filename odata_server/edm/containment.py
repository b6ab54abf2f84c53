"""Containment (CSDL §8.4): which classes live inside others, and what that makes of their keys.

``service.add(Person, contains=["trips"])`` makes the one-to-many relationship
``Person.trips`` a containment navigation property: a trip exists only inside its person,
has no entity set, and is addressed through it (``People('russellwhyte')/Trips(1)``).
In the database the trip row points at its person with a foreign key; the OData key of
the contained type is its primary key without the columns of that foreign key, since
the container's key is already in the URL (a trip keyed by ``(person, trip_id)`` is
``Trips(1)`` within its person).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Mapper, RelationshipDirection, RelationshipProperty

from odata_server.errors import ModelError


@dataclass(frozen=True, slots=True)
class Containment:
    """The relationship through which ``container`` contains ``contained``."""

    container: type
    relationship: RelationshipProperty[object]

    @property
    def contained(self) -> type:
        return self.relationship.mapper.class_

    def foreign_key_attributes(self) -> tuple[str, ...]:
        """The attributes of the contained class that point to its container."""
        mapper: Mapper[object] = self.relationship.mapper
        return tuple(mapper.get_property_by_column(remote).key for _, remote in self.pairs())

    def pairs(self) -> list[tuple[sa.ColumnElement[object], sa.ColumnElement[object]]]:
        return list(self.relationship.local_remote_pairs or ())


def containments(contains: Mapping[type, Iterable[str]], has_entity_set: set[type]) -> dict[type, Containment]:
    """The containment of each contained class, from the relationship names each class contains.

    Raises:
        ModelError: a name that is no one-to-many relationship, a contained class with an
            entity set of its own or contained twice, recursive containment, or a
            foreign key that may be null.
    """
    found: dict[type, Containment] = {}
    for container, names in contains.items():
        mapper: Mapper[object] = sa.inspect(container)
        for name in names:
            where = f"{container.__qualname__}.{name}"
            relationship = mapper.relationships.get(name)
            if relationship is None:
                raise ModelError(f"{container.__qualname__}: contains= names {name!r}, which is no relationship")
            if relationship.direction is not RelationshipDirection.ONETOMANY or relationship.secondary is not None:
                raise ModelError(
                    f"{where} cannot contain its targets: containment needs a one-to-many relationship "
                    "whose targets hold the foreign key to their container"
                )
            containment = Containment(container, relationship)
            target = containment.contained
            if target is container or issubclass(target, container) or issubclass(container, target):
                raise ModelError(f"{where}: recursive containment (a type containing its own kind) is not supported")
            if target in has_entity_set:
                raise ModelError(
                    f"{where} contains {target.__qualname__}, which has an entity set too; a contained entity "
                    "belongs to no entity set (CSDL §8.4), so declare it with service.contain() instead of add()"
                )
            if target in found:
                raise ModelError(
                    f"{target.__qualname__} is contained twice ({found[target].container.__qualname__}."
                    f"{found[target].relationship.key} and {where}); an entity has one container"
                )
            nullable = [remote.name for _, remote in containment.pairs() if getattr(remote, "nullable", True)]
            if nullable:
                raise ModelError(
                    f"{where}: the foreign key of {target.__qualname__} ({', '.join(nullable)}) must be NOT NULL, "
                    "since a contained entity exists only inside its container"
                )
            found[target] = containment
    return found


def contained_key(key: tuple[str, ...], foreign_key: Iterable[str], collection: bool, where: str) -> tuple[str, ...]:
    """The OData key of a contained type: its primary key without the container's foreign key.

    What remains tells the entities of one container apart (the primary key is unique,
    and the foreign key is the same for all of them). Nothing remaining is an error for a
    collection; a single contained entity is told apart by its container, so it keeps
    its primary key.
    """
    pointing = set(foreign_key)
    remaining = tuple(name for name in key if name not in pointing)
    if remaining:
        return remaining
    if collection:
        raise ModelError(
            f"{where}: the primary key of the contained entities ({', '.join(key)}) is only the foreign key to "
            "their container, so nothing tells the entities of one container apart; add a key column"
        )
    return key


__all__ = ["Containment", "contained_key", "containments"]
