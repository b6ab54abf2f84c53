"""Files on fsspec file systems, used from the event loop: threaded calls, chunked reads.

fsspec is synchronous, so every blocking call runs in a worker thread
(:func:`blocking`). A file is read in chunks of 64 KiB (:class:`FileChunks`), so a
response body streamed from a file never holds the whole file. Remote file systems
get buffers sized for streaming rather than s3fs's 50 MiB defaults.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import IO, ParamSpec, TypeVar

from fsspec import AbstractFileSystem

READ_CHUNK = 1 << 16
"""Bytes per chunk handed out by a read."""
WRITE_FILE_BLOCK = 5 << 20
"""The file system's own write buffer: S3's smallest multipart part, far below s3fs's 50 MiB default."""
READ_FILE_BLOCK = 1 << 20
"""The file system's own read-ahead, in place of s3fs's 50 MiB default."""

_P = ParamSpec("_P")
_T = TypeVar("_T")


async def blocking(func: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Run a blocking call in a worker thread.

    If the caller is cancelled, the call still finishes before the cancellation is
    raised, so that no cleanup races a write or a close still running in the thread.
    """
    task = asyncio.ensure_future(asyncio.to_thread(func, *args, **kwargs))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait({task})
        if not task.cancelled():
            task.exception()  # retrieved: the cancellation is what the caller sees
        raise


class FileChunks(AsyncIterator[bytes]):
    """The rest of an open file, chunk by chunk; closes the file when exhausted, failed or closed.

    ``pending`` is what was read from the file already and comes first.
    """

    def __init__(self, file: IO[bytes], pending: bytes = b"") -> None:
        self._file: IO[bytes] | None = file
        self._pending = pending

    async def __anext__(self) -> bytes:
        if self._file is None:
            raise StopAsyncIteration
        chunk, self._pending = self._pending, b""
        try:
            chunk = chunk or await blocking(self._file.read, READ_CHUNK)
        except BaseException:
            await self.aclose()
            raise
        if not chunk:
            await self.aclose()
            raise StopAsyncIteration
        return chunk

    async def aclose(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            await blocking(file.close)


def remove_file(fs: AbstractFileSystem, path: str) -> None:
    """Remove a file (blocking); nothing happens if it is already gone."""
    try:
        fs.rm_file(path)
    except FileNotFoundError:
        pass


__all__ = ["READ_CHUNK", "READ_FILE_BLOCK", "WRITE_FILE_BLOCK", "FileChunks", "blocking", "remove_file"]
