"""Request bodies of entities (OData JSON Format §8): decoded, checked against the model.

An :class:`EntityPayload` holds what a client sent for one entity: property values
(decoded to the Python values the columns take), links to existing entities
(``Nav@bind``, or a nested object with only ``@id``), and nested entities to create
or update with it (deep insert, deep update). Every mistake is a 400 whose target
points at the offending member, nested ones as ``Orders/0/Freight``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from odata_server.edm.model import EntitySet, EntityType, Model, NavigationProperty
from odata_server.errors import (
    BadRequestError,
    FeatureNotImplementedError,
    NotFoundError,
    ODataError,
    UnsupportedMediaTypeError,
)
from odata_server.format.decode import decode_json_value
from odata_server.messages import ODataRequest
from odata_server.query.writes import Key
from odata_server.uri.binder import bind_path
from odata_server.uri.path import EntitySetSegment, KeySegment, ResourceKind

_JSON_TYPES = ("application/json",)


@dataclass
class EntityPayload:
    """One entity of a request body.

    Attributes:
        entity_set: the entity set the entity belongs to.
        entity_type: its type: the one the URL or navigation property implies, or one
            derived from it that ``@odata.type`` names.
        values: Edm property name → decoded value, for the properties sent.
        id: the key of the existing entity the object names with ``@id`` (nested objects).
        etag: the ``@etag`` a nested object carries: the ETag its update must match.
        binds: navigation property name → keys of existing entities to link, each
            with the member that named it (the target of an error about it).
        nested: navigation property name → entities to create or update and link.
        nulls: single-valued navigation properties sent as ``null`` (to unlink).
        removed: for a nested delta (``Nav@delta``), the keys of the entities to take
            out of the collection, each with whether it is to be deleted
            (``"@removed": {"reason": "deleted"}``) rather than only unlinked.
    """

    entity_set: EntitySet
    entity_type: EntityType
    values: dict[str, object] = field(default_factory=dict)
    id: Key | None = None
    etag: str | None = None
    binds: dict[str, list[tuple[Key, str]]] = field(default_factory=dict)
    nested: dict[str, list[EntityPayload]] = field(default_factory=dict)
    nulls: set[str] = field(default_factory=set)
    removed: dict[str, list[tuple[Key, bool]]] = field(default_factory=dict)
    delta: set[str] = field(default_factory=set)

    @property
    def only_reference(self) -> bool:
        """An object with nothing but ``@id``: a link to an existing entity."""
        return self.id is not None and not (self.values or self.binds or self.nested or self.nulls or self.delta)


def json_body(request: ODataRequest) -> Any:
    """The request body as JSON; 415 unless it is declared JSON, 400 if it is not JSON."""
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if content_type not in _JSON_TYPES:
        raise UnsupportedMediaTypeError(
            f"The request body must be application/json, not {content_type or 'undeclared'}",
            code="UnsupportedMediaType",
        )
    try:
        return json.loads(request.body, parse_float=Decimal)
    except (ValueError, RecursionError) as error:
        raise BadRequestError(f"The request body is not valid JSON: {error}", code="MalformedJson") from None


class PayloadReader:
    """Reads entity objects of one request, resolving ``@id`` and ``@bind`` URLs against the service root."""

    def __init__(self, model: Model, service_root: str) -> None:
        self.model = model
        self.service_root = service_root

    def entity(
        self, document: Any, entity_set: EntitySet, where: str = "", entity_type: EntityType | None = None
    ) -> EntityPayload:
        """The entity ``document`` sends, of ``entity_type`` (by default the set's) or of the type
        derived from it that its ``@odata.type`` names (Protocol §11.4.2)."""
        if not isinstance(document, dict):
            raise BadRequestError("An entity must be a JSON object", target=where or None, code="InvalidPayload")
        entity_type = self._sent_type(document, entity_type or entity_set.entity_type, where)
        payload = EntityPayload(entity_set, entity_type)
        for member, value in document.items():
            target = f"{where}{member}"
            name, _, annotation = member.partition("@")
            if not name:  # an instance annotation: @odata.type, @id, @etag, @context, ...
                self._instance_annotation(payload, annotation, value, target)
            elif annotation:
                self._property_annotation(payload, name, annotation, value, target)
            elif name in entity_type.properties:
                payload.values[name] = decode_json_value(value, entity_type.properties[name], target=target)
            elif name in entity_type.navigation_properties:
                self._nested(payload, entity_type.navigation_properties[name], value, f"{target}/")
            elif name in entity_type.streams:
                raise FeatureNotImplementedError(
                    f"A stream property's value cannot be sent inline; PUT it to its URL ({name})", target=target
                )
            else:
                raise BadRequestError(
                    f"{entity_type.name} has no property {name!r}", target=target, code="UnknownProperty"
                )
        return payload

    def _sent_type(self, document: dict[str, Any], expected: EntityType, where: str) -> EntityType:
        """The type ``@odata.type`` (or ``@type``) names: ``expected`` or a type derived from it; a
        base type of ``expected`` says nothing more than ``expected``."""
        for member in ("@odata.type", "@type"):
            if member not in document:
                continue
            value = document[member]
            name = value.removeprefix("#") if isinstance(value, str) else None
            named = self.model.entity_types.get(name or "") or self.model.entity_types.get(
                f"{self.model.namespace}.{name}"
            )
            if named is not None and expected.qualified_name in self.model.lineage(named):
                return named
            if named is not None and named.qualified_name in self.model.lineage(expected):
                return expected
            raise BadRequestError(
                f"The entity must be of type {expected.qualified_name} or a type derived from it, not {value!r}",
                target=f"{where}{member}",
                code="InvalidType",
            )
        return expected

    def _instance_annotation(self, payload: EntityPayload, annotation: str, value: Any, target: str) -> None:
        term = annotation.removeprefix("odata.")
        if term == "id":
            payload.id = self.reference(value, payload.entity_set, target)
        elif term == "etag":
            if not isinstance(value, str):
                raise BadRequestError("An ETag must be a string", target=target, code="InvalidPayload")
            payload.etag = value
        # Other control information (@type, read before the properties; @context, @editLink,
        # custom annotations) does not change the entity.

    def _property_annotation(self, payload: EntityPayload, name: str, annotation: str, value: Any, target: str) -> None:
        term = annotation.removeprefix("odata.")
        navigation = payload.entity_type.navigation_properties.get(name)
        if term == "bind":
            if navigation is None:
                raise BadRequestError(f"{name!r} is not a navigation property", target=target, code="UnknownProperty")
            if navigation.contains_target:
                raise BadRequestError(
                    f"{name} holds contained entities, which are created inside their container, not bound",
                    target=target,
                    code="InvalidReference",
                )
            target_set = self.model.navigation_target_set(payload.entity_set, navigation)
            if navigation.collection:
                if not isinstance(value, list):
                    raise BadRequestError(
                        f"{name}@bind of a collection takes an array of ids", target=target, code="InvalidPayload"
                    )
                members = [(item, f"{target}/{index}") for index, item in enumerate(value)]
            else:
                members = [(value, target)]
            keys = [(self.reference(item, target_set, member), member) for item, member in members]
            payload.binds.setdefault(name, []).extend(keys)
        elif term == "delta":
            if navigation is None or not navigation.collection:
                raise BadRequestError(
                    f"{name}@delta needs a collection-valued navigation property", target=target, code="InvalidPayload"
                )
            self._delta(payload, navigation, value, f"{target}/")
        elif (
            name not in payload.entity_type.properties
            and name not in payload.entity_type.streams
            and navigation is None
        ):
            raise BadRequestError(
                f"{payload.entity_type.name} has no property {name!r}", target=target, code="UnknownProperty"
            )
        # Other annotations of a property (@type of a value, a stream's @mediaContentType, custom
        # terms) are accepted as they are; JSON Format §4.5.12 has media* ignored in requests.

    def _nested(self, payload: EntityPayload, navigation: NavigationProperty, value: Any, where: str) -> None:
        target_set = self.model.navigation_target_set(payload.entity_set, navigation)
        target_type = self.model.entity_type(navigation.target_type)
        if value is None:
            if navigation.collection:
                raise BadRequestError(
                    f"{navigation.name} is a collection and cannot be null",
                    target=where.rstrip("/"),
                    code="NullNotAllowed",
                )
            payload.nulls.add(navigation.name)
            return
        if navigation.collection:
            if not isinstance(value, list):
                raise BadRequestError(
                    f"{navigation.name} takes an array of entities", target=where.rstrip("/"), code="InvalidPayload"
                )
            entities = [
                self.entity(item, target_set, f"{where}{index}/", target_type) for index, item in enumerate(value)
            ]
        else:
            entities = [self.entity(value, target_set, where, target_type)]
        payload.nested[navigation.name] = entities

    def _delta(self, payload: EntityPayload, navigation: NavigationProperty, value: Any, where: str) -> None:
        """``Nav@delta``: entities to add or update, and ``@removed`` ones to unlink (JSON Format §15)."""
        if not isinstance(value, list):
            raise BadRequestError(
                f"{navigation.name}@delta takes an array", target=where.rstrip("/"), code="InvalidPayload"
            )
        target_set = self.model.navigation_target_set(payload.entity_set, navigation)
        target_type = self.model.entity_type(navigation.target_type)
        payload.delta.add(navigation.name)
        for index, item in enumerate(value):
            removed = isinstance(item, dict) and item.get("@removed", item.get("@odata.removed"))
            if removed is not None and removed is not False:
                deleted = isinstance(removed, dict) and removed.get("reason") == "deleted"
                id_value = item.get("@id", item.get("@odata.id"))
                key = self.reference(id_value, target_set, f"{where}{index}") if id_value is not None else None
                if key is None:
                    key = _key_from_values(
                        self.entity(
                            {k: v for k, v in item.items() if not k.startswith("@")},
                            target_set,
                            f"{where}{index}/",
                            target_type,
                        )
                    )
                payload.removed.setdefault(navigation.name, []).append((key, deleted))
            else:
                nested = self.entity(item, target_set, f"{where}{index}/", target_type)
                payload.nested.setdefault(navigation.name, []).append(nested)

    def reference(self, value: Any, entity_set: EntitySet, target: str) -> Key:
        """The key of the entity an id (``Categories(1)``, absolute or relative URL) names, in ``entity_set``."""
        if not isinstance(value, str):
            raise BadRequestError("An entity id must be a string", target=target, code="InvalidReference")
        try:
            bound = bind_path(_relative_path(value, self.service_root), self.model)
        except ODataError as error:
            raise BadRequestError(
                f"{value!r} is not an entity id of this service: {error.message}",
                target=target,
                code="InvalidReference",
            ) from None
        segments = bound.segments
        if (
            bound.kind is not ResourceKind.ENTITY
            or len(segments) != 2
            or not isinstance(segments[0], EntitySetSegment)
            or not isinstance(segments[1], KeySegment)
        ):
            raise BadRequestError(
                f"{value!r} is not the id of one entity, such as {entity_set.name}(1)",
                target=target,
                code="InvalidReference",
            )
        if segments[0].entity_set is not entity_set:
            raise BadRequestError(
                f"{value!r} is not an entity of {entity_set.name}", target=target, code="InvalidReference"
            )
        return {prop.name: key_value for prop, key_value in segments[1].values}


def _key_from_values(payload: EntityPayload) -> Key:
    key_names = payload.entity_set.entity_type.key
    missing = [name for name in key_names if name not in payload.values]
    if missing:
        raise BadRequestError("A removed entity needs its @id or its key", code="InvalidPayload")
    return {name: payload.values[name] for name in key_names}


def key_of(payload: EntityPayload, key_names: tuple[str, ...]) -> Key | None:
    """The key (``key_names``: the primary key's properties) an entity object names: by
    ``@id``, or by all its key properties."""
    if payload.id is not None:
        return payload.id
    if all(name in payload.values for name in key_names):
        return {name: payload.values[name] for name in key_names}
    return None


def _relative_path(url: str, service_root: str) -> str:
    """``url`` relative to the service root: absolute URLs (of this service's host) and
    absolute paths are accepted."""
    if url.startswith(service_root):
        return url[len(service_root) :]
    parts, root = urlsplit(url), urlsplit(service_root)
    if parts.scheme or url.startswith("/"):
        same_host = not parts.scheme or (parts.scheme.lower(), parts.netloc.lower()) == (
            root.scheme,
            root.netloc.lower(),
        )
        if not same_host or not parts.path.startswith(root.path):
            raise NotFoundError(f"{url!r} is outside this service", code="InvalidReference")
        return parts.path[len(root.path) :]
    return url


__all__ = ["EntityPayload", "PayloadReader", "json_body", "key_of"]
