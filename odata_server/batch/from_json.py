"""A JSON batch request body (OData JSON Format §19.1) read into parts and atomicity groups.

A document that is not a JSON batch (not JSON, wrong member types, an atomicity
group split by other requests) is refused as a whole with 400 before anything
runs. A request object whose content is wrong (a body that does not fit its media
type, a body on a GET) is answered with its own 400; one with an ``if`` condition,
which this service does not evaluate, with 424 as §19.1 prescribes.
"""

from __future__ import annotations

from odata_server.batch.model import AtomicityGroup, FailedDependencyError, Item, Part
from odata_server.errors import BadRequestError, ODataError
from odata_server.format.json_batch import RequestObject, body_bytes, read_json_batch
from odata_server.format.media_type import parse_media_type

_NO_BODY = frozenset({"GET", "DELETE"})


def read_json_batch_items(body: bytes) -> tuple[Item, ...]:
    """The requests and atomicity groups of a JSON batch body, in order.

    Raises:
        BadRequestError: the body is not a JSON batch request, or the requests of an
            atomicity group are not adjacent.
    """
    try:
        objects = read_json_batch(body)
    except ValueError as error:
        raise BadRequestError(f"The body is not a valid JSON batch request: {error}") from None
    items: list[Item] = []
    for request in objects:
        part = _part(request)
        group = request.atomicity_group
        if group is None:
            items.append(part)
        elif items and isinstance(items[-1], AtomicityGroup) and items[-1].name == group:
            items[-1] = AtomicityGroup(group, (*items[-1].parts, part))
        elif any(isinstance(item, AtomicityGroup) and item.name == group for item in items):
            raise BadRequestError(f"The requests of atomicity group {group!r} are not adjacent")
        else:
            items.append(AtomicityGroup(group, (part,)))
    return tuple(items)


def _part(request: RequestObject) -> Part:
    method = request.method.upper()  # the JSON literals are case-insensitive
    try:
        body = _body(request, method)
    except ODataError as error:
        return Part(request.id, method, request.url, request.headers, depends_on=request.depends_on, problem=error)
    return Part(request.id, method, request.url, request.headers, body, request.depends_on)


def _body(request: RequestObject, method: str) -> bytes:
    if request.condition is not None:
        raise FailedDependencyError(f'Request {request.id} has an "if" condition; this service does not evaluate them')
    if request.body is None:
        return b""
    if method in _NO_BODY:
        raise BadRequestError(f"Request {request.id} is a {method} and must not have a body")
    try:
        return body_bytes(request.body, parse_media_type(request.headers["content-type"]))
    except ValueError as error:
        raise BadRequestError(f"The body of request {request.id} is invalid: {error}") from None


__all__ = ["read_json_batch_items"]
