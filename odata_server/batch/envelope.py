"""The batch request as a whole: its headers, its format, and the rules across its parts.

Everything here is checked before any part runs (OData Protocol §11.7: a batch with
invalid headers gets a 4xx and no further processing), so an asynchronous batch
is refused at once, and a broken batch writes nothing.
"""

from __future__ import annotations

import re

from odata_server.batch.from_json import read_json_batch_items
from odata_server.batch.from_multipart import read_multipart_batch
from odata_server.batch.model import AtomicityGroup, Batch, BatchFormat
from odata_server.config import ServiceConfig
from odata_server.errors import BadRequestError, NotAcceptableError, UnsupportedMediaTypeError
from odata_server.format.media_type import MediaType, parse_media_type
from odata_server.messages import ODataRequest
from odata_server.pipeline.handler import check_size
from odata_server.pipeline.prefer import preferences
from odata_server.uri.options import parse_query

#: ABNF ``request-id = 1*unreserved``: what an id or atomicity group may be.
_REQUEST_ID = re.compile(r"[A-Za-z0-9\-._~]+\Z")

_FORMAT_OPTIONS = {
    "json": BatchFormat.JSON,
    BatchFormat.JSON.value: BatchFormat.JSON,
    BatchFormat.MULTIPART.value: BatchFormat.MULTIPART,
}


def read_batch(request: ODataRequest, config: ServiceConfig) -> Batch:
    """The parts of a ``POST $batch``, checked as a whole.

    Raises:
        ODataError: 413 for a body over ``max_request_body``, 415 for a content type
            that is not a batch format, 400 for a malformed batch or one that breaks
            the rules across parts (ids, ``dependsOn``, ``max_batch_parts``).
    """
    check_size(request, config)
    _check_headers(request)
    media_type = _content_type(request)
    if media_type.essence == BatchFormat.MULTIPART.value:
        batch = Batch(BatchFormat.MULTIPART, read_multipart_batch(request.body, media_type))
    else:
        batch = Batch(BatchFormat.JSON, read_json_batch_items(request.body))
    _check_size(batch, config)
    _check_identifiers(batch)
    _check_dependencies(batch)
    return batch


def response_format(request: ODataRequest, sent: BatchFormat) -> BatchFormat:
    """The format of the batch response: asked for by ``$format`` or ``Accept``, else as sent (§11.7.1).

    Raises:
        BadRequestError: the query holds a system query option other than ``$format``.
        NotAcceptableError: neither format is acceptable.
    """
    options = parse_query(request.query)
    unexpected = sorted(set(options.system) - {"format"})
    if unexpected:
        raise BadRequestError(f"$batch takes no query option but $format, not ${unexpected[0]}", target=unexpected[0])
    if "format" in options.system:
        chosen = _FORMAT_OPTIONS.get(options.system["format"].lower())
        if chosen is None:
            raise NotAcceptableError(f"$format of a batch must be json or {BatchFormat.MULTIPART.value}", "$format")
        return chosen
    accept = request.header("accept")
    if not accept:
        return sent
    other = BatchFormat.JSON if sent is BatchFormat.MULTIPART else BatchFormat.MULTIPART
    qualities = {fmt: _quality(accept, fmt) for fmt in (sent, other)}
    best = max((sent, other), key=lambda fmt: qualities[fmt])  # the first wins a tie: as sent
    if qualities[best] <= 0:
        raise NotAcceptableError(
            f"A batch response is multipart/mixed or application/json; Accept asks for {accept!r}", "Accept"
        )
    return best


def _quality(accept: str, fmt: BatchFormat) -> float:
    """How much ``accept`` wants ``fmt``: the quality of the first range that matches it."""
    wanted_type, wanted_subtype = fmt.value.split("/")
    for item in accept.split(","):
        try:
            media_type = parse_media_type(item)
        except ValueError:
            continue
        if media_type.type in ("*", wanted_type) and media_type.subtype in ("*", wanted_subtype):
            try:
                return float(media_type.parameters.get("q", "1"))
            except ValueError:
                return 0.0
    return 0.0


def _check_headers(request: ODataRequest) -> None:
    for header in ("if-match", "if-none-match"):
        if request.header(header) is not None:
            raise BadRequestError(f"{header} belongs on the requests inside a batch, not on the batch", target=header)
    if "return" in preferences(request):
        raise BadRequestError("Prefer: return belongs on the requests inside a batch, not on the batch", "Prefer")


def _content_type(request: ODataRequest) -> MediaType:
    text = request.header("content-type")
    try:
        media_type = parse_media_type(text or "")
    except ValueError:
        media_type = None
    if media_type is None or media_type.essence not in {fmt.value for fmt in BatchFormat}:
        raise UnsupportedMediaTypeError(
            f"A batch request is {BatchFormat.MULTIPART.value} or {BatchFormat.JSON.value}, not {text!r}",
            target="Content-Type",
        )
    return media_type


def _check_size(batch: Batch, config: ServiceConfig) -> None:
    count = len(batch.parts())
    if count > config.max_batch_parts:
        raise BadRequestError(
            f"The batch holds {count} requests; this service accepts at most {config.max_batch_parts} in one batch"
        )


def _check_identifiers(batch: Batch) -> None:
    """Ids are unique request-ids (§11.7.3); JSON atomicity groups too, and differ from every id."""
    seen: set[str] = set()
    for part in batch.parts():
        if part.id is None:
            continue
        if _REQUEST_ID.match(part.id) is None:
            raise BadRequestError(f"{part.id!r} is not a request identifier: use letters, digits, -, ., _ and ~")
        if part.id in seen:
            raise BadRequestError(f"Two requests of the batch have the id {part.id!r}")
        seen.add(part.id)
    if batch.format is BatchFormat.JSON:
        for item in batch.items:
            if isinstance(item, AtomicityGroup) and (_REQUEST_ID.match(item.name) is None or item.name in seen):
                raise BadRequestError(
                    f"{item.name!r} is not an atomicity group name: it must be a request identifier unlike any id"
                )


def _check_dependencies(batch: Batch) -> None:
    """``dependsOn`` names only requests and atomicity groups before the request (JSON Format §19.1)."""
    before: set[str] = set()
    for item in batch.items:
        parts = item.parts if isinstance(item, AtomicityGroup) else (item,)
        for part in parts:
            for name in part.depends_on:
                if name not in before:
                    raise BadRequestError(
                        f"Request {part.id} depends on {name!r}, which is no request or atomicity group before it"
                    )
            if part.id is not None:
                before.add(part.id)
        if isinstance(item, AtomicityGroup):
            before.add(item.name)


__all__ = ["read_batch", "response_format"]
