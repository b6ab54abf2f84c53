"""A worker process killed with SIGKILL mid-job: the job runs again on another worker, never stuck.

Redis gives the message of a dead worker process to a live one once the dead one's
heartbeat is older than ``heartbeat_timeout`` (set short in the broker URL here). The
new worker may claim the job, left running, once the dead worker's lease lapsed (set
short here too); if the message comes before that, the new worker leaves the job, and
the API's sweep sends it again once the lease lapsed.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import sqlalchemy as sa

from odata_server.jobs.model import JobState
from tests.conftest import require_service

PROJECT = Path(__file__).resolve().parents[2]
COMMAND = Path(sys.executable).with_name("odata-server")
REDIS = "redis://127.0.0.1:6379/13"


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    try:
        connection = redis.Redis.from_url(REDIS)
        connection.ping()
        connection.flushdb()
    except redis.RedisError:
        require_service(f"Redis is not reachable at {REDIS}")
    database = f"sqlite:///{tmp_path / 'slow.db'}"
    values = {
        "DATABASE_URL": database,
        "ODATA_BROKER_URL": f"{REDIS}?heartbeat_timeout=1000&maintenance_chance=1000000",
        "ODATA_ASYNC_DISK": str(tmp_path / "jobs"),
        # The query twice as long as the lease, the lease long enough that a busy machine's pause
        # does not outlast it (a worker renews its lease every third of it).
        "SLOW_APP_SECONDS": "6",
        "ODATA_ASYNC_LEASE": "3",
        "PYTHONPATH": str(PROJECT),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    upgrade = subprocess.run(
        [str(COMMAND), "db", "upgrade", "--url", database], cwd=PROJECT, capture_output=True, text=True, check=False
    )
    assert upgrade.returncode == 0, upgrade.stderr
    return {**os.environ}


def start_worker(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [str(COMMAND), "worker", "tests.jobs.slow_app:app", "--threads", "1"],
            cwd=PROJECT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


async def test_a_killed_worker_s_job_is_run_again(
    environment: dict[str, str], processes: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    slow_app: Any = importlib.import_module("tests.jobs.slow_app")
    service = slow_app.service
    engine = sa.create_engine(environment["DATABASE_URL"])
    slow_app.Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(slow_app.SlowItem.__table__.insert(), [{"id": n, "name": f"item {n}"} for n in range(1, 51)])
    engine.dispose()

    processes.append(start_worker(environment, tmp_path / "first.log"))
    async with slow_app.app.router.lifespan_context(slow_app.app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(slow_app.app), base_url="http://testserver/odata/"
        ) as client:
            accepted = await client.get("SlowItems", headers={"Prefer": "respond-async"})
            monitor = accepted.headers["location"]
            job_id = monitor.rsplit("/", 1)[1]
            store = service.async_handler.store
            for _ in range(400):
                if (await store.get(job_id)).state is JobState.RUNNING:
                    break
                await asyncio.sleep(0.05)
            processes[0].send_signal(signal.SIGKILL)
            processes[0].wait(timeout=10)

            processes.append(start_worker(environment, tmp_path / "second.log"))
            for _ in range(600):
                job = await store.get(job_id)
                if job.state.finished:
                    break
                await asyncio.sleep(0.1)
            # The second worker ran it, its query twice as long as the lease: its heartbeat held the job.
            assert (job.state, job.attempts) == (JobState.SUCCEEDED, 2), (tmp_path / "second.log").read_text()
            response = await client.get(monitor)
            assert response.status_code == 200
            assert len(response.json()["value"]) == 50
