"""Running a job: the stored request through the same pipeline as a synchronous one.

The runner lives in the worker's event loop (a dramatiq worker thread's, or a worker
process's); it claims the job, runs the request, streams the response to the job disk
and records the outcome.

While the request runs, the worker holds the job's lease: a heartbeat beside the run
renews it every third of ``lease``, whatever the run is doing (one long database query
writes nothing for a while). Another delivery of the job's message meanwhile finds the
job held and leaves it. When a renewal, or the progress recorded after each write,
finds the job no longer this attempt's (cancelled, or taken over after this worker
failed to renew for a whole lease), the run stops, removes what it wrote and records
nothing. Each attempt writes an output of its own, so it never touches another's.

A job whose worker died while it ran is run again once its lease lapsed, unless it
changes data: a change may have been committed before the worker died, and running it
again could make it twice (a second entity for a POST). Such a job fails with
``ChangeInterrupted``, so the client checks the data before it sends the request again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from odata_server.errors import InternalServerError, ODataError
from odata_server.jobs.model import Job, JobState
from odata_server.jobs.output import JobOutput
from odata_server.jobs.store import SqlJobStore
from odata_server.messages import ODataRequest, ODataResponse
from odata_server.pipeline.handler import Handler, error_response

logger = logging.getLogger("odata_server.jobs")

_T = TypeVar("_T")


class LeaseLost(Exception):
    """The job is no longer this worker's: cancelled, or taken over by a later attempt."""


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
        lease: seconds the worker holds a job without renewing; it renews every third of it.
    """

    handler: Handler
    store: SqlJobStore
    output: JobOutput
    time_limit: float
    notify: Callable[[str, str], None]
    lease: float
    engines: tuple[AsyncEngine, ...] = ()
    """The engines the handler and the store use, closed with the runner."""

    async def run(self, job_id: str) -> None:
        job = await self.store.claim(job_id, lease=self.lease)
        if job is None:  # cancelled, finished, unknown, or held by a live worker
            return
        if job.attempts > 1:  # the attempt before may have died halfway through its output
            await self.output.delete(self.output.location(_output_name(job.id, job.attempts - 1)))
        produced = await self._while_held(job, self._produce(job))
        if produced is None:
            await self.output.delete(self.output.location(_output_name(job.id, job.attempts)))
            return
        status, location = produced
        finished = await self.store.finish(
            job.id,
            attempt=job.attempts,
            state=JobState.SUCCEEDED if status < 500 else JobState.FAILED,
            result_status=status,
            result_location=location,
        )
        if not finished:  # cancelled or taken over while the last bytes were written
            await self.output.delete(location)
        elif job.callback_url:
            self.notify(job.id, job.callback_url)

    async def _produce(self, job: Job) -> tuple[int, str]:
        """Run the request and write its response to the job disk: its status and its location."""
        name = _output_name(job.id, job.attempts)
        request = ODataRequest.from_dict(job.request)
        if job.attempts > 1 and request.method not in _REPEATABLE:
            interrupted = _interrupted()
            return interrupted.status, await self.output.write(name, interrupted)
        try:
            async with asyncio.timeout(self.time_limit):
                response = await self.handler(request)
                return response.status, await self.output.write(name, response, on_progress=self._checkpoint(job))
        except LeaseLost:
            raise
        except Exception as error:
            failure = _failure(error, job.id)
            return failure.status, await self.output.write(name, failure)

    async def _while_held(self, job: Job, work: Awaitable[_T]) -> _T | None:
        """The result of ``work``, run while the heartbeat renews the job's lease.

        None if the job stopped being this attempt's: ``work`` is then cancelled (or
        was stopped by its own check).
        """
        try:
            async with asyncio.TaskGroup() as tasks:
                heartbeat = tasks.create_task(self._renew_lease(job))
                result: _T | None = await work
                heartbeat.cancel()
        except* LeaseLost:
            logger.info("Asynchronous request %s was cancelled or taken over; attempt %d stopped", job.id, job.attempts)
            result = None
        return result

    async def _renew_lease(self, job: Job) -> None:
        """Renew the job's lease every third of it, for ever; raise LeaseLost once the job is not this attempt's."""
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                held = await self.store.renew(job.id, attempt=job.attempts, lease=self.lease)
            except (SQLAlchemyError, OSError):
                # The job database failed for a moment: the lease lasts a while yet, try again.
                logger.warning("Renewing the lease of asynchronous request %s failed", job.id, exc_info=True)
                continue
            if not held:
                raise LeaseLost(job.id)

    def _checkpoint(self, job: Job) -> Callable[[int], Awaitable[None]]:
        async def checkpoint(written: int) -> None:
            if not await self.store.set_progress(job.id, written, attempt=job.attempts):
                raise LeaseLost(job.id)

        return checkpoint

    async def close(self) -> None:
        """Release the database connections of this worker loop."""
        for engine in set(self.engines):
            await engine.dispose()


def _output_name(job_id: str, attempt: int) -> str:
    """The job disk name of an attempt's output: a worker taken over never writes or removes its successor's."""
    return f"{job_id}-{attempt}"


def _interrupted() -> ODataResponse:
    error = ChangeInterrupted(
        "The worker running this request stopped before it finished; its changes may or may not "
        "have been made. Read the data before sending the request again."
    )
    return _versioned(error_response(error))


def _failure(error: Exception, job_id: str) -> ODataResponse:
    if isinstance(error, TimeoutError):
        response = error_response(JobTimedOut("The asynchronous request took longer than this service allows"))
    else:
        logger.exception("Asynchronous request %s failed", job_id, exc_info=error)
        response = error_response(InternalServerError("The server failed to answer the request"))
    return _versioned(response)


def _versioned(response: ODataResponse) -> ODataResponse:
    return replace(response, headers={**response.headers, "OData-Version": "4.01"})


__all__ = ["ChangeInterrupted", "JobRunner", "LeaseLost"]
