"""The Northwind example served by a real uvicorn process, as a user runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import NORTHWIND_CSV

PROJECT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    workdir = tmp_path_factory.mktemp("uvicorn")
    env = {
        **os.environ,
        "NORTHWIND_CSV_DIR": str(NORTHWIND_CSV),
        "PYTHONPATH": str(PROJECT),
        "ODATA_MAX_PAGE_SIZE": "5000",  # one page for the whole of Order_Details
        "ODATA_MAX_REQUEST_BODY": "4096",
    }
    env.pop("DATABASE_URL", None)  # the default: a SQLite file in the working directory
    log = workdir / "uvicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "examples.northwind.app:app",
                "--port",
                str(port),
                "--app-dir",
                str(PROJECT),
            ],
            cwd=workdir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/odata/"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"uvicorn exited: {log.read_text()}")
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("uvicorn did not answer within 60 s")
        yield url
        assert (workdir / "northwind.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_entity_over_real_http(server: str) -> None:
    response = httpx.get(f"{server}Products(1)")
    assert response.status_code == 200
    assert response.json()["ProductName"] == "Chai"
    assert response.json()["@context"] == f"{server}$metadata#Products/$entity"
    assert response.headers["odata-version"] == "4.01"


def test_large_collection_is_streamed_chunked(server: str) -> None:
    with httpx.stream("GET", f"{server}Order_Details") as response:
        assert response.headers.get("transfer-encoding") == "chunked"
        body = response.read()
    assert body.count(b'"OrderID"') == 2155


def test_errors_over_real_http(server: str) -> None:
    response = httpx.get(f"{server}Products(1")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "SyntaxError"


def test_writes_over_real_http(server: str) -> None:
    created = httpx.post(f"{server}Categories", json={"CategoryName": "Over HTTP"})
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    assert location.startswith(server)
    assert httpx.patch(location, json={"Description": "patched"}).status_code == 204
    batch = {"requests": [{"id": "1", "method": "delete", "url": location.removeprefix(server)}]}
    response = httpx.post(f"{server}$batch", json=batch)
    assert response.status_code == 200 and response.json()["responses"][0]["status"] == 204
    assert httpx.get(location).status_code == 404


def test_an_oversized_body_is_refused_over_real_http(server: str) -> None:
    body = b'{"CategoryName": "' + b"x" * 1_000_000 + b'"}'
    response = httpx.post(f"{server}Categories", content=body, headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PayloadTooLarge"
    assert httpx.get(f"{server}Categories/$count").text == "8"
