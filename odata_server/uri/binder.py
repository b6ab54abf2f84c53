"""Binding: a parsed resource path resolved against the model.

Names become entity sets, properties and navigation properties; key literals become
typed values. Unknown names are 404s, malformed or ill-typed keys 400s, and parts
of OData this server does not offer yet 501s.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping

from odata_server.edm.model import ComplexType, EntityType, Model, NavigationSource, OperationKind, Singleton
from odata_server.edm.types import PrimitiveType
from odata_server.errors import BadRequestError, FeatureNotImplementedError, NotFoundError
from odata_server.uri.literals import LiteralTypeError, typed_value
from odata_server.uri.operations import OperationBinder
from odata_server.uri.parser import RawSegment, parse_literal, parse_segment, split_path
from odata_server.uri.path import (
    CountSegment,
    EntitySetSegment,
    KeySegment,
    NavigationSegment,
    ODataPath,
    OperationSegment,
    PathSegment,
    PropertySegment,
    RefSegment,
    ResourceKind,
    SingletonSegment,
    TypeCastSegment,
    ValueSegment,
    addressed_type,
)
from odata_server.uri.syntax import DollarSegment, IdentifierSegment, KeyPredicate, Literal

_NOT_YET = {
    "$entity": "Resolving entity ids with $entity",
    "$all": "The $all resource",
    "$crossjoin": "The $crossjoin resource",
    "$each": "The $each path segment",
    "$filter": "The $filter path segment",
    "$query": "The $query path segment",
}


def bind_path(
    raw_path: str,
    model: Model,
    aliases: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
) -> ODataPath:
    """Bind a percent-encoded resource path (relative to the service root) to ``model``.

    ``aliases`` holds the parameter aliases of the query string, for keys such as
    ``Products(@id)?@id=1`` and function parameters; ``query`` its custom query
    options, where a function ending the path may find its parameters.
    """
    raw_segments = split_path(raw_path)
    if raw_segments[-1].text == "" and len(raw_segments) > 1:
        raw_segments.pop()  # a trailing slash addresses the same resource
    if raw_segments == [RawSegment("", 0)]:
        return ODataPath(ResourceKind.SERVICE_DOCUMENT)
    for segment in raw_segments:
        if segment.text == "":
            raise BadRequestError(f"The resource path has an empty segment at position {segment.offset}")
    return _PathBinder(model, raw_segments, aliases or {}, query or {}).bind()


class _PathBinder:
    """Walks the segments left to right, keeping what the path addresses so far."""

    def __init__(
        self, model: Model, raw_segments: list[RawSegment], aliases: Mapping[str, str], query: Mapping[str, str]
    ) -> None:
        self.model = model
        self.aliases = aliases
        self.operations = OperationBinder(model, aliases, query)
        self.remaining = len(raw_segments)
        self.pending = self._counted(raw_segments)
        self.segments: list[PathSegment] = []

    def _counted(self, raw_segments: list[RawSegment]) -> Iterator[RawSegment]:
        for raw in raw_segments:
            self.remaining -= 1
            yield raw

    def bind(self) -> ODataPath:
        first = parse_segment(next(self.pending))
        if isinstance(first, DollarSegment):
            return self._bind_dollar_root(first)
        singleton = self.model.singletons.get(first.name)
        if singleton is not None:
            if first.parentheses:
                raise BadRequestError(f"{first.name} is a singleton and takes no key", target=first.name)
            self.segments.append(SingletonSegment(singleton))
            return self._after_entity(singleton)
        operation_import = self.model.operation_imports.get(first.name)
        if operation_import is not None:
            return self._after_operation(self.operations.imported(operation_import, first, last=self._last))
        entity_set = self._entity_set(first.name)
        self.segments.append(EntitySetSegment(entity_set))
        if first.parentheses:
            self.segments.append(self._key(entity_set.entity_type, first.key, first.name))
            return self._after_entity(entity_set)
        return self._after_collection(entity_set)

    def _bind_dollar_root(self, segment: DollarSegment) -> ODataPath:
        if segment.name in _NOT_YET:
            raise FeatureNotImplementedError(f"{_NOT_YET[segment.name]} is not supported yet", target=segment.name)
        kinds = {"$metadata": ResourceKind.METADATA, "$batch": ResourceKind.BATCH}
        if segment.name not in kinds or segment.arguments is not None:
            raise BadRequestError(f"A resource path cannot start with {segment.name}", target=segment.name)
        return self._end(ODataPath(kinds[segment.name]))

    @property
    def _last(self) -> bool:
        """Whether the segment just taken is the last of the path."""
        return self.remaining == 0

    def _entity_set(self, name: str) -> NavigationSource:
        entity_set = self.model.entity_sets.get(name)
        if entity_set is None:
            names = [*self.model.entity_sets, *self.model.singletons, *self.model.operation_imports]
            raise NotFoundError(
                f"The service has no entity set, singleton or operation import named {name!r}{_suggestion(name, names)}",
                target=name,
                code="UnknownEntitySet",
            )
        return entity_set

    def _after_operation(self, invocation: OperationSegment) -> ODataPath:
        """What may follow a function or action: nothing after an action or a function that is
        not composable; after a composable function, what may follow its result."""
        self.segments.append(invocation)
        operation, entity_set = invocation.operation, invocation.entity_set
        returned = operation.return_type
        if operation.kind is OperationKind.ACTION:
            return self._end(ODataPath(ResourceKind.ACTION, tuple(self.segments), entity_set))
        if operation.composable and entity_set is not None:
            assert returned is not None
            return self._after_collection(entity_set) if returned.collection else self._after_entity(entity_set)
        extra = next(self.pending, None)
        if extra is not None:
            if operation.composable:
                raise FeatureNotImplementedError(
                    f"Path segments after a function that returns values ({operation.name}) are not supported yet",
                    target=extra.text,
                )
            raise BadRequestError(
                f"Function {operation.name} is not composable: nothing may follow it in the resource path",
                target=extra.text,
            )
        if entity_set is None:
            return ODataPath(ResourceKind.FUNCTION_VALUE, tuple(self.segments))
        assert returned is not None
        kind = ResourceKind.COLLECTION if returned.collection else ResourceKind.ENTITY
        return ODataPath(kind, tuple(self.segments), entity_set)

    def _bound_operation(self, raw: RawSegment, entity_set: NavigationSource, *, collection: bool) -> ODataPath:
        """A bound function or action (``Trippin.GetFavoriteAirline()``) on the entities addressed,
        of the type a cast may have narrowed them to."""
        segment = parse_segment(raw)
        assert isinstance(segment, IdentifierSegment)
        entity_type = addressed_type(self.segments, self.model)
        invocation = self.operations.bound(
            segment, entity_set, collection=collection, last=self._last, entity_type=entity_type
        )
        if invocation is not None:
            return self._after_operation(invocation)
        if segment.name in self.model.entity_types:  # URL Conventions §4.11: one cast, then a key or member
            raise BadRequestError(f"The type cast {segment.name} cannot follow another", target=segment.name)
        raise NotFoundError(
            f"The service has no bound function or action, nor a type, named {segment.name!r}",
            target=segment.name,
            code="UnknownOperation",
        )

    def _after_collection(self, entity_set: NavigationSource, *, cast: bool = True) -> ODataPath:
        """What follows a collection; ``cast`` is False right after a type cast (one cast per collection)."""
        raw = next(self.pending, None)
        if raw is None:
            return ODataPath(ResourceKind.COLLECTION, tuple(self.segments), entity_set)
        if raw.text == "$count":
            self.segments.append(CountSegment())
            return self._end(ODataPath(ResourceKind.COUNT, tuple(self.segments), entity_set))
        if raw.text == "$ref":
            self.segments.append(RefSegment())
            return self._end(ODataPath(ResourceKind.REFERENCE_COLLECTION, tuple(self.segments), entity_set))
        if raw.text.startswith("$"):
            segment = parse_segment(raw)
            assert isinstance(segment, DollarSegment)
            self._refuse_dollar(segment, "a collection")
        if cast and (path := self._cast_collection(entity_set, raw)) is not None:
            return path
        if raw.text.startswith(f"{self.model.namespace}."):
            return self._bound_operation(raw, entity_set, collection=True)
        self.segments.append(self._key_as_segments(entity_set.entity_type, raw))
        return self._after_entity(entity_set)

    def _after_entity(self, entity_set: NavigationSource, *, cast: bool = True) -> ODataPath:
        """What follows a single entity; ``cast`` is False right after a type cast."""
        raw = next(self.pending, None)
        singleton = isinstance(entity_set, Singleton) and len(self.segments) == 1
        if raw is None:
            kind = ResourceKind.SINGLETON if singleton else ResourceKind.ENTITY
            return ODataPath(kind, tuple(self.segments), entity_set)
        segment = parse_segment(raw)
        entity_type = addressed_type(self.segments, self.model)
        if isinstance(segment, DollarSegment):
            if segment.name == "$ref" and singleton:
                raise BadRequestError(
                    f"$ref cannot follow a singleton: {entity_set.name} is no reference to add or remove",
                    target="$ref",
                )
            if segment.name == "$ref":
                self.segments.append(RefSegment())
                return self._end(ODataPath(ResourceKind.REFERENCE, tuple(self.segments), entity_set))
            if segment.name == "$value":
                if not entity_type.has_stream:
                    raise BadRequestError(
                        f"{entity_type.name} is not a media entity type, so its entities have no $value",
                        target="$value",
                    )
                self.segments.append(ValueSegment())
                return self._end(ODataPath(ResourceKind.MEDIA, tuple(self.segments), entity_set))
            self._refuse_dollar(segment, "a single entity")
        assert isinstance(segment, IdentifierSegment)
        if cast and (path := self._cast_entity(entity_set, segment)) is not None:
            return path
        if segment.name in entity_type.properties:
            if segment.parentheses:
                raise BadRequestError(f"Property {segment.name} takes no key or parameters", target=segment.name)
            self.segments.append(PropertySegment(entity_type.properties[segment.name]))
            return self._after_property(entity_set)
        if segment.name in entity_type.streams:
            if segment.parentheses:
                raise BadRequestError(f"Property {segment.name} takes no key or parameters", target=segment.name)
            self.segments.append(PropertySegment(entity_type.streams[segment.name]))
            # URL Conventions §4.6: a stream property is addressed raw already; it has no $value.
            return self._end(ODataPath(ResourceKind.STREAM_PROPERTY, tuple(self.segments), entity_set))
        navigation = entity_type.navigation_properties.get(segment.name)
        if navigation is not None:
            target_set = self.model.navigation_target_set(entity_set, navigation)
            self.segments.append(NavigationSegment(navigation, target_set))
            if not segment.parentheses:
                return self._after_collection(target_set) if navigation.collection else self._after_entity(target_set)
            if not navigation.collection:
                raise BadRequestError(
                    f"Navigation property {segment.name} is single-valued and takes no key", target=segment.name
                )
            self.segments.append(self._key(target_set.entity_type, segment.key, segment.name))
            return self._after_entity(target_set)
        if "." in segment.name:
            return self._bound_operation(raw, entity_set, collection=False)
        members = [*entity_type.properties, *entity_type.streams, *entity_type.navigation_properties]
        members += [op.qualified_name for op in self.model.bound_operations(entity_type, collection=False).values()]
        raise NotFoundError(
            f"Entity type {entity_type.name} has no property {segment.name!r}{_suggestion(segment.name, members)}",
            target=segment.name,
            code="UnknownProperty",
        )

    # -- type casts (URL Conventions §4.11): a segment naming an entity type

    def _cast_collection(self, entity_set: NavigationSource, raw: RawSegment) -> ODataPath | None:
        """``PlanItems/NS.Flight``, ``PlanItems/NS.Flight(1)``; None when ``raw`` names no entity type."""
        if raw.text.partition("(")[0] not in self.model.entity_types:
            return None
        segment = parse_segment(raw)
        assert isinstance(segment, IdentifierSegment)
        entity_type = self._cast(segment.name)
        if entity_type is None:
            return None
        if segment.parentheses:
            self.segments.append(self._key(entity_type, segment.key, segment.name))
            return self._after_entity(entity_set)
        return self._after_collection(entity_set, cast=False)

    def _cast_entity(self, entity_set: NavigationSource, segment: IdentifierSegment) -> ODataPath | None:
        """``PlanItems(1)/NS.Flight``: 404 when the entity is not a flight; None when the
        segment names no entity type."""
        entity_type = self._cast(segment.name)
        if entity_type is None:
            return None
        if segment.parentheses:
            raise BadRequestError(f"The type cast {segment.name} takes no key or parameters here", target=segment.name)
        return self._after_entity(entity_set, cast=False)

    def _cast(self, name: str) -> EntityType | None:
        """The entity type ``name`` casts to, its segment added when it narrows the type; None
        when ``name`` is not an entity type.

        Raises:
            BadRequestError: the type is outside the hierarchy of the addressed type.
        """
        entity_type = self.model.entity_types.get(name)
        if entity_type is None:
            return None
        current = addressed_type(self.segments, self.model)
        if current.qualified_name in self.model.lineage(entity_type):
            if entity_type is not current:
                self.segments.append(TypeCastSegment(entity_type))
            return entity_type
        if entity_type.qualified_name in self.model.lineage(current):
            return current  # a cast to a base type leaves the type as it is
        raise BadRequestError(
            f"{name} is not derived from {current.qualified_name}, the type of the entities addressed",
            target=name,
            code="InvalidTypeCast",
        )

    def _after_property(self, entity_set: NavigationSource) -> ODataPath:
        raw = next(self.pending, None)
        if raw is None:
            return ODataPath(ResourceKind.PROPERTY, tuple(self.segments), entity_set)
        prop = self.segments[-1]
        assert isinstance(prop, PropertySegment)
        current = prop.property
        if isinstance(current.type, ComplexType) and not current.collection and raw.text != "$value":
            member = current.type.properties.get(raw.text)
            if member is None:
                raise NotFoundError(
                    f"Complex type {current.type.name} has no property {raw.text!r}"
                    f"{_suggestion(raw.text, current.type.properties)}",
                    target=raw.text,
                    code="UnknownProperty",
                )
            self.segments.append(PropertySegment(member))
            return self._after_property(entity_set)
        if raw.text != "$value":
            what = "a collection" if current.collection else "a primitive property"
            raise BadRequestError(f"Only $value may follow {what}, not {raw.text!r}", target=raw.text)
        if current.collection or isinstance(current.type, ComplexType):
            raise BadRequestError(f"{current.name} is not a primitive value, so it has no $value", target="$value")
        self.segments.append(ValueSegment())
        return self._end(ODataPath(ResourceKind.PROPERTY_VALUE, tuple(self.segments), entity_set))

    def _end(self, path: ODataPath) -> ODataPath:
        extra = next(self.pending, None)
        if extra is not None:
            raise BadRequestError(
                f"Nothing may follow the {path.kind.value} in the resource path, but {extra.text!r} does",
                target=extra.text,
            )
        return path

    def _refuse_dollar(self, segment: DollarSegment, what: str) -> None:
        if segment.name in _NOT_YET:
            raise FeatureNotImplementedError(f"{_NOT_YET[segment.name]} is not supported yet", target=segment.name)
        raise BadRequestError(f"{segment.name} cannot follow {what}", target=segment.name)

    def _key(self, entity_type: EntityType, predicate: KeyPredicate | None, where: str) -> KeySegment:
        """The key of ``(...)``: one value for a single key, name=value pairs for any key."""
        key_properties = entity_type.key_properties
        if predicate is None:
            raise BadRequestError(f"{where}() has no key value; write {_key_example(entity_type, where)}", target=where)
        names = [name for name, _ in predicate.values]
        if names == [None]:
            if len(key_properties) != 1:
                raise BadRequestError(
                    f"{entity_type.name} has a key of {len(key_properties)} properties; "
                    f"name each of them: {_key_example(entity_type, where)}",
                    target=where,
                )
            prop = key_properties[0]
            return KeySegment(((prop, self._key_value(prop.type, predicate.values[0][1], prop.name)),))
        given = dict(predicate.values)
        if len(given) != len(names) or set(given) != set(entity_type.key):
            raise BadRequestError(
                f"The key of {entity_type.name} is ({', '.join(entity_type.key)}), "
                f"but the URL gives ({', '.join(str(n) for n in names)}); write {_key_example(entity_type, where)}",
                target=where,
            )
        return KeySegment(
            tuple((prop, self._key_value(prop.type, given[prop.name], prop.name)) for prop in key_properties)
        )

    def _key_as_segments(self, entity_type: EntityType, first: RawSegment) -> KeySegment:
        """Key-as-segment (``Products/1``, ``Order_Details/10248/11``): one segment per key property."""
        values = []
        for index, prop in enumerate(entity_type.key_properties):
            raw = first if index == 0 else next(self.pending, None)
            if raw is None:
                raise BadRequestError(
                    f"{entity_type.name} has a key of {len(entity_type.key)} properties, "
                    f"so key-as-segment needs {len(entity_type.key)} segments",
                    target=prop.name,
                )
            values.append((prop, _key_as_segment_value(prop.type, raw, prop.name)))
        return KeySegment(tuple(values))

    def _key_value(self, edm_type: PrimitiveType, literal: Literal, name: str) -> object:
        """A key literal's value; a parameter alias (``@id``) takes its value from the query string."""
        if literal.kind == "alias":
            text = self.aliases.get(literal.text)
            if text is None:
                raise BadRequestError(
                    f"Key property {name} is given by {literal.text}, which the query string does not define",
                    target=literal.text,
                    code="InvalidKey",
                )
            literal = parse_literal(text, where=literal.text, target=literal.text)
        return _key_value(edm_type, literal, name)


def _key_value(edm_type: PrimitiveType, literal: Literal, name: str) -> object:
    try:
        value = typed_value(literal, edm_type)
    except LiteralTypeError as error:
        raise BadRequestError(
            f"Invalid value for key property {name}: {error}", target=name, code="InvalidKey"
        ) from None
    if value is None:
        raise BadRequestError(f"Key property {name} cannot be null", target=name, code="InvalidKey")
    return value


def _key_as_segment_value(edm_type: PrimitiveType, raw: RawSegment, name: str) -> object:
    # OData URL Conventions §4.3.6: the value is written without quotes, so a string is the text itself.
    if edm_type is PrimitiveType.STRING:
        return raw.text
    return _key_value(edm_type, parse_literal(raw.text, where=f"key segment {raw.text!r}", target=name), name)


def _key_example(entity_type: EntityType, where: str) -> str:
    return f"{where}({','.join(f'{name}=...' for name in entity_type.key)})"


def _suggestion(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1)
    if not close:
        close = [c for c in candidates if c.lower() == name.lower()]
    return f"; did you mean {close[0]!r}?" if close else ""


__all__ = ["bind_path"]
