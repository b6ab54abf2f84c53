"""An asynchronous request as a job: its state, its request, and where its result is.

A job is plain data: the store keeps it in a SQL table, so jobs survive a restart of
the server or of a worker (OData Protocol §11.6 Asynchronous Requests).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class JobState(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.SUCCEEDED, JobState.FAILED)


def new_job_id() -> str:
    """192 random bits, URL-safe: a monitor URL cannot be guessed."""
    return secrets.token_urlsafe(24)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True, slots=True)
class Job:
    """One asynchronous request.

    Attributes:
        id: the job id, the last segment of the status monitor URL.
        state: where the job is in its life.
        request: the ``ODataRequest`` as ``to_dict()`` data, ``respond-async`` removed.
        principal: who asked, when the service authenticates; only they see the job.
        callback_url: the URL to notify with a GET when the job finishes.
        result_status: the HTTP status of the original response, once finished.
        result_location: where the output is on the job disk (fsspec path), once finished.
        progress: rows written to the output so far.
        attempts: how many times a worker started the job.
        error: why the job failed, for the log; the client sees the OData error in the result.
        lease_until: until when the job's holder is trusted. A queued job is held by its
            broker message: after this time the message counts as lost and the sweep sends
            another one. A running job is held by the worker that claimed it, which renews
            the lease while it runs: after this time the worker counts as dead and another
            one may take the job over. None (a job of an earlier release): lapsed.
    """

    request: dict[str, Any]
    id: str = field(default_factory=new_job_id)
    state: JobState = JobState.QUEUED
    principal: str | None = None
    callback_url: str | None = None
    created_at: dt.datetime = field(default_factory=utcnow)
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    result_status: int | None = None
    result_location: str | None = None
    progress: int = 0
    attempts: int = 0
    error: str | None = None
    lease_until: dt.datetime | None = None


__all__ = ["Job", "JobState", "new_job_id", "utcnow"]
