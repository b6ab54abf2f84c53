"""Collections are streamed in batches of rows, and the database connection is always released."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from fastapi import FastAPI

from examples.northwind.app import create_app
from tests.conftest import NORTHWIND_CSV


@pytest.fixture(scope="module")
async def small_batches(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[FastAPI]:
    app = create_app(
        f"sqlite:///{tmp_path_factory.mktemp('stream') / 'nw.db'}",
        str(NORTHWIND_CSV),
        stream_batch_rows=100,
        max_page_size=5000,
    )
    async with app.router.lifespan_context(app):
        yield app


async def _call(app: FastAPI, path: str, *, stop_after: int | None = None) -> list[dict[str, Any]]:
    """Send one GET through ASGI; return the messages sent back (stopping early if asked)."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if stop_after is not None and len(sent) >= stop_after:
            raise ConnectionResetError("the client went away")

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": f"/odata/{path}", "raw_path": f"/odata/{path}".encode(), "root_path": "", "query_string": b"",
        "headers": [(b"host", b"testserver")], "server": ("testserver", 80),
    }  # fmt: skip
    try:
        await app(scope, receive, send)
    except ConnectionResetError:
        pass
    return sent


def _pool_checked_out(app: FastAPI) -> int:
    return app.state.odata.engine.pool.checkedout()


async def test_a_large_collection_arrives_in_many_chunks(small_batches: FastAPI) -> None:
    messages = await _call(small_batches, "Order_Details")
    chunks = [m["body"] for m in messages if m["type"] == "http.response.body" and m["body"]]
    assert len(chunks) >= 2155 // 100
    assert len(orjson.loads(b"".join(chunks))["value"]) == 2155
    assert _pool_checked_out(small_batches) == 0


async def test_a_small_collection_is_one_body_with_a_length(small_batches: FastAPI) -> None:
    messages = await _call(small_batches, "Categories")
    start = messages[0]
    assert (b"content-length", str(len(messages[1]["body"])).encode()) in start["headers"]
    assert _pool_checked_out(small_batches) == 0


async def test_a_client_that_goes_away_releases_the_connection(small_batches: FastAPI) -> None:
    messages = await _call(small_batches, "Order_Details", stop_after=3)
    assert len(messages) == 3
    assert _pool_checked_out(small_batches) == 0
