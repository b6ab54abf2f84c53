"""The bound resource path: segments that refer to the model (OData URL Conventions §4).

:class:`ODataPath` is what the rest of the pipeline reads: which resource the URL
addresses (its :class:`ResourceKind`), through which segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from odata_server.edm.model import NavigationProperty, NavigationSource, Property


@dataclass(frozen=True, slots=True)
class EntitySetSegment:
    """The entity set (or, inside the pipeline, any navigation source) a path starts from."""

    entity_set: NavigationSource


@dataclass(frozen=True, slots=True)
class SingletonSegment(EntitySetSegment):
    """A singleton (``Me``). The pipeline puts the key of its entity after it, as a
    :class:`KeySegment` that URLs never show."""


@dataclass(frozen=True, slots=True)
class KeySegment:
    """The key of one entity: each key property with its typed value, in key order."""

    values: tuple[tuple[Property, object], ...]


@dataclass(frozen=True, slots=True)
class NavigationSegment:
    """A navigation property, and the entity set (or contained collection, or singleton) that holds its targets."""

    navigation: NavigationProperty
    entity_set: NavigationSource


@dataclass(frozen=True, slots=True)
class PropertySegment:
    property: Property


@dataclass(frozen=True, slots=True)
class CountSegment:
    """``/$count``."""


@dataclass(frozen=True, slots=True)
class ValueSegment:
    """``/$value``."""


@dataclass(frozen=True, slots=True)
class RefSegment:
    """``/$ref``."""


PathSegment = (
    EntitySetSegment | KeySegment | NavigationSegment | PropertySegment | CountSegment | ValueSegment | RefSegment
)


class ResourceKind(Enum):
    """What a URL addresses, which decides the operation and the response shape."""

    SERVICE_DOCUMENT = "service document"
    METADATA = "metadata document"
    BATCH = "batch"
    COLLECTION = "collection of entities"
    ENTITY = "entity"
    SINGLETON = "singleton"
    PROPERTY = "property"
    PROPERTY_VALUE = "raw property value"
    COUNT = "count"
    REFERENCE = "entity reference"
    REFERENCE_COLLECTION = "collection of entity references"


@dataclass(frozen=True, slots=True)
class ODataPath:
    """A resource path bound to the model.

    Attributes:
        kind: what the path addresses.
        segments: the bound segments, in URL order.
        entity_set: the entity set of the entities addressed (or owning the property),
            or the singleton or contained collection playing its part; ``None`` for the
            service document, ``$metadata`` and ``$batch``.
    """

    kind: ResourceKind
    segments: tuple[PathSegment, ...] = ()
    entity_set: NavigationSource | None = None

    @property
    def target_property(self) -> Property | None:
        """The property addressed by a PROPERTY, PROPERTY_VALUE path."""
        for segment in reversed(self.segments):
            if isinstance(segment, PropertySegment):
                return segment.property
        return None

    @property
    def property_path(self) -> tuple[Property, ...]:
        """The properties of a PROPERTY or PROPERTY_VALUE path: one, or a complex property
        and the properties inside it (``HomeAddress/City/Name``)."""
        return tuple(segment.property for segment in self.segments if isinstance(segment, PropertySegment))

    @property
    def entity_segments(self) -> tuple[PathSegment, ...]:
        """The segments that address entities: up to the last key or navigation."""
        end = len(self.segments)
        while end and isinstance(self.segments[end - 1], PropertySegment | CountSegment | ValueSegment | RefSegment):
            end -= 1
        return self.segments[:end]

    @property
    def singleton_key(self) -> tuple[object, ...]:
        """The key values of the singleton's entity the pipeline resolved (none in the URL)."""
        if len(self.segments) > 1 and isinstance(self.segments[0], SingletonSegment):
            key = self.segments[1]
            if isinstance(key, KeySegment):
                return tuple(value for _, value in key.values)
        return ()


__all__ = [
    "CountSegment",
    "EntitySetSegment",
    "KeySegment",
    "NavigationSegment",
    "ODataPath",
    "PathSegment",
    "PropertySegment",
    "RefSegment",
    "ResourceKind",
    "SingletonSegment",
    "ValueSegment",
]
