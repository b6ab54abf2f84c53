"""GET of data: collections, entities, properties, raw values, counts and references.

Each operation builds one SELECT from the bound path (``query/``), runs it on its own
connection, and writes the rows (``format/``). A collection larger than one batch is
streamed: the connection stays open while the body is read and is closed by the
body iterator, so memory does not grow with the size of the result.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from odata_server.edm.model import ComplexType, ContainedEntities, EntitySet, Property
from odata_server.edm.types import PrimitiveType
from odata_server.errors import FeatureNotImplementedError, NotFoundError
from odata_server.format.context_url import (
    ENTITY_REFERENCE_FRAGMENT,
    ENTITY_REFERENCES_FRAGMENT,
    collection_fragment,
    context,
    entity_fragment,
    property_fragment,
    select_expand_clause,
)
from odata_server.format.json import EntityWriter, Row, collection_document, entity_document
from odata_server.format.negotiation import Negotiated, Representation, json_content_type
from odata_server.format.values import dumps, json_converter, raw_text
from odata_server.messages import ODataResponse
from odata_server.pipeline.context import RequestContext
from odata_server.pipeline.operations.aggregate import count_applied, read_applied
from odata_server.pipeline.operations.expand import (
    Expander,
    address_fields,
    entity_writer,
    fetched_fields,
    page_size,
)
from odata_server.pipeline.preconditions import check_read, not_modified
from odata_server.pipeline.prefer import max_page_size
from odata_server.pipeline.transaction import reading, shared_connection
from odata_server.query.paging import SkipToken
from odata_server.query.plan import (
    entities_exist,
    key_parameters,
    path_key,
    plan_collection,
    plan_count,
)
from odata_server.query.sessions import open_read_connection
from odata_server.uri.bound_options import BoundOptions, Field
from odata_server.uri.path import NavigationSegment, PathSegment, TypeCastSegment, addressed_type

Document = Callable[[AsyncConnection, AsyncIterable[Sequence[Row]]], AsyncIterator[bytes]]
ToObject = Callable[[Row], dict[str, Any]]

NO_CONTENT = 204
NOT_MODIFIED = 304


def _json_response(negotiated: Negotiated, body: bytes | AsyncIterator[bytes]) -> ODataResponse:
    return ODataResponse(200, {"Content-Type": json_content_type(negotiated)}, body)


@dataclass(frozen=True, slots=True)
class _Entities:
    """How the entities of a request are read and written: its options, fields, writer, expander."""

    negotiated: Negotiated
    entity_set: EntitySet
    options: BoundOptions
    fields: tuple[Field, ...]
    writer: EntityWriter
    expander: Expander

    @classmethod
    def of(cls, ctx: RequestContext) -> _Entities:
        negotiated = ctx.negotiate(Representation.JSON)
        entity_set = ctx.path.entity_set
        assert entity_set is not None
        entity_type = ctx.entity_type
        options = ctx.bound_options()
        fields, shown = fetched_fields(ctx.service.model, entity_set, entity_type, options, ctx.service.storage)
        by_type = ctx.path.entities_by_type
        writer = entity_writer(ctx, entity_set, fields, negotiated, shown, entity_type, with_ids=by_type)
        return cls(negotiated, entity_set, options, fields, writer, Expander(ctx, writer, options, negotiated))


async def read_collection(ctx: RequestContext) -> ODataResponse:
    """``GET Products``, ``GET Categories(1)/Products?$filter=...&$expand=...``."""
    if ctx.bound_options().apply is not None:
        _refuse_contained_apply(ctx)
        return await read_applied(ctx)
    entities = _Entities.of(ctx)
    fragment = collection_fragment(
        entities.entity_set, ctx.path.entity_segments, ctx.entity_type, by_type=ctx.path.entities_by_type
    )
    fragment += select_expand_clause(entities.options)
    return await _collection(
        ctx, entities.negotiated, entities.options, entities.fields, entities.writer.entity, entities.expander, fragment
    )


async def read_references(ctx: RequestContext) -> ODataResponse:
    """``GET Categories(1)/Products/$ref``: the ids of the entities."""
    negotiated = ctx.negotiate(Representation.JSON)
    entity_set = ctx.path.entity_set
    assert entity_set is not None
    options = ctx.bound_options()
    writer, fields = _address_writer(ctx, negotiated)
    return await _collection(ctx, negotiated, options, fields, _reference(writer), None, ENTITY_REFERENCES_FRAGMENT)


def _address_writer(ctx: RequestContext, negotiated: Negotiated) -> tuple[EntityWriter, tuple[Field, ...]]:
    """A writer of the ids of the path's entities, and the fields its rows start with."""
    entity_set = ctx.path.entity_set
    assert entity_set is not None
    fields = address_fields(entity_set, ctx.service.storage)
    return entity_writer(ctx, entity_set, fields, negotiated, 0), fields


def _refuse_contained_apply(ctx: RequestContext) -> None:
    if isinstance(ctx.path.entity_set, ContainedEntities):
        raise FeatureNotImplementedError("$apply on contained entities is not supported yet", target="$apply")


def _reference(writer: EntityWriter) -> ToObject:
    return lambda row: {writer.id_name: writer.service_root + writer.key_path(row)}


async def _collection(
    ctx: RequestContext,
    negotiated: Negotiated,
    options: BoundOptions,
    properties: Sequence[Field],
    to_object: ToObject,
    expander: Expander | None,
    fragment: str,
) -> ODataResponse:
    """One page of a collection, with ``@count`` and ``@nextLink`` as asked and needed."""
    entity_set = ctx.path.entity_set
    assert entity_set is not None
    preferred, preference_applied = max_page_size(ctx.request)
    page_limit = page_size(ctx)
    segments = ctx.path.entity_segments
    plan = ctx.plan(
        (ctx.path.kind, path_key(segments), ctx.options_key, page_limit),
        lambda: plan_collection(
            segments,
            model=ctx.service.model,
            storage=ctx.service.storage,
            entity_set=entity_set,
            properties=properties,
            options=options,
            max_page_size=page_limit,
            dialect=ctx.dialect,
        ),
    )
    parameters = _parameters(ctx, segments)
    window = plan.page(options.top, options.skip, options.skiptoken)
    head = context(negotiated, ctx.request.service_root, fragment)
    page = _Page(window.size)

    async def count(connection: AsyncConnection) -> None:
        if plan.count is not None:
            total = await connection.scalar(plan.count, parameters)
            head[negotiated.control("count")] = str(total) if negotiated.ieee754_compatible else total

    def tail() -> dict[str, Any]:
        if not page.more or window.last:
            return {}
        values = page.last[len(properties) :]  # type: ignore[index]
        token = SkipToken(tuple(values), window.sent_before + page.sent).encode(plan.sort_keys)
        return {negotiated.control("nextLink"): _next_link(ctx, token)}

    def document(connection: AsyncConnection, batches: AsyncIterable[Sequence[Row]]) -> AsyncIterator[bytes]:
        objects = _objects(connection, page.cut(batches), to_object, expander)
        return collection_document(head, objects, tail)

    body = await _rows_body(ctx, window.statement, {**parameters, **window.parameters}, document, count)
    headers = {"Content-Type": json_content_type(negotiated)}
    if preference_applied is not None and page_limit == preferred:  # honoured, not capped by the service
        headers["Preference-Applied"] = preference_applied
    return ODataResponse(200, headers, body)


async def _objects(
    connection: AsyncConnection,
    batches: AsyncIterable[Sequence[Row]],
    to_object: ToObject,
    expander: Expander | None,
) -> AsyncIterator[list[dict[str, Any]]]:
    async for rows in batches:
        objects = [to_object(row) for row in rows]
        if expander:
            await expander.attach(connection, objects, rows)
        yield objects


class _Page:
    """Passes on at most ``size`` rows, noting whether more came and the last one sent."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.sent = 0
        self.more = False
        self.last: Row | None = None

    async def cut(self, batches: AsyncIterable[Sequence[Row]]) -> AsyncIterator[Sequence[Row]]:
        async for rows in batches:
            room = self.size - self.sent
            if len(rows) > room:
                self.more = True
                rows = rows[:room]
            if rows:
                self.sent += len(rows)
                self.last = rows[-1]
                yield rows
            if self.more:
                return


_PAGING_OPTIONS = frozenset({"skiptoken", "skip"})


def _next_link(ctx: RequestContext, token: str) -> str:
    """The request URL with ``$skiptoken`` in place of any ``$skip``/``$skiptoken``."""
    return ctx.link_with(_PAGING_OPTIONS, [f"$skiptoken={token}"])


async def read_entity(ctx: RequestContext) -> ODataResponse:
    """``GET Products(1)``, ``GET Products(1)/Category?$expand=Products``.

    With the entity's ETag in ``If-None-Match`` it answers ``304 Not Modified``.
    """
    async with reading(ctx.service.engine) as connection:
        return await entity_response(ctx, connection, ctx.path.entity_segments, conditional=True)


async def entity_response(
    ctx: RequestContext,
    connection: AsyncConnection,
    segments: Sequence[PathSegment],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    conditional: bool = False,
) -> ODataResponse:
    """The entity ``segments`` address, shaped by the request's ``$select`` and ``$expand``,
    with its ``ETag``; also the body of a create or an update that returns the entity.

    ``conditional`` applies a GET's ``If-Match`` and ``If-None-Match``.
    """
    entities = _Entities.of(ctx)
    if addressed_type(segments, ctx.service.model) is not ctx.entity_type:  # the entity a POST to a cast made
        segments = (*segments, TypeCastSegment(ctx.entity_type))
    row = await _one_row(ctx, connection, entities.fields, segments)
    if row is None:
        return ODataResponse(NO_CONTENT)
    etag = entities.writer.etag(row)
    etag_header = {"ETag": etag} if etag is not None else {}
    if conditional:
        check_read(ctx.request, etag)
        if not_modified(ctx.request, etag):
            return ODataResponse(NOT_MODIFIED, etag_header)
    entity = entities.writer.entity(row)
    await entities.expander.attach(connection, [entity], [row])
    fragment = entity_fragment(
        entities.entity_set,
        select_expand_clause(entities.options),
        entities.writer.container_values(row),
        ctx.entity_type,
        by_type=ctx.path.entities_by_type,
    )
    document_context = context(entities.negotiated, ctx.request.service_root, fragment)
    response_headers = {"Content-Type": json_content_type(entities.negotiated), **etag_header, **(headers or {})}
    return ODataResponse(status, response_headers, entity_document(document_context, entity))


async def read_reference(ctx: RequestContext) -> ODataResponse:
    """``GET Products(1)/Category/$ref``: the id of the entity."""
    negotiated = ctx.negotiate(Representation.JSON)
    writer, fields = _address_writer(ctx, negotiated)
    async with reading(ctx.service.engine) as connection:
        row = await _one_row(ctx, connection, fields)
    if row is None:
        return ODataResponse(NO_CONTENT)
    document_context = context(negotiated, ctx.request.service_root, ENTITY_REFERENCE_FRAGMENT)
    return _json_response(negotiated, entity_document(document_context, _reference(writer)(row)))


async def read_property(ctx: RequestContext) -> ODataResponse:
    """``GET Products(1)/ProductName``: ``{"@odata.context": ..., "value": "Chai"}``; a complex
    value (``People('x')/HomeAddress/City``) is the object itself after the context."""
    negotiated = ctx.negotiate(Representation.JSON)
    path = ctx.path.property_path
    assert path
    writer, fields = _address_writer(ctx, negotiated)
    async with reading(ctx.service.engine) as connection:
        row = await _one_row(ctx, connection, (*fields, path[0]))
    value = _member_value(row[-1] if row is not None else None, path[1:])
    if value is None:
        return ODataResponse(NO_CONTENT)
    leaf = path[-1]
    convert = json_converter(leaf.type, ieee754_compatible=negotiated.ieee754_compatible, collection=leaf.collection)
    if convert is not None:
        value = convert(value)
    property_path = "/".join(prop.name for prop in path)  # type: ignore[attr-defined]
    fragment = property_fragment(writer.key_path(row), property_path, ctx.path.type_cast)
    document_context = context(negotiated, ctx.request.service_root, fragment)
    if isinstance(leaf.type, ComplexType) and not leaf.collection:
        return _json_response(negotiated, dumps({**document_context, **value}))  # type: ignore[dict-item]
    return _json_response(negotiated, dumps({**document_context, "value": value}))


def _member_value(value: object, members: Sequence[Property]) -> object:
    """The value at ``members`` inside a complex value read from JSON (None when any step is null)."""
    for member in members:
        if not isinstance(value, dict):
            return None
        value = value.get(member.name)
    return value


async def read_property_value(ctx: RequestContext) -> ODataResponse:
    """``GET Products(1)/ProductName/$value``: the raw value, as text or bytes."""
    path = ctx.path.property_path
    leaf = path[-1]
    binary = leaf.type is PrimitiveType.BINARY
    ctx.negotiate(Representation.BINARY if binary else Representation.TEXT)
    async with reading(ctx.service.engine) as connection:
        row = await _one_row(ctx, connection, (path[0],))
    value = _member_value(row[0] if row is not None else None, path[1:])
    if value is None:
        return ODataResponse(NO_CONTENT)
    if binary:
        return ODataResponse(200, {"Content-Type": Representation.BINARY.value}, bytes(value))  # type: ignore[arg-type]
    assert not isinstance(leaf.type, ComplexType)
    body = raw_text(value, leaf.type).encode("utf-8")
    return ODataResponse(200, {"Content-Type": "text/plain;charset=utf-8"}, body)


async def read_count(ctx: RequestContext) -> ODataResponse:
    """``GET Products/$count?$filter=...``: the number as plain text."""
    ctx.negotiate(Representation.TEXT)
    if ctx.bound_options().apply is not None:
        _refuse_contained_apply(ctx)
        count = await count_applied(ctx)
        return ODataResponse(200, {"Content-Type": Representation.TEXT.value}, str(count).encode("ascii"))
    entity_set = ctx.path.entity_set
    assert entity_set is not None
    segments = ctx.path.entity_segments
    statement = ctx.plan(
        (ctx.path.kind, path_key(segments), ctx.options_key),
        lambda: plan_count(
            segments,
            model=ctx.service.model,
            storage=ctx.service.storage,
            entity_set=entity_set,
            options=ctx.bound_options(),
            dialect=ctx.dialect,
        ),
    )
    async with reading(ctx.service.engine) as connection:
        count = await connection.scalar(statement, _parameters(ctx, segments))
        if not count:
            await _require_parent(ctx, connection)
    return ODataResponse(200, {"Content-Type": Representation.TEXT.value}, str(count or 0).encode("ascii"))


async def _one_row(
    ctx: RequestContext,
    connection: AsyncConnection,
    fields: Sequence[Field],
    segments: Sequence[PathSegment] | None = None,
) -> Row | None:
    """The one entity ``segments`` (by default the path's) address, or None for an empty
    single-valued navigation.

    Raises:
        NotFoundError: no entity has the key in the path (or the entity it navigates from).
    """
    entity_set = ctx.path.entity_set
    assert entity_set is not None
    segments = ctx.path.entity_segments if segments is None else segments
    row = (await connection.execute(*ctx.service.select_entities(segments, fields))).first()
    if row is not None:
        return row
    last = segments[-1]
    if isinstance(last, NavigationSegment) and not last.navigation.collection:
        if await connection.scalar(entities_exist(segments[:-1], ctx.service.storage, ctx.service.model)):
            return None
    raise _not_found(ctx)


async def _require_parent(ctx: RequestContext, connection: AsyncConnection) -> None:
    """For an empty collection reached by navigation: 404 unless the entity it starts from exists."""
    segments = ctx.path.entity_segments
    navigations = [index for index, segment in enumerate(segments) if isinstance(segment, NavigationSegment)]
    parent = segments[: navigations[-1]] if navigations else ()
    if parent and not await connection.scalar(entities_exist(parent, ctx.service.storage, ctx.service.model)):
        raise _not_found(ctx)


def _parameters(ctx: RequestContext, segments: Sequence[PathSegment]) -> dict[str, object]:
    """The parameters of a plan for ``segments``: the request's own values, and the path's keys."""
    return {**ctx.parameters, **key_parameters(segments)}


def _not_found(ctx: RequestContext) -> NotFoundError:
    return NotFoundError(f"No entity found at {ctx.request.path!r}", target=ctx.request.path, code="EntityNotFound")


async def _rows_body(
    ctx: RequestContext,
    statement: sa.Select[Any],
    parameters: Mapping[str, object],
    document: Document,
    before: Callable[[AsyncConnection], Awaitable[None]],
) -> bytes | AsyncIterator[bytes]:
    """The body for all rows of ``statement`` run with ``parameters``: bytes if they fit one
    batch, else a stream.

    ``before`` runs first on the same connection (the ``$count`` query). Errors of the
    queries surface here, before the response starts.
    """
    batch_rows = ctx.service.config.stream_batch_rows
    shared = shared_connection()  # inside a change set: read its writes, and leave it open
    connection = shared or await open_read_connection(ctx.service.engine)

    async def close() -> None:
        if shared is None:
            await connection.close()

    try:
        await before(connection)
        result = await connection.stream(statement, parameters)
        batches = result.partitions(batch_rows)
        first = await anext(batches, [])
        if not first:
            await _require_parent(ctx, connection)
        if len(first) < batch_rows or shared is not None:
            rows = _single_batch(first) if len(first) < batch_rows else _prepend(first, batches)
            body = b"".join([chunk async for chunk in document(connection, rows)])
            await result.close()
            await close()
            return body
    except BaseException:
        await close()
        raise

    async def streamed() -> AsyncIterator[bytes]:
        try:
            async for chunk in document(connection, _prepend(first, batches)):
                yield chunk
        finally:
            await result.close()
            await close()

    return streamed()


async def _single_batch(rows: Sequence[Row]) -> AsyncIterator[Sequence[Row]]:
    yield rows


async def _prepend(first: Sequence[Row], rest: AsyncIterator[Sequence[Row]]) -> AsyncIterator[Sequence[Row]]:
    yield first
    async for rows in rest:
        yield rows


__all__ = [
    "read_collection",
    "read_count",
    "read_entity",
    "read_property",
    "read_property_value",
    "read_reference",
    "read_references",
]
