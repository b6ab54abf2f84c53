"""Streams: a media entity's (``Photos(1)/$value``) and a stream property's (``Airlines('AA')/Logo``).

- GET answers the bytes as they were stored, with the media type they were stored
  with and the stream's ETag (Protocol §11.2.3, §11.2.4.1); the ``Accept`` header
  must allow that media type (406), ``$format`` does not apply. No stream: 204.
- PUT replaces the stream with the request body, of the media type its
  ``Content-Type`` says (Protocol §11.4.7.2, §11.4.8.1); ``If-Match`` holds the
  stream's ETag, as GET gave it.
- DELETE of a stream property clears it (Protocol §11.4.8.2).

Creating a media entity (POST of its media to the entity set) and deleting one
(DELETE of the entity or of its ``$value``) are the entity operations of
:mod:`.write`, which keep the stream with the entity.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from odata_server.edm.model import NavigationSource
from odata_server.edm.storage import EntityStorage
from odata_server.edm.streams import MEDIA_STREAM
from odata_server.errors import BadRequestError, NotAcceptableError, NotFoundError
from odata_server.format.negotiation import accepts
from odata_server.messages import ODataResponse
from odata_server.pipeline.changes import Changes, addressed_key, key_segments, writing
from odata_server.pipeline.context import RequestContext
from odata_server.pipeline.operations.read import entity_response
from odata_server.pipeline.preconditions import check_change, check_read, not_modified
from odata_server.pipeline.prefer import return_preference
from odata_server.pipeline.streams import (
    cleared_values,
    forget,
    stored_stream,
    stream_fields,
    stream_title,
    upload,
)
from odata_server.pipeline.transaction import reading
from odata_server.query import writes
from odata_server.query.writes import Key
from odata_server.uri.path import ResourceKind

NO_CONTENT = 204
NOT_MODIFIED = 304


def _addressed(ctx: RequestContext) -> tuple[NavigationSource, EntityStorage, str, str]:
    """The entity set, its storage, the stream's name (``$value`` for a media entity's)
    and how messages name it."""
    entity_set = ctx.path.entity_set
    assert entity_set is not None
    storage = ctx.service.storage[entity_set.entity_type.qualified_name]
    prop = ctx.path.target_property  # None for a media entity's stream
    name = MEDIA_STREAM if prop is None else prop.name
    return entity_set, storage, name, stream_title(entity_set.entity_type, name)


def _not_found(ctx: RequestContext) -> NotFoundError:
    return NotFoundError(f"No entity found at {ctx.request.path!r}", target=ctx.request.path, code="EntityNotFound")


async def read_stream(ctx: RequestContext) -> ODataResponse:
    """``GET Photos(1)/$value``, ``GET Airlines('AA')/Logo``: the stored bytes.

    ``If-None-Match`` with the stream's ETag answers ``304 Not Modified``.
    """
    entity_set, storage, name, what = _addressed(ctx)
    entity_type = entity_set.entity_type
    fields = (*(entity_type.properties[k] for k in storage.key), *stream_fields(storage, name))
    async with reading(ctx.service.engine) as connection:
        row = (await connection.execute(*ctx.service.select_entities(ctx.path.entity_segments, fields))).first()
    if row is None:  # also a single-valued navigation to no entity (Protocol §11.2.3)
        raise _not_found(ctx)
    values = {field.name: value for field, value in zip(fields, row)}
    stored = await stored_stream(storage, entity_type, name, {k: values[k] for k in storage.key}, values)
    if stored is None:
        return ODataResponse(NO_CONTENT)
    if not accepts(ctx.request.header("accept"), stored.content_type):
        raise NotAcceptableError(
            f"{what} is {stored.content_type}; Accept asks for {ctx.request.header('accept')!r}", target="Accept"
        )
    check_read(ctx.request, stored.etag)
    if not_modified(ctx.request, stored.etag):
        return ODataResponse(NOT_MODIFIED, {"ETag": stored.etag})
    return ODataResponse(200, {"Content-Type": stored.content_type, "ETag": stored.etag}, await stored.body())


async def write_stream(ctx: RequestContext) -> ODataResponse:
    """``PUT Photos(1)/$value``, ``PUT Airlines('AA')/Logo``: the body is the new stream.

    204 with the new ETag when it is known (a file's is known once the file is in place,
    when the transaction commits); with ``Prefer: return=representation`` the media
    entity (Protocol §11.4.7.2), or the new stream of a stream property (§11.4.8.1).
    """
    entity_set, storage, name, _ = _addressed(ctx)
    new = upload(ctx.request, storage, entity_set.entity_type, name)
    async with writing(ctx.service) as changes:
        key = await _locked_key(ctx, changes, storage, name)
        await _write_row(changes, entity_set, key, new.row_values(storage))
        await new.place(storage, entity_set.entity_type, key)
        preferred, applied = return_preference(ctx.request)
        headers = {"Preference-Applied": applied} if applied is not None else {}
        if new.etag is not None:
            headers["ETag"] = new.etag
        if preferred != "representation":
            return ODataResponse(NO_CONTENT, headers)
        if ctx.path.kind is ResourceKind.MEDIA:
            headers.pop("ETag", None)  # the entity's own ETag comes with it
            return await entity_response(ctx, changes.connection, key_segments(entity_set, key), headers=headers)
        return ODataResponse(200, {"Content-Type": new.content_type, **headers}, new.content)


async def delete_stream(ctx: RequestContext) -> ODataResponse:
    """``DELETE Airlines('AA')/Logo``: the entity no longer has the stream; 400 if it must have one."""
    entity_set, storage, name, what = _addressed(ctx)
    prop = ctx.path.target_property
    assert prop is not None
    if not prop.nullable:
        raise BadRequestError(f"{what} cannot be null, so it cannot be deleted", target=what, code="NullNotAllowed")
    async with writing(ctx.service) as changes:
        key = await _locked_key(ctx, changes, storage, name)
        await _write_row(changes, entity_set, key, cleared_values(storage, name))
        forget(storage, entity_set.entity_type, key, (name,))
    return ODataResponse(NO_CONTENT)


async def _write_row(
    changes: Changes, entity_set: NavigationSource, key: Key, values: dict[sa.Column[Any], object]
) -> None:
    """Record a stream change in the entity's row: a change of the entity, so its version goes up."""
    version = entity_set.concurrency.version if entity_set.concurrency else None
    await writes.update(changes.connection, changes.storage(entity_set), key, {}, values, version)


async def _locked_key(ctx: RequestContext, changes: Changes, storage: EntityStorage, name: str) -> Key:
    """The key of the addressed entity, its row locked for the change; the preconditions
    (``If-Match``, ``If-None-Match``, a required ``If-Match``) checked against the stream's ETag.

    The stored stream is looked at only for a conditional request: for a stream in a
    column, that reads its bytes.
    """
    entity_set = ctx.path.entity_set
    assert entity_set is not None
    key = await addressed_key(ctx.service, changes.connection, ctx.path)
    concurrency = entity_set.concurrency
    conditional = (
        ctx.request.header("if-match") is not None
        or ctx.request.header("if-none-match") is not None
        or (concurrency is not None and concurrency.required)
    )
    names = tuple(field.name for field in stream_fields(storage, name)) if conditional else ()
    current = None if key is None else await changes.current(entity_set, key, names)
    if key is None or current is None:
        raise _not_found(ctx)
    if conditional:
        stored = await stored_stream(storage, entity_set.entity_type, name, key, current)
        check_change(ctx.request, entity_set, None if stored is None else stored.etag, exists=stored is not None)
    return key


__all__ = ["delete_stream", "read_stream", "write_stream"]
