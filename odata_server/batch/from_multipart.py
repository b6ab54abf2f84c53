"""A multipart batch request body (OData Protocol §11.7.7) read into parts and change sets.

Two kinds of failure are told apart. When the multipart structure itself is broken
(no boundary, no close delimiter, a change set inside a change set) nothing can be
trusted, and the whole batch is refused with 400 before anything runs. When one
body part is malformed (its headers, its request line, a change set member without
``Content-ID``) only that part fails: it is answered with its own 400.
"""

from __future__ import annotations

from odata_server.batch.model import AtomicityGroup, Item, Part
from odata_server.errors import BadRequestError
from odata_server.format.http_message import parse_http_request, read_headers
from odata_server.format.media_type import MediaType, parse_media_type
from odata_server.format.multipart import read_multipart

_HTTP = "application/http"
_MULTIPART = "multipart/mixed"


def read_multipart_batch(body: bytes, media_type: MediaType) -> tuple[Item, ...]:
    """The requests and change sets of a ``multipart/mixed`` batch body.

    A change set is named after its position: ``changeset2`` is the second part.

    Raises:
        BadRequestError: the multipart structure is broken.
    """
    return tuple(
        _item(raw, f"Part {number} of the batch", f"changeset{number}")
        for number, raw in enumerate(_body_parts(body, media_type, "The batch"), start=1)
    )


def _item(raw: bytes, where: str, change_set_name: str) -> Item:
    """The request or the change set in one body part of the batch."""
    try:
        headers, content, part_type = _open(raw)
    except ValueError as error:
        return _malformed(None, f"{where} has malformed headers: {error}")
    if part_type.essence == _MULTIPART:
        members = _body_parts(content, part_type, f"{where} (a change set)")
        in_where = f"the change set in {where.lower()}"
        return AtomicityGroup(
            change_set_name,
            tuple(_member(raw, f"Request {number} of {in_where}") for number, raw in enumerate(members, start=1)),
        )
    return _request(headers, content, part_type, where, in_change_set=False)


def _member(raw: bytes, where: str) -> Part:
    """The request in one body part of a change set."""
    try:
        headers, content, part_type = _open(raw)
    except ValueError as error:
        return _malformed(None, f"{where} has malformed headers: {error}")
    if part_type.essence == _MULTIPART:
        raise BadRequestError(f"{where} is a change set; change sets cannot be nested")
    return _request(headers, content, part_type, where, in_change_set=True)


def _open(raw: bytes) -> tuple[dict[str, str], bytes, MediaType]:
    """A body part's headers, content and content type; :class:`ValueError` if malformed."""
    headers, content = read_headers(raw)
    if "content-type" not in headers:
        raise ValueError("no Content-Type")
    return headers, content, parse_media_type(headers["content-type"])


def _body_parts(body: bytes, media_type: MediaType, what: str) -> list[bytes]:
    boundary = media_type.parameters.get("boundary")
    if not boundary:
        raise BadRequestError(f"{what} has no boundary parameter in its Content-Type", target="Content-Type")
    try:
        return read_multipart(body, boundary)
    except ValueError as error:
        raise BadRequestError(f"{what} is not a valid multipart body: {error}") from None


def _request(headers: dict[str, str], content: bytes, part_type: MediaType, where: str, *, in_change_set: bool) -> Part:
    """The request in one ``application/http`` body part.

    Its ``Content-ID`` is a MIME header of the part; some clients write it among the
    request's own headers instead, which is accepted too.
    """
    content_id = headers.get("content-id")
    if part_type.essence != _HTTP:
        return _malformed(content_id, f"{where} is {part_type.essence}, not {_HTTP} or a {_MULTIPART} change set")
    try:
        message = parse_http_request(content)
    except ValueError as error:
        return _malformed(content_id, f"{where} is not an HTTP request: {error}")
    content_id = content_id or message.headers.get("content-id")
    if in_change_set and content_id is None:
        return _malformed(None, f"{where} has no Content-ID; every request of a change set needs one")
    if in_change_set and message.method == "GET":
        return _malformed(content_id, f"{where} is a GET; a change set holds only changes and actions")
    return Part(content_id, message.method, message.target, message.headers, message.body)


def _malformed(content_id: str | None, message: str) -> Part:
    return Part(content_id, "", "", {}, problem=BadRequestError(message))


__all__ = ["read_multipart_batch"]
