"""Changes to one property of an entity (OData Protocol §11.4.9.1).

``PUT`` or ``PATCH Products(1)/ProductName`` sends the new value as a property document
(``{"value": "Chai"}``, JSON Format §7); ``PUT Products(1)/ProductName/$value`` sends
it raw, as ``GET .../$value`` shows it; ``DELETE`` of either sets the property to null.
The rules of an entity update apply: one transaction, the entity's ``If-Match``, its
version incremented, the new ETag in the response. The key, computed properties and
the version property are the server's to set.
"""

from __future__ import annotations

from typing import Any

from odata_server.edm.model import ComplexType, EntitySet, Property
from odata_server.edm.types import PrimitiveType
from odata_server.errors import BadRequestError, FeatureNotImplementedError, NotFoundError, UnsupportedMediaTypeError
from odata_server.format.context_url import context, property_fragment
from odata_server.format.decode import decode_json_value, decode_raw_value
from odata_server.format.media_type import parse_media_type
from odata_server.format.negotiation import Representation, json_content_type
from odata_server.format.values import dumps, json_converter, raw_text
from odata_server.messages import ODataRequest, ODataResponse
from odata_server.pipeline.changes import Changes, addressed_key, canonical_path, server_managed, writing
from odata_server.pipeline.context import RequestContext
from odata_server.pipeline.operations.write import NO_CONTENT, updated
from odata_server.pipeline.payload import json_body
from odata_server.pipeline.preconditions import check_change
from odata_server.pipeline.prefer import return_preference
from odata_server.query import writes
from odata_server.query.writes import Key
from odata_server.uri.path import ResourceKind

_TEXT_CHARSETS = ("utf-8", "us-ascii")


async def write_property(ctx: RequestContext) -> ODataResponse:
    """``PUT`` or ``PATCH Products(1)/ProductName`` with ``{"value": "Chai"}``; a complex
    property's body is the complex value itself, which PATCH merges into the stored one."""
    prop = _writable_property(ctx)
    document = json_body(ctx.request)
    if isinstance(prop.type, ComplexType) and not prop.collection:
        if not isinstance(document, dict):
            raise BadRequestError(
                f"The body must be a JSON object: the new value of {prop.name}", target=prop.name, code="InvalidPayload"
            )
        given = {name: value for name, value in document.items() if not name.startswith("@")}
        if ctx.request.method == "PATCH":
            return await _set_property(ctx, prop, given, merge=True)
        return await _set_property(ctx, prop, decode_json_value(given, prop, target=prop.name))
    value = _value_member(document, prop)
    return await _set_property(ctx, prop, decode_json_value(value, prop, target=prop.name))


async def write_raw_value(ctx: RequestContext) -> ODataResponse:
    """``PUT Products(1)/ProductName/$value`` with the raw value as the body."""
    prop = _writable_property(ctx)
    _require_raw_content_type(ctx.request, prop)
    return await _set_property(ctx, prop, decode_raw_value(ctx.request.body, prop, target=prop.name))


async def delete_property(ctx: RequestContext) -> ODataResponse:
    """``DELETE Products(1)/QuantityPerUnit`` (or ``.../$value``): set the property to null."""
    prop = _writable_property(ctx)
    return await _set_property(ctx, prop, decode_json_value(None, prop, target=prop.name))


def _writable_property(ctx: RequestContext) -> Property:
    """The addressed property; 400 for a key, computed or version property."""
    entity_set, path = ctx.path.entity_set, ctx.path.property_path
    assert entity_set is not None and path
    if len(path) > 1:
        raise FeatureNotImplementedError(
            f"Changing {'/'.join(p.name for p in path)} inside a complex value is not supported yet; "
            f"PUT or PATCH {path[0].name} instead",
            target="/".join(p.name for p in path),
        )
    prop = path[0]
    if server_managed(entity_set, prop):
        raise BadRequestError(
            f"{prop.name} is set by the server and cannot be changed", target=prop.name, code="ReadOnlyProperty"
        )
    return prop


def _value_member(document: Any, prop: Property) -> object:
    """The new value of a property document: its ``value``; control information and
    annotations (``@context``, ``value@type``) may come with it."""
    if not isinstance(document, dict) or "value" not in document:
        raise BadRequestError(
            f'The body must be a JSON object with the new value of {prop.name} in "value"',
            target=prop.name,
            code="InvalidPayload",
        )
    for member in document:
        if member != "value" and "@" not in member:
            raise BadRequestError(
                f'A property document has only "value" and annotations, not {member!r}',
                target=member,
                code="InvalidPayload",
            )
    return document["value"]


def _require_raw_content_type(request: ODataRequest, prop: Property) -> None:
    """A raw value is UTF-8 ``text/plain``, except Edm.Binary's: its bytes are the value, of any media type."""
    if prop.type is PrimitiveType.BINARY:
        return
    declared = request.header("content-type") or ""
    try:
        media_type = parse_media_type(declared)
    except ValueError:
        media_type = None
    if (
        media_type is None
        or media_type.essence != "text/plain"
        or media_type.parameters.get("charset", "utf-8").lower() not in _TEXT_CHARSETS
    ):
        raise UnsupportedMediaTypeError(
            f"The raw value of {prop.name} must be sent as UTF-8 text/plain, not {declared or 'undeclared'}",
            code="UnsupportedMediaType",
        )


async def _set_property(ctx: RequestContext, prop: Property, value: object, *, merge: bool = False) -> ODataResponse:
    """Write ``value`` to ``prop``; with ``merge``, ``value`` holds the members of a complex value
    to change (still undecoded), the others keep their stored values."""
    entity_set = ctx.path.entity_set
    assert entity_set is not None
    async with writing(ctx.service) as changes:
        key = await addressed_key(ctx.service, changes.connection, ctx.path)
        current = None if key is None else await changes.current(entity_set, key, (prop.name,) if merge else ())
        check_change(ctx.request, entity_set, changes.etag(entity_set, current), exists=current is not None)
        if key is None:
            raise NotFoundError(
                f"No entity found at {ctx.request.path!r}", target=ctx.request.path, code="EntityNotFound"
            )
        if merge:
            stored = current[prop.name] if current is not None else None
            merged = {**(stored if isinstance(stored, dict) else {}), **value}  # type: ignore[dict-item]
            value = decode_json_value(merged, prop, target=prop.name)
        version = entity_set.concurrency.version if entity_set.concurrency else None
        storage = changes.storage(entity_set, ctx.entity_type)
        await writes.update(changes.connection, storage, key, {prop.name: value}, {}, version)
        return await _updated(ctx, changes, entity_set, key, prop)


async def _updated(
    ctx: RequestContext, changes: Changes, entity_set: EntitySet, key: Key, prop: Property
) -> ODataResponse:
    """204 with the new ETag; with ``Prefer: return=representation`` the property as a GET
    of the same URL shows it (read in the transaction, so it is what the change made)."""
    preferred, applied = return_preference(ctx.request)
    if preferred != "representation":
        return await updated(ctx, changes, entity_set, key)
    current = await changes.current(entity_set, key, (prop.name,), ctx.entity_type)
    assert current is not None
    etag = changes.etag(entity_set, current)
    headers = {"Preference-Applied": applied or "", **({"ETag": etag} if etag is not None else {})}
    value = current[prop.name]
    if value is None:  # a null property has no representation: GET answers 204 too
        return ODataResponse(NO_CONTENT, headers)
    if ctx.path.kind is ResourceKind.PROPERTY_VALUE:
        return _raw_value(ctx, prop, value, headers)
    negotiated = ctx.negotiate(Representation.JSON)
    convert = json_converter(prop.type, ieee754_compatible=negotiated.ieee754_compatible, collection=prop.collection)
    key_path = await canonical_path(ctx.service, changes.connection, entity_set, key)
    value = value if convert is None else convert(value)
    fragment = property_fragment(key_path, prop.name, ctx.path.type_cast)
    document_context = context(negotiated, ctx.request.service_root, fragment)
    if isinstance(prop.type, ComplexType) and not prop.collection:
        document = {**document_context, **value}  # type: ignore[dict-item]
    else:
        document = {**document_context, "value": value}
    return ODataResponse(200, {"Content-Type": json_content_type(negotiated), **headers}, dumps(document))


def _raw_value(ctx: RequestContext, prop: Property, value: object, headers: dict[str, str]) -> ODataResponse:
    """The raw value, as ``GET .../$value`` writes it."""
    if prop.type is PrimitiveType.BINARY:
        ctx.negotiate(Representation.BINARY)
        return ODataResponse(200, {"Content-Type": Representation.BINARY.value, **headers}, bytes(value))  # type: ignore[arg-type]
    ctx.negotiate(Representation.TEXT)
    assert not isinstance(prop.type, ComplexType)
    body = raw_text(value, prop.type).encode("utf-8")
    return ODataResponse(200, {"Content-Type": "text/plain;charset=utf-8", **headers}, body)


__all__ = ["delete_property", "write_property", "write_raw_value"]
