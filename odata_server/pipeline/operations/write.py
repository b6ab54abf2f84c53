"""Changes to entities: POST to a collection, PUT and PATCH of an entity (upsert too), DELETE.

Each runs in one transaction (:func:`~odata_server.pipeline.changes.writing`): the
entity, its nested entities and its links are all written or none is. The response
is read back inside the same transaction, so it shows what the database made of the
request (defaults, generated keys, the new ETag).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import RelationshipDirection

from odata_server.edm.model import EntitySet, EntityType
from odata_server.edm.streams import MEDIA_STREAM
from odata_server.errors import BadRequestError, NotFoundError
from odata_server.messages import ODataResponse
from odata_server.pipeline.changes import (
    Changes,
    ForeignKeys,
    addressed_key,
    canonical_path,
    key_mismatch,
    key_segments,
    writing,
)
from odata_server.pipeline.context import RequestContext
from odata_server.pipeline.operations.read import entity_response
from odata_server.pipeline.payload import EntityPayload, PayloadReader, json_body
from odata_server.pipeline.preconditions import check_change
from odata_server.pipeline.prefer import return_preference
from odata_server.pipeline.streams import upload
from odata_server.query.writes import Key
from odata_server.uri.options import parse_query
from odata_server.uri.path import (
    KeySegment,
    NavigationSegment,
    ODataPath,
    ResourceKind,
    entity_set_of,
)

CREATED = 201
NO_CONTENT = 204


def read_payload(
    ctx: RequestContext, entity_set: EntitySet, document: Any, entity_type: EntityType | None = None
) -> EntityPayload:
    """The entity of the request body ``document``, of ``entity_type`` (by default the type the
    URL addresses) or of a type derived from it that ``@odata.type`` names."""
    reader = PayloadReader(ctx.service.model, ctx.request.service_root)
    return reader.entity(document, entity_set, entity_type=entity_type or ctx.entity_type)


async def create_entity(ctx: RequestContext) -> ODataResponse:
    """``POST Products``; ``POST Categories(1)/Products`` also links the new entity to its parent.

    The body of a POST to a set of media entities is always the new entity's media, of
    any media type (Protocol §11.4.7.1): the entity gets the key and the property values
    the database gives it.
    """
    entity_set = ctx.path.entity_set
    assert entity_set is not None
    storage = ctx.service.storage[entity_set.entity_type.qualified_name]
    media = None
    if entity_set.entity_type.has_stream:
        media = upload(ctx.request, storage, entity_set.entity_type, MEDIA_STREAM)
    if media is not None:
        payload = EntityPayload(entity_set, entity_set.entity_type)
    else:
        payload = read_payload(ctx, entity_set, json_body(ctx.request))
    row_values = {} if media is None else media.row_values(storage)
    async with writing(ctx.service) as changes:
        if ctx.request.header("if-match") is not None:
            raise BadRequestError(
                "If-Match cannot apply to an entity that is being created", code="PreconditionNotApplicable"
            )
        last = ctx.path.segments[-1]
        if isinstance(last, NavigationSegment):
            key = await _create_related(ctx, changes, payload, last, row_values)
        else:
            key = await changes.create(payload, row_values)
        if media is not None:
            await media.place(storage, entity_set.entity_type, key)
        return await _created(ctx, changes, payload, key)


async def _create_related(
    ctx: RequestContext,
    changes: Changes,
    payload: EntityPayload,
    navigation: NavigationSegment,
    row_values: ForeignKeys,
) -> Key:
    """The new entity of ``POST Categories(1)/Products``, related to the entity it is posted under;
    ``row_values`` are the columns of its stream, if it is a media entity."""
    parent_path = ODataPath(ResourceKind.ENTITY, ctx.path.segments[:-1], entity_set_of(ctx.path.segments[:-1]))
    parent_key = await addressed_key(ctx.service, changes.connection, parent_path)
    if parent_key is None:
        raise NotFoundError(f"No entity found at {ctx.request.path.rsplit('/', 1)[0]!r}", code="EntityNotFound")
    parent_set = parent_path.entity_set
    assert parent_set is not None
    relationship = changes.relationship(parent_set, navigation.navigation.name)
    if relationship.direction is RelationshipDirection.ONETOMANY:  # the new entity holds the foreign key
        foreign_key = await relationship.foreign_key(changes.connection, parent_key, exists=True)
        return await changes.create(payload, {**row_values, **foreign_key})
    # A collection is never many-to-one, so this is many-to-many: an association row.
    key = await changes.create(payload, row_values)
    await relationship.link(changes.connection, parent_key, key)
    return key


async def _created(ctx: RequestContext, changes: Changes, payload: EntityPayload, key: Key) -> ODataResponse:
    """201 with the entity (its nested entities expanded, Protocol §11.4.2.2), or 204 with
    ``Prefer: return=minimal``."""
    entity_set = payload.entity_set
    location = ctx.request.service_root + await canonical_path(ctx.service, changes.connection, entity_set, key)
    preferred, applied = return_preference(ctx.request)
    headers = {"Location": location}
    if preferred == "minimal":
        etag = changes.etag(entity_set, await changes.current(entity_set, key))
        headers |= {"OData-EntityId": location, "Preference-Applied": applied or ""}
        if etag is not None:
            headers["ETag"] = etag
        return ODataResponse(NO_CONTENT, headers)
    if applied is not None:
        headers["Preference-Applied"] = applied
    ctx = _expanded_as_inserted(ctx, payload)
    return await entity_response(
        ctx, changes.connection, key_segments(entity_set, key), status=CREATED, headers=headers
    )


def _expanded_as_inserted(ctx: RequestContext, payload: EntityPayload) -> RequestContext:
    """The request as if it asked ``$expand`` for the entities it inserted with the entity,
    unless it asks for an ``$expand`` of its own (up to the service's ``$expand`` depth)."""
    if "expand" in ctx.options.system:
        return ctx
    clause = _expand_clause([payload], ctx.service.config.max_expand_depth)
    if not clause:
        return ctx
    query = "&".join(part for part in (ctx.request.query, f"$expand={quote(clause, safe='(),=$')}") if part)
    return replace(ctx, request=replace(ctx.request, query=query), options=parse_query(query))


def _expand_clause(payloads: list[EntityPayload], depth: int) -> str:
    """``Orders($expand=Order_Details)`` for the entities nested in ``payloads`` (not the
    ones only named by ``@id``: those are links, like ``@bind``)."""
    if depth == 0:
        return ""
    nested: dict[str, list[EntityPayload]] = {}
    for payload in payloads:
        for name, entities in payload.nested.items():
            inserted = [entity for entity in entities if not entity.only_reference]
            if inserted:
                nested.setdefault(name, []).extend(inserted)
    items = []
    for name, entities in nested.items():
        inner = _expand_clause(entities, depth - 1)
        items.append(f"{name}($expand={inner})" if inner else name)
    return ",".join(items)


async def update_entity(ctx: RequestContext) -> ODataResponse:
    """``PATCH Products(1)`` merges, ``PUT Products(1)`` replaces; to a key that does not
    exist they create the entity where the set allows upserts (``If-Match: *`` forbids
    that, ``If-None-Match: *`` allows nothing else)."""
    entity_set = ctx.path.entity_set
    assert entity_set is not None
    document = json_body(ctx.request)
    async with writing(ctx.service) as changes:
        key, current = await _existing(ctx, changes, entity_set)
        check_change(ctx.request, entity_set, changes.etag(entity_set, current), exists=current is not None)
        if key is None or current is None:
            payload = read_payload(ctx, entity_set, document)
            url_key = _url_key(ctx)
            if not entity_set.upsert or url_key is None:
                raise NotFoundError(
                    f"No entity found at {ctx.request.path!r}", target=ctx.request.path, code="EntityNotFound"
                )
            for name, value in url_key.items():
                if name in payload.values and payload.values[name] != value:
                    raise key_mismatch(name, "the key in the URL", name)
            key = await changes.create(payload, fixed_key=url_key)
            return await _created(ctx, changes, payload, key)
        payload = await _update_payload(ctx, changes, entity_set, key, document)
        await changes.update(payload, key, replace=ctx.request.method == "PUT")
        return await updated(ctx, changes, entity_set, key)


async def _update_payload(
    ctx: RequestContext, changes: Changes, entity_set: EntitySet, key: Key, document: Any
) -> EntityPayload:
    """The changes the body sends for the existing entity with ``key``: properties of its own type,
    derived or not; an ``@odata.type`` of another type would change its type, which is a 400."""
    entity_type = ctx.entity_type
    if ctx.service.model.derived_types(entity_type):
        entity_type = await changes.entity_type(entity_set, key) or entity_type
    payload = read_payload(ctx, entity_set, document, entity_type)
    if payload.entity_type is not entity_type:
        member = "@odata.type" if "@odata.type" in document else "@type"
        raise BadRequestError(
            f"The entity is of type {entity_type.qualified_name}; an update cannot change it to "
            f"{payload.entity_type.qualified_name}",
            target=member,
            code="TypeChange",
        )
    return payload


async def _existing(
    ctx: RequestContext, changes: Changes, entity_set: EntitySet
) -> tuple[Key | None, dict[str, object] | None]:
    """The key of the entity the URL addresses and its current concurrency values, locked;
    (None, None) or (key, None) when it does not exist.

    A canonical URL (``Products(1)``) names the key itself, so one query does.
    """
    key = _url_key(ctx)
    if key is None:
        key = await addressed_key(ctx.service, changes.connection, ctx.path)
    return key, None if key is None else await changes.current(entity_set, key)


def _url_key(ctx: RequestContext) -> Key | None:
    """The key of ``Products(7)``: only a canonical URL names an entity that does not exist yet."""
    segments = ctx.path.entity_segments
    if len(segments) == 2 and isinstance(segments[1], KeySegment):
        return {prop.name: value for prop, value in segments[1].values}
    return None


async def updated(ctx: RequestContext, changes: Changes, entity_set: EntitySet, key: Key) -> ODataResponse:
    """204 with the new ETag, or the entity with ``Prefer: return=representation``."""
    preferred, applied = return_preference(ctx.request)
    headers = {"Preference-Applied": applied} if applied is not None else {}
    if preferred == "representation":
        return await entity_response(ctx, changes.connection, key_segments(entity_set, key), headers=headers)
    etag = changes.etag(entity_set, await changes.current(entity_set, key))
    if etag is not None:
        headers["ETag"] = etag
    return ODataResponse(NO_CONTENT, headers)


async def delete_entity(ctx: RequestContext) -> ODataResponse:
    """``DELETE Products(1)``: 204; 409 while other entities still refer to it."""
    entity_set = ctx.path.entity_set
    assert entity_set is not None
    async with writing(ctx.service) as changes:
        key, current = await _existing(ctx, changes, entity_set)
        if key is None or current is None:
            raise NotFoundError(
                f"No entity found at {ctx.request.path!r}", target=ctx.request.path, code="EntityNotFound"
            )
        check_change(ctx.request, entity_set, changes.etag(entity_set, current), exists=True)
        await changes.delete(entity_set, key)
    return ODataResponse(NO_CONTENT)


__all__ = ["create_entity", "delete_entity", "read_payload", "update_entity", "updated"]
