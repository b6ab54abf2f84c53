"""Asynchronous requests through HTTP with the embedded queue (OData Protocol §11.6)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from odata_server.jobs.model import JobState
from tests.conftest import ROOT, finished, northwind_client


@pytest.fixture(scope="module")
async def service_client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    folder = tmp_path_factory.mktemp("async")
    settings = {"async_disk": str(folder / "jobs"), "callback_allow": ("127.0.0.1",), "async_result_expiry": 3600}
    async with northwind_client(f"sqlite:///{folder / 'nw.db'}", **settings) as client:
        yield client, client._transport.app.state.odata  # type: ignore[attr-defined]


@pytest.fixture
def client(service_client: tuple[httpx.AsyncClient, Any]) -> httpx.AsyncClient:
    return service_client[0]


@pytest.fixture
def service(service_client: tuple[httpx.AsyncClient, Any]) -> Any:
    return service_client[1]


async def job_finished(service: Any, job_id: str) -> Any:
    """Wait for the worker to finish the job (without taking its result); return the job."""
    for _ in range(200):
        job = await service.async_handler.store.get(job_id)
        if job.state.finished:
            return job
        await asyncio.sleep(0.05)
    raise AssertionError("the job never finished")


@pytest.fixture
def held(service: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Jobs accepted but not yet sent to the workers; the test sends them when it likes."""
    queue = service.jobs
    waiting: list[str] = []
    monkeypatch.setattr(queue, "enqueue", waiting.append)
    return waiting


@pytest.mark.parametrize(
    "path", ["Orders?$top=40&$orderby=Freight desc", "Products(1)?$expand=Category", "Customers/$count"]
)
async def test_the_whole_cycle(client: httpx.AsyncClient, service: Any, held: list[str], path: str) -> None:
    synchronous = await client.get(path)
    accepted = await client.get(path, headers={"Prefer": "respond-async"})
    assert accepted.status_code == 202
    assert accepted.headers["preference-applied"] == "respond-async"
    monitor = accepted.headers["location"]
    assert monitor.startswith(f"{ROOT}$async/") and len(monitor.rsplit("/", 1)[1]) >= 32

    queued = await client.get(monitor)
    assert queued.status_code == 202 and queued.headers["retry-after"].isdigit()
    for job_id in held:
        service.jobs.run_request.send(job_id)
    service.jobs.start_workers()

    result = await finished(client, monitor)
    assert result.status_code == 200
    assert result.headers["asyncresult"] == str(synchronous.status_code)
    assert result.headers["content-type"] == synchronous.headers["content-type"]
    assert result.content == synchronous.content
    gone = await client.get(monitor)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "UnknownJob"


async def test_the_4_0_form_wraps_the_response_in_an_http_message(client: httpx.AsyncClient) -> None:
    accepted = await client.get("Products(1)", headers={"Prefer": "respond-async"})
    result = await finished(client, accepted.headers["location"], headers={"Accept": "application/http"})
    assert result.headers["content-type"] == "application/http"
    head, _, body = result.content.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b'"ProductName":"Chai"' in body


async def test_a_malformed_request_is_refused_at_once(client: httpx.AsyncClient) -> None:
    for path in ("Products(1", "Products?$filter=Nope eq 1", "Nope"):
        response = await client.get(path, headers={"Prefer": "respond-async"})
        assert response.status_code in (400, 404)
        assert "location" not in response.headers


async def test_wait_answers_synchronously_when_the_job_is_quick(client: httpx.AsyncClient) -> None:
    response = await client.get("Products(1)", headers={"Prefer": "respond-async, wait=10"})
    assert response.status_code == 200
    assert response.json()["ProductName"] == "Chai"


async def test_cancel_while_queued(client: httpx.AsyncClient, service: Any, held: list[str]) -> None:
    accepted = await client.get("Orders", headers={"Prefer": "respond-async"})
    monitor = accepted.headers["location"]
    cancelled = await client.delete(monitor)
    assert cancelled.status_code == 204
    assert (await client.get(monitor)).status_code == 404
    job_id = held[0]
    service.jobs.run_request.send(job_id)  # the worker gets the message after all
    service.jobs.start_workers()
    await asyncio.sleep(0.5)
    job = await service.async_handler.store.get(job_id)
    assert job.state is JobState.CANCELLED and job.result_location is None


async def test_delete_of_a_finished_job_discards_its_result(client: httpx.AsyncClient, service: Any) -> None:
    accepted = await client.get("Products(1)", headers={"Prefer": "respond-async"})
    monitor = accepted.headers["location"]
    job_id = monitor.rsplit("/", 1)[1]
    job = await job_finished(service, job_id)
    assert (await client.delete(monitor)).status_code == 204
    assert not await service.async_handler.output.exists(job.result_location)
    assert (await client.get(monitor)).status_code == 404


async def test_two_concurrent_gets_of_a_result_deliver_it_once(client: httpx.AsyncClient, service: Any) -> None:
    accepted = await client.get("Categories", headers={"Prefer": "respond-async"})
    monitor = accepted.headers["location"]
    job_id = monitor.rsplit("/", 1)[1]
    await job_finished(service, job_id)
    first, second = await asyncio.gather(client.get(monitor), client.get(monitor))
    assert sorted([first.status_code, second.status_code]) == [200, 404]


async def test_unknown_monitor_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("$async/not-a-job")
    assert response.status_code == 404
    assert response.json()["error"]["message"]


async def test_a_request_the_service_cannot_do_is_refused_at_once(client: httpx.AsyncClient) -> None:
    response = await client.delete("Products/$count", headers={"Prefer": "respond-async"})
    assert response.status_code == 405
    assert "location" not in response.headers


async def test_an_asynchronous_create_answers_201_at_the_monitor(client: httpx.AsyncClient) -> None:
    accepted = await client.post("Categories", json={"CategoryName": "Async"}, headers={"Prefer": "respond-async"})
    assert accepted.status_code == 202
    result = await finished(client, accepted.headers["location"])
    assert result.status_code == 200 and result.headers["asyncresult"] == "201"
    created = result.json()
    assert created["CategoryName"] == "Async"
    assert (await client.get(f"Categories({created['CategoryID']})")).json()["CategoryName"] == "Async"


async def test_only_the_same_credentials_see_a_job(client: httpx.AsyncClient) -> None:
    accepted = await client.get("Products(1)", headers={"Prefer": "respond-async", "Authorization": "Bearer a"})
    monitor = accepted.headers["location"]
    assert (await client.get(monitor, headers={"Authorization": "Bearer b"})).status_code == 404
    assert (await client.get(monitor)).status_code == 404
    assert (await finished(client, monitor, headers={"Authorization": "Bearer a"})).status_code == 200


async def test_expired_results_are_swept(
    client: httpx.AsyncClient, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    accepted = await client.get("Products(1)", headers={"Prefer": "respond-async"})
    monitor = accepted.headers["location"]
    job_id = monitor.rsplit("/", 1)[1]
    job = await job_finished(service, job_id)
    monkeypatch.setattr(
        service, "config", service.config.__class__(**{**_fields(service.config), "async_result_expiry": 1})
    )
    await asyncio.sleep(1.2)
    await service.sweep()
    assert (await client.get(monitor)).status_code == 404
    assert not await service.async_handler.output.exists(job.result_location)


def _fields(config: Any) -> dict[str, Any]:
    return {name: getattr(config, name) for name in config.__dataclass_fields__}


class _Callbacks(BaseHTTPRequestHandler):
    received: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.received.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def callback_server() -> Iterator[tuple[str, list[str]]]:
    server = HTTPServer(("127.0.0.1", 0), _Callbacks)
    _Callbacks.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Callbacks.received
    server.shutdown()
    server.server_close()


async def test_the_callback_is_called_when_the_job_finishes(
    client: httpx.AsyncClient, callback_server: tuple[str, list[str]]
) -> None:
    base, received = callback_server
    prefer = f'respond-async, callback; url="{base}/done?job=1"'
    accepted = await client.get("Products(1)", headers={"Prefer": prefer})
    assert accepted.headers["preference-applied"] == "respond-async, callback"
    for _ in range(100):
        if received:
            break
        await asyncio.sleep(0.05)
    assert received == ["/done?job=1"]
    assert (await finished(client, accepted.headers["location"])).status_code == 200


@pytest.mark.parametrize(
    "url",
    ["http://10.1.2.3/hook", "http://169.254.169.254/latest/meta-data", "ftp://example.com/x", "http://[::1]:8/x"],
)
async def test_internal_callback_targets_are_refused(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get("Products(1)", headers={"Prefer": f'respond-async, callback; url="{url}"'})
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "Prefer"


async def test_results_are_written_to_the_configured_disk(
    client: httpx.AsyncClient, service: Any, held: list[str]
) -> None:
    accepted = await client.get("Products(1)", headers={"Prefer": "respond-async"})
    service.jobs.run_request.send(held[0])
    service.jobs.start_workers()
    job = await job_finished(service, held[0])
    written = Path(service.config.async_disk) / f"{held[0]}-1.http"  # the output of the job's first attempt
    assert written.is_file() and job.result_location.endswith(f"/{written.name}")
    await finished(client, accepted.headers["location"])
    assert not written.exists()  # delivered once, then deleted


async def test_a_failed_job_answers_200_with_its_status_in_async_result(client: httpx.AsyncClient) -> None:
    accepted = await client.get("Products(99999)", headers={"Prefer": "respond-async"})
    result = await finished(client, accepted.headers["location"])
    assert (result.status_code, result.headers["asyncresult"]) == (200, "404")
    assert result.json()["error"]["code"] == "EntityNotFound"


async def test_status_passthrough_answers_with_the_original_failing_status(tmp_path: Path) -> None:
    settings = {"async_disk": str(tmp_path / "jobs"), "async_status_passthrough": True}
    async with northwind_client(f"sqlite:///{tmp_path / 'nw.db'}", **settings) as passthrough:
        failing = await passthrough.get("Products(99999)", headers={"Prefer": "respond-async"})
        result = await finished(passthrough, failing.headers["location"])
        assert (result.status_code, result.headers["asyncresult"]) == (404, "404")
        succeeding = await passthrough.get("Products(1)", headers={"Prefer": "respond-async"})
        assert (await finished(passthrough, succeeding.headers["location"])).status_code == 200


async def test_head_on_a_finished_monitor_does_not_take_the_result(client: httpx.AsyncClient, service: Any) -> None:
    accepted = await client.get("Products(1)", headers={"Prefer": "respond-async", "Authorization": "Bearer k"})
    monitor = accepted.headers["location"]
    job_id = monitor.rsplit("/", 1)[1]
    job = await service.async_handler.store.get(job_id)
    assert "authorization" not in job.request["headers"]  # credentials stay out of the job table
    await job_finished(service, job_id)
    look = await client.head(monitor, headers={"Authorization": "Bearer k"})
    assert (look.status_code, look.headers["asyncresult"]) == (200, "200")
    assert (await client.get(monitor, headers={"Authorization": "Bearer k"})).json()["ProductName"] == "Chai"
