"""The Entity Data Model: entity types, properties, navigation, entity sets.

Pure, immutable values, named as in OData CSDL. A :class:`Model` is built once at
start-up (see :mod:`odata_server.edm.from_sqlalchemy`) and only read afterwards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, ClassVar

from odata_server.edm.annotations import Annotation
from odata_server.edm.types import PrimitiveType


def frozen_mapping(items: Mapping[str, object] | None = None) -> Mapping[str, object]:
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True, slots=True)
class EnumMember:
    """A named value of an enumeration type (CSDL §10.2)."""

    name: str
    value: int


@dataclass(frozen=True, slots=True)
class EnumType:
    """An enumeration type (CSDL §10): named integer values, combinable when ``is_flags``.

    ``python_class`` is the Python :class:`enum.Enum` whose members the storage holds,
    or ``None`` when it holds the member names as strings. Values in the framework
    are what the storage holds: members of ``python_class``, or names.
    """

    name: str
    namespace: str
    members: tuple[EnumMember, ...]
    is_flags: bool = False
    underlying_type: PrimitiveType = PrimitiveType.INT32
    python_class: type | None = field(default=None, compare=False)

    @property
    def qualified_name(self) -> str:
        return f"{self.namespace}.{self.name}"

    def member(self, name: str) -> EnumMember | None:
        for member in self.members:
            if member.name == name:
                return member
        return None


@dataclass(frozen=True, slots=True, eq=False)
class ComplexType:
    """A complex type (CSDL §9): a structured value without identity.

    Compared and hashed by identity: a model makes each complex type once.

    ``properties`` holds the inherited properties too, base type first; CSDL shows
    only those the type declares itself (:func:`declared_properties`).
    """

    name: str
    namespace: str
    properties: Mapping[str, Property]
    base_type: str | None = None
    """Qualified name of the complex type this one derives from."""
    abstract: bool = False
    open: bool = False
    partial: bool = False
    """Made by ``$select=HomeAddress/City``: only the selected members, to which values are cut down."""
    python_class: type | None = field(default=None, compare=False)
    """The dataclass this type was made from, whose instances the framework makes of
    values a client sends (operation parameters); ``None`` when there is none."""

    @property
    def qualified_name(self) -> str:
        return f"{self.namespace}.{self.name}"


@dataclass(frozen=True, slots=True)
class Property:
    """A structural property (CSDL §6): of primitive, enumeration or complex type,
    single-valued or a collection."""

    name: str
    type: PrimitiveType | EnumType | ComplexType
    nullable: bool = True
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    annotations: tuple[Annotation, ...] = ()

    collection: bool = False

    @property
    def computed(self) -> bool:
        return any(a.term == "Core.Computed" and a.value is True for a in self.annotations)

    @property
    def primitive(self) -> bool:
        """A single primitive value: what comparisons, keys and ``$value`` work on."""
        return isinstance(self.type, PrimitiveType) and not self.collection

    @property
    def type_name(self) -> str:
        """The type as CSDL writes it: ``Edm.String``, ``NS.Location``, ``Collection(Edm.String)``."""
        return type_name(self.type, self.collection)


def type_name(edm_type: PrimitiveType | EnumType | ComplexType | EntityType, collection: bool = False) -> str:
    """The qualified name of a type of any kind, or of a collection of it."""
    name = edm_type.value if isinstance(edm_type, PrimitiveType) else edm_type.qualified_name
    return f"Collection({name})" if collection else name


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
    contains_target: bool = False
    """A containment navigation property (CSDL §8.4): its targets exist only through it,
    addressed by a path through their container, and belong to no entity set."""


@dataclass(frozen=True, slots=True)
class EntityType:
    """An entity type (CSDL §6): a key, structural properties and navigation properties.

    ``properties`` and ``navigation_properties`` hold the inherited members too, the
    base type's first; CSDL shows only those the type declares itself
    (:func:`declared_properties`). A derived type has its base type's key.
    """

    name: str
    namespace: str
    key: tuple[str, ...]
    properties: Mapping[str, Property]
    navigation_properties: Mapping[str, NavigationProperty] = field(default_factory=frozen_mapping)
    base_type: str | None = None
    """Qualified name of the entity type this one derives from."""
    abstract: bool = False
    open: bool = False
    has_stream: bool = False
    """A media entity type (CSDL §8.1.2): each entity has a stream, read and written at ``/$value``."""
    streams: Mapping[str, Property] = field(default_factory=frozen_mapping)
    """The stream properties (type ``Edm.Stream``), inherited ones too. They are kept apart from
    ``properties``: a stream is read and written at its own URL, never selected, filtered or
    written as a value, so what works on ``properties`` never meets one."""
    annotations: tuple[Annotation, ...] = ()

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


EdmType = PrimitiveType | EnumType | ComplexType | EntityType


@dataclass(frozen=True, slots=True)
class TypeUse:
    """A type as a parameter, a return type or a Python annotation uses it: single or a
    collection, nullable or not. For a collection, ``nullable`` says whether its items may
    be null (CSDL §7.2.1: a collection itself is never null, it is empty instead)."""

    type: EdmType
    collection: bool = False
    nullable: bool = True

    @property
    def type_name(self) -> str:
        """The type as CSDL writes it: ``Edm.String``, ``NS.Location``, ``Collection(Edm.String)``."""
        return type_name(self.type, self.collection)


@dataclass(frozen=True, slots=True)
class Parameter(TypeUse):
    """A parameter of a function or action (CSDL §12.9): a named use of a type.

    ``name`` is keyword-only: a dataclass puts the fields of its base first.
    """

    name: str = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class ReturnType(TypeUse):
    """What a function or action returns (CSDL §12.8)."""


class OperationKind(Enum):
    FUNCTION = "Function"
    ACTION = "Action"


@dataclass(frozen=True, slots=True)
class Implementation:
    """The Python coroutine function that runs an operation.

    It is called with each parameter of the operation as a keyword argument of the
    same name, and with the request's context as ``context_argument`` when it has one.
    """

    function: Callable[..., Awaitable[object]]
    context_argument: str | None = None


@dataclass(frozen=True, slots=True)
class Operation:
    """A function (no side effects, invoked with GET) or an action (invoked with POST), CSDL §12.

    A bound operation's first parameter is its binding parameter: the entity or
    collection it is invoked on. A composable function's result accepts further
    path segments and query options.
    """

    name: str
    namespace: str
    kind: OperationKind
    parameters: tuple[Parameter, ...] = ()
    return_type: ReturnType | None = None
    bound: bool = False
    composable: bool = False
    entity_set_path: str | None = None
    implementation: Implementation | None = field(default=None, compare=False, repr=False)
    """How the service runs it; ``None`` in a model that only describes operations."""

    @property
    def qualified_name(self) -> str:
        return f"{self.namespace}.{self.name}"

    @property
    def non_binding_parameters(self) -> tuple[Parameter, ...]:
        """The parameters a URL or a request body gives: all but a bound operation's first."""
        return self.parameters[1:] if self.bound else self.parameters


@dataclass(frozen=True, slots=True)
class OperationImport:
    """A FunctionImport or ActionImport (CSDL §13.5, §13.6): an unbound operation in the container.

    ``entity_set`` names the entity set holding the entities it returns.
    """

    name: str
    operation: Operation
    entity_set: str | None = None
    include_in_service_document: bool = False


SingletonKey = Mapping[str, object] | Callable[[Any], Mapping[str, object] | None]
"""The key of a singleton's entity: fixed, or chosen per request by a function of the request."""


@dataclass(frozen=True, slots=True)
class Singleton:
    """A singleton (CSDL §13.3): one entity addressed by name, such as ``Me``.

    ``key`` says which entity of the type's table it is: a fixed key (Edm key property
    name → value), or a function of the request returning one, so that ``Me`` can be the
    signed-in user (None: no entity for this request). A singleton is never created or
    deleted, only read and updated.
    """

    name: str
    entity_type: EntityType
    navigation_property_bindings: Mapping[str, str] = field(default_factory=frozen_mapping)
    annotations: tuple[Annotation, ...] = ()
    key: SingletonKey = field(default_factory=frozen_mapping, compare=False)
    concurrency: OptimisticConcurrency | None = None
    search_properties: tuple[str, ...] = ()
    upsert: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class ContainedEntities:
    """The entities of a containment navigation property (CSDL §8.4), seen from one entity set,
    singleton or contained collection: the implicit entity set each container holds.

    It plays the part of an entity set for reading and writing them. Its ``name``
    (``People/Trips``, ``People/Trips/PlanItems``) tells the collections apart; URLs name
    each entity through its containers (``People('russellwhyte')/Trips(1)``), so the
    canonical URL of an entity needs the keys of its containers (:attr:`container_keys`).
    ``navigation_property_bindings`` maps the contained type's navigation properties to
    the name of the entity set, singleton or contained collection holding their targets.
    """

    parent: EntitySet | Singleton | ContainedEntities
    navigation: NavigationProperty
    entity_type: EntityType
    navigation_property_bindings: Mapping[str, str] = field(default_factory=frozen_mapping)
    annotations: tuple[Annotation, ...] = ()
    search_properties: tuple[str, ...] = ()
    concurrency: OptimisticConcurrency | None = None
    upsert: ClassVar[bool] = False
    container_keys: tuple[ContainerKey, ...] = field(init=False, compare=False, repr=False)
    """The key properties of the containers that the canonical URL of an entity names,
    outermost first: the root entity's (unless the root is a singleton), then the key of
    each container reached through a collection-valued containment. Made once: statements
    are cached by the identity of the fields they read."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "container_keys", self._container_keys())

    @property
    def name(self) -> str:
        return f"{self.parent.name}/{self.navigation.name}"

    @property
    def containers(self) -> tuple[ContainedEntities, ...]:
        """The contained collections from the root down to this one."""
        chain: list[ContainedEntities] = [self]
        while isinstance(chain[0].parent, ContainedEntities):
            chain.insert(0, chain[0].parent)
        return tuple(chain)

    def _container_keys(self) -> tuple[ContainerKey, ...]:
        keys: list[ContainerKey] = []
        chain = self.containers
        root = chain[0].parent
        if isinstance(root, EntitySet):
            keys += [ContainerKey(len(chain), prop) for prop in root.entity_type.key_properties]
        for depth, contained in enumerate(chain[:-1]):
            if contained.navigation.collection:
                level = len(chain) - 1 - depth
                keys += [ContainerKey(level, prop) for prop in contained.entity_type.key_properties]
        return tuple(keys)


@dataclass(frozen=True, slots=True)
class ContainerKey:
    """A key property of the entity that contains a contained entity, ``level`` containers up
    (1: its direct container): read with the entity to write its canonical URL."""

    level: int
    property: Property

    @property
    def name(self) -> str:
        return self.property.name


NavigationSource = EntitySet | Singleton | ContainedEntities
"""What holds entities and gives them their URLs: an entity set, a singleton, or the
entities of a containment navigation property."""


def container_keys(source: NavigationSource) -> tuple[ContainerKey, ...]:
    """The container keys the canonical URLs of ``source``'s entities need (none outside containment)."""
    return source.container_keys if isinstance(source, ContainedEntities) else ()


@dataclass(frozen=True, slots=True)
class Model:
    """A whole service model: one schema with its types, operations and entity container."""

    namespace: str
    container_name: str
    entity_types: Mapping[str, EntityType]
    """Keyed by qualified name, base types before the types derived from them."""
    entity_sets: Mapping[str, EntitySet]
    container_annotations: tuple[Annotation, ...] = ()
    complex_types: Mapping[str, ComplexType] = field(default_factory=frozen_mapping)
    """Keyed by qualified name, base types first."""
    enum_types: Mapping[str, EnumType] = field(default_factory=frozen_mapping)
    """Keyed by qualified name."""
    singletons: Mapping[str, Singleton] = field(default_factory=frozen_mapping)
    operations: tuple[Operation, ...] = ()
    operation_imports: Mapping[str, OperationImport] = field(default_factory=frozen_mapping)
    contained: Mapping[str, ContainedEntities] = field(default_factory=frozen_mapping)
    """The contained collections, by name (``People/Trips``)."""

    def entity_type(self, qualified_name: str) -> EntityType:
        return self.entity_types[qualified_name]

    def navigation_target_set(self, source: NavigationSource, navigation: NavigationProperty) -> NavigationSource:
        """The entity set, singleton or contained collection that holds the targets of
        ``navigation`` from ``source``."""
        if navigation.contains_target:
            return self.contained[f"{source.name}/{navigation.name}"]
        path = self.binding_path(source.entity_type, navigation)
        return self.navigation_source(source.navigation_property_bindings[path])

    def binding_path(self, entity_type: EntityType, navigation: NavigationProperty) -> str:
        """The path that binds ``navigation`` in a navigation source of ``entity_type``: its name,
        behind a type cast when a type derived from ``entity_type`` declares it (``NS.Flight/Airline``)."""
        if entity_type.navigation_properties.get(navigation.name) == navigation:
            return navigation.name
        for derived in self.derived_types(entity_type):  # base types first: the declaring one
            if derived.navigation_properties.get(navigation.name) == navigation:
                return f"{derived.qualified_name}/{navigation.name}"
        raise KeyError(f"{entity_type.qualified_name} has no navigation property {navigation.name}")

    def navigation_source(self, name: str) -> NavigationSource:
        """The entity set, singleton or contained collection named ``name``."""
        found = self.entity_sets.get(name) or self.singletons.get(name)
        return found if found is not None else self.contained[name]

    def derived_types(self, entity_type: EntityType) -> tuple[EntityType, ...]:
        """The entity types derived from ``entity_type``, directly or not."""
        found: list[EntityType] = []
        names = {entity_type.qualified_name}
        for candidate in self.entity_types.values():  # base types come first
            if candidate.base_type in names:
                found.append(candidate)
                names.add(candidate.qualified_name)
        return tuple(found)

    def bound_operations(self, binding: EntityType, *, collection: bool) -> dict[str, Operation]:
        """The operations bound to ``binding`` (or a base type of it), or to a collection of it, by qualified name."""
        lineage = set(self.lineage(binding))
        return {
            operation.qualified_name: operation
            for operation in self.operations
            if operation.bound
            and operation.parameters[0].collection == collection
            and isinstance(operation.parameters[0].type, EntityType)
            and operation.parameters[0].type.qualified_name in lineage
        }

    def lineage(self, entity_type: EntityType) -> tuple[str, ...]:
        """The qualified names of ``entity_type`` and its base types, nearest first."""
        return lineage_names(entity_type, self.entity_types)


def declared_properties(
    structured: EntityType | ComplexType, base: EntityType | ComplexType | None
) -> tuple[list[Property], list[NavigationProperty]]:
    """The members ``structured`` declares itself, not those it inherits from ``base``; an
    entity type's stream properties follow its other structural properties."""
    inherited = set(base.properties) if base is not None else set()
    properties = [prop for name, prop in structured.properties.items() if name not in inherited]
    if isinstance(structured, EntityType):
        inherited_streams = set(base.streams) if isinstance(base, EntityType) else set()
        properties += [prop for name, prop in structured.streams.items() if name not in inherited_streams]
    navigation: list[NavigationProperty] = []
    if isinstance(structured, EntityType):
        inherited_navigation = set(base.navigation_properties) if isinstance(base, EntityType) else set()
        navigation = [nav for name, nav in structured.navigation_properties.items() if name not in inherited_navigation]
    return properties, navigation


def holding_sets(
    entity_type: EntityType, entity_sets: Mapping[str, EntitySet], entity_types: Mapping[str, EntityType]
) -> list[EntitySet]:
    """The entity sets that hold ``entity_type`` entities as their own type, or else those of its
    nearest base type that has any (a set of a base type holds the derived types' entities too)."""
    current: EntityType | None = entity_type
    while current is not None:
        found = [entity_set for entity_set in entity_sets.values() if entity_set.entity_type is current]
        if found:
            return found
        current = entity_types[current.base_type] if current.base_type is not None else None
    return []


def lineage_names(entity_type: EntityType, entity_types: Mapping[str, EntityType]) -> tuple[str, ...]:
    """The qualified names of ``entity_type`` and its base types, nearest first."""
    names = [entity_type.qualified_name]
    while entity_type.base_type is not None:
        entity_type = entity_types[entity_type.base_type]
        names.append(entity_type.qualified_name)
    return tuple(names)


__all__ = [
    "ComplexType",
    "ContainedEntities",
    "ContainerKey",
    "EdmType",
    "EntitySet",
    "EntityType",
    "EnumMember",
    "EnumType",
    "Implementation",
    "Model",
    "NavigationProperty",
    "NavigationSource",
    "Operation",
    "OperationImport",
    "OperationKind",
    "OptimisticConcurrency",
    "Parameter",
    "Property",
    "ReferentialConstraint",
    "ReturnType",
    "Singleton",
    "SingletonKey",
    "TypeUse",
    "container_keys",
    "declared_properties",
    "frozen_mapping",
    "holding_sets",
    "lineage_names",
    "type_name",
]
