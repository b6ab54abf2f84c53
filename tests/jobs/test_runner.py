"""The job runner: cancellation while running, time limits, failures, leases, and recovery after a crash."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from odata_server import async_engine
from odata_server.jobs.model import Job, JobState
from odata_server.jobs.output import JobOutput
from odata_server.jobs.runner import JobRunner
from odata_server.jobs.store import SqlJobStore
from odata_server.messages import ODataRequest, ODataResponse
from tests.conftest import finished, northwind_client

REQUEST = ODataRequest("GET", "http://testserver/odata/", "Products").to_dict()
#: A short lease, so that tests outlive several of them; renewed every third of it.
LEASE = 0.5


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = async_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    await SqlJobStore(engine).create_tables()
    yield engine
    await engine.dispose()


@pytest.fixture
def store(engine: AsyncEngine) -> SqlJobStore:
    return SqlJobStore(engine)


def runner(
    store: SqlJobStore, tmp_path: Path, handler: object, *, time_limit: float = 30, lease: float = 30
) -> JobRunner:
    return JobRunner(
        handler=handler,  # type: ignore[arg-type]
        store=store,
        output=JobOutput(str(tmp_path / "out")),
        time_limit=time_limit,
        notify=lambda job_id, url: None,
        lease=lease,
    )


def outputs(tmp_path: Path) -> list[str]:
    return sorted(path.name for path in (tmp_path / "out").iterdir())


async def result_body(the_runner: JobRunner, job_id: str) -> bytes:
    job = await the_runner.store.get(job_id)
    assert job is not None and job.result_location is not None
    _status, _headers, chunks = await the_runner.output.read(job.result_location)
    return b"".join([chunk async for chunk in chunks])


def text(body: bytes) -> ODataResponse:
    return ODataResponse(200, {"Content-Type": "text/plain"}, body)


async def until_running(store: SqlJobStore, job_id: str, attempt: int = 1) -> None:
    for _ in range(200):
        job = await store.get(job_id)
        if job is not None and job.state is JobState.RUNNING and job.attempts == attempt:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"attempt {attempt} of the job never started")


class StalledRenewals(SqlJobStore):
    """A job store whose lease renewals hang until ``released``: a worker whose database, or event loop, stalled."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine)
        self.released = asyncio.Event()

    async def renew(self, job_id: str, *, attempt: int, lease: float) -> bool:
        await self.released.wait()
        return await super().renew(job_id, attempt=attempt, lease=lease)


async def slow_body(chunks: int) -> AsyncIterator[bytes]:
    for _ in range(chunks):
        await asyncio.sleep(0.02)
        yield b"x" * (512 * 1024)


async def test_cancel_while_running_stops_at_the_next_write_and_leaves_nothing(
    store: SqlJobStore, tmp_path: Path
) -> None:
    async def handler(request: ODataRequest) -> ODataResponse:
        return ODataResponse(200, {"Content-Type": "application/octet-stream"}, slow_body(200))

    job = Job(request=REQUEST)
    await store.add(job)
    running = asyncio.create_task(runner(store, tmp_path, handler).run(job.id))
    for _ in range(200):
        current = await store.get(job.id)
        if current is not None and current.progress > 0:
            break
        await asyncio.sleep(0.02)
    await store.cancel(job.id)
    await asyncio.wait_for(running, timeout=10)
    assert (await store.get(job.id)).state is JobState.CANCELLED
    assert outputs(tmp_path) == []


async def test_cancel_during_a_long_query_stops_at_the_next_heartbeat(store: SqlJobStore, tmp_path: Path) -> None:
    """A query that writes nothing for long is stopped too: the renewal of the lease finds the job cancelled."""
    stopped = asyncio.Event()

    async def handler(request: ODataRequest) -> ODataResponse:
        try:
            await asyncio.sleep(60)
        finally:
            stopped.set()
        raise AssertionError("not reached")

    job = Job(request=REQUEST)
    await store.add(job)
    running = asyncio.create_task(runner(store, tmp_path, handler, lease=LEASE).run(job.id))
    await until_running(store, job.id)
    await store.cancel(job.id)
    await asyncio.wait_for(running, timeout=LEASE * 3)
    assert stopped.is_set()
    assert (await store.get(job.id)).state is JobState.CANCELLED
    assert outputs(tmp_path) == []


async def test_the_heartbeat_keeps_a_long_job_from_a_second_delivery(store: SqlJobStore, tmp_path: Path) -> None:
    """A job that runs for several leases and writes nothing meanwhile is still its worker's:
    a second delivery of its message (a broker redelivering) leaves it."""
    runs = 0

    async def handler(request: ODataRequest) -> ODataResponse:
        nonlocal runs
        runs += 1
        await asyncio.sleep(LEASE * 5)
        return text(b"the first run")

    job = Job(request=REQUEST)
    await store.add(job)
    first = runner(store, tmp_path, handler, lease=LEASE)
    running = asyncio.create_task(first.run(job.id))
    for _ in range(3):
        await asyncio.sleep(LEASE)
        await runner(store, tmp_path, handler, lease=LEASE).run(job.id)
    await running
    assert runs == 1
    finished = await store.get(job.id)
    assert finished.state is JobState.SUCCEEDED and finished.attempts == 1
    assert await result_body(first, job.id) == b"the first run"
    assert outputs(tmp_path) == [f"{job.id}-1.http"]


@pytest.mark.parametrize("notices", ["at its next renewal", "when it finishes"])
async def test_a_worker_that_lost_its_lease_records_nothing(
    engine: AsyncEngine, store: SqlJobStore, tmp_path: Path, notices: str
) -> None:
    """Worker A stalls for longer than its lease, and worker B takes the job over. While B
    still runs, A notices, stops, removes what it wrote and records nothing; B's result stands."""
    taken_over, a_done = asyncio.Event(), asyncio.Event()
    a_stopped = False

    async def handler_a(request: ODataRequest) -> ODataResponse:
        nonlocal a_stopped
        try:
            await taken_over.wait()
            if notices == "at its next renewal":
                await asyncio.sleep(60)  # a long query, until the renewal stops it
        finally:
            a_stopped = True
        return text(b"worker A")

    async def handler_b(request: ODataRequest) -> ODataResponse:
        taken_over.set()
        await a_done.wait()
        return text(b"worker B")

    job = Job(request=REQUEST)
    await store.add(job)
    stalled = StalledRenewals(engine)
    running_a = asyncio.create_task(runner(stalled, tmp_path, handler_a, lease=LEASE).run(job.id))
    await until_running(store, job.id)
    await asyncio.sleep(LEASE * 1.5)
    worker_b = runner(store, tmp_path, handler_b, lease=LEASE)
    running_b = asyncio.create_task(worker_b.run(job.id))
    await taken_over.wait()
    if notices == "at its next renewal":
        stalled.released.set()
    await asyncio.wait_for(running_a, timeout=LEASE * 3)
    stalled.released.set()

    assert a_stopped
    running = await store.get(job.id)
    assert (running.state, running.attempts, running.progress) == (JobState.RUNNING, 2, 0)
    assert outputs(tmp_path) == []
    a_done.set()
    await running_b
    finished = await store.get(job.id)
    assert finished.state is JobState.SUCCEEDED and finished.attempts == 2
    assert await result_body(worker_b, job.id) == b"worker B"
    assert outputs(tmp_path) == [f"{job.id}-2.http"]


async def test_a_takeover_removes_what_the_dead_attempt_wrote(store: SqlJobStore, tmp_path: Path) -> None:
    async def handler(request: ODataRequest) -> ODataResponse:
        return text(b"the second attempt")

    job = Job(request=REQUEST)
    await store.add(job)
    assert await store.claim(job.id, lease=0.01) is not None  # a worker took it, wrote part of it, and died
    output = JobOutput(str(tmp_path / "out"))
    await output.write(f"{job.id}-1", text(b"the first attem"))
    await asyncio.sleep(0.05)
    the_runner = runner(store, tmp_path, handler, lease=LEASE)
    await the_runner.run(job.id)
    assert await result_body(the_runner, job.id) == b"the second attempt"
    assert outputs(tmp_path) == [f"{job.id}-2.http"]


@pytest.mark.parametrize(
    ("handler_kind", "status", "code"),
    [("slow", 504, "AsyncTimeout"), ("crash", 500, "InternalServerError")],
)
async def test_a_job_that_fails_finishes_with_its_odata_error(
    store: SqlJobStore, tmp_path: Path, handler_kind: str, status: int, code: str
) -> None:
    async def handler(request: ODataRequest) -> ODataResponse:
        if handler_kind == "slow":
            await asyncio.sleep(5)
        raise RuntimeError("the database went away")

    job = Job(request=REQUEST)
    await store.add(job)
    the_runner = runner(store, tmp_path, handler, time_limit=0.2)
    await the_runner.run(job.id)
    finished = await store.get(job.id)
    assert finished.state is JobState.FAILED and finished.result_status == status
    _status, _headers, chunks = await the_runner.output.read(finished.result_location)
    body = b"".join([chunk async for chunk in chunks])
    assert orjson.loads(body)["error"]["code"] == code


@asynccontextmanager
async def after_a_crash(
    tmp_path: Path, request: ODataRequest
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.Response]]:
    """The service restarted after a worker took a job of ``request`` and its process died:
    a client, and the status monitor's final answer."""
    url = f"sqlite:///{tmp_path / 'nw.db'}"
    settings: dict[str, Any] = {"async_disk": str(tmp_path / "jobs"), "async_lease": 0.5}
    async with northwind_client(url, **settings) as client:
        store = client._transport.app.state.odata.async_handler.store  # type: ignore[attr-defined]
        job = Job(request=request.to_dict())
        await store.add(job)
        assert await store.claim(job.id, lease=0.5) is not None  # a worker took it, then its process died

    # The start leaves the job to its lease; the sweep sends it again once the lease lapsed.
    async with northwind_client(url, **settings) as client:
        yield client, await finished(client, f"{client.base_url}$async/{job.id}")


async def test_a_job_left_running_by_a_dead_process_runs_again_once_its_lease_lapsed(tmp_path: Path) -> None:
    async with after_a_crash(tmp_path, ODataRequest("GET", "http://testserver/odata/", "Products(1)")) as (_, response):
        assert response.status_code == 200
        assert response.json()["ProductName"] == "Chai"


async def test_a_change_left_running_by_a_dead_process_is_not_made_twice(tmp_path: Path) -> None:
    request = ODataRequest(
        "POST",
        "http://testserver/odata/",
        "Categories",
        headers={"Content-Type": "application/json"},
        body=b'{"CategoryName": "Twice?"}',
    )
    async with after_a_crash(tmp_path, request) as (client, response):
        assert response.status_code == 200 and response.headers["asyncresult"] == "500"
        assert response.json()["error"]["code"] == "ChangeInterrupted"
        assert (await client.get("Categories?$filter=CategoryName eq 'Twice?'")).json()["value"] == []


async def test_the_job_table_may_live_in_a_database_of_its_own(tmp_path: Path) -> None:
    jobs_url = f"sqlite:///{tmp_path / 'jobs.db'}"
    settings = {"async_disk": str(tmp_path / "jobs"), "jobs_database_url": jobs_url}
    async with northwind_client(f"sqlite:///{tmp_path / 'nw.db'}", **settings) as client:
        accepted = await client.get("Products(1)", headers={"Prefer": "respond-async"})
        response = await finished(client, accepted.headers["location"])
        assert response.json()["ProductName"] == "Chai"
    for url, has_jobs in ((jobs_url, True), (f"sqlite:///{tmp_path / 'nw.db'}", False)):
        engine = async_engine(url)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        await engine.dispose()
        assert ("odata_jobs" in tables) is has_jobs
