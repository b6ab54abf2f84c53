"""The job disk on a local folder, ``memory://`` and S3 (s3fs against a local moto server).

The moto server runs in a child process, not in a thread of this one: it keeps the
objects it stores in memory, which would otherwise count in the ``tracemalloc`` peak
of the large-body test. The S3 case skips when s3fs or moto[server] is missing,
except under CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import subprocess
import sys
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Iterator
from importlib.util import find_spec

import fsspec
import pytest

from odata_server.format.http_message import http_head
from odata_server.jobs.output import JobOutput
from odata_server.messages import ODataResponse
from tests.conftest import require_service

BUCKET = "odata-jobs"
CREDENTIALS = {"key": "testing", "secret": "testing", "client_kwargs": {"region_name": "us-east-1"}}
HEADERS = {"Content-Type": "application/json;odata.metadata=minimal", "OData-Version": "4.01"}
MiB = 1 << 20
LARGE = 96 * MiB
PEAK_LIMIT = LARGE // 4
"""Peak traced memory allowed while a LARGE body is written or read."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_listening(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the moto server exited with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("the moto server did not start within 30 seconds")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto S3 server on a free local port, with the bucket created."""
    missing = [name for name in ("s3fs", "boto3", "moto", "flask") if find_spec(name) is None]
    if missing:
        require_service(f"the S3 job output needs s3fs and moto[server]; missing: {', '.join(missing)}")
    import boto3

    port = _free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_listening(process, port)
        endpoint = f"http://127.0.0.1:{port}"
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )
        s3.create_bucket(Bucket=BUCKET)
        s3.close()
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(params=["local", "memory", "s3"])
def root(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, empty job root on each kind of file system."""
    name = f"jobs-{uuid.uuid4().hex}"
    if request.param == "local":
        yield str(tmp_path_factory.mktemp("output") / name)
    elif request.param == "memory":
        yield f"memory://{name}"
        memory = fsspec.filesystem("memory")
        if memory.exists(f"/{name}"):
            memory.rm(f"/{name}", recursive=True)
    else:
        endpoint = request.getfixturevalue("moto_endpoint")
        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(fsspec.config.conf, "s3", {"endpoint_url": endpoint, **CREDENTIALS})
            yield f"s3://{BUCKET}/{name}"


def stored_names(root: str) -> list[str]:
    """The files under the root, seen through fsspec directly."""
    fs, path = fsspec.core.url_to_fs(root)
    fs.invalidate_cache()
    return [entry.rsplit("/", 1)[-1] for entry in fs.find(path)]


class Body:
    """A lazily generated body that records whether it was closed."""

    def __init__(self, chunks: Iterator[bytes], fail_after: int | None = None) -> None:
        self._chunks = chunks
        self._fail_after = fail_after
        self.closed = False

    async def stream(self) -> AsyncIterator[bytes]:
        try:
            for index, chunk in enumerate(self._chunks):
                if index == self._fail_after:
                    raise RuntimeError("the query failed mid-way")
                yield chunk
        finally:
            self.closed = True


def numbered_chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """``total`` bytes in chunks of ``size``, each different, made only when asked for."""
    for index in range(total // size):
        yield index.to_bytes(8, "big") * (size // 8)


async def read_body(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


async def test_write_then_read(root: str) -> None:
    output = JobOutput(root)
    chunks = [b'{"value":[', *(b'{"ID":%d},' % index for index in range(1000)), b'{"ID":-1}]}']
    body = Body(iter(chunks))
    progress: list[int] = []

    async def on_progress(written: int) -> None:
        progress.append(written)

    location = await output.write("job-1_A", ODataResponse(200, HEADERS, body.stream()), on_progress=on_progress)

    assert location.endswith("/job-1_A.http")
    assert stored_names(root) == ["job-1_A.http"]
    assert body.closed
    size = len(http_head(200, HEADERS)) + sum(map(len, chunks))
    assert progress and progress[-1] == size and progress == sorted(progress)
    status, headers, rest = await output.read(location)
    assert (status, headers) == (200, HEADERS)
    assert await read_body(rest) == b"".join(chunks)
    assert await read_body(await output.read_raw(location)) == http_head(200, HEADERS) + b"".join(chunks)


async def test_bytes_body_and_empty_body(root: str) -> None:
    output = JobOutput(root)
    full = await output.write("full", ODataResponse(201, {"Location": "x"}, b"created"))
    empty = await output.write("empty", ODataResponse(204, {"OData-Version": "4.0"}))

    status, headers, rest = await output.read(full)
    assert (status, headers, await read_body(rest)) == (201, {"Location": "x"}, b"created")
    status, headers, rest = await output.read(empty)
    assert (status, headers, await read_body(rest)) == (204, {"OData-Version": "4.0"}, b"")


async def test_a_body_starting_within_the_first_read_is_not_lost(root: str) -> None:
    output = JobOutput(root)
    headers = {f"X-Header-{index}": "v" * 100 for index in range(1000)}  # a head longer than one read
    body = b"".join(numbered_chunks(300_000, 1000))
    location = await output.write("long-head", ODataResponse(200, headers, body))

    status, parsed, rest = await output.read(location)
    assert (status, parsed) == (200, headers)
    assert await read_body(rest) == body


async def test_large_body_is_streamed(root: str) -> None:
    if root.startswith("memory://"):
        pytest.skip("memory:// keeps every file in memory by design")
    output = JobOutput(root)
    await output.exists(f"{root}/warm-up.http")  # loads the S3 client's models before measuring
    written = hashlib.sha256()

    async def body() -> AsyncIterator[bytes]:
        for chunk in numbered_chunks(LARGE):
            written.update(chunk)
            yield chunk

    tracemalloc.start()
    try:
        location = await output.write("large", ODataResponse(200, HEADERS, body()))
        write_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        status, headers, rest = await output.read(location)
        read, size = hashlib.sha256(), 0
        async for chunk in rest:
            read.update(chunk)
            size += len(chunk)
        read_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert (status, headers, size) == (200, HEADERS, LARGE)
    assert read.hexdigest() == written.hexdigest()
    assert write_peak < PEAK_LIMIT, f"writing {LARGE} bytes peaked at {write_peak} bytes"
    assert read_peak < PEAK_LIMIT, f"reading {LARGE} bytes peaked at {read_peak} bytes"


async def test_failing_body_leaves_no_file(root: str) -> None:
    output = JobOutput(root)
    body = Body(numbered_chunks(12 * MiB), fail_after=6 * MiB // (64 * 1024))
    progress: list[int] = []

    async def on_progress(written: int) -> None:
        progress.append(written)

    with pytest.raises(RuntimeError, match="mid-way"):
        await output.write("failing", ODataResponse(200, HEADERS, body.stream()), on_progress=on_progress)

    assert progress, "part of the body had been written before the failure"
    assert body.closed
    assert stored_names(root) == []


async def test_cancelled_write_leaves_no_file(root: str) -> None:
    output = JobOutput(root)
    body = Body(numbered_chunks(12 * MiB))
    first_write = asyncio.Event()

    async def on_progress(written: int) -> None:
        first_write.set()
        await asyncio.Event().wait()  # stalls until cancelled

    task = asyncio.create_task(
        output.write("cancelled", ODataResponse(200, HEADERS, body.stream()), on_progress=on_progress)
    )
    await asyncio.wait_for(first_write.wait(), timeout=30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert body.closed
    assert stored_names(root) == []


async def test_delete_and_exists(root: str) -> None:
    output = JobOutput(root)
    location = await output.write("doomed", ODataResponse(200, HEADERS, b"bye"))
    assert await output.exists(location)

    await output.delete(location)

    assert not await output.exists(location)
    assert stored_names(root) == []
    await output.delete(location)  # already gone: no error
    with pytest.raises(FileNotFoundError):
        await output.read(location)
    with pytest.raises(FileNotFoundError):
        await output.read_raw(location)


async def test_a_body_closed_early_stops(root: str) -> None:
    output = JobOutput(root)
    location = await output.write("early", ODataResponse(200, HEADERS, Body(numbered_chunks(MiB)).stream()))
    status, headers, rest = await output.read(location)
    assert await anext(rest)

    await ODataResponse(status, headers, rest).close()

    with pytest.raises(StopAsyncIteration):
        await anext(rest)
    await output.delete(location)
    assert stored_names(root) == []


async def test_locations_outside_the_root_and_bad_names_are_refused(root: str) -> None:
    output = JobOutput(root)
    location = await output.write("mine", ODataResponse(200, HEADERS, b"x"))
    assert output.location("mine") == location
    for foreign in (
        location.replace("/mine.http", "/../mine.http"),
        location + ".bak",
        location + "/x.http",
        location.replace("mine", "a.b"),
    ):
        with pytest.raises(ValueError, match="not a job output"):
            await output.read(foreign)
    for name in ("", "../escape", "a/b", "a.b"):
        with pytest.raises(ValueError, match="invalid job output name"):
            await output.write(name, ODataResponse(200, HEADERS, b"x"))
        with pytest.raises(ValueError, match="invalid job output name"):
            output.location(name)


def test_a_local_root_is_created(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("output") / "a" / "b"
    JobOutput(folder.as_uri())
    assert folder.is_dir()
