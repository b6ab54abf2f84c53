"""Asynchronous requests on the real Redis, run by real ``odata-server worker`` processes.

The API (in this process) only enqueues; two worker processes started with the
command a user types take the jobs, share the database and the job disk, and stop
cleanly on SIGTERM. The job table comes from ``odata-server db upgrade``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.conftest import NORTHWIND_CSV, finished, northwind_client, require_service

PROJECT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
COMMAND = Path(sys.executable).with_name("odata-server")


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    try:
        client = redis.Redis.from_url(REDIS_URL)
        client.ping()
        client.flushdb()
    except redis.RedisError:
        require_service(f"Redis is not reachable at {REDIS_URL}")
    folder = tmp_path_factory.mktemp("redis-jobs")
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'nw.db'}",
        "NORTHWIND_CSV_DIR": str(NORTHWIND_CSV),
        "ODATA_BROKER_URL": REDIS_URL,
        "ODATA_ASYNC_DISK": str(folder / "jobs"),
        "PYTHONPATH": str(PROJECT),
    }


@pytest.fixture(scope="module")
def workers(
    environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[subprocess.Popen[bytes]]]:
    upgrade = subprocess.run(
        [str(COMMAND), "db", "upgrade"], cwd=PROJECT, env=environment, capture_output=True, text=True, check=False
    )
    assert upgrade.returncode == 0, upgrade.stderr
    logs = tmp_path_factory.mktemp("worker-logs")
    processes = []
    for number in range(2):
        with (logs / f"worker{number}.log").open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [str(COMMAND), "worker", "examples.northwind.app:app", "--threads", "2"],
                    cwd=PROJECT,
                    env=environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
async def api(environment: dict[str, str], workers: list[subprocess.Popen[bytes]]) -> AsyncIterator[httpx.AsyncClient]:
    settings = {"broker_url": REDIS_URL, "async_disk": environment["ODATA_ASYNC_DISK"]}
    async with northwind_client(environment["DATABASE_URL"], **settings) as client:
        yield client


async def test_workers_run_the_jobs(api: httpx.AsyncClient) -> None:
    paths = [f"Orders?$top={n}&$orderby=OrderID desc" for n in range(1, 11)] + ["Customers('ALFKI')?$expand=Orders"]
    accepted = [await api.get(path, headers={"Prefer": "respond-async"}) for path in paths]
    assert all(response.status_code == 202 for response in accepted)
    results = await asyncio.gather(
        *(finished(api, response.headers["location"], attempts=400) for response in accepted)
    )
    for path, result in zip(paths, results, strict=True):
        synchronous = await api.get(path)
        assert result.status_code == 200 and result.headers["asyncresult"] == "200"
        assert result.content == synchronous.content


async def test_workers_stop_cleanly_on_sigterm(api: httpx.AsyncClient, workers: list[subprocess.Popen[bytes]]) -> None:
    for process in workers:
        process.send_signal(signal.SIGTERM)
    for process in workers:
        assert process.wait(timeout=30) == 0
