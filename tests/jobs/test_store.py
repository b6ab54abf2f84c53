"""The SQL job store on SQLite and PostgreSQL: every method, the state machine, races."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from odata_server import async_engine
from odata_server.jobs.model import Job, JobState
from odata_server.jobs.store import SqlJobStore, metadata
from tests.conftest import POSTGRES_URL, require_service

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
#: A lease that lasts the whole test.
LONG = 600.0
#: A lease that lapses at once: the test sleeps for LAPSE before it counts on it.
SHORT = 0.05
LAPSE = 0.1


async def _reachable(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(5):
            async with engine.connect():
                return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


async def _drop_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(metadata.drop_all)


@asynccontextmanager
async def _private_schema(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """``engine`` with the job table in a schema of its own: test runs sharing the database do not meet."""
    schema = f"odata_jobs_test_{uuid.uuid4().hex}"
    async with engine.begin() as connection:
        await connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield engine.execution_options(schema_translate_map={None: schema})
    finally:
        async with engine.begin() as connection:
            await connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


@asynccontextmanager
async def _database(kind: str, directory: Path) -> AsyncIterator[AsyncEngine]:
    """A new SQLite file, or the local PostgreSQL in a private schema."""
    url = f"sqlite:///{directory / 'jobs.db'}" if kind == "sqlite" else POSTGRES_URL
    engine = async_engine(url)
    try:
        if kind == "sqlite":
            yield engine
        else:
            if not await _reachable(engine):
                require_service(f"PostgreSQL is not reachable at {url}")
            async with _private_schema(engine) as private:
                yield private
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlJobStore]:
    """A store on each database; the job table is dropped before and after the test."""
    async with _database(request.param, tmp_path) as engine:
        await _drop_tables(engine)
        job_store = SqlJobStore(engine)
        await job_store.create_tables()
        yield job_store
        await _drop_tables(engine)


def _job(**fields: object) -> Job:
    return Job(request={"method": "GET", "url": "Products", "headers": {"accept": "application/json"}}, **fields)  # type: ignore[arg-type]


async def _added(store: SqlJobStore, **fields: object) -> Job:
    job = _job(**fields)
    await store.add(job)
    return job


async def _claimed(store: SqlJobStore, *, lease: float = LONG, **fields: object) -> Job:
    """A job a worker claimed, as it is now."""
    job = await store.claim((await _added(store, **fields)).id, lease=lease)
    assert job is not None
    return job


async def _finished(store: SqlJobStore, state: JobState = JobState.SUCCEEDED) -> Job:
    job = await _claimed(store)
    assert await store.finish(job.id, attempt=1, state=state, result_status=200, result_location=f"jobs/{job.id}")
    return job


async def _lapsed(store: SqlJobStore, **fields: object) -> Job:
    """A job left running by a worker whose lease has lapsed."""
    job = await _claimed(store, lease=SHORT, **fields)
    await asyncio.sleep(LAPSE)
    return job


# -- add, get, create_tables ---------------------------------------------------------------


async def test_add_then_get_returns_every_field(store: SqlJobStore) -> None:
    job = Job(
        request={"method": "POST", "body": {"Name": "ü", "Tags": [1, 2.5, None, True]}},
        state=JobState.FAILED,
        principal="alice",
        callback_url="https://client.example/done",
        created_at=T0,
        started_at=T0 + dt.timedelta(seconds=1),
        finished_at=T0 + dt.timedelta(seconds=2),
        result_status=500,
        result_location="memory://jobs/x.json",
        progress=12_345_678_901,
        attempts=3,
        error="boom",
        lease_until=T0 + dt.timedelta(seconds=30),
    )
    await store.add(job)
    assert await store.get(job.id) == job


async def test_datetimes_come_back_aware_in_utc(store: SqlJobStore) -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    job = await _added(store, created_at=dt.datetime(2024, 5, 1, 14, 0, tzinfo=plus_two))
    stored = await store.get(job.id)
    assert stored is not None
    assert stored.created_at == dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert stored.created_at.utcoffset() == dt.timedelta(0)


async def test_naive_datetimes_are_refused(store: SqlJobStore) -> None:
    with pytest.raises(StatementError, match="timezone-aware"):
        await store.add(_job(created_at=dt.datetime(2024, 5, 1)))


async def test_get_unknown_is_none(store: SqlJobStore) -> None:
    assert await store.get("no-such-job") is None


async def test_create_tables_twice_keeps_the_jobs(store: SqlJobStore) -> None:
    job = await _added(store)
    await store.create_tables()
    assert await store.get(job.id) == job


# -- claim, renew ---------------------------------------------------------------------------


async def test_claim_starts_a_queued_job_and_holds_it_for_the_lease(store: SqlJobStore) -> None:
    job = await _added(store, progress=5)
    before = dt.datetime.now(UTC)
    claimed = await store.claim(job.id, lease=30)
    after = dt.datetime.now(UTC)
    assert claimed is not None
    assert (claimed.state, claimed.attempts, claimed.progress) == (JobState.RUNNING, 1, 0)
    assert claimed.started_at is not None and before <= claimed.started_at <= after
    assert claimed.lease_until is not None
    assert before + dt.timedelta(seconds=30) <= claimed.lease_until <= after + dt.timedelta(seconds=30)
    assert await store.get(job.id) == claimed


async def test_a_running_job_is_not_claimed_while_its_lease_holds(store: SqlJobStore) -> None:
    job = await _claimed(store)
    assert await store.claim(job.id, lease=LONG) is None
    assert await store.get(job.id) == job


@pytest.mark.parametrize("lease_until", [None, "lapsed"])
async def test_a_running_job_whose_lease_lapsed_is_taken_over(store: SqlJobStore, lease_until: str | None) -> None:
    """A lapsed lease, or none (a job of a release before the lease): its worker is presumed dead."""
    if lease_until is None:
        job = await _added(store, state=JobState.RUNNING, attempts=1, progress=7, started_at=T0)
    else:
        job = await _lapsed(store)
    taken = await store.claim(job.id, lease=LONG)
    assert taken is not None and (taken.state, taken.attempts, taken.progress) == (JobState.RUNNING, 2, 0)
    assert taken.lease_until is not None and taken.lease_until > dt.datetime.now(UTC) + dt.timedelta(seconds=500)
    assert await store.claim(job.id, lease=LONG) is None


async def test_claim_of_a_cancelled_finished_or_unknown_job_is_none(store: SqlJobStore) -> None:
    cancelled = await _lapsed(store)
    await store.cancel(cancelled.id)
    succeeded = await _finished(store)
    failed = await _finished(store, JobState.FAILED)
    await asyncio.sleep(LAPSE)
    for job_id in (cancelled.id, succeeded.id, failed.id, "no-such-job"):
        assert await store.claim(job_id, lease=LONG) is None
    stored = await store.get(cancelled.id)
    assert stored is not None and stored.state is JobState.CANCELLED and stored.attempts == 1


async def test_renew_extends_the_lease_of_its_attempt(store: SqlJobStore) -> None:
    job = await _claimed(store, lease=SHORT)
    assert await store.renew(job.id, attempt=1, lease=LONG)
    await asyncio.sleep(LAPSE)
    assert await store.claim(job.id, lease=LONG) is None
    renewed = await store.get(job.id)
    assert renewed is not None and renewed.lease_until is not None and job.lease_until is not None
    assert renewed.lease_until > job.lease_until + dt.timedelta(seconds=500)


async def test_a_lapsed_lease_is_renewed_unless_taken_over(store: SqlJobStore) -> None:
    """A worker that was slow to renew carries on if nobody took its job meanwhile."""
    job = await _lapsed(store)
    assert await store.renew(job.id, attempt=1, lease=LONG)
    assert await store.claim(job.id, lease=LONG) is None


async def test_renew_fails_once_the_job_is_not_the_attempt_s(store: SqlJobStore) -> None:
    taken_over = await _lapsed(store)
    assert await store.claim(taken_over.id, lease=LONG) is not None
    cancelled = await _claimed(store)
    await store.cancel(cancelled.id)
    finished = await _finished(store)
    queued = await _added(store)
    for job_id, attempt in ((taken_over.id, 1), (cancelled.id, 1), (finished.id, 1), (queued.id, 0), ("none", 1)):
        assert not await store.renew(job_id, attempt=attempt, lease=LONG)
    assert await store.renew(taken_over.id, attempt=2, lease=LONG)


# -- finish ------------------------------------------------------------------------------------


async def test_finish_records_the_outcome(store: SqlJobStore) -> None:
    job = await _claimed(store)
    assert await store.finish(
        job.id, attempt=1, state=JobState.SUCCEEDED, result_status=201, result_location="jobs/out.json"
    )
    stored = await store.get(job.id)
    assert stored is not None
    assert (stored.state, stored.result_status, stored.result_location, stored.error) == (
        JobState.SUCCEEDED,
        201,
        "jobs/out.json",
        None,
    )
    assert stored.finished_at is not None and stored.finished_at.tzinfo is not None


async def test_finish_as_failed_keeps_the_error(store: SqlJobStore) -> None:
    job = await _claimed(store)
    assert await store.finish(
        job.id, attempt=1, state=JobState.FAILED, result_status=500, result_location=None, error="boom"
    )
    stored = await store.get(job.id)
    assert stored is not None and (stored.state, stored.error) == (JobState.FAILED, "boom")


async def test_finish_needs_a_running_job(store: SqlJobStore) -> None:
    queued = await _added(store)
    finished = await _finished(store)
    for job_id in (queued.id, finished.id, "no-such-job"):
        assert not await store.finish(job_id, attempt=1, state=JobState.FAILED, result_status=500, result_location=None)
    stored = await store.get(finished.id)
    assert stored is not None and stored.state is JobState.SUCCEEDED


async def test_a_superseded_attempt_records_nothing(store: SqlJobStore) -> None:
    """A worker whose job was taken over can neither report progress nor overwrite the new attempt's outcome."""
    job = await _lapsed(store)
    assert await store.claim(job.id, lease=LONG) is not None
    assert not await store.set_progress(job.id, 99, attempt=1)
    assert not await store.finish(job.id, attempt=1, state=JobState.SUCCEEDED, result_status=200, result_location="old")
    assert await store.set_progress(job.id, 5, attempt=2)
    assert await store.finish(job.id, attempt=2, state=JobState.FAILED, result_status=500, result_location="new")
    assert not await store.finish(job.id, attempt=1, state=JobState.SUCCEEDED, result_status=200, result_location="old")
    stored = await store.get(job.id)
    assert stored is not None
    assert (stored.state, stored.result_location, stored.progress) == (JobState.FAILED, "new", 5)


async def test_finish_refuses_an_unfinished_state(store: SqlJobStore) -> None:
    job = await _claimed(store)
    with pytest.raises(ValueError, match="succeeded or failed"):
        await store.finish(job.id, attempt=1, state=JobState.CANCELLED, result_status=None, result_location=None)


# -- cancel ------------------------------------------------------------------------------------


async def test_no_finish_after_cancel(store: SqlJobStore) -> None:
    job = await _claimed(store)
    before = await store.cancel(job.id)
    assert before is not None and before.state is JobState.RUNNING and before.finished_at is None
    assert not await store.finish(job.id, attempt=1, state=JobState.SUCCEEDED, result_status=200, result_location="x")
    stored = await store.get(job.id)
    assert stored is not None and stored.state is JobState.CANCELLED and stored.result_location is None
    assert stored.finished_at is not None


async def test_cancel_returns_the_job_as_it_was(store: SqlJobStore) -> None:
    queued = await _added(store)
    assert await store.cancel(queued.id) == queued
    again = await store.cancel(queued.id)
    assert again is not None and again.state is JobState.CANCELLED
    assert await store.cancel("no-such-job") is None


async def test_cancel_of_a_finished_job_keeps_its_end(store: SqlJobStore) -> None:
    job = await _finished(store)
    finished = await store.get(job.id)
    before = await store.cancel(job.id)
    assert before == finished
    stored = await store.get(job.id)
    assert finished is not None and stored is not None
    assert stored.state is JobState.CANCELLED and stored.finished_at == finished.finished_at
    assert await store.take(job.id) is None


# -- set_progress, take, delete ----------------------------------------------------------------


async def test_set_progress_of_a_running_job_only(store: SqlJobStore) -> None:
    job = await _added(store)
    assert not await store.set_progress(job.id, 10, attempt=0)
    await store.claim(job.id, lease=LONG)
    assert await store.set_progress(job.id, 4_000_000_000, attempt=1)
    assert not await store.set_progress("no-such-job", 1, attempt=1)
    running = await store.get(job.id)
    assert running is not None and running.progress == 4_000_000_000
    await store.finish(job.id, attempt=1, state=JobState.SUCCEEDED, result_status=200, result_location="x")
    assert not await store.set_progress(job.id, 1, attempt=1)
    stored = await store.get(job.id)
    assert stored is not None and stored.progress == 4_000_000_000


async def test_take_returns_a_finished_job_once(store: SqlJobStore) -> None:
    job = await _finished(store, JobState.FAILED)
    finished = await store.get(job.id)
    assert finished is not None and await store.take(job.id) == finished
    assert await store.take(job.id) is None
    assert await store.get(job.id) is None


async def test_take_leaves_unfinished_jobs(store: SqlJobStore) -> None:
    queued = await _added(store)
    running = await _claimed(store)
    cancelled = await _added(store)
    await store.cancel(cancelled.id)
    for job in (queued, running, cancelled):
        assert await store.take(job.id) is None
        assert await store.get(job.id) is not None
    assert await store.take("no-such-job") is None


async def test_delete_removes_any_job(store: SqlJobStore) -> None:
    queued = await _added(store)
    finished = await _finished(store)
    for job in (queued, finished):
        await store.delete(job.id)
        assert await store.get(job.id) is None
    await store.delete("no-such-job")


# -- expired, unfinished -----------------------------------------------------------------------


async def test_expired_lists_ended_jobs_older_than_the_limit(store: SqlJobStore) -> None:
    old, recent = T0 - dt.timedelta(hours=2), T0 + dt.timedelta(minutes=1)
    succeeded = await _added(store, state=JobState.SUCCEEDED, created_at=old, finished_at=old)
    failed = await _added(store, state=JobState.FAILED, created_at=old + dt.timedelta(seconds=1), finished_at=old)
    cancelled_unended = await _added(store, state=JobState.CANCELLED, created_at=old + dt.timedelta(seconds=2))
    await _added(store, state=JobState.SUCCEEDED, created_at=old, finished_at=recent)
    await _added(store, state=JobState.CANCELLED, created_at=recent)
    await _added(store, state=JobState.QUEUED, created_at=old)
    await _added(store, state=JobState.RUNNING, created_at=old, started_at=old, lease_until=old)
    expired = await store.expired(T0)
    assert [job.id for job in expired] == [succeeded.id, failed.id, cancelled_unended.id]
    assert await store.expired(old) == []


async def test_expired_includes_cancelled_jobs(store: SqlJobStore) -> None:
    job = await _added(store)
    await store.cancel(job.id)
    assert [expired.id for expired in await store.expired(dt.datetime.now(UTC) + dt.timedelta(seconds=1))] == [job.id]


async def test_unfinished_lists_queued_and_running_jobs_oldest_first(store: SqlJobStore) -> None:
    running = await _claimed(store, created_at=T0)
    queued = await _added(store, created_at=T0 + dt.timedelta(seconds=1))
    await _finished(store)
    cancelled = await _added(store)
    await store.cancel(cancelled.id)
    unfinished = await store.unfinished()
    assert [(job.id, job.state) for job in unfinished] == [(running.id, JobState.RUNNING), (queued.id, JobState.QUEUED)]


# -- requeue_stale -------------------------------------------------------------------------------


async def test_requeue_stale_queues_again_the_jobs_whose_lease_lapsed(store: SqlJobStore) -> None:
    """Queued jobs whose message lapsed and running jobs whose worker lapsed; nothing else."""
    past = dt.datetime.now(UTC) - dt.timedelta(seconds=1)
    future = dt.datetime.now(UTC) + dt.timedelta(seconds=LONG)
    lost_message = await _added(store, lease_until=past)
    no_lease = await _added(store)
    await _added(store, lease_until=future)  # its message is trusted yet
    dead_worker = await _lapsed(store, progress=3)
    await store.set_progress(dead_worker.id, 4096, attempt=1)
    await _claimed(store)  # a live worker
    cancelled = await _lapsed(store)
    await store.cancel(cancelled.id)
    for state in (JobState.SUCCEEDED, JobState.FAILED):
        await _added(store, state=state, lease_until=past)

    before = dt.datetime.now(UTC)
    requeued = await store.requeue_stale(lease=30)
    assert sorted(requeued) == sorted([lost_message.id, no_lease.id, dead_worker.id])
    for job_id in requeued:
        job = await store.get(job_id)
        assert job is not None and job.state is JobState.QUEUED and job.progress == 0
        assert job.lease_until is not None and job.lease_until >= before + dt.timedelta(seconds=30)
    again = await store.get(dead_worker.id)
    assert again is not None and again.attempts == 1  # a change whose worker died is still not run twice
    assert await store.requeue_stale(lease=30) == []


async def test_a_requeued_job_s_old_worker_records_nothing(store: SqlJobStore) -> None:
    job = await _lapsed(store)
    assert await store.requeue_stale(lease=LONG) == [job.id]
    assert not await store.renew(job.id, attempt=1, lease=LONG)
    assert not await store.finish(job.id, attempt=1, state=JobState.SUCCEEDED, result_status=200, result_location="x")
    claimed = await store.claim(job.id, lease=LONG)
    assert claimed is not None and claimed.attempts == 2


async def test_a_job_requeued_again_after_its_new_lease_lapsed(store: SqlJobStore) -> None:
    job = await _added(store)
    assert await store.requeue_stale(lease=SHORT) == [job.id]
    assert await store.requeue_stale(lease=SHORT) == []
    await asyncio.sleep(LAPSE)
    assert await store.requeue_stale(lease=SHORT) == [job.id]


# -- races ---------------------------------------------------------------------------------------


async def test_concurrent_takes_give_the_result_once(store: SqlJobStore) -> None:
    job = await _finished(store)
    taken = await asyncio.gather(*(store.take(job.id) for _ in range(20)))
    assert [result.id for result in taken if result is not None] == [job.id]


@pytest.mark.parametrize("state", [JobState.QUEUED, JobState.RUNNING])
async def test_concurrent_claims_start_the_job_once(store: SqlJobStore, state: JobState) -> None:
    """Deliveries of a queued job, or takeovers of a running job whose lease lapsed: one wins."""
    job = await _added(store) if state is JobState.QUEUED else await _lapsed(store)
    claimed = await asyncio.gather(*(store.claim(job.id, lease=LONG) for _ in range(10)))
    winners = [result for result in claimed if result is not None]
    assert len(winners) == 1 and winners[0].attempts == job.attempts + 1
    assert await store.get(job.id) == winners[0]


async def test_concurrent_sweeps_requeue_each_job_once(store: SqlJobStore) -> None:
    jobs = [await _added(store) for _ in range(5)] + [await _lapsed(store) for _ in range(5)]
    requeued = await asyncio.gather(*(store.requeue_stale(lease=LONG) for _ in range(8)))
    assert sorted(job_id for ids in requeued for job_id in ids) == sorted(job.id for job in jobs)


async def test_finish_racing_cancel_has_one_outcome(store: SqlJobStore) -> None:
    jobs = [await _claimed(store) for _ in range(8)]

    async def race(job: Job) -> tuple[bool, Job | None]:
        finishing = store.finish(job.id, attempt=1, state=JobState.SUCCEEDED, result_status=200, result_location="x")
        finished, before = await asyncio.gather(finishing, store.cancel(job.id))
        return finished, before

    for finished, before in await asyncio.gather(*(race(job) for job in jobs)):
        assert before is not None
        assert before.state is (JobState.SUCCEEDED if finished else JobState.RUNNING)
    assert all(job.state is JobState.CANCELLED for job in await store.expired(dt.datetime.now(UTC) + dt.timedelta(1)))
    assert await store.unfinished() == []
