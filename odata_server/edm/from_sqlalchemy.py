"""Building the Entity Data Model from SQLAlchemy declarative mappers.

:func:`build_model` reads each declared class through ``sqlalchemy.inspect`` and
produces the immutable :class:`~odata_server.edm.model.Model` plus the
:data:`~odata_server.edm.storage.Storage` that ``query/`` uses to reach the
columns. Anything the framework cannot express raises
:class:`~odata_server.errors.ModelError` naming the class and attribute.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from sqlalchemy.orm import Mapper, RelationshipDirection, RelationshipProperty

from odata_server.edm import inheritance
from odata_server.edm.annotations import Annotation, PropertyPath, Record
from odata_server.edm.capabilities import CONTAINER_CAPABILITIES, ENTITY_SET_CAPABILITIES, apply_supported
from odata_server.edm.column_types import COMPUTED, column_property, edm_type_of
from odata_server.edm.containment import Containment, contained_key, containments
from odata_server.edm.inheritance import ExposedClass, exposed_classes, mapper_of
from odata_server.edm.model import (
    ContainedEntities,
    EntitySet,
    EntityType,
    Model,
    NavigationProperty,
    OptimisticConcurrency,
    Property,
    ReferentialConstraint,
    Singleton,
    SingletonKey,
    declared_properties,
    frozen_mapping,
)
from odata_server.edm.names import check_identifier, check_unique
from odata_server.edm.operations import OperationDeclaration, build_operations
from odata_server.edm.python_types import PythonTypes
from odata_server.edm.storage import EntityStorage
from odata_server.edm.streams import MEDIA_STREAM, Column, Stream, stream_members
from odata_server.edm.types import INTEGER_RANGES, PrimitiveType
from odata_server.errors import ModelError

# CSDL §6.5: the types a key property may have.
_KEY_TYPES = frozenset(PrimitiveType) - {
    PrimitiveType.BINARY,
    PrimitiveType.STREAM,
    PrimitiveType.DOUBLE,
    PrimitiveType.SINGLE,
}


@dataclass(frozen=True, slots=True)
class EntitySetDeclaration:
    """What a user declared with ``service.add(cls, ...)``.

    Attributes:
        mapped_class: a SQLAlchemy declarative class.
        name: the entity set name; ``None`` for the plural of the type name.
        type_name: the entity type name; ``None`` for the class name.
        exclude: attribute names not to expose, and mapped subclasses not to expose as
            derived types (with their own subclasses).
        names: attribute name → Edm property or navigation property name, where they differ.
        search: the Edm names of the string properties ``$search`` looks in; ``None``
            for all string properties.
        etag: the Edm names of the properties whose values make the ETag; ``True``
            for all properties but the key.
        version: the Edm name of an integer property the server increments on every
            change, which makes the ETag by itself.
        if_match_required: changes must carry ``If-Match``.
        upsert: PUT and PATCH to a key that does not exist create the entity.
        contains: the one-to-many relationships (attribute names) whose targets the
            class contains (CSDL §8.4).
        has_entity_set: False for a class with no entity set of its own: one declared
            with ``service.contain`` (its entities live in a container), or exposed by a
            singleton only.
        media: where the stream of a media entity is kept; None for other entities.
        streams: stream property name → where its stream is kept.
    """

    mapped_class: type
    name: str | None = None
    type_name: str | None = None
    exclude: frozenset[str | type] = frozenset()
    names: Mapping[str, str] = field(default_factory=dict)
    search: tuple[str, ...] | None = None
    etag: tuple[str, ...] | bool = ()
    version: str | None = None
    if_match_required: bool = False
    upsert: bool = False
    contains: tuple[str, ...] = ()
    has_entity_set: bool = True
    media: Stream | None = None
    streams: Mapping[str, Stream] = field(default_factory=dict)

    @property
    def all_streams(self) -> dict[str, Stream]:
        """Every declared stream, the media entity's own under ``"$value"``."""
        return {**({MEDIA_STREAM: self.media} if self.media is not None else {}), **self.streams}

    @property
    def entity_type_name(self) -> str:
        return self.type_name or self.mapped_class.__name__

    @property
    def entity_set_name(self) -> str:
        return self.name or plural(self.entity_type_name)

    @property
    def excluded_attributes(self) -> frozenset[str]:
        return frozenset(item for item in self.exclude if isinstance(item, str))

    @property
    def excluded_classes(self) -> frozenset[type]:
        return frozenset(item for item in self.exclude if isinstance(item, type))

    @property
    def shapes_type(self) -> bool:
        """Whether it gives options of the entity type (not only of the entity set)."""
        return self.type_name is not None or bool(self.exclude) or bool(self.names) or bool(self.all_streams)


@dataclass(frozen=True, slots=True)
class SingletonDeclaration:
    """What a user declared with ``service.singleton(name, cls, key=...)``: the class's
    entity type (as its other declaration makes it, or with default options) and the
    singleton's own ETag options."""

    name: str
    mapped_class: type
    key: SingletonKey
    etag: tuple[str, ...] | bool = ()
    version: str | None = None
    if_match_required: bool = False


def plural(name: str) -> str:
    """The English plural used for default entity set names: Category → Categories."""
    if re.search(r"[^aeiou]y\Z", name):
        return name[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)\Z", name):
        return name + "es"
    return name + "s"


def build_model(
    declarations: Iterable[EntitySetDeclaration],
    *,
    namespace: str,
    container_name: str,
    singletons: Iterable[SingletonDeclaration] = (),
    operations: Iterable[OperationDeclaration] = (),
) -> tuple[Model, dict[str, EntityStorage]]:
    """Build and validate the model of the declared entity sets, contained classes, singletons and operations."""
    singletons = list(singletons)
    declarations = _with_implicit_types(list(declarations), singletons)
    for part in namespace.split("."):
        check_identifier(part, f"namespace {namespace!r}")
    check_identifier(container_name, f"container name {container_name!r}")
    contained = containments(
        {d.mapped_class: d.contains for d in declarations if d.contains},
        {d.mapped_class for d in declarations if d.has_entity_set},
    )

    first_declaration: dict[type, EntitySetDeclaration] = {}
    for declaration in declarations:
        earlier = first_declaration.setdefault(declaration.mapped_class, declaration)
        _check_same_type(earlier, declaration)
    exposed = exposed_classes(declarations)
    versions: dict[int, set[str]] = {}  # by id of the declaration shaping the hierarchy
    for declared in [*declarations, *singletons]:
        if declared.version:
            versions.setdefault(id(exposed[declared.mapped_class].declaration), set()).add(declared.version)

    python_types = PythonTypes(namespace)
    types_by_class: dict[type, tuple[EntityType, EntityStorage]] = {}
    for mapped_class, item in exposed.items():  # base classes first
        base = types_by_class.get(item.base) if item.base is not None else None
        types_by_class[mapped_class] = _entity_type(
            item, exposed, namespace, versions.get(id(item.declaration), set()), python_types, base
        )
    set_names = [d.entity_set_name for d in declarations if d.has_entity_set]
    check_unique(set_names, "entity sets", "pass name= to tell them apart")
    check_unique([*set_names, *(s.name for s in singletons)], "entity sets or singletons", "rename one")

    first_set_of_type: dict[type, str] = {}
    for declaration in declarations:
        if declaration.has_entity_set:
            first_set_of_type.setdefault(declaration.mapped_class, declaration.entity_set_name)

    entity_types: dict[str, EntityType] = {}
    storage: dict[str, EntityStorage] = {}
    typed = {cls: t for cls, (t, _) in types_by_class.items()}
    for mapped_class, (entity_type, type_storage) in types_by_class.items():
        base_name = entity_type.base_type
        inherited = entity_types[base_name].navigation_properties if base_name else {}
        inherited_relationships = storage[base_name].relationships if base_name else {}
        own, relationships = _navigation_properties(exposed[mapped_class], typed, exposed)
        key, properties = entity_type.key, entity_type.properties
        if mapped_class in contained:
            key, properties = _contained_key(entity_type, exposed[mapped_class].declaration, contained[mapped_class])
        entity_type = replace(
            entity_type,
            key=key,
            properties=properties,
            navigation_properties=frozen_mapping({**inherited, **own}),  # type: ignore[arg-type]
        )
        entity_types[entity_type.qualified_name] = entity_type
        storage[entity_type.qualified_name] = replace(
            type_storage,
            relationships=frozen_mapping({**inherited_relationships, **relationships}),  # type: ignore[arg-type]
        )

    hierarchy = Model(namespace, container_name, frozen_mapping(entity_types), frozen_mapping())  # type: ignore[arg-type]
    bases = {cls: item.base for cls, item in exposed.items()}
    class_of_type = {t.qualified_name: cls for cls, t in typed.items()}
    targets = _Targets(hierarchy, class_of_type, first_set_of_type, bases, set(contained))
    entity_sets: dict[str, EntitySet] = {}
    for declaration in declarations:
        if not declaration.has_entity_set:
            continue
        entity_type = entity_types[typed[declaration.mapped_class].qualified_name]
        search_properties = _search_properties(declaration, entity_type)
        concurrency = _concurrency(declaration, entity_type)
        annotations = (*_searchable(ENTITY_SET_CAPABILITIES, bool(search_properties)), apply_supported(entity_type))
        if concurrency is not None:
            paths = tuple(PropertyPath(name) for name in concurrency.properties)
            annotations += (Annotation("Core.OptimisticConcurrency", paths),)
        entity_sets[declaration.entity_set_name] = EntitySet(
            name=declaration.entity_set_name,
            entity_type=entity_type,
            navigation_property_bindings=frozen_mapping(
                targets.root_bindings(entity_type, declaration.entity_set_name)
            ),  # type: ignore[arg-type]
            annotations=annotations,
            search_properties=search_properties,
            concurrency=concurrency,
            upsert=declaration.upsert,
        )

    singleton_members: dict[str, Singleton] = {}
    for singleton in singletons:
        entity_type = entity_types[typed[singleton.mapped_class].qualified_name]
        _check_singleton_key(singleton, entity_type)
        singleton_members[singleton.name] = Singleton(
            name=singleton.name,
            entity_type=entity_type,
            navigation_property_bindings=frozen_mapping(targets.root_bindings(entity_type, singleton.name)),  # type: ignore[arg-type]
            key=singleton.key,
            concurrency=_concurrency(singleton, entity_type),  # type: ignore[arg-type]
        )

    declaration_of_type = {typed[cls].qualified_name: item.declaration for cls, item in exposed.items()}
    contained_sets: dict[str, ContainedEntities] = {}
    for root in [*entity_sets.values(), *singleton_members.values()]:
        targets.contained_sets(root, declaration_of_type, contained_sets)

    # Signatures name entity classes by the entity types made above, with the same PythonTypes
    # as the columns, so a complex or enumeration type is one type however many use it.
    type_of_class = {cls: entity_types[t.qualified_name] for cls, t in typed.items()}
    python_types.entity_type_of = type_of_class.get
    operation_list, imports = build_operations(operations, python_types, entity_types, entity_sets)
    check_unique(
        [
            *(t.name for t in typed.values()),
            *(t.name for t in python_types.complex_types.values()),
            *(t.name for t in python_types.enum_types.values()),
            *dict.fromkeys(operation.name for operation in operation_list),
            container_name,
        ],
        "schema members (entity, complex and enumeration types, functions, actions and the container)",
        "pass type_name=, name= or container_name= to tell them apart",
    )
    check_unique(
        [*entity_sets, *singleton_members, *imports],
        "entity sets, singletons and operation imports",
        "pass name= to tell them apart",
    )

    model = Model(
        namespace=namespace,
        container_name=container_name,
        entity_types=frozen_mapping(entity_types),  # type: ignore[arg-type]
        entity_sets=frozen_mapping(entity_sets),  # type: ignore[arg-type]
        container_annotations=CONTAINER_CAPABILITIES,
        complex_types=frozen_mapping(python_types.complex_types),  # type: ignore[arg-type]
        enum_types=frozen_mapping(python_types.enum_types),  # type: ignore[arg-type]
        singletons=frozen_mapping(singleton_members),  # type: ignore[arg-type]
        contained=frozen_mapping(contained_sets),  # type: ignore[arg-type]
        operations=operation_list,
        operation_imports=frozen_mapping(imports),  # type: ignore[arg-type]
    )
    return model, storage


def _with_implicit_types(
    declarations: list[EntitySetDeclaration], singletons: list[SingletonDeclaration]
) -> list[EntitySetDeclaration]:
    """The declarations, plus a default one (without entity set) for each class that is
    contained or a singleton's and was not declared."""
    declared = {d.mapped_class for d in declarations}
    pending = [*declarations, *(EntitySetDeclaration(s.mapped_class, has_entity_set=False) for s in singletons)]
    while pending:
        declaration = pending.pop()
        if declaration.mapped_class not in declared:
            declared.add(declaration.mapped_class)
            declarations.append(declaration)
        mapper = mapper_of(declaration.mapped_class)
        for name in declaration.contains:
            if name in mapper.relationships:
                pending.append(EntitySetDeclaration(mapper.relationships[name].mapper.class_, has_entity_set=False))
    return declarations


def _contained_key(
    entity_type: EntityType, declaration: EntitySetDeclaration, containment: Containment
) -> tuple[tuple[str, ...], Mapping[str, Property]]:
    """The OData key of a contained type, and its properties with those pointing at the
    container made read-only (Core.Computed: the container sets them)."""
    pointing = {declaration.names.get(name, name) for name in containment.foreign_key_attributes()}
    where = declaration.mapped_class.__qualname__
    key = contained_key(entity_type.key, pointing, bool(containment.relationship.uselist), where)
    properties = dict(entity_type.properties)
    for name in pointing & set(properties):
        prop = properties[name]
        if not prop.computed:
            properties[name] = replace(prop, annotations=(*prop.annotations, COMPUTED))
    return key, frozen_mapping(properties)  # type: ignore[return-value]


def _check_singleton_key(singleton: SingletonDeclaration, entity_type: EntityType) -> None:
    check_identifier(singleton.name, f"singleton name {singleton.name!r}")
    if callable(singleton.key):
        return
    if set(singleton.key) != set(entity_type.key):
        raise ModelError(
            f"Singleton {singleton.name}: key= must give the key of {entity_type.name} "
            f"({', '.join(entity_type.key)}), not ({', '.join(singleton.key)})"
        )


class _Targets:
    """Where the targets of navigation properties are: the bindings of entity sets and
    singletons, and the contained collections reached from them."""

    def __init__(
        self,
        hierarchy: Model,
        class_of_type: Mapping[str, type],
        first_set_of_type: Mapping[type, str],
        bases: Mapping[type, type | None],
        contained_classes: set[type],
    ) -> None:
        self.hierarchy = hierarchy
        """The entity types (for their derived types); no sets yet."""
        self.entity_types = hierarchy.entity_types
        self.class_of_type = class_of_type
        self.first_set_of_type = first_set_of_type
        self.bases = bases
        self.contained_classes = contained_classes

    def _set_holding(self, target_class: type) -> str | None:
        """The first entity set whose entities may be of ``target_class``: one of its own, or of
        the nearest base class that has one."""
        current: type | None = target_class
        while current is not None:
            if current in self.first_set_of_type:
                return self.first_set_of_type[current]
            current = self.bases[current]
        return None

    def direct_bindings(
        self, entity_type: EntityType, container: tuple[str, NavigationProperty] | None
    ) -> dict[str, str]:
        """Navigation property → target, for the non-containment navigation properties of
        ``entity_type`` and, behind a type cast (``NS.Flight/Airline``), of the types derived
        from it; ``container`` is (name, containment navigation property) of the collection
        holding the entities, whose partner leads back to it."""
        bindings: dict[str, str] = {}
        for nav, path in self._navigation_paths(entity_type):
            if nav.contains_target:
                continue
            if container is not None and nav.partner == container[1].name and container[1].partner == nav.name:
                bindings[path] = container[0]
                continue
            target_class = self.class_of_type[nav.target_type]
            where = f"{entity_type.name}.{nav.name}"
            if target_class in self.contained_classes:
                raise ModelError(
                    f"{where} leads to {target_class.__qualname__}, whose entities are contained in another "
                    "entity and reached only through it; exclude the relationship"
                )
            target_set = self._set_holding(target_class)
            if target_set is None:
                raise ModelError(
                    f"{where} leads to {target_class.__qualname__}, which has no entity set; "
                    "add it with service.add() or exclude the relationship"
                )
            bindings[path] = target_set
        return bindings

    def _navigation_paths(self, entity_type: EntityType) -> list[tuple[NavigationProperty, str]]:
        """Each navigation property of ``entity_type``, then each one a type derived from it
        declares, with the path that binds it."""
        found = [(nav, nav.name) for nav in entity_type.navigation_properties.values()]
        for derived in self.hierarchy.derived_types(entity_type):
            base = self.entity_types[derived.base_type] if derived.base_type else None
            _, navigation = declared_properties(derived, base)
            found += [(nav, f"{derived.qualified_name}/{nav.name}") for nav in navigation]
        return found

    def root_bindings(self, entity_type: EntityType, name: str) -> dict[str, str]:
        """The NavigationPropertyBindings of an entity set or singleton: its own navigation
        properties, and through containment (``Trips/Airline``) those of the contained
        types whose targets are entity sets or singletons (CSDL §13.4.1)."""
        return self._paths(entity_type, name, None)

    def _paths(
        self, entity_type: EntityType, name: str, container: tuple[str, NavigationProperty] | None
    ) -> dict[str, str]:
        bindings = {
            path: target for path, target in self.direct_bindings(entity_type, container).items() if "/" not in target
        }
        for nav in entity_type.navigation_properties.values():
            if nav.contains_target:
                inner = self._paths(self.entity_types[nav.target_type], f"{name}/{nav.name}", (name, nav))
                bindings.update((f"{nav.name}/{path}", target) for path, target in inner.items())
        return bindings

    def contained_sets(
        self,
        parent: EntitySet | Singleton | ContainedEntities,
        declarations: Mapping[str, EntitySetDeclaration],
        found: dict[str, ContainedEntities],
    ) -> None:
        """Add the contained collections of ``parent``'s containment navigation properties to ``found``, recursively."""
        for nav in parent.entity_type.navigation_properties.values():
            if not nav.contains_target:
                continue
            entity_type = self.entity_types[nav.target_type]
            declaration = declarations[entity_type.qualified_name]
            contained = ContainedEntities(
                parent=parent,
                navigation=nav,
                entity_type=entity_type,
                navigation_property_bindings=frozen_mapping(self.direct_bindings(entity_type, (parent.name, nav))),  # type: ignore[arg-type]
                search_properties=_search_properties(declaration, entity_type),
                concurrency=_concurrency(declaration, entity_type),
            )
            found[contained.name] = contained
            self.contained_sets(contained, declarations, found)


def _edm_name(declaration: EntitySetDeclaration, attribute: str, mapped_class: type) -> str:
    name = declaration.names.get(attribute, attribute)
    check_identifier(
        name,
        f"{mapped_class.__qualname__}.{attribute} (OData name {name!r})",
    )
    return name


def _entity_type(
    item: ExposedClass,
    exposed: Mapping[type, ExposedClass],
    namespace: str,
    versions: set[str],
    python_types: PythonTypes,
    base: tuple[EntityType, EntityStorage] | None,
) -> tuple[EntityType, EntityStorage]:
    """The entity type of a class, without navigation properties: its base type's properties and
    streams and its own; ``versions`` are the properties the server increments (Core.Computed)."""
    mapped_class, declaration = item.mapped_class, item.declaration
    mapper = item.mapper
    where = mapped_class.__qualname__
    declared = declaration.mapped_class is mapped_class
    type_name = declaration.entity_type_name if declared else mapped_class.__name__
    check_identifier(type_name, f"entity type name of {where}")
    if declared:
        check_identifier(declaration.entity_set_name, f"entity set name of {where}")
        _check_options(declaration, mapper)
    discriminator = inheritance.discriminator(exposed, item)
    hidden = inheritance.discriminator_attribute(mapper)
    inherited_attributes = set(mapper.inherits.attrs.keys()) if base is not None and mapper.inherits else set()

    key_attributes = [mapper.get_property_by_column(column).key for column in mapper.primary_key]
    if base is None:
        streams = stream_members(declaration.all_streams, _columns(mapper, key_attributes), where)
        properties: dict[str, Property] = {}
        columns: dict[str, str] = dict(streams.columns)
    else:  # the streams of the base type, and its properties
        streams = stream_members({}, {}, where)
        properties, columns = dict(base[0].properties), dict(base[1].columns)
    for attribute in mapper.column_attrs:
        if attribute.key in streams.used or attribute.key in inherited_attributes or attribute.key == hidden:
            continue
        if attribute.key in declaration.excluded_attributes:
            if attribute.key in key_attributes:
                raise ModelError(f"{where}.{attribute.key} is part of the key and cannot be excluded")
            continue
        name = _edm_name(declaration, attribute.key, mapped_class)
        if name in properties:
            raise ModelError(f"{where}: two attributes are both exposed as {name!r}")
        properties[name] = column_property(attribute, name, where, python_types)
        if name in versions and not properties[name].computed:
            properties[name] = replace(properties[name], annotations=(*properties[name].annotations, COMPUTED))
        columns[name] = attribute.key

    key = base[0].key if base else tuple(declaration.names.get(attribute, attribute) for attribute in key_attributes)
    for name in key:
        prop = properties[name]
        if prop.type not in _KEY_TYPES:
            raise ModelError(f"{where}: key property {name!r} has type {prop.type.value}, which cannot be a key")
        if prop.nullable:
            properties[name] = replace(prop, nullable=False)

    for name in streams.properties:
        check_identifier(name, f"stream property {name!r} of {where}")
        if name in properties:
            raise ModelError(f"{where}: the stream property {name!r} has the name of a property")
    entity_type = EntityType(
        name=type_name,
        namespace=namespace,
        key=key,
        properties=frozen_mapping(properties),  # type: ignore[arg-type]
        base_type=base[0].qualified_name if base else None,
        abstract=inheritance.has_derived(exposed, mapped_class) and inheritance.abstract(mapper),
        has_stream=base[0].has_stream if base else declaration.media is not None,
        streams=base[0].streams if base else frozen_mapping(streams.properties),  # type: ignore[arg-type]
        annotations=base[0].annotations if base else streams.annotations,
    )
    storage = EntityStorage(
        mapped_class,
        frozen_mapping(columns),  # type: ignore[arg-type]
        frozen_mapping(),  # type: ignore[arg-type]
        key,
        base[1].streams if base else frozen_mapping(declaration.all_streams),  # type: ignore[arg-type]
        discriminator=discriminator,
        identities=inheritance.identities(mapper) if discriminator else (),
    )
    return entity_type, storage


def _check_options(declaration: EntitySetDeclaration, mapper: Mapper[object]) -> None:
    """``exclude=`` and ``names=`` name attributes of the class or of its mapped subclasses, and
    ``exclude=`` subclasses of it."""
    where = declaration.mapped_class.__qualname__
    attributes = {key for sub in mapper.self_and_descendants for key in sub.attrs.keys()}
    for option, names in (("exclude", declaration.excluded_attributes), ("names", set(declaration.names))):
        unknown = names - attributes
        if unknown:
            raise ModelError(f"{where}: {option}= names no mapped attribute: {', '.join(sorted(unknown))}")
    subclasses = {sub.class_ for sub in mapper.self_and_descendants if sub is not mapper}
    strangers = declaration.excluded_classes - subclasses
    if strangers:
        names = ", ".join(sorted(cls.__qualname__ for cls in strangers))
        raise ModelError(f"{where}: exclude= names classes that are not mapped subclasses of it: {names}")


def _columns(mapper: Mapper[object], key_attributes: list[str]) -> dict[str, Column]:
    """Each mapped column attribute as a stream could use it."""
    columns = {}
    for attribute in mapper.column_attrs:
        expression = attribute.columns[0]
        try:
            edm_type: PrimitiveType | None = edm_type_of(expression.type)[0]
        except ModelError:
            edm_type = None
        nullable = bool(expression.nullable) if isinstance(expression, sa.Column) else True
        columns[attribute.key] = Column(edm_type, nullable, attribute.key in key_attributes)
    return columns


def _navigation_properties(
    item: ExposedClass, typed: Mapping[type, EntityType], exposed: Mapping[type, ExposedClass]
) -> tuple[dict[str, NavigationProperty], dict[str, str]]:
    """Navigation properties for the relationships a class has beyond its base type's, whose
    target class is exposed too."""
    mapped_class, declaration = item.mapped_class, item.declaration
    source = typed[mapped_class]
    mapper = item.mapper
    inherited = set(mapper.inherits.attrs.keys()) if item.base is not None and mapper.inherits else set()
    navigation: dict[str, NavigationProperty] = {}
    relationships: dict[str, str] = {}
    for relationship in mapper.relationships:
        if relationship.key in inherited:
            continue
        if relationship.key in declaration.excluded_attributes or relationship.mapper.class_ not in typed:
            if relationship.key in declaration.contains:
                raise ModelError(
                    f"{mapped_class.__qualname__}: contains= names {relationship.key!r}, which is excluded"
                )
            continue
        target_class = relationship.mapper.class_
        target, target_declaration = typed[target_class], exposed[target_class].declaration
        name = _edm_name(declaration, relationship.key, mapped_class)
        if name in source.properties or name in source.streams or name in navigation:
            raise ModelError(f"{mapped_class.__qualname__}: two attributes are both exposed as {name!r}")
        navigation[name] = NavigationProperty(
            name=name,
            target_type=target.qualified_name,
            collection=bool(relationship.uselist),
            nullable=_single_nullable(relationship),
            partner=_partner(relationship, exposed),
            referential_constraints=_constraints(relationship, declaration, target_declaration, source, target),
            contains_target=relationship.key in declaration.contains,
        )
        relationships[name] = relationship.key
    return navigation, relationships


def _single_nullable(relationship: RelationshipProperty[object]) -> bool:
    if relationship.direction is RelationshipDirection.MANYTOONE:
        return any(column.nullable for column, _ in relationship.local_remote_pairs or ())
    return True


def _partner(relationship: RelationshipProperty[object], exposed: Mapping[type, ExposedClass]) -> str | None:
    # _reverse_property holds the other side for back_populates= and backref= alike.
    for reverse in relationship._reverse_property:
        if reverse.parent.class_ in exposed:
            target_declaration = exposed[reverse.parent.class_].declaration
            if reverse.key not in target_declaration.excluded_attributes:
                return target_declaration.names.get(reverse.key, reverse.key)
    return None


def _constraints(
    relationship: RelationshipProperty[object],
    source_declaration: EntitySetDeclaration,
    target_declaration: EntitySetDeclaration,
    source: EntityType,
    target: EntityType,
) -> tuple[ReferentialConstraint, ...]:
    """ReferentialConstraints of a many-to-one relationship whose columns are all exposed."""
    if relationship.direction is not RelationshipDirection.MANYTOONE:
        return ()
    constraints = []
    for local, remote in relationship.local_remote_pairs or ():
        local_key = relationship.parent.get_property_by_column(local).key
        remote_key = relationship.mapper.get_property_by_column(remote).key
        local_name = source_declaration.names.get(local_key, local_key)
        remote_name = target_declaration.names.get(remote_key, remote_key)
        if local_name not in source.properties or remote_name not in target.properties:
            return ()
        constraints.append(ReferentialConstraint(local_name, remote_name))
    return tuple(constraints)


def _searchable(annotations: tuple[Annotation, ...], searchable: bool) -> tuple[Annotation, ...]:
    """Capabilities.SearchRestrictions says a set without string properties is not searchable."""
    term = "Capabilities.SearchRestrictions"
    return tuple(Annotation(term, Record.of({"Searchable": searchable})) if a.term == term else a for a in annotations)


def _search_properties(declaration: EntitySetDeclaration, entity_type: EntityType) -> tuple[str, ...]:
    strings = [
        name for name, prop in entity_type.properties.items() if prop.primitive and prop.type is PrimitiveType.STRING
    ]
    if declaration.search is None:
        return tuple(strings)
    wrong = [name for name in declaration.search if name not in strings]
    if wrong:
        raise ModelError(
            f"{declaration.mapped_class.__qualname__}: search= names {', '.join(wrong)}, "
            f"but $search looks only in string properties ({', '.join(strings)})"
        )
    return tuple(declaration.search)


def _concurrency(declaration: EntitySetDeclaration, entity_type: EntityType) -> OptimisticConcurrency | None:
    """The ETag of the set's entities, from ``etag=`` (a hash of values) or ``version=``."""
    where = declaration.mapped_class.__qualname__
    if declaration.etag and declaration.version:
        raise ModelError(f"{where}: give either etag= (properties to hash) or version= (a version property), not both")
    if declaration.version is not None:
        prop = entity_type.properties.get(declaration.version)
        if prop is None or prop.type not in INTEGER_RANGES:
            raise ModelError(f"{where}: version= must name an integer property, not {declaration.version!r}")
        if declaration.version in entity_type.key:
            raise ModelError(f"{where}: version= cannot name a key property")
        return OptimisticConcurrency((declaration.version,), declaration.version, declaration.if_match_required)
    if declaration.etag is True:
        names = tuple(name for name in entity_type.properties if name not in entity_type.key)
        return OptimisticConcurrency(names, None, declaration.if_match_required)
    if declaration.etag:
        unknown = [name for name in declaration.etag if name not in entity_type.properties]
        if unknown:
            raise ModelError(f"{where}: etag= names no property: {', '.join(unknown)}")
        return OptimisticConcurrency(tuple(declaration.etag), None, declaration.if_match_required)
    if declaration.if_match_required:
        raise ModelError(f"{where}: if_match_required=True needs etag= or version= to make ETags from")
    return None


def _check_same_type(first: EntitySetDeclaration, again: EntitySetDeclaration) -> None:
    """A class exposed by several entity sets is one entity type: its options must agree."""
    if (first.entity_type_name, first.exclude, dict(first.names), first.all_streams) != (
        again.entity_type_name,
        again.exclude,
        dict(again.names),
        again.all_streams,
    ):
        raise ModelError(
            f"{again.mapped_class.__qualname__} is exposed twice with different type_name, exclude or names "
            "(or media= or streams=); entity sets of one class share one entity type, so give them the same options"
        )


__all__ = ["EntitySetDeclaration", "SingletonDeclaration", "build_model", "plural"]
