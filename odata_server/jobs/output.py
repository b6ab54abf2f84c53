"""The job disk: each finished job's response, stored as one ``application/http`` file.

The root is a local folder or any fsspec URL (``file:///var/jobs``, ``memory://jobs``,
``s3://bucket/prefix``); an output is ``{root}/{name}.http``, the whole HTTP message
of :mod:`odata_server.format.http_message`, named by the job runner after the job
and its attempt. Remote file systems take their options from fsspec's configuration
(for S3: the usual ``AWS_*`` variables, or ``FSSPEC_S3_*`` such as
``FSSPEC_S3_ENDPOINT_URL``).

fsspec is synchronous, so every blocking call runs in a worker thread
(:mod:`odata_server.pipeline.files`). Bodies are streamed both ways: a write gathers
the chunks into blocks of about 1 MiB per threaded write, a read hands out chunks of
64 KiB, and neither holds a whole body.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import IO

from fsspec import AbstractFileSystem
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from odata_server.format.http_message import http_message, parse_http_head
from odata_server.messages import ODataResponse
from odata_server.pipeline.files import READ_CHUNK, READ_FILE_BLOCK, WRITE_FILE_BLOCK, FileChunks, blocking, remove_file

_log = logging.getLogger(__name__)

_WRITE_BLOCK = 1 << 20
"""Bytes gathered before each threaded write."""
_MAX_HEAD = 1 << 20
"""A stored head longer than this is corrupt."""
_NAME = re.compile(r"[A-Za-z0-9_-]+")
_SUFFIX = ".http"


async def _blocks(chunks: AsyncIterator[bytes], size: int) -> AsyncIterator[bytearray]:
    """The chunks gathered into blocks of at least ``size`` bytes (the last one may be shorter)."""
    buffer = bytearray()
    async for chunk in chunks:
        buffer += chunk
        if len(buffer) >= size:
            yield buffer
            buffer = bytearray()
    if buffer:
        yield buffer


async def _read_head(file: IO[bytes]) -> tuple[int, dict[str, str], bytes]:
    """Read until the head is complete: status, headers and the body bytes already read."""
    data = b""
    while True:
        chunk = await blocking(file.read, READ_CHUNK)
        data += chunk
        try:
            status, headers, start = parse_http_head(data)
        except ValueError:
            if not chunk or len(data) > _MAX_HEAD:
                raise
            continue
        return status, headers, data[start:]


class JobOutput:
    """The stored responses of asynchronous jobs, under one fsspec root."""

    def __init__(self, root: str) -> None:
        self._fs: AbstractFileSystem
        self._fs, path = url_to_fs(root)
        self._root = path.rstrip("/")
        if isinstance(self._fs, LocalFileSystem):
            self._fs.makedirs(self._root, exist_ok=True)

    def _name_path(self, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(f"invalid job output name {name!r}")
        return f"{self._root}/{name}{_SUFFIX}"

    def location(self, name: str) -> str:
        """Where :meth:`write` puts the output ``name``."""
        return self._fs.unstrip_protocol(self._name_path(name))

    def _path(self, location: str) -> str:
        """The file system path of a location returned by :meth:`write`, which must lie under the root."""
        path = self._fs._strip_protocol(location)
        prefix = f"{self._root}/"
        name = path[len(prefix) :] if path.startswith(prefix) else ""
        if not (name.endswith(_SUFFIX) and _NAME.fullmatch(name.removesuffix(_SUFFIX))):
            raise ValueError(f"{location!r} is not a job output of {self._fs.unstrip_protocol(self._root)!r}")
        return path

    async def write(
        self,
        name: str,
        response: ODataResponse,
        *,
        on_progress: Callable[[int], Awaitable[None]] | None = None,
    ) -> str:
        """Stream the response, as an HTTP message, into ``{root}/{name}.http``; return its location.

        ``on_progress`` receives the number of bytes written so far after each write.
        If anything fails, or the caller is cancelled, the partial file is removed and
        the exception re-raised. The response is always closed.
        """
        path = self._name_path(name)
        try:
            await self._write_file(path, response, on_progress)
        finally:
            await response.close()
        return self.location(name)

    async def _write_file(
        self,
        path: str,
        response: ODataResponse,
        on_progress: Callable[[int], Awaitable[None]] | None,
    ) -> None:
        file: IO[bytes] = await blocking(self._fs.open, path, "wb", block_size=WRITE_FILE_BLOCK)
        try:
            written = 0
            async for block in _blocks(http_message(response), _WRITE_BLOCK):
                await blocking(file.write, block)
                written += len(block)
                if on_progress is not None:
                    await on_progress(written)
            await blocking(file.close)
        except BaseException:
            await blocking(self._remove_partial, file, path)
            raise

    def _remove_partial(self, file: IO[bytes], path: str) -> None:
        """Close and remove a file whose writing failed; an error here must not hide the first one."""
        try:
            file.close()
        except Exception:
            _log.debug("closing the partial job output %s failed", path, exc_info=True)
        try:
            self._remove(path)
        except Exception:
            _log.warning("could not remove the partial job output %s", path, exc_info=True)

    def _remove(self, path: str) -> None:
        remove_file(self._fs, path)

    async def _open(self, location: str) -> IO[bytes]:
        return await blocking(self._fs.open, self._path(location), "rb", block_size=READ_FILE_BLOCK)

    async def read(self, location: str) -> tuple[int, dict[str, str], AsyncIterator[bytes]]:
        """The stored status and headers, and the body as chunks.

        The file stays open until the body iterator is exhausted or closed (``aclose()``).
        Raises :class:`FileNotFoundError` if there is no such output, :class:`ValueError`
        if its head is malformed.
        """
        file = await self._open(location)
        try:
            status, headers, pending = await _read_head(file)
        except BaseException:
            await blocking(file.close)
            raise
        return status, headers, FileChunks(file, pending)

    async def read_raw(self, location: str) -> AsyncIterator[bytes]:
        """The whole stored message, head included, as chunks (the OData 4.0 ``application/http`` form).

        Await it for the iterator; the file stays open until it is exhausted or closed.
        """
        return FileChunks(await self._open(location))

    async def delete(self, location: str) -> None:
        """Remove a stored output; nothing happens if it is already gone."""
        await blocking(self._remove, self._path(location))

    async def exists(self, location: str) -> bool:
        return bool(await blocking(self._fs.exists, self._path(location)))


__all__ = ["JobOutput"]
