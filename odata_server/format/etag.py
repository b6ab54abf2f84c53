"""Entity tags (RFC 9110 §8.8.3) of entities and streams, and the ``If-Match`` / ``If-None-Match`` lists.

An entity's ETag is made from the values of its concurrency properties
(:class:`~odata_server.edm.model.OptimisticConcurrency`): the version number itself,
or a digest of the values. Entity ETags are weak (``W/"..."``): they say the entity has
not changed, not that its representation is byte for byte the same. A stream's ETag
is a digest of its bytes (strong: it is exactly those bytes), or, for a stream in a
file, a digest of what the file system says of the file (weak).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence

import orjson

from odata_server.edm.model import OptimisticConcurrency


def entity_tag(concurrency: OptimisticConcurrency, values: Sequence[object]) -> str:
    """The ETag of an entity whose concurrency properties have ``values``, in order."""
    if concurrency.version is not None:
        return f'W/"{values[0]}"'
    # orjson writes the common types itself; str() the others (Decimal, timedelta, bytes),
    # a C call: this runs once per entity read.
    return f'W/"{_digest(orjson.dumps(values, default=str))}"'


def content_tag(content: bytes) -> str:
    """The strong ETag of a stream held as ``content``: a digest of its bytes."""
    return f'"{_digest(content)}"'


def file_tag(info: Mapping[str, object]) -> str:
    """The weak ETag of a stream held in a file, from what its file system tells of it
    (size, modification time, S3's own ETag...): it changes whenever the file is replaced."""
    return f'W/"{_digest(repr(sorted(info.items(), key=lambda item: item[0])).encode())}"'


def _digest(data: bytes) -> str:
    """128 bits of a BLAKE2b digest, base64url without padding (22 characters)."""
    return base64.urlsafe_b64encode(hashlib.blake2b(data, digest_size=16).digest())[:22].decode("ascii")


def parse_tags(header: str) -> tuple[str, ...] | None:
    """The opaque tags of an ``If-Match``/``If-None-Match`` value; None for ``*`` (any entity)."""
    if header.strip() == "*":
        return None
    return tuple(_opaque(tag) for tag in header.split(",") if tag.strip())


def matches(tags: tuple[str, ...] | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 §8.8.3.2): equal opaque tags, whether weak or strong."""
    return tags is None or _opaque(etag) in tags


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


__all__ = ["content_tag", "entity_tag", "file_tag", "matches", "parse_tags"]
