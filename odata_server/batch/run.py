"""Running a batch: each request through the pipeline, in order, groups in one transaction.

The rules come from OData Protocol §11.7 and JSON Format §19:

- Requests run one after the other, in the order written (§11.7.7.4; JSON allows any
  order that keeps ``dependsOn``, and the written order does).
- An atomicity group (a change set) runs in one database transaction and stops at
  its first failure (PostgreSQL refuses every statement after a failed one anyway);
  then it is rolled back, and its other requests answer 424 (§19.5).
- A request that depends on a failed request or group is not run: 424 (§19.1).
- After a failure the batch stops, unless ``continue-on-error`` says otherwise
  (:func:`continue_on_error`).
- ``$<id>`` at the start of a URL stands for the entity an earlier request created
  (its ``Location``) or addressed, and ``If-Match: $<id>`` for its ``ETag``.
- A request inherits the batch's ``Accept`` (less the batch formats), language,
  version and credential headers (Protocol §8), unless it has its own.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote, urljoin

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from odata_server.batch.model import (
    Answer,
    AtomicityGroup,
    Batch,
    BatchFormat,
    FailedDependencyError,
    GroupAnswer,
    Outcome,
    Part,
)
from odata_server.batch.urls import resolve
from odata_server.errors import BadRequestError, ConflictError, InternalServerError, ODataError
from odata_server.messages import ODataRequest, ODataResponse
from odata_server.pipeline.handler import Handler, error_response
from odata_server.pipeline.prefer import preferences
from odata_server.pipeline.transaction import change_set

logger = logging.getLogger("odata_server.batch")

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_INHERITED = ("accept-charset", "accept-language", "odata-version", "odata-maxversion")
_CREDENTIALS = ("authorization", "cookie", "proxy-authorization")
_ETAG_REFERENCES = ("if-match", "if-none-match")


def continue_on_error(request: ODataRequest, sent: BatchFormat) -> tuple[bool, str | None]:
    """Whether to go on after a failed request, and the ``Preference-Applied`` to answer with.

    ``continue-on-error`` (or ``odata.continue-on-error``) with no value or ``true``
    goes on; ``false`` stops. Without it, a multipart batch stops at the first error
    (Protocol §11.7.7.4) and a JSON batch goes on (JSON Format §19.4). Any other
    value is ignored, as unknown preference values are.
    """
    preference = preferences(request).get("continue-on-error")
    value = (preference.value or "true").lower() if preference else None
    if preference is None or value not in ("true", "false"):
        return sent is BatchFormat.JSON, None
    if value == "true":
        return True, preference.name
    return False, f"{preference.name}=false"


class _RolledBack(Exception):
    """Raised inside a change set to roll it back."""


class BatchRun:
    """One run of one batch.

    Args:
        handler: the pipeline each request goes through.
        engine: the database the atomicity groups' transactions are on.
        request: the batch request: its service root and the headers its requests inherit.
        version: the OData version of the batch response, for the errors made here.
        go_on: whether to go on after a failure (:func:`continue_on_error`).
    """

    def __init__(self, handler: Handler, engine: AsyncEngine, request: ODataRequest, version: str, go_on: bool) -> None:
        self.handler = handler
        self.engine = engine
        self.request = request
        self.version = version
        self.go_on = go_on
        self._ids: set[str] = set()
        self._urls: dict[str, str] = {}
        """Request id → the URL ``$id`` stands for."""
        self._etags: dict[str, str] = {}
        self._failed: set[str] = set()
        """Ids and atomicity groups that failed (or were rolled back)."""

    async def run(self, batch: Batch) -> list[Outcome]:
        """The outcome of each item run, in order; items after a stop are left out."""
        self._ids = {part.id for part in batch.parts() if part.id is not None}
        outcomes: list[Outcome] = []
        for item in batch.items:
            if isinstance(item, AtomicityGroup):
                outcome: Outcome = await self._group(item)
                failed = outcome.failure is not None
            else:
                outcome = await self._answer(item)
                failed = outcome.failed
            outcomes.append(outcome)
            if failed and not self.go_on:
                break
        return outcomes

    async def _group(self, group: AtomicityGroup) -> GroupAnswer:
        if not group.parts:  # an empty change set: nothing to run, nothing to commit
            return GroupAnswer(group, ())
        answers: list[Answer] = []
        try:
            async with change_set(self.engine):
                for part in group.parts:
                    answers.append(await self._answer(part))
                    if answers[-1].failed:
                        raise _RolledBack
        except _RolledBack:
            return self._failed_group(group, answers[-1])
        except Exception as error:  # beginning or committing failed: a deferred constraint, a lost connection
            logger.warning("The transaction of atomicity group %s failed", group.name, exc_info=error)
            return self._failed_group(group, self._error(group.parts[-1], _commit_error(error)))
        return GroupAnswer(group, tuple(answers))

    def _failed_group(self, group: AtomicityGroup, failure: Answer) -> GroupAnswer:
        """Every request of a failed group failed: the failing one, and the others with 424."""
        self._failed.add(group.name)
        not_applied = FailedDependencyError(
            f"Not applied: request {failure.part.id} of atomicity group {group.name} failed, "
            "and the group was rolled back"
        )
        answers = []
        for part in group.parts:
            self._forget(part)
            answers.append(failure if part is failure.part else self._error(part, not_applied))
        return GroupAnswer(group, tuple(answers), failure)

    async def _answer(self, part: Part) -> Answer:
        """Run ``part``, and remember what later requests may refer to."""
        try:
            request = self._request(part)
        except ODataError as error:
            self._forget(part)
            return self._error(part, error)
        response = await self.handler(request)
        answer = Answer(part, response.status, response.headers, await _read(response))
        if answer.failed:
            self._forget(part)
        elif part.id is not None:
            self._remember(part.id, answer, _url(request))
        return answer

    def _remember(self, part_id: str, answer: Answer, url: str) -> None:
        """``$id`` stands for the entity created (its ``Location``), else for the one addressed."""
        location = _header(answer, "location")
        self._urls[part_id] = urljoin(url, location) if location else url
        etag = _header(answer, "etag")
        if etag:
            self._etags[part_id] = etag

    def _request(self, part: Part) -> ODataRequest:
        """The pipeline request for ``part``; raises the error it is answered with instead."""
        if part.problem is not None:
            raise part.problem
        failed = [name for name in part.depends_on if name in self._failed]
        if failed:
            raise FailedDependencyError(f"Not run: request {part.id} depends on {failed[0]}, which failed")
        if part.method not in _METHODS:
            raise BadRequestError(
                f"{part.method!r} is not a method of a batch request: use {', '.join(sorted(_METHODS))}"
            )
        target = resolve(part.url, self.request.service_root, part.headers.get("host"), self._referenced)
        if unquote(target.path) == "$batch":
            raise BadRequestError("A batch cannot hold another batch", target=part.url)
        root = self.request.service_root
        return ODataRequest(part.method, root, target.path, target.query, self._headers(part), part.body)

    def _referenced(self, name: str) -> str | None:
        """The URL ``$name`` stands for; None if ``name`` is no request of this batch."""
        if name in self._urls:
            return self._urls[name]
        if name in self._failed:
            raise FailedDependencyError(f"Not run: ${name} refers to request {name}, which failed")
        if name in self._ids:
            raise BadRequestError(f"${name} refers to request {name}, which does not come before this one")
        return None

    def _headers(self, part: Part) -> dict[str, str]:
        """The part's headers, with what it inherits from the batch and its ETag references resolved."""
        headers = {name: value for name, value in part.headers.items() if name not in _CREDENTIALS}
        batch_headers = self.request.headers
        for name in _INHERITED:
            if name in batch_headers and name not in headers:
                headers[name] = batch_headers[name]
        accept = _part_accept(batch_headers.get("accept"))
        if accept and "accept" not in headers:
            headers["accept"] = accept
        headers.update({name: batch_headers[name] for name in _CREDENTIALS if name in batch_headers})
        for name in _ETAG_REFERENCES:
            if headers.get(name, "").startswith("$"):
                headers[name] = self._etag(headers[name][1:])
        return headers

    def _etag(self, name: str) -> str:
        """The ETag ``If-Match: $name`` stands for (§11.7.5)."""
        if name in self._etags:
            return self._etags[name]
        if name in self._failed:
            raise FailedDependencyError(f"Not run: ${name} refers to request {name}, which failed")
        raise BadRequestError(f"${name} names no earlier request that answered with an ETag")

    def _forget(self, part: Part) -> None:
        """``part`` failed, or was rolled back: nothing may refer to what it did."""
        if part.id is not None:
            self._failed.add(part.id)
            self._urls.pop(part.id, None)
            self._etags.pop(part.id, None)

    def _error(self, part: Part, error: ODataError) -> Answer:
        response = error_response(error)
        headers = {**response.headers, "OData-Version": self.version, "Vary": "OData-MaxVersion"}
        return Answer(part, response.status, headers, _bytes(response))


def _part_accept(accept: str | None) -> str | None:
    """The batch's ``Accept`` as inherited by its requests: without the batch formats it chooses between."""
    if not accept:
        return None
    kept = [item.strip() for item in accept.split(",") if not item.strip().lower().startswith("multipart/")]
    return ", ".join(item for item in kept if item) or None


def _header(answer: Answer, name: str) -> str | None:
    return next((value for key, value in answer.headers.items() if key.lower() == name), None)


def _commit_error(error: Exception) -> ODataError:
    if isinstance(error, IntegrityError):
        return ConflictError("The atomicity group could not be committed: it breaks a constraint of the database")
    return InternalServerError("The atomicity group could not be committed")


def _url(request: ODataRequest) -> str:
    return request.service_root + request.path + (f"?{request.query}" if request.query else "")


async def _read(response: ODataResponse) -> bytes:
    try:
        return b"".join([chunk async for chunk in response.iter_body()])
    finally:
        await response.close()


def _bytes(response: ODataResponse) -> bytes:
    assert isinstance(response.body, bytes), "error responses have their body in bytes"
    return response.body


__all__ = ["BatchRun", "continue_on_error"]
