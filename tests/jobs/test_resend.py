"""Jobs whose broker message was lost, or sent twice, through HTTP: the sweep sends a lost
message again, a duplicate runs nothing twice, and a start leaves a job whose lease holds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from odata_server.jobs.model import Job, JobState
from odata_server.jobs.output import JobOutput
from odata_server.messages import ODataRequest, ODataResponse
from tests.conftest import northwind_client, private_database

#: A lost message is sent again after 0.4 s, short enough for the test to wait for (the sweep
#: runs every 0.1 s); a lease lasts 2 s, long enough that a pause of a busy machine does not
#: let a duplicate message take a running job over.
SETTINGS: dict[str, Any] = {"async_requeue_after": 0.4, "async_lease": 2.0}

REQUESTS = {
    "read": ("GET", "Products(1)", None),
    "create": ("POST", "Categories", {"CategoryName": "Sent once"}),
}


@asynccontextmanager
async def service_client(kind: str, folder: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    async with private_database(kind, "resend", folder) as url:
        async with northwind_client(url, async_disk=str(folder / "jobs"), **SETTINGS) as client:
            yield client, client._transport.app.state.odata  # type: ignore[attr-defined]


async def send(client: httpx.AsyncClient, case: str) -> str:
    """Send the request of ``case`` asynchronously; its job id."""
    method, path, body = REQUESTS[case]
    accepted = await client.request(method, path, json=body, headers={"Prefer": "respond-async"})
    assert accepted.status_code == 202, accepted.text
    return accepted.headers["location"].rsplit("/", 1)[1]


async def finished_job(service: Any, job_id: str, seconds: float = 10) -> Job:
    """The job once finished (its result not taken)."""
    for _ in range(int(seconds / 0.05)):
        job = await service.async_handler.store.get(job_id)
        if job.state.finished:
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"the job is still {job.state.value}")


async def assert_ran_once(client: httpx.AsyncClient, service: Any, case: str, job_id: str) -> None:
    job = await finished_job(service, job_id)
    assert job.attempts == 1
    response = await client.get(f"$async/{job_id}")
    assert response.status_code == 200
    if case == "read":
        assert response.headers["asyncresult"] == "200" and response.json()["ProductName"] == "Chai"
    else:
        assert response.headers["asyncresult"] == "201"
        made = await client.get("Categories/$count?$filter=CategoryName eq 'Sent once'")
        assert made.text == "1"


def sending(service: Any, monkeypatch: pytest.MonkeyPatch, copies: Callable[[int], int]) -> list[str]:
    """Send the ``n``-th message (from 0) ``copies(n)`` times; the ids of the messages asked for."""
    queue = service.jobs
    enqueue = queue.enqueue
    asked: list[str] = []

    def enqueue_copies(job_id: str) -> None:
        asked.append(job_id)
        for _ in range(copies(len(asked) - 1)):
            enqueue(job_id)

    monkeypatch.setattr(queue, "enqueue", enqueue_copies)
    return asked


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
@pytest.mark.parametrize("case", sorted(REQUESTS))
async def test_a_job_whose_message_was_lost_runs_after_the_sweep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, case: str
) -> None:
    async with service_client(kind, tmp_path) as (client, service):
        asked = sending(service, monkeypatch, lambda n: 0 if n == 0 else 1)  # the first message is lost
        job_id = await send(client, case)
        await assert_ran_once(client, service, case, job_id)
        assert asked[:2] == [job_id, job_id]  # the sweep sent it again


@pytest.mark.parametrize("case", sorted(REQUESTS))
async def test_duplicate_messages_run_the_job_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    async with service_client("sqlite", tmp_path) as (client, service):
        sending(service, monkeypatch, lambda n: 4)
        job_id = await send(client, case)
        await assert_ran_once(client, service, case, job_id)


async def test_a_start_leaves_a_job_whose_lease_holds_to_its_worker(tmp_path: Path) -> None:
    """A worker of another process (a second server on the same job table) holds a job: this
    process neither runs it at its start nor after sweeps, and that worker's result is delivered."""
    request = ODataRequest("GET", "http://testserver/odata/", "Products(1)")
    async with service_client("sqlite", tmp_path) as (_, service):
        job = Job(request=request.to_dict())
        await service.async_handler.store.add(job)
        assert await service.async_handler.store.claim(job.id, lease=60) is not None

    async with service_client("sqlite", tmp_path) as (client, service):
        store = service.async_handler.store
        await asyncio.sleep(SETTINGS["async_requeue_after"] * 3)  # sweeps that would send a lost message
        running = await store.get(job.id)
        assert (running.state, running.attempts) == (JobState.RUNNING, 1)

        output = JobOutput(service.config.async_disk)
        location = await output.write(f"{job.id}-1", ODataResponse(200, {"Content-Type": "text/plain"}, b"theirs"))
        assert await store.finish(
            job.id, attempt=1, state=JobState.SUCCEEDED, result_status=200, result_location=location
        )
        response = await client.get(f"$async/{job.id}")
        assert (response.status_code, response.text) == (200, "theirs")
