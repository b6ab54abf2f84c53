"""The job runner: cancellation while running, time limits, failures, and recovery after a crash."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import orjson
import pytest
import sqlalchemy as sa

from odata_server import async_engine
from odata_server.jobs.model import Job, JobState
from odata_server.jobs.output import JobOutput
from odata_server.jobs.runner import JobRunner
from odata_server.jobs.store import SqlJobStore
from odata_server.messages import ODataRequest, ODataResponse
from tests.conftest import northwind_client

REQUEST = ODataRequest("GET", "http://testserver/odata/", "Products").to_dict()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlJobStore]:
    engine = async_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    store = SqlJobStore(engine)
    await store.create_tables()
    yield store
    await engine.dispose()


def runner(store: SqlJobStore, tmp_path: Path, handler: object, *, time_limit: float = 30) -> JobRunner:
    return JobRunner(
        handler=handler,  # type: ignore[arg-type]
        store=store,
        output=JobOutput(str(tmp_path / "out")),
        time_limit=time_limit,
        notify=lambda job_id, url: None,
    )


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
    assert list((tmp_path / "out").iterdir()) == []


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
    disk = str(tmp_path / "jobs")
    async with northwind_client(url, async_disk=disk) as client:
        store = client._transport.app.state.odata.async_handler.store  # type: ignore[attr-defined]
        job = Job(request=request.to_dict())
        await store.add(job)
        assert await store.claim(job.id) is not None  # a worker took it, then its process died

    async with northwind_client(url, async_disk=disk) as client:
        for _ in range(200):
            response = await client.get(f"$async/{job.id}")
            if response.status_code != 202:
                break
            await asyncio.sleep(0.05)
        yield client, response


async def test_a_job_left_running_by_a_dead_process_runs_at_the_next_start(tmp_path: Path) -> None:
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
        for _ in range(200):
            response = await client.get(accepted.headers["location"])
            if response.status_code != 202:
                break
            await asyncio.sleep(0.05)
        assert response.json()["ProductName"] == "Chai"
    for url, has_jobs in ((jobs_url, True), (f"sqlite:///{tmp_path / 'nw.db'}", False)):
        engine = async_engine(url)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        await engine.dispose()
        assert ("odata_jobs" in tables) is has_jobs
