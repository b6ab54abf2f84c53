"""What each part of a batch becomes: the ``ODataRequest`` the pipeline gets.

A recording handler stands in for the pipeline, so the tests see the requests
exactly: resolved URLs, ``$<id>`` references, inherited and replaced headers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from odata_server.batch.handler import BatchHandler
from odata_server.config import ServiceConfig
from odata_server.messages import ODataRequest, ODataResponse
from odata_server.pipeline.transaction import shared_connection
from odata_server.query.sessions import prepare_sessions
from tests.batch.conftest import (
    ROOT,
    PartResponse,
    change_set,
    http_part,
    http_request,
    multipart,
    multipart_headers,
    read_multipart_response,
)


class Recorder:
    """A pipeline that answers ``POST`` with 201 and a Location, everything else with 200 and an ETag."""

    def __init__(self) -> None:
        self.requests: list[ODataRequest] = []

    async def __call__(self, request: ODataRequest) -> ODataResponse:
        self.requests.append(request)
        if request.method == "POST":
            number = len(self.requests)
            return ODataResponse(201, {"Location": f"{request.service_root}Things({number})"}, b"{}")
        return ODataResponse(200, {"ETag": f'W/"{len(self.requests)}"', "Content-Type": "application/json"}, b"{}")

    def check(self, request: ODataRequest) -> None:
        return None


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine("sqlite+aiosqlite://")
    yield engine
    await engine.dispose()


async def _run(engine: AsyncEngine, body: bytes, **headers: str) -> tuple[ODataResponse, list[ODataRequest]]:
    recorder = Recorder()
    handler = BatchHandler(recorder, engine, ServiceConfig())  # type: ignore[arg-type]
    batch = ODataRequest("POST", ROOT, "$batch", "", headers, body)
    response = await handler(batch)
    assert response.status == 200
    return response, recorder.requests


async def test_parts_become_pipeline_requests(engine: AsyncEngine) -> None:
    body = multipart(
        http_part(http_request("GET", "Products(1)?$select=Name")),
        http_part(http_request("GET", "/odata/Employees?$filter=City eq 'Zoë'", {"Host": "testserver"})),
        http_part(
            http_request("POST", "http://testserver/odata/Categories", {"Content-Type": "application/json"}, "{}")
        ),
    )
    _, requests = await _run(engine, body, **multipart_headers())
    assert [(r.method, r.service_root, r.path, r.query, r.body) for r in requests] == [
        ("GET", ROOT, "Products(1)", "$select=Name", b""),
        ("GET", ROOT, "Employees", "$filter=City%20eq%20'Zo%C3%AB'", b""),
        ("POST", ROOT, "Categories", "", b"{}"),
    ]
    assert requests[2].header("content-type") == "application/json"


async def test_headers_are_inherited_and_credentials_replaced(engine: AsyncEngine) -> None:
    body = multipart(
        http_part(http_request("GET", "A", {"Authorization": "Bearer part", "Accept-Language": "de"})),
        http_part(http_request("GET", "B", {"Accept": "text/plain", "OData-MaxVersion": "4.01"})),
    )
    batch_headers = {
        "authorization": "Bearer batch",
        "cookie": "session=1",
        "accept": "multipart/mixed;q=1, application/json;odata.metadata=full",
        "accept-language": "en",
        "odata-maxversion": "4.0",
        "prefer": "continue-on-error",
    }
    _, (first, second) = await _run(engine, body, **multipart_headers(), **batch_headers)
    assert first.header("authorization") == second.header("authorization") == "Bearer batch"
    assert first.header("cookie") == "session=1"
    assert (first.header("accept"), second.header("accept")) == ("application/json;odata.metadata=full", "text/plain")
    assert (first.header("accept-language"), second.header("accept-language")) == ("de", "en")
    assert (first.header("odata-maxversion"), second.header("odata-maxversion")) == ("4.0", "4.01")
    assert first.header("prefer") is None, "continue-on-error is the batch's"


async def test_accept_of_only_batch_formats_is_not_inherited(engine: AsyncEngine) -> None:
    body = multipart(http_part(http_request("GET", "A")))
    _, (request,) = await _run(engine, body, **multipart_headers(), accept="multipart/mixed")
    assert request.header("accept") is None


async def test_references_to_earlier_requests(engine: AsyncEngine) -> None:
    body = multipart(
        change_set(
            http_part(http_request("POST", "Categories", {"Content-Type": "application/json"}, "{}"), "new"),
            http_part(http_request("POST", "$new/Products?x=1", {"Content-Type": "application/json"}, "{}"), "2"),
        ),
        http_part(http_request("GET", "$2"), "read"),
        http_part(http_request("PATCH", "$read", {"If-Match": "$read", "If-None-Match": "$read"}), "4"),
        http_part(http_request("GET", "$metadata"), "metadata"),
        http_part(http_request("GET", "$unknown/x")),
    )
    _, requests = await _run(engine, body, **multipart_headers())
    assert [(r.method, r.path, r.query) for r in requests] == [
        ("POST", "Categories", ""),
        ("POST", "Things(1)/Products", "x=1"),
        ("GET", "Things(2)", ""),
        ("PATCH", "Things(2)", ""),
        ("GET", "$metadata", ""),
        ("GET", "$unknown/x", ""),
    ]
    assert requests[3].header("if-match") == requests[3].header("if-none-match") == 'W/"3"'


async def test_json_request_objects_become_pipeline_requests(engine: AsyncEngine) -> None:
    document = {
        "requests": [
            {"id": "1", "method": "post", "url": "Categories", "body": {"Name": "x", "Price": 1.0000000000000000001}},
            {
                "id": "2",
                "method": "put",
                "url": "$1/Picture",
                "dependsOn": ["1"],
                "headers": {"Content-Type": "image/png"},
                "body": "AP8",
            },
            {"id": "3", "method": "Get", "url": "/odata/$1", "dependsOn": ["1"]},
        ]
    }
    text = json.dumps(document).replace("1.0", "1.0000000000000000001")
    response, (post, put, get) = await _run(engine, text.encode(), **{"content-type": "application/json"})
    assert (post.path, post.header("content-type"), post.body) == (
        "Categories",
        "application/json",
        b'{"Name":"x","Price":1.0000000000000000001}',
    )
    assert (put.method, put.path, put.header("content-type"), put.body) == (
        "PUT",
        "Things(1)/Picture",
        "image/png",
        b"\x00\xff",
    )
    assert (get.method, get.path) == ("GET", "$1"), "only a relative path starts with a reference"
    answers: dict[str, Any] = {item["id"]: item for item in json.loads(response.body)["responses"]}  # type: ignore[arg-type]
    assert answers["1"]["headers"]["location"] == f"{ROOT}Things(1)"


class DeferredViolation(Recorder):
    """A pipeline whose writes break a foreign key that SQLite checks only at commit."""

    async def __call__(self, request: ODataRequest) -> ODataResponse:
        connection = shared_connection()
        assert connection is not None, "a change set's requests share its transaction"
        await connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        await connection.exec_driver_sql("INSERT INTO child (parent) VALUES (42)")
        return ODataResponse(204, {"OData-Version": "4.01"})


async def _answers(handler: BatchHandler, body: bytes) -> list[Any]:
    headers = multipart_headers(Prefer="continue-on-error")
    response = await handler(ODataRequest("POST", ROOT, "$batch", "", headers, body))
    assert isinstance(response.body, bytes)
    return read_multipart_response(
        httpx.Response(response.status, headers=dict(response.headers), content=response.body)
    )


async def test_a_change_set_that_cannot_commit_fails(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'deferred.db'}")
    prepare_sessions(engine)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            await connection.exec_driver_sql("CREATE TABLE child (parent INTEGER REFERENCES parent (id))")
        handler = BatchHandler(DeferredViolation(), engine, ServiceConfig())  # type: ignore[arg-type]
        body = multipart(change_set(http_part(http_request("DELETE", "Things(1)"), "1")))
        (failure,) = await _answers(handler, body)
        assert isinstance(failure, PartResponse) and failure.status == 409
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("SELECT count(*) FROM child")).scalar() == 0
    finally:
        await engine.dispose()


async def test_a_change_set_without_a_database_fails_alone(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'folder.db'}")
    handler = BatchHandler(Recorder(), engine, ServiceConfig())  # type: ignore[arg-type]
    body = multipart(
        change_set(http_part(http_request("DELETE", "Things(1)"), "1")), http_part(http_request("GET", "A"))
    )
    try:
        failure, after = await _answers(handler, body)
    finally:
        await engine.dispose()
    assert isinstance(failure, PartResponse) and failure.status == 500
    assert failure.json()["error"]["code"] == "InternalServerError"
    assert isinstance(after, PartResponse) and after.status == 200
