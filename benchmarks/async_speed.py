"""Asynchronous requests: time to 202, job throughput of worker processes, memory of a large result.

1. Time to 202: for typical requests, the median µs of answering ``Prefer:
   respond-async`` with ``202 Accepted`` through the ASGI app (embedded queue, its
   ``enqueue`` replaced by a list append so that no worker competes for the CPU),
   against the median µs of ``ODataHandler.check()`` on the same request (the
   synchronous parse+bind the 202 starts with) and of a plain synchronous GET.
   Target: the 202 costs under 5 ms more than the parse.
2. Job throughput on Redis: jobs per second of 1, 2 and 4 ``odata-server worker``
   processes (``--threads 1`` each) for N small reads, from the first submission
   to the last result taken from its monitor. The API runs in this process, the
   workers are started and stopped for each row, and the job table comes from
   ``odata-server db upgrade``.
3. Peak memory of a large result through the job disk and back: one asynchronous
   request for a whole table of N rows run by the embedded worker, then the result
   read from its monitor chunk by chunk, against the same rows materialized in
   memory (``fetchall`` and one ``orjson.dumps``), each in its own child process.
   Target: flat, under 200 MB. The job table is in a SQLite file of its own: in the
   file being read, the job's progress updates would wait for the job's own read.

The database is a new SQLite file with generated Northwind data unless
``--database`` names one (PostgreSQL); table 3 always uses a SQLite file.

Usage::

    python benchmarks/async_speed.py [--requests 500] [--jobs 200] [--rows 1000000]
                                     [--database postgresql://...] [--skip-redis]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import redis

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from benchmarks.stream_memory import Reading, create_database, serve_whole  # noqa: E402
from examples.northwind.app import create_app  # noqa: E402
from odata_server import ODataService, ServiceConfig  # noqa: E402
from odata_server.messages import ODataRequest  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/14"
COMMAND = Path(sys.executable).with_name("odata-server")
ROOT = "http://bench/odata/"
RESPOND_ASYNC = {"Prefer": "respond-async"}
REQUESTS = {
    "filter+orderby+top": "Products?$filter=UnitPrice gt 20&$orderby=UnitPrice desc,ProductName&$top=10",
    "entity+expand": "Orders(10248)?$expand=Order_Details,Customer",
}
JOB_PATH = "Orders?$top=10"
WORKER_COUNTS = (1, 2, 4)
WARM_UP_JOBS = 4
"""Jobs per worker process run before the timed ones."""
JOB_TIMEOUT = 60
"""Seconds a job of table 2 may take before the run fails."""
TARGET_202_US = 5000
TARGET_PEAK_MB = 200


# -- 1. time to 202


def median_us(call: Callable[[], object], count: int) -> float:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6


async def median_us_async(call: Callable[[], Awaitable[object]], count: int) -> float:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6


def handler_request(path: str) -> ODataRequest:
    """The request the ASGI app builds for an async GET of ``path``, for ``ODataHandler.check``."""
    url = httpx.URL(ROOT + path)
    return ODataRequest(
        "GET", ROOT, url.path.removeprefix("/odata/"), url.query.decode("ascii"), {"host": "bench", **RESPOND_ASYNC}
    )


async def accepted(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers=RESPOND_ASYNC)
    assert response.status_code == 202, response.text


async def answered(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200, response.text


async def request_figures(
    client: httpx.AsyncClient, service: ODataService, path: str, count: int
) -> tuple[float, float, float]:
    """Median µs of ``check()``, of the 202 and of the synchronous GET of ``path``, after a warm-up."""
    check, request = service.handler.check, handler_request(path)
    assert check(request) is None
    for _ in range(20):
        await accepted(client, path)
        await answered(client, path)
    return (
        median_us(lambda: check(request), count),
        await median_us_async(lambda: accepted(client, path), count),
        await median_us_async(lambda: answered(client, path), count),
    )


async def time_to_202(database_url: str, disk: Path, count: int) -> None:
    app = create_app(database_url, broker_url=None, async_disk=str(disk))
    service: ODataService = app.state.odata
    queued: list[str] = []
    service.jobs.enqueue = queued.append  # type: ignore[method-assign]
    print(f"Time to 202 (embedded queue, enqueue replaced by a list append; median of {count} requests,")
    print("each request repeated, so its parse is cached; the 202 includes storing the job, a committed insert)")
    print(
        f"{'request':<20} {'check() µs':>11} {'202 µs':>8} {'202 - check µs':>15} {'sync GET µs':>12}  target < {TARGET_202_US} µs"
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=ROOT) as client,
    ):
        for name, path in REQUESTS.items():
            check_us, accept_us, get_us = await request_figures(client, service, path, count)
            extra = accept_us - check_us
            verdict = "met" if extra < TARGET_202_US else "MISSED"
            print(f"{name:<20} {check_us:>11.0f} {accept_us:>8.0f} {extra:>15.0f} {get_us:>12.0f}  {verdict}")
        for job_id in queued:
            await service.async_handler.store.delete(job_id)


# -- 2. job throughput on Redis


def start_workers(count: int, environment: dict[str, str], logs: Path) -> list[subprocess.Popen[str]]:
    """``count`` worker processes, returned once each has said it is running."""
    processes = []
    for number in range(count):
        with (logs / f"worker-{count}-{number}.log").open("w") as log:
            processes.append(
                subprocess.Popen(
                    [str(COMMAND), "worker", "examples.northwind.app:app", "--threads", "1"],
                    cwd=PROJECT,
                    env=environment,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                )
            )
    for number, process in enumerate(processes):
        assert process.stdout is not None
        if "running" not in process.stdout.readline():
            for started in processes:
                started.kill()
            raise RuntimeError(f"a worker did not start:\n{(logs / f'worker-{count}-{number}.log').read_text()}")
    return processes


def stop_workers(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        if process.wait(timeout=60) != 0:
            raise RuntimeError(f"a worker exited with {process.returncode}")


async def take_result(client: httpx.AsyncClient, monitor: str) -> None:
    """Poll the monitor until the result is there, and read it (which deletes it)."""
    deadline = time.monotonic() + JOB_TIMEOUT
    while (response := await client.get(monitor)).status_code == 202:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{monitor} still answers 202 after {JOB_TIMEOUT} s")
        await asyncio.sleep(0.01)
    assert response.status_code == 200 and response.headers["asyncresult"] == "200", response.text


async def run_jobs(client: httpx.AsyncClient, count: int) -> tuple[float, float]:
    """Seconds to submit ``count`` jobs, and seconds from the first submission to the last result."""
    started = time.perf_counter()
    monitors = []
    for _ in range(count):
        response = await client.get(JOB_PATH, headers=RESPOND_ASYNC)
        assert response.status_code == 202, response.text
        monitors.append(response.headers["location"])
    submitted = time.perf_counter() - started
    for monitor in monitors:  # oldest first: the workers take them in about this order
        await take_result(client, monitor)
    return submitted, time.perf_counter() - started


async def job_throughput(database_url: str, folder: Path, count: int) -> None:
    disk, logs = folder / "redis-jobs", folder / "logs"
    logs.mkdir()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ODATA_BROKER_URL": REDIS_URL,
        "ODATA_ASYNC_DISK": str(disk),
        "PYTHONPATH": str(PROJECT),
    }
    redis_db = redis.Redis.from_url(REDIS_URL)
    cores = os.cpu_count()
    print(f"\nJob throughput on Redis ({REDIS_URL}): {count} jobs of GET {JOB_PATH}, one thread per worker process,")
    print(f"after {WARM_UP_JOBS} warm-up jobs per process; submission to the last result taken from its monitor")
    print(
        f"{cores} CPU cores: more worker processes than cores cannot go faster, and the API in this process shares them"
    )
    print(f"{'workers':>7} {'submit s':>9} {'total s':>8} {'jobs/s':>7} {'speed-up':>9}")
    app = create_app(database_url, broker_url=REDIS_URL, async_disk=str(disk))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=ROOT) as client,
    ):
        first = None
        for workers in WORKER_COUNTS:
            redis_db.flushdb()
            processes = start_workers(workers, environment, logs)
            try:
                await run_jobs(client, WARM_UP_JOBS * workers)  # a process's first job builds its parser
                submitted, total = await run_jobs(client, count)
            finally:
                stop_workers(processes)
            assert not any(disk.iterdir()), "results left on the job disk"
            rate = count / total
            first = first or rate
            print(f"{workers:>7} {submitted:>9.2f} {total:>8.2f} {rate:>7.0f} {rate / first:>9.2f}")
    redis_db.close()


def redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL).ping())
    except redis.RedisError:
        return False


# -- 3. peak memory of a large result


async def asgi_get(app: Any, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], int]:
    """GET ``path`` from the ASGI app, discarding the body: status, headers and body bytes."""
    status, received, response_headers = 0, 0, {}
    target, _, query = path.partition("?")

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, received
        if message["type"] == "http.response.start":
            status = message["status"]
            response_headers.update((name.decode(), value.decode()) for name, value in message["headers"])
        else:
            received += len(message.get("body", b""))

    request_headers = [(b"host", b"bench")] + [
        (name.lower().encode(), value.encode()) for name, value in (headers or {}).items()
    ]
    scope = {
        "type": "http", "method": "GET", "scheme": "http", "path": f"/{target}", "raw_path": f"/{target}".encode(),
        "root_path": "", "query_string": query.encode(), "headers": request_headers, "server": ("bench", 80),
    }  # fmt: skip
    await app(scope, receive, send)
    return status, response_headers, received


async def through_the_disk(database: Path, disk: Path) -> tuple[int, float]:
    """One async request for every reading, run by the embedded worker, then its result read and discarded.

    Returns the bytes of the result and the peak RSS (MB) before the request.
    """
    config = ServiceConfig(
        max_page_size=10**9, async_disk=str(disk), jobs_database_url=f"sqlite:///{disk.with_suffix('.db')}"
    )
    service = ODataService(f"sqlite:///{database}", config=config)
    app = service.add(Reading).asgi()
    await service.startup()
    try:
        before_mb = peak_rss_mb()
        status, headers, _ = await asgi_get(app, "Readings", RESPOND_ASYNC)
        assert status == 202, status
        monitor = headers["location"].removeprefix("http://bench/")
        while (answer := await asgi_get(app, monitor))[0] == 202:
            await asyncio.sleep(0.05)
        status, headers, size = answer
        assert status == 200 and headers["asyncresult"] == "200", headers
        assert not any(disk.iterdir()), "the result was not deleted"
    finally:
        await service.aclose()
    return size, before_mb


def peak_rss_mb() -> float:
    """This process's peak RSS (``VmHWM``), in MB.

    Not ``ru_maxrss``: on Linux a child's starts at the RSS its parent had when it spawned it.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(mode: str, database: Path, disk: Path) -> None:
    started = time.perf_counter()
    if mode == "async":
        size, before_mb = asyncio.run(through_the_disk(database, disk))
    else:
        before_mb = peak_rss_mb()
        size = asyncio.run(serve_whole(database))
    figures = {
        "bytes": size,
        "seconds": time.perf_counter() - started,
        "before_mb": before_mb,
        "peak_mb": peak_rss_mb(),
    }
    print(orjson.dumps(figures).decode())


def peak_memory(rows: int, folder: Path) -> None:
    database, disk = folder / "readings.db", folder / "large-jobs"
    disk.mkdir()
    create_database(database, rows)
    print(f"\nPeak memory of one large result: {rows:,} rows; target: flat, under {TARGET_PEAK_MB} MB")
    print(f"{'mode':<28} {'bytes':>13} {'seconds':>8} {'peak RSS before the request MB':>31} {'peak RSS MB':>12}")
    labels = {"async": "async, via the job disk", "materialized": "materialized (fetchall)"}
    for mode, label in labels.items():
        result = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--readings", str(database), "--disk", str(disk)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"the {mode} child failed:\n{result.stderr}")
        figures = orjson.loads(result.stdout.strip().splitlines()[-1])
        print(
            f"{label:<28} {figures['bytes']:>13,} {figures['seconds']:>8.1f} "
            f"{figures['before_mb']:>31.0f} {figures['peak_mb']:>12.0f}"
        )


# --


async def api_tables(arguments: argparse.Namespace, folder: Path) -> None:
    database_url = arguments.database or f"sqlite:///{folder / 'northwind.db'}"
    subprocess.run([str(COMMAND), "db", "upgrade", "--url", database_url], cwd=PROJECT, capture_output=True, check=True)
    await time_to_202(database_url, folder / "jobs", arguments.requests)
    if arguments.skip_redis:
        return
    if not redis_reachable():
        print(f"\nRedis is not reachable at {REDIS_URL}: no job throughput figures")
        return
    await job_throughput(database_url, folder, arguments.jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="requests per figure of table 1")
    parser.add_argument("--jobs", type=int, default=200, help="jobs per row of table 2")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the large result of table 3")
    parser.add_argument("--database", help="a SQLAlchemy URL for tables 1 and 2; default: a new SQLite file")
    parser.add_argument("--skip-redis", action="store_true", help="leave out table 2")
    parser.add_argument("--child", choices=["async", "materialized"], help=argparse.SUPPRESS)
    parser.add_argument("--readings", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--disk", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child, arguments.readings, arguments.disk)
        return
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        asyncio.run(api_tables(arguments, folder))
        peak_memory(arguments.rows, folder)


if __name__ == "__main__":
    main()
