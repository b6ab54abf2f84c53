"""The bound resource path: segments that refer to the model (OData URL Conventions §4).

:class:`ODataPath` is what the rest of the pipeline reads: which resource the URL
addresses (its :class:`ResourceKind`), through which segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from odata_server.edm.model import (
    ContainedEntities,
    EntitySet,
    EntityType,
    Model,
    NavigationProperty,
    NavigationSource,
    Operation,
    Parameter,
    Property,
)
from odata_server.uri.syntax import JsonValue, Literal


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
class TypeCastSegment:
    """A type-cast segment (``PlanItems/NS.Flight``): only entities of ``entity_type`` (or
    of types derived from it), which also have its properties and navigation properties."""

    entity_type: EntityType


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


@dataclass(frozen=True, slots=True)
class OperationSegment:
    """An invocation of a function or an action: ``GetNearestAirport(lat=33,lon=-118)``, ``Trippin.ShareTrip``.

    Attributes:
        operation: the overload the URL names.
        arguments: the function's non-binding parameters, each with its value as the URL
            writes it: a literal, or the JSON array or object of a parameter alias. An
            action's arguments are in the request body.
        entity_set: the entity set of the entities it returns, if it returns entities.
        advertised: whether the model says that entity set (the import's ``EntitySet``,
            the ``EntitySetPath``); if not, responses name the entities' type instead.
    """

    operation: Operation
    arguments: tuple[tuple[Parameter, Literal | JsonValue], ...] = ()
    entity_set: EntitySet | None = None
    advertised: bool = True


@dataclass(frozen=True, slots=True)
class ResultSegment:
    """The entities a function returned, in place of the path up to its invocation once it has run.

    ``source`` is the SQLAlchemy ``Select`` of them; ``query/`` reads from it as from an
    entity set. ``advertised`` is the invocation's (:class:`OperationSegment`). ``entity_type``
    is the type the function returns, when it derives from the entity set's.
    """

    entity_set: EntitySet
    source: Any
    advertised: bool = True
    entity_type: EntityType | None = None


PathSegment = (
    EntitySetSegment
    | KeySegment
    | NavigationSegment
    | TypeCastSegment
    | PropertySegment
    | CountSegment
    | ValueSegment
    | RefSegment
    | OperationSegment
    | ResultSegment
)


def entity_set_of(segments: tuple[PathSegment, ...]) -> NavigationSource:
    """The entity set of the entities ``segments`` address: their last navigation's, or the first segment's."""
    for segment in reversed(segments):
        if isinstance(segment, NavigationSegment | EntitySetSegment | ResultSegment):
            return segment.entity_set
    raise AssertionError("a path to entities starts with an entity set or a function's result")


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
    MEDIA = "media stream"
    """``Photos(1)/$value``: the stream of a media entity."""
    STREAM_PROPERTY = "stream property"
    """``Airlines('AA')/Logo``: the stream of a stream property, read and written raw."""
    COUNT = "count"
    REFERENCE = "entity reference"
    REFERENCE_COLLECTION = "collection of entity references"
    ACTION = "action"
    FUNCTION_VALUE = "value returned by a function"
    """A primitive, enumeration or complex value, or a collection of them."""


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

    def entity_type(self, model: Model) -> EntityType:
        """The type of the entities addressed: the entity set's, the navigation target's, or the last cast's."""
        return addressed_type(self.entity_segments, model)

    @property
    def type_cast(self) -> EntityType | None:
        """The type a cast segment narrows the addressed entities to (``PlanItems/NS.Flight``), if any."""
        for segment in reversed(self.entity_segments):
            if isinstance(segment, TypeCastSegment):
                return segment.entity_type
            if not isinstance(segment, KeySegment):
                return None
        return None

    @property
    def target_property(self) -> Property | None:
        """The property addressed by a PROPERTY, PROPERTY_VALUE or STREAM_PROPERTY path."""
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
    def invocations(self) -> tuple[OperationSegment, ...]:
        """The functions and actions the path invokes, in URL order."""
        return tuple(segment for segment in self.segments if isinstance(segment, OperationSegment))

    @property
    def entities_by_type(self) -> bool:
        """Whether the path addresses what an operation returned into an entity set the model
        does not name, or into a contained collection (whose name is a path through a
        container): responses then name the entities' type, and give each its id."""
        segments = self.entity_segments
        if len(segments) != 1 or not isinstance(segments[0], ResultSegment):
            return False
        return not segments[0].advertised or isinstance(segments[0].entity_set, ContainedEntities)

    @property
    def entity_segments(self) -> tuple[PathSegment, ...]:
        """The segments that address entities: up to the last key or navigation."""
        end = len(self.segments)
        while end and isinstance(self.segments[end - 1], PropertySegment | CountSegment | ValueSegment | RefSegment):
            end -= 1
        return self.segments[:end]


def addressed_type(segments: tuple[PathSegment, ...] | list[PathSegment], model: Model) -> EntityType:
    """The type of the entities the entity ``segments`` address."""
    for segment in reversed(segments):
        if isinstance(segment, TypeCastSegment):
            return segment.entity_type
        if isinstance(segment, NavigationSegment):
            return model.entity_type(segment.navigation.target_type)
        if isinstance(segment, ResultSegment):
            return segment.entity_type or segment.entity_set.entity_type
        if isinstance(segment, EntitySetSegment):
            return segment.entity_set.entity_type
        if isinstance(segment, OperationSegment) and segment.entity_set is not None:
            returned = segment.operation.return_type
            assert returned is not None and isinstance(returned.type, EntityType)
            return returned.type
    raise ValueError("the segments address no entities")


__all__ = [
    "addressed_type",
    "CountSegment",
    "EntitySetSegment",
    "KeySegment",
    "NavigationSegment",
    "ODataPath",
    "OperationSegment",
    "PathSegment",
    "PropertySegment",
    "RefSegment",
    "ResourceKind",
    "SingletonSegment",
    "ResultSegment",
    "TypeCastSegment",
    "ValueSegment",
    "entity_set_of",
]
