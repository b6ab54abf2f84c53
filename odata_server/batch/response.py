"""The batch response, in either format, from the outcomes of a run.

Multipart (OData Protocol §11.7.7.5) mirrors the request: one ``application/http``
part per request, a nested ``multipart/mixed`` per change set, ``Content-ID``
echoed. A failed change set is answered by one part, the error that made it fail.

JSON (JSON Format §19.5): one response object per request, with its ``id`` and,
inside an atomicity group, the group's name; the requests of a failed group are
all there, the rolled-back ones with 424.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from odata_server.batch.model import Answer, BatchFormat, Outcome
from odata_server.format.http_message import http_head
from odata_server.format.json_batch import ResponseObject, write_json_batch
from odata_server.format.multipart import write_multipart
from odata_server.messages import ODataResponse

BodyPart = tuple[Mapping[str, str], bytes]


def batch_response(outcomes: Sequence[Outcome], fmt: BatchFormat, headers: Mapping[str, str]) -> ODataResponse:
    """``200 OK`` with the outcomes in ``fmt``, and ``headers`` added."""
    if fmt is BatchFormat.MULTIPART:
        boundary, body = write_multipart([_multipart_item(outcome) for outcome in outcomes], "batchresponse")
        content_type = f"{BatchFormat.MULTIPART.value}; boundary={boundary}"
    else:
        body = write_json_batch([response for outcome in outcomes for response in _response_objects(outcome)])
        content_type = BatchFormat.JSON.value
    return ODataResponse(200, {"Content-Type": content_type, **headers}, body)


def _multipart_item(outcome: Outcome) -> BodyPart:
    if isinstance(outcome, Answer):
        return _http_part(outcome)
    if outcome.failure is not None:
        return _http_part(outcome.failure)
    boundary, body = write_multipart([_http_part(answer) for answer in outcome.answers], "changesetresponse")
    return {"Content-Type": f"{BatchFormat.MULTIPART.value}; boundary={boundary}"}, body


def _http_part(answer: Answer) -> BodyPart:
    headers = {"Content-Type": "application/http", "Content-Transfer-Encoding": "binary"}
    if answer.part.id is not None:
        headers["Content-ID"] = answer.part.id
    response_headers = {name: value for name, value in answer.headers.items() if name.lower() != "content-length"}
    if answer.body:
        response_headers["Content-Length"] = str(len(answer.body))
    return headers, http_head(answer.status, response_headers) + answer.body


def _response_objects(outcome: Outcome) -> list[ResponseObject]:
    if isinstance(outcome, Answer):
        return [_response_object(outcome, None)]
    return [_response_object(answer, outcome.group.name) for answer in outcome.answers]


def _response_object(answer: Answer, group: str | None) -> ResponseObject:
    return ResponseObject(answer.part.id, group, answer.status, answer.headers, answer.body)


__all__ = ["batch_response"]
