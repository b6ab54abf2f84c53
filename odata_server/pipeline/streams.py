"""The bytes of streams, wherever they are kept: in columns of the entity's table, or in files.

A stream (a media entity's own, or a stream property) is declared as
:class:`~odata_server.edm.streams.StreamColumns` or
:class:`~odata_server.edm.streams.StreamDisk`; its media type is always in a column,
NULL when there is no stream. This module reads a stored stream
(:func:`stored_stream`), takes an upload from a request (:func:`upload`) and records
the changes of files.

Files change with the database transaction of the request (:mod:`.transaction`): an
uploaded file is written beside its place under a temporary name and moved into place
just before the transaction commits; a file whose entity or stream is deleted is
removed just after it commits; a rolled-back transaction removes what it staged. So
no committed row ever lacks its file. What the crash of a server between the move and
the commit can leave behind is a file without a row (a created stream), or a replaced
stream whose row still has the old media type; a crash after the commit, a file that
nothing refers to any more.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fsspec import AbstractFileSystem
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from odata_server.edm.model import EntityType, Property
from odata_server.edm.storage import EntityStorage
from odata_server.edm.streams import MEDIA_STREAM, Stream, StreamColumns, StreamDisk, content_field, content_type_field
from odata_server.errors import ModelError, UnsupportedMediaTypeError
from odata_server.format.canonical import key_predicate
from odata_server.format.etag import content_tag, file_tag
from odata_server.format.media_type import parse_media_type
from odata_server.messages import ODataRequest
from odata_server.pipeline.files import READ_FILE_BLOCK, WRITE_FILE_BLOCK, FileChunks, blocking, remove_file
from odata_server.pipeline.transaction import Transaction, current_transaction
from odata_server.query import writes
from odata_server.query.writes import Key

Body = bytes | AsyncIterator[bytes]


def stream_fields(storage: EntityStorage, name: str) -> tuple[Property, ...]:
    """What to read of an entity to find its stream ``name``: the media type, and the
    bytes when they are in a column."""
    stream = storage.streams[name]
    if isinstance(stream, StreamColumns):
        return content_type_field(name), content_field(name)
    return (content_type_field(name),)


@dataclass(frozen=True, slots=True)
class StoredStream:
    """A stream as it is stored: its media type and ETag, and its bytes (in a column) or
    the file that holds them."""

    content_type: str
    etag: str
    content: bytes = b""
    file: tuple[AbstractFileSystem, str] | None = None

    async def body(self) -> Body:
        """The bytes, or chunks of them read from the file (the file stays open until
        they are exhausted or closed); b"" if the file is gone by now."""
        if self.file is None:
            return self.content
        fs, path = self.file
        try:
            file = await blocking(fs.open, path, "rb", block_size=READ_FILE_BLOCK)
        except FileNotFoundError:
            return b""
        return FileChunks(file)


async def stored_stream(
    storage: EntityStorage, entity_type: EntityType, name: str, key: Key, values: Mapping[str, object]
) -> StoredStream | None:
    """The stream ``name`` of the entity with ``key``, whose :func:`stream_fields` have
    ``values``; None if it has none."""
    content_type = values[content_type_field(name).name]
    if content_type is None:
        return None
    assert isinstance(content_type, str)
    stream = storage.streams[name]
    if isinstance(stream, StreamColumns):
        content = values[content_field(name).name]
        if content is None:
            return None
        assert isinstance(content, bytes | bytearray | memoryview)
        return StoredStream(content_type, content_tag(bytes(content)), content=bytes(content))
    fs, path = stream_file(stream, storage, entity_type, name, key)
    try:
        info = await blocking(fs.info, path)
    except FileNotFoundError:
        return None
    # The ETag is taken before the file is opened: a stream replaced in between is sent
    # with the old ETag, which the next conditional request finds stale.
    return StoredStream(content_type, file_tag(info), file=(fs, path))


@dataclass(frozen=True, slots=True)
class Upload:
    """A stream sent in a request body, with its media type; where it goes is ``name``'s stream."""

    name: str
    stream: Stream
    content_type: str
    content: bytes

    def row_values(self, storage: EntityStorage) -> dict[sa.Column[Any], object]:
        """The column values that record the stream in the entity's row."""
        values: dict[str, object] = {content_type_field(self.name).name: self.content_type}
        if isinstance(self.stream, StreamColumns):
            values[content_field(self.name).name] = self.content
        return {writes.column(storage, reserved): value for reserved, value in values.items()}

    @property
    def etag(self) -> str | None:
        """The ETag the stream has once stored, when it is known now (a file's is known once it is in place)."""
        return content_tag(self.content) if isinstance(self.stream, StreamColumns) else None

    async def place(self, storage: EntityStorage, entity_type: EntityType, key: Key) -> None:
        """Write a file-kept stream beside its place; it is put there when the transaction commits."""
        if isinstance(self.stream, StreamDisk):
            fs, path = stream_file(self.stream, storage, entity_type, self.name, key)
            await _files(current_transaction()).write(fs, path, self.content)


def stream_title(entity_type: EntityType, name: str) -> str:
    """How messages name a stream: ``The media of Photo``, or the stream property's name."""
    return f"The media of {entity_type.name}" if name == MEDIA_STREAM else name


def upload(request: ODataRequest, storage: EntityStorage, entity_type: EntityType, name: str) -> Upload:
    """The request body as the new value of the stream ``name`` of an entity of ``entity_type``.

    Raises:
        UnsupportedMediaTypeError: the body has no valid ``Content-Type``, or one the
            stream does not accept.
    """
    stream = storage.streams[name]
    what = stream_title(entity_type, name)
    declared = (request.header("content-type") or "").strip()
    try:
        essence = parse_media_type(declared).essence
    except ValueError:
        raise UnsupportedMediaTypeError(
            f"The new value of {what} needs its media type in Content-Type, not {declared or 'none'}",
            target="Content-Type",
            code="UnsupportedMediaType",
        ) from None
    if stream.accept and essence not in stream.accept:
        raise UnsupportedMediaTypeError(
            f"{what} accepts {', '.join(stream.accept)}, not {essence}",
            target="Content-Type",
            code="UnsupportedMediaType",
        )
    return Upload(name, stream, declared, request.body)


def cleared_values(storage: EntityStorage, name: str) -> dict[sa.Column[Any], object]:
    """The column values that record that the entity has no stream ``name``."""
    return {writes.column(storage, field.name): None for field in stream_fields(storage, name)}


def forget(storage: EntityStorage, entity_type: EntityType, key: Key, names: tuple[str, ...] | None = None) -> None:
    """Remove the files of the streams ``names`` (by default all) of the entity with ``key``
    once the transaction commits; streams in columns go with their row."""
    for name, stream in storage.streams.items():
        if isinstance(stream, StreamDisk) and (names is None or name in names):
            fs, path = stream_file(stream, storage, entity_type, name, key)
            _files(current_transaction()).remove(fs, path)


def stream_file(
    stream: StreamDisk, storage: EntityStorage, entity_type: EntityType, name: str, key: Key
) -> tuple[AbstractFileSystem, str]:
    """The file system and path of a stream's file: ``{url}/{EntityType}/{key}`` for a media
    entity, ``{url}/{EntityType}.{Property}/{key}`` for a stream property, the (primary) key
    as in a canonical URL: ``1``, ``'AA'``, ``OrderID=1,ProductID=2``.

    Named after the entity type and the primary key, not the entity set and its key: the
    sets of one type hold the same entities, and a contained entity's own key is unique
    only within its container.
    """
    fs, root = disk(stream.url)
    folder = entity_type.name if name == MEDIA_STREAM else f"{entity_type.name}.{name}"
    predicate = key_predicate([entity_type.properties[k] for k in storage.key], [key[k] for k in storage.key])
    return fs, f"{root}/{folder}/{predicate[1:-1]}"


@functools.cache
def disk(url: str) -> tuple[AbstractFileSystem, str]:
    """The file system and root path of a :class:`StreamDisk` URL (a local root is created)."""
    try:
        fs, root = url_to_fs(url)
    except (ImportError, ValueError) as error:
        raise ModelError(f"StreamDisk(url={url!r}) names no file system fsspec can open: {error}") from None
    root = root.rstrip("/")
    if isinstance(fs, LocalFileSystem):
        fs.makedirs(root, exist_ok=True)
    return fs, root


def open_disks(storage: Mapping[str, EntityStorage]) -> None:
    """Open the file system of every :class:`StreamDisk` now, so a wrong URL stops the service
    from starting rather than failing its first request."""
    for entity_storage in storage.values():
        for stream in entity_storage.streams.values():
            if isinstance(stream, StreamDisk):
                disk(stream.url)


class _FileChanges:
    """The stream files one transaction changes: the last change of each file wins."""

    def __init__(self, transaction: Transaction) -> None:
        self._changes: dict[tuple[AbstractFileSystem, str], str | None] = {}
        """(file system, path) → the staged file to put there, or None to remove it."""
        self._staged: list[tuple[AbstractFileSystem, str]] = []
        transaction.before_commit(self._put_in_place)
        transaction.after_commit(self._remove)
        transaction.after_rollback(self._discard)

    async def write(self, fs: AbstractFileSystem, path: str, content: bytes) -> None:
        staged = f"{path}.{uuid.uuid4().hex}.partial"
        self._staged.append((fs, staged))
        await blocking(_write_file, fs, staged, content)
        self._changes[fs, path] = staged

    def remove(self, fs: AbstractFileSystem, path: str) -> None:
        self._changes[fs, path] = None

    async def _put_in_place(self) -> None:
        for (fs, path), staged in self._changes.items():
            if staged is not None:
                await blocking(fs.mv, staged, path)

    async def _remove(self) -> None:
        """After the commit: the removed files, and staged files a later change replaced."""
        for (fs, path), staged in self._changes.items():
            if staged is None:
                await blocking(remove_file, fs, path)
        await self._discard()

    async def _discard(self) -> None:
        for fs, staged in self._staged:
            await blocking(remove_file, fs, staged)


def _files(transaction: Transaction) -> _FileChanges:
    return transaction.part(_FileChanges, _FileChanges)


def _write_file(fs: AbstractFileSystem, path: str, content: bytes) -> None:
    if isinstance(fs, LocalFileSystem):
        fs.makedirs(fs._parent(path), exist_ok=True)
    with fs.open(path, "wb", block_size=WRITE_FILE_BLOCK) as file:
        file.write(content)


__all__ = [
    "StoredStream",
    "Upload",
    "cleared_values",
    "disk",
    "forget",
    "open_disks",
    "stored_stream",
    "stream_fields",
    "stream_file",
    "stream_title",
    "upload",
]
