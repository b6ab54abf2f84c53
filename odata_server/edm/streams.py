"""Where the streams of media entities and stream properties are kept (CSDL §8.1.2, §4.4 ``Edm.Stream``).

A stream is declared with ``service.add(..., media=...)`` (the stream of a media
entity, at ``Photos(1)/$value``) or ``streams={"Logo": ...}`` (a stream property, at
``Airlines('AA')/Logo``), as one of:

- :class:`StreamColumns`: the bytes in a binary column of the entity's own table;
- :class:`StreamDisk`: the bytes in a file on any fsspec file system, one file per
  entity and stream.

Either way the stream's media type is kept in a string column of the entity's table,
and that column says whether there is a stream at all: NULL means none. The columns
a stream uses are not properties of the entity type.

The model reaches these columns by reserved names in
:attr:`~odata_server.edm.storage.EntityStorage.columns` (they cannot clash with
property names, which are identifiers): :func:`content_field` and
:func:`content_type_field`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from odata_server.edm.annotations import Annotation
from odata_server.edm.model import Property
from odata_server.edm.types import PrimitiveType
from odata_server.errors import ModelError

MEDIA_STREAM = "$value"
"""The name under which a media entity's own stream is kept: its URL segment."""

# RFC 9110 §8.3.1: type "/" subtype, each a token; no parameters, no wildcards.
_MEDIA_TYPE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+/[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")


def _accepted(accept: Sequence[str]) -> tuple[str, ...]:
    if isinstance(accept, str):
        raise ModelError(f"accept= takes a list of media types, not the string {accept!r}")
    types = tuple(str(item).lower() for item in accept)
    for media_type in types:
        if not _MEDIA_TYPE.match(media_type):
            raise ModelError(f"accept= holds {media_type!r}, which is not a media type such as 'image/png'")
    return types


@dataclass(frozen=True, slots=True)
class StreamColumns:
    """A stream kept in the entity's own table.

    Args:
        content: the attribute of a binary column holding the bytes.
        content_type: the attribute of a string column holding the media type.
        accept: the media types a client may upload (``Core.AcceptableMediaTypes``);
            empty for any. Others are refused with ``415 Unsupported Media Type``.
    """

    content: str
    content_type: str
    accept: Sequence[str] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "accept", _accepted(self.accept))


@dataclass(frozen=True, slots=True)
class StreamDisk:
    """A stream kept in a file, ``{url}/{EntityType}/{key}`` for a media entity and
    ``{url}/{EntityType}.{Property}/{key}`` for a stream property.

    Args:
        url: a folder or any fsspec URL (``file:///var/photos``, ``s3://bucket/photos``,
            ``memory://photos``).
        content_type: the attribute of a string column holding the media type; NULL
            when the entity has no stream.
        accept: the media types a client may upload; empty for any.
    """

    url: str
    content_type: str
    accept: Sequence[str] = ()

    def __post_init__(self) -> None:
        if not self.url:
            raise ModelError("StreamDisk needs the url of the folder its files go in")
        object.__setattr__(self, "accept", _accepted(self.accept))


Stream = StreamColumns | StreamDisk


@cache  # one object per stream: statements are cached by the identity of the fields they read
def content_field(stream: str) -> Property:
    """The binary column of a :class:`StreamColumns` stream (``"$value"`` or a stream property's name)."""
    return Property(stream, PrimitiveType.BINARY)


@cache
def content_type_field(stream: str) -> Property:
    """The media type column of a stream, by its reserved name ``<stream>@mediaContentType``."""
    return Property(f"{stream}@mediaContentType", PrimitiveType.STRING)


@dataclass(frozen=True, slots=True)
class Column:
    """What the model needs to know of a mapped column to keep a stream in it."""

    type: PrimitiveType | None
    """Its Edm primitive type; None if it has none."""
    nullable: bool
    key: bool


@dataclass(frozen=True, slots=True)
class StreamMembers:
    """What the declared streams add to an entity type.

    Attributes:
        used: the attributes the streams keep their bytes and media types in (not properties).
        properties: the stream properties (``Edm.Stream``).
        annotations: the entity type's ``Core.AcceptableMediaTypes``, if its media is restricted.
        columns: the reserved names of the stream columns → attribute names.
    """

    used: frozenset[str]
    properties: dict[str, Property]
    annotations: tuple[Annotation, ...]
    columns: dict[str, str]


def stream_members(streams: Mapping[str, Stream], columns: Mapping[str, Column], where: str) -> StreamMembers:
    """Check the declared streams of a class against its ``columns`` (attribute → column).

    Raises:
        ModelError: a stream names a column that is missing, of the wrong type, part of
            the key or used by another stream.
    """
    used: dict[str, str] = {}
    properties: dict[str, Property] = {}
    annotations: tuple[Annotation, ...] = ()
    reserved: dict[str, str] = {}
    for name, stream in streams.items():
        what = "media=" if name == MEDIA_STREAM else f"stream {name!r}"
        if not isinstance(stream, StreamColumns | StreamDisk):
            raise ModelError(f"{where}: {what} must be StreamColumns(...) or StreamDisk(...), not {stream!r}")
        wanted = {"content_type": (stream.content_type, PrimitiveType.STRING)}
        if isinstance(stream, StreamColumns):
            wanted["content"] = (stream.content, PrimitiveType.BINARY)
        for option, (attribute, edm_type) in wanted.items():
            column = columns.get(attribute)
            if column is None:
                raise ModelError(f"{where}: {what} names {option}={attribute!r}, which is no mapped column")
            if column.type is not edm_type:
                raise ModelError(f"{where}.{attribute}: the {option} of {what} must be a {edm_type.value} column")
            if column.key:
                raise ModelError(f"{where}.{attribute} is part of the key and cannot hold a stream")
            if attribute in used:
                raise ModelError(f"{where}.{attribute} is used by both {used[attribute]} and {what}")
            used[attribute] = what
        reserved[content_type_field(name).name] = stream.content_type
        if isinstance(stream, StreamColumns):
            reserved[content_field(name).name] = stream.content
        acceptable = (Annotation("Core.AcceptableMediaTypes", stream.accept),) if stream.accept else ()
        if name == MEDIA_STREAM:
            annotations = acceptable
            continue
        # A stream that can be cleared: every column it uses takes NULL.
        nullable = all(columns[attribute].nullable for attribute, what_uses in used.items() if what_uses == what)
        properties[name] = Property(name, PrimitiveType.STREAM, nullable=nullable, annotations=acceptable)
    return StreamMembers(frozenset(used), properties, annotations, reserved)


__all__ = [
    "MEDIA_STREAM",
    "Column",
    "Stream",
    "StreamColumns",
    "StreamDisk",
    "StreamMembers",
    "content_field",
    "content_type_field",
    "stream_members",
]
