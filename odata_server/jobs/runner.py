"""Running a job: the stored request through the same pipeline as a synchronous one.

The runner lives in the worker's event loop (a dramatiq worker thread's, or a worker
process's); it claims the job, runs the request, streams the response to the job disk
and records the outcome. Between writes it checks whether the job was cancelled, and
stops there, removing what it wrote.

A job whose worker died while it ran is run again, unless it changes data: a change
may have been committed before the worker died, and running it again could make it
twice (a second entity for a POST). Such a job fails with ``ChangeInterrupted``, so
the client checks the data before it sends the request again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncEngine

from odata_server.errors import InternalServerError, ODataError
from odata_server.jobs.model import JobState
from odata_server.jobs.output import JobOutput
from odata_server.jobs.store import SqlJobStore
from odata_server.messages import ODataRequest, ODataResponse
from odata_server.pipeline.handler import Handler, error_response

logger = logging.getLogger("odata_server.jobs")


class JobCancelled(Exception):
    """The job was cancelled while it ran."""


class JobTimedOut(ODataError):
    status = 504
    default_code = "AsyncTimeout"


class ChangeInterrupted(ODataError):
    status = 500
    default_code = "ChangeInterrupted"


#: Requests that change nothing, so a run cut short may run again.
_REPEATABLE = frozenset({"GET", "HEAD"})


@dataclass
class JobRunner:
    """Runs jobs by id. Built once per worker event loop.

    Attributes:
        handler: the pipeline (``$batch`` included) with the worker's own engine.
        store: the job store with the worker's own engine.
        output: the job disk.
        time_limit: seconds a job may run before it fails with 504.
        notify: called with (job id, callback URL) once a job with a callback finishes.
    """

    handler: Handler
    store: SqlJobStore
    output: JobOutput
    time_limit: float
    notify: Callable[[str, str], None]
    engines: tuple[AsyncEngine, ...] = ()
    """The engines the handler and the store use, closed with the runner."""

    async def run(self, job_id: str) -> None:
        job = await self.store.claim(job_id, retry_running=True)
        if job is None:  # cancelled, taken or unknown
            return
        request = ODataRequest.from_dict(job.request)
        if job.attempts > 1 and request.method not in _REPEATABLE:
            await self._fail_interrupted(job_id)
            return
        try:
            async with asyncio.timeout(self.time_limit):
                response = await self.handler(request)
                location = await self.output.write(job_id, response, on_progress=self._checkpoint(job_id))
        except JobCancelled:
            return
        except Exception as error:
            response = _failure(error, job_id)
            location = await self.output.write(job_id, response)
        state = JobState.SUCCEEDED if response.status < 500 else JobState.FAILED
        finished = await self.store.finish(job_id, state=state, result_status=response.status, result_location=location)
        if not finished:  # cancelled while the last bytes were written
            await self.output.delete(location)
            return
        if job.callback_url:
            self.notify(job_id, job.callback_url)

    async def _fail_interrupted(self, job_id: str) -> None:
        error = ChangeInterrupted(
            "The worker running this request stopped before it finished; its changes may or may not "
            "have been made. Read the data before sending the request again."
        )
        response = _versioned(error_response(error))
        location = await self.output.write(job_id, response)
        await self.store.finish(job_id, state=JobState.FAILED, result_status=response.status, result_location=location)

    async def close(self) -> None:
        """Release the database connections of this worker loop."""
        for engine in set(self.engines):
            await engine.dispose()

    def _checkpoint(self, job_id: str) -> Callable[[int], object]:
        async def checkpoint(written: int) -> None:
            job = await self.store.get(job_id)
            if job is None or job.state is JobState.CANCELLED:
                raise JobCancelled(job_id)
            await self.store.set_progress(job_id, written)

        return checkpoint


def _failure(error: Exception, job_id: str) -> ODataResponse:
    if isinstance(error, TimeoutError):
        response = error_response(JobTimedOut("The asynchronous request took longer than this service allows"))
    else:
        logger.exception("Asynchronous request %s failed", job_id, exc_info=error)
        response = error_response(InternalServerError("The server failed to answer the request"))
    return _versioned(response)


def _versioned(response: ODataResponse) -> ODataResponse:
    return replace(response, headers={**response.headers, "OData-Version": "4.01"})


__all__ = ["ChangeInterrupted", "JobCancelled", "JobRunner"]
