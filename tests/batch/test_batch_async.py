"""Asynchronous batches: ``Prefer: respond-async`` on the batch (Protocol §11.7.7.6, JSON Format §19.6)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.batch.conftest import (
    PartResponse,
    http_part,
    http_request,
    json_responses,
    multipart,
    multipart_headers,
    read_multipart_response,
)
from tests.conftest import assert_error, finished, northwind_client


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    folder = tmp_path_factory.mktemp("batch-async")
    async with northwind_client(f"sqlite:///{folder / 'nw.db'}", async_disk=str(folder / "jobs")) as client:  # type: ignore[arg-type]
        yield client


async def _result(client: httpx.AsyncClient, accepted: httpx.Response) -> httpx.Response:
    assert accepted.status_code == 202, accepted.text
    assert accepted.headers["preference-applied"] == "respond-async"
    response = await finished(client, accepted.headers["location"])
    assert response.headers["asyncresult"] == "200"
    return response


async def test_multipart_batch_runs_asynchronously(client: httpx.AsyncClient) -> None:
    body = multipart(
        http_part(http_request("GET", "Products(1)"), "1"),
        http_part(http_request("GET", "Products(999999)"), "2"),
        http_part(http_request("GET", "$1/Category"), "3"),
    )
    headers = multipart_headers(Prefer="respond-async, continue-on-error")
    result = await _result(client, await client.post("$batch", content=body, headers=headers))
    first, missing, category = read_multipart_response(result)
    assert isinstance(first, PartResponse) and isinstance(missing, PartResponse) and isinstance(category, PartResponse)
    assert (first.status, missing.status, category.status) == (200, 404, 200)
    assert category.json() == (await client.get("Products(1)/Category")).json()
    assert result.headers["preference-applied"] == "continue-on-error"


async def test_json_batch_runs_asynchronously(client: httpx.AsyncClient) -> None:
    requests = [{"id": "1", "method": "get", "url": "Products(1)"}, {"id": "2", "method": "get", "url": "Nope"}]
    accepted = await client.post("$batch", json={"requests": requests}, headers={"Prefer": "respond-async"})
    responses = json_responses(await _result(client, accepted))
    assert (responses["1"]["status"], responses["2"]["status"]) == (200, 404)
    assert responses["1"]["body"] == (await client.get("Products(1)")).json()


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (multipart(http_part(http_request("GET", "Products(1)"))), {"Content-Type": "multipart/mixed"}, 400),
        (b"{", {"Content-Type": "application/json"}, 400),
        (b"{}", {"Content-Type": "text/plain"}, 415),
        (b'{"requests": []}', {"Content-Type": "application/json", "Accept": "text/html"}, 406),
    ],
)
async def test_a_malformed_batch_is_refused_at_once(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = await client.post("$batch", content=body, headers={**headers, "Prefer": "respond-async"})
    assert_error(response, status)
    assert "location" not in response.headers
