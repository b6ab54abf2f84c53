"""The sweep every API process runs now and then: jobs sent again, expired results deleted.

Jobs travel as broker messages, and a message can be lost (a broker restarted without
its data, the embedded queue of a stopped process) or outlive its worker (a worker
killed mid-job). The job table knows better: a job whose lease lapsed is sent again
(see :meth:`~odata_server.jobs.store.SqlJobStore.requeue_stale`). A duplicate message
does no harm, since claiming a job is atomic: the second delivery finds it taken.
"""

from __future__ import annotations

import datetime as dt

from odata_server.config import ServiceConfig
from odata_server.jobs.model import utcnow
from odata_server.jobs.output import JobOutput
from odata_server.jobs.queue import JobQueue
from odata_server.jobs.store import SqlJobStore


def sweep_interval(config: ServiceConfig) -> float:
    """Seconds between two sweeps: a quarter of the result expiry and of the requeue delay, half the lease, at most 60.

    So a job whose worker died waits for its lease to lapse and then at most half a lease
    more; a lost message is sent again within 1.25 times the requeue delay.
    """
    return min(config.async_result_expiry / 4, config.async_requeue_after / 4, config.async_lease / 2, 60)


async def sweep_jobs(store: SqlJobStore, output: JobOutput, queue: JobQueue, config: ServiceConfig) -> None:
    """Send again the jobs whose lease lapsed; delete the results that waited longer than ``async_result_expiry``.

    A queued job whose message is older than ``async_requeue_after`` seconds gets
    another one; a running job whose worker stopped renewing its lease is queued again.
    Of the processes sweeping at once, one sends each job.
    """
    for job_id in await store.requeue_stale(lease=config.async_requeue_after):
        queue.enqueue(job_id)
    before = utcnow() - dt.timedelta(seconds=config.async_result_expiry)
    for job in await store.expired(before):
        if job.result_location:
            await output.delete(job.result_location)
        await store.delete(job.id)


__all__ = ["sweep_interval", "sweep_jobs"]
