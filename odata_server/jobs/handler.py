"""``Prefer: respond-async`` and the status monitor (OData Protocol §8.2.8.8, §8.2.8.10, §11.6).

A Handler wrapper: a request preferring to be answered asynchronously is checked at
once (a malformed URL gets its 400 now), stored as a job, queued, and answered
``202 Accepted`` with the URL of its status monitor, ``$async/<job id>``. A GET
there answers 202 while the job runs and then, once, the result; a DELETE cancels.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import time
from collections.abc import AsyncIterator
from dataclasses import replace

from odata_server.config import ServiceConfig
from odata_server.errors import MethodNotAllowedError, NotFoundError, ODataError
from odata_server.jobs.callback import check_callback_url
from odata_server.jobs.model import Job, JobState, utcnow
from odata_server.jobs.output import JobOutput
from odata_server.jobs.queue import JobQueue
from odata_server.jobs.store import SqlJobStore
from odata_server.messages import ODataRequest, ODataResponse
from odata_server.pipeline.handler import CheckingHandler, error_response
from odata_server.pipeline.prefer import preferences, without_preference

MONITOR = "$async/"
_CREDENTIALS = frozenset({"authorization", "cookie", "proxy-authorization"})


class RespondAsyncHandler:
    """Answers asynchronous requests and their status monitors; passes everything else on."""

    def __init__(
        self, inner: CheckingHandler, store: SqlJobStore, output: JobOutput, queue: JobQueue, config: ServiceConfig
    ) -> None:
        self.inner = inner
        self.store = store
        self.output = output
        self.queue = queue
        self.config = config

    async def __call__(self, request: ODataRequest) -> ODataResponse:
        try:
            if request.path.startswith(MONITOR):
                return await self._monitor(request)
            if "respond-async" in preferences(request):
                return await self._accept(request)
        except ODataError as error:
            response = error_response(error)
            return replace(response, headers={**response.headers, "OData-Version": "4.01"})
        return await self.inner(request)

    # -- the request

    async def _accept(self, request: ODataRequest) -> ODataResponse:
        refused = self.inner.check(request)
        if refused is not None:
            return refused
        prefs = preferences(request)
        callback = prefs.get("callback")
        callback_url = callback.parameters.get("url") if callback else None
        if callback_url:
            await check_callback_url(callback_url, self.config.callback_allow)
        stored = request
        for name in ("respond-async", "wait", "callback"):
            stored = without_preference(stored, name)
        # Credentials are not kept in the job table; the principal's digest binds the job.
        headers = {name: value for name, value in stored.headers.items() if name not in _CREDENTIALS}
        stored = replace(stored, headers=headers)
        job = Job(
            request=stored.to_dict(),
            principal=_principal(request),
            callback_url=callback_url,
            lease_until=utcnow() + dt.timedelta(seconds=self.config.async_requeue_after),
        )
        await self.store.add(job)
        self.queue.enqueue(job.id)

        wait = prefs.get("wait")
        if wait is not None and wait.value and wait.value.isdigit():
            finished = await self._wait_for(job.id, float(wait.value))
            if finished is not None:
                return await self._result(request, finished, as_monitor=False)
        applied = ["respond-async"] + ([callback.name] if callback_url and callback else [])
        return self._accepted(request, job.id, {"Preference-Applied": ", ".join(applied), "Vary": "OData-MaxVersion"})

    def _accepted(self, request: ODataRequest, job_id: str, extra: dict[str, str]) -> ODataResponse:
        """202 with the status monitor's URL and when to ask again (§11.6)."""
        headers = {
            "Location": request.service_root + MONITOR + job_id,
            "Retry-After": str(self.config.async_retry_after),
            "OData-Version": "4.01",
        }
        return ODataResponse(202, {**headers, **extra})

    async def _wait_for(self, job_id: str, seconds: float) -> Job | None:
        """Prefer: wait=N: the finished job, taken, if it finishes within N seconds."""
        deadline = time.monotonic() + seconds
        pause = 0.01
        while time.monotonic() < deadline:
            job = await self.store.get(job_id)
            if job is not None and job.state.finished:
                return await self.store.take(job_id)
            await asyncio.sleep(min(pause, max(deadline - time.monotonic(), 0)))
            pause = min(pause * 2, 0.5)
        return None

    # -- the status monitor

    async def _monitor(self, request: ODataRequest) -> ODataResponse:
        job_id = request.path[len(MONITOR) :]
        job = await self.store.get(job_id)
        if job is None or job.principal != _principal(request) or job.state is JobState.CANCELLED:
            raise NotFoundError("No asynchronous request has this status monitor (any more)", code="UnknownJob")
        if request.method == "DELETE":
            return await self._cancel(job)
        if request.method not in ("GET", "HEAD"):
            raise MethodNotAllowedError(
                f"{request.method} is not allowed on a status monitor", headers={"Allow": "GET, HEAD, DELETE"}
            )
        if not job.state.finished:
            return self._accepted(request, job.id, {"Async-Progress": f"{job.progress} bytes written"})
        if request.method == "HEAD":  # a look that does not take the result
            return ODataResponse(200, {"AsyncResult": str(job.result_status), "OData-Version": "4.01"})
        taken = await self.store.take(job_id)
        if taken is None:  # another request took the result first
            raise NotFoundError("The result of this asynchronous request was already delivered", code="UnknownJob")
        return await self._result(request, taken, as_monitor=True)

    async def _cancel(self, job: Job) -> ODataResponse:
        before = await self.store.cancel(job.id)
        if before is not None and before.result_location:
            await self.output.delete(before.result_location)
        return ODataResponse(204, {"OData-Version": "4.01"})

    async def _result(self, request: ODataRequest, job: Job, *, as_monitor: bool) -> ODataResponse:
        """The stored response, delivered once: its file is deleted when the body has been sent."""
        assert job.result_location is not None and job.result_status is not None
        location = job.result_location
        if as_monitor and _wants_http_message(request):
            # The 4.0 form: the whole response as an HTTP message (§11.6).
            body = self._deleting(location, await self.output.read_raw(location))
            return ODataResponse(200, {"Content-Type": "application/http", "OData-Version": "4.0"}, body)
        status, headers, chunks = await self.output.read(location)
        body = self._deleting(location, chunks)
        if not as_monitor:
            return ODataResponse(status, headers, body)
        # The 4.01 form: 200, AsyncResult: <status>, then the original headers and body.
        passthrough = self.config.async_status_passthrough and status >= 400
        return ODataResponse(status if passthrough else 200, {**headers, "AsyncResult": str(status)}, body)

    async def _deleting(self, location: str, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        try:
            async for chunk in chunks:
                yield chunk
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()
            await self.output.delete(location)


def _principal(request: ODataRequest) -> str | None:
    """Who asked: a digest of the credentials sent, so that only the same credentials see the job."""
    credentials = request.header("authorization")
    return hashlib.sha256(credentials.encode("utf-8")).hexdigest() if credentials else None


def _wants_http_message(request: ODataRequest) -> bool:
    accept = request.header("accept")
    if accept is not None:
        return "application/http" in accept.lower()
    return (request.header("odata-maxversion") or "").strip() == "4.0"


__all__ = ["MONITOR", "RespondAsyncHandler"]
