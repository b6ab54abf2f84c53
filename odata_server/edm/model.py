"""The Entity Data Model: entity types, properties, navigation, entity sets.

Pure, immutable values, named as in OData CSDL. A :class:`Model` is built once at
start-up (see :mod:`odata_server.edm.from_sqlalchemy`) and only read afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from odata_server.edm.annotations import Annotation
from odata_server.edm.types import PrimitiveType


def frozen_mapping(items: Mapping[str, object] | None = None) -> Mapping[str, object]:
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True, slots=True)
class Property:
    """A structural property of primitive type (CSDL §6)."""

    name: str
    type: PrimitiveType
    nullable: bool = True
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    annotations: tuple[Annotation, ...] = ()

    @property
    def computed(self) -> bool:
        return any(a.term == "Core.Computed" and a.value is True for a in self.annotations)


@dataclass(frozen=True, slots=True)
class ReferentialConstraint:
    """``property`` of the source type must equal ``referenced_property`` of the target (CSDL §8.5)."""

    property: str
    referenced_property: str


@dataclass(frozen=True, slots=True)
class NavigationProperty:
    """A relationship from one entity type to another (CSDL §8)."""

    name: str
    target_type: str
    """Qualified name of the target entity type."""
    collection: bool
    nullable: bool = True
    partner: str | None = None
    referential_constraints: tuple[ReferentialConstraint, ...] = ()


@dataclass(frozen=True, slots=True)
class EntityType:
    """An entity type (CSDL §6): a key, structural properties and navigation properties."""

    name: str
    namespace: str
    key: tuple[str, ...]
    properties: Mapping[str, Property]
    navigation_properties: Mapping[str, NavigationProperty] = field(default_factory=frozen_mapping)

    @property
    def qualified_name(self) -> str:
        return f"{self.namespace}.{self.name}"

    @property
    def key_properties(self) -> tuple[Property, ...]:
        return tuple(self.properties[name] for name in self.key)


@dataclass(frozen=True, slots=True)
class OptimisticConcurrency:
    """How the ETag of an entity is made (Core.OptimisticConcurrency).

    Attributes:
        properties: the properties whose values make the ETag; a change to any of
            them changes it.
        version: when set, the one integer property (among ``properties``) that the
            server increments on every change; clients cannot write it.
        required: changes must carry ``If-Match`` (``428 Precondition Required`` without).
    """

    properties: tuple[str, ...]
    version: str | None = None
    required: bool = False


@dataclass(frozen=True, slots=True)
class EntitySet:
    """An entity set (CSDL §13.2): a named collection of entities of one type.

    ``navigation_property_bindings`` maps a navigation property name to the name of
    the entity set holding its targets; ``search_properties`` names the string
    properties ``$search`` looks in; ``concurrency`` gives its entities ETags;
    ``upsert`` lets PUT and PATCH to a key that does not exist create the entity.
    """

    name: str
    entity_type: EntityType
    navigation_property_bindings: Mapping[str, str] = field(default_factory=frozen_mapping)
    annotations: tuple[Annotation, ...] = ()
    search_properties: tuple[str, ...] = ()
    concurrency: OptimisticConcurrency | None = None
    upsert: bool = False


@dataclass(frozen=True, slots=True)
class Model:
    """A whole service model: one schema with its entity container."""

    namespace: str
    container_name: str
    entity_types: Mapping[str, EntityType]
    """Keyed by qualified name."""
    entity_sets: Mapping[str, EntitySet]
    container_annotations: tuple[Annotation, ...] = ()

    def entity_type(self, qualified_name: str) -> EntityType:
        return self.entity_types[qualified_name]

    def navigation_target_set(self, entity_set: EntitySet, navigation: NavigationProperty) -> EntitySet:
        """The entity set that holds the targets of ``navigation`` from ``entity_set``."""
        return self.entity_sets[entity_set.navigation_property_bindings[navigation.name]]


__all__ = [
    "EntitySet",
    "EntityType",
    "Model",
    "NavigationProperty",
    "OptimisticConcurrency",
    "Property",
    "ReferentialConstraint",
    "frozen_mapping",
]
