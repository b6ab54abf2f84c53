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


async def _finished(store: SqlJobStore, state: JobState = JobState.SUCCEEDED) -> Job:
    job = await _added(store)
    await store.claim(job.id)
    assert await store.finish(job.id, state=state, result_status=200, result_location=f"jobs/{job.id}")
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


# -- claim -----------------------------------------------------------------------------------


async def test_claim_starts_a_queued_job(store: SqlJobStore) -> None:
    job = await _added(store, progress=5)
    before = dt.datetime.now(UTC)
    claimed = await store.claim(job.id)
    assert claimed is not None
    assert (claimed.state, claimed.attempts, claimed.progress) == (JobState.RUNNING, 1, 0)
    assert claimed.started_at is not None and before <= claimed.started_at <= dt.datetime.now(UTC)
    assert await store.get(job.id) == claimed


async def test_claim_of_a_running_job_is_none_unless_retried(store: SqlJobStore) -> None:
    job = await _added(store)
    first = await store.claim(job.id)
    assert first is not None
    assert await store.claim(job.id) is None
    retried = await store.claim(job.id, retry_running=True)
    assert retried is not None and retried.attempts == 2 and retried.state is JobState.RUNNING


@pytest.mark.parametrize("retry_running", [False, True])
async def test_claim_of_a_cancelled_finished_or_unknown_job_is_none(store: SqlJobStore, retry_running: bool) -> None:
    cancelled = await _added(store)
    await store.cancel(cancelled.id)
    succeeded = await _finished(store)
    failed = await _finished(store, JobState.FAILED)
    for job_id in (cancelled.id, succeeded.id, failed.id, "no-such-job"):
        assert await store.claim(job_id, retry_running=retry_running) is None
    stored = await store.get(cancelled.id)
    assert stored is not None and stored.state is JobState.CANCELLED and stored.attempts == 0


# -- finish ------------------------------------------------------------------------------------


async def test_finish_records_the_outcome(store: SqlJobStore) -> None:
    job = await _added(store)
    await store.claim(job.id)
    assert await store.finish(job.id, state=JobState.SUCCEEDED, result_status=201, result_location="jobs/out.json")
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
    job = await _added(store)
    await store.claim(job.id)
    assert await store.finish(job.id, state=JobState.FAILED, result_status=500, result_location=None, error="boom")
    stored = await store.get(job.id)
    assert stored is not None and (stored.state, stored.error) == (JobState.FAILED, "boom")


async def test_finish_needs_a_running_job(store: SqlJobStore) -> None:
    queued = await _added(store)
    finished = await _finished(store)
    for job_id in (queued.id, finished.id, "no-such-job"):
        assert not await store.finish(job_id, state=JobState.FAILED, result_status=500, result_location=None)
    stored = await store.get(finished.id)
    assert stored is not None and stored.state is JobState.SUCCEEDED


async def test_finish_refuses_an_unfinished_state(store: SqlJobStore) -> None:
    job = await _added(store)
    await store.claim(job.id)
    with pytest.raises(ValueError, match="succeeded or failed"):
        await store.finish(job.id, state=JobState.CANCELLED, result_status=None, result_location=None)


# -- cancel ------------------------------------------------------------------------------------


async def test_no_finish_after_cancel(store: SqlJobStore) -> None:
    job = await _added(store)
    await store.claim(job.id)
    before = await store.cancel(job.id)
    assert before is not None and before.state is JobState.RUNNING and before.finished_at is None
    assert not await store.finish(job.id, state=JobState.SUCCEEDED, result_status=200, result_location="x")
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
    await store.set_progress(job.id, 10)
    await store.claim(job.id)
    await store.set_progress(job.id, 4_000_000_000)
    await store.set_progress("no-such-job", 1)
    running = await store.get(job.id)
    assert running is not None and running.progress == 4_000_000_000
    await store.finish(job.id, state=JobState.SUCCEEDED, result_status=200, result_location="x")
    await store.set_progress(job.id, 1)
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
    running = await _added(store)
    await store.claim(running.id)
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
    await _added(store, state=JobState.RUNNING, created_at=old, started_at=old)
    expired = await store.expired(T0)
    assert [job.id for job in expired] == [succeeded.id, failed.id, cancelled_unended.id]
    assert await store.expired(old) == []


async def test_expired_includes_cancelled_jobs(store: SqlJobStore) -> None:
    job = await _added(store)
    await store.cancel(job.id)
    assert [expired.id for expired in await store.expired(dt.datetime.now(UTC) + dt.timedelta(seconds=1))] == [job.id]


async def test_unfinished_lists_queued_and_running_jobs_oldest_first(store: SqlJobStore) -> None:
    running = await _added(store, created_at=T0)
    queued = await _added(store, created_at=T0 + dt.timedelta(seconds=1))
    await store.claim(running.id)
    await _finished(store)
    cancelled = await _added(store)
    await store.cancel(cancelled.id)
    unfinished = await store.unfinished()
    assert [(job.id, job.state) for job in unfinished] == [(running.id, JobState.RUNNING), (queued.id, JobState.QUEUED)]


# -- races ---------------------------------------------------------------------------------------


async def test_concurrent_takes_give_the_result_once(store: SqlJobStore) -> None:
    job = await _finished(store)
    taken = await asyncio.gather(*(store.take(job.id) for _ in range(20)))
    assert [result.id for result in taken if result is not None] == [job.id]


async def test_concurrent_claims_start_the_job_once(store: SqlJobStore) -> None:
    job = await _added(store)
    claimed = await asyncio.gather(*(store.claim(job.id) for _ in range(10)))
    winners = [result for result in claimed if result is not None]
    assert len(winners) == 1 and winners[0].attempts == 1


@pytest.mark.parametrize("state", [JobState.QUEUED, JobState.RUNNING])
async def test_concurrent_retries_are_distinct_attempts(store: SqlJobStore, state: JobState) -> None:
    """Retries that overlap cannot both win; a retry after another one's success takes over again."""
    job = await _added(store)
    if state is JobState.RUNNING:
        await store.claim(job.id)
    initial = 1 if state is JobState.RUNNING else 0
    claimed = await asyncio.gather(*(store.claim(job.id, retry_running=True) for _ in range(10)))
    attempts = sorted(result.attempts for result in claimed if result is not None)
    assert attempts == list(range(initial + 1, initial + 1 + len(attempts)))
    stored = await store.get(job.id)
    assert stored is not None and stored.attempts == attempts[-1]


async def test_finish_racing_cancel_has_one_outcome(store: SqlJobStore) -> None:
    jobs = [await _added(store) for _ in range(8)]
    for job in jobs:
        await store.claim(job.id)

    async def race(job: Job) -> tuple[bool, Job | None]:
        finishing = store.finish(job.id, state=JobState.SUCCEEDED, result_status=200, result_location="x")
        finished, before = await asyncio.gather(finishing, store.cancel(job.id))
        return finished, before

    for finished, before in await asyncio.gather(*(race(job) for job in jobs)):
        assert before is not None
        assert before.state is (JobState.SUCCEEDED if finished else JobState.RUNNING)
    assert all(job.state is JobState.CANCELLED for job in await store.expired(dt.datetime.now(UTC) + dt.timedelta(1)))
    assert await store.unfinished() == []
