"""``multipart/mixed`` bodies (RFC 2046 §5.1): split one into its body parts, write one.

A body part is bytes: MIME headers, a blank line, its content
(:func:`~odata_server.format.http_message.read_headers` splits them). The multipart
``$batch`` format (OData Protocol §11.7.7) nests them: a batch holds parts that are
``application/http`` messages, and change sets that are multipart bodies themselves.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence

# RFC 2046 §5.1.1: 1 to 70 of these characters, the last one not a space.
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]\Z")
_CRLF = b"\r\n"


def read_multipart(data: bytes, boundary: str) -> list[bytes]:
    """The body parts of a multipart body, in order.

    The preamble before the first delimiter line and the epilogue after the close
    delimiter are ignored, as is transport padding (spaces and tabs after a
    delimiter). Lines may end with CRLF or LF alone; the line break before a
    delimiter belongs to the delimiter, not to the part.

    Raises:
        ValueError: the boundary is invalid, or ``data`` holds no delimiter line or
            no close delimiter.
    """
    if _BOUNDARY.match(boundary) is None:
        raise ValueError(f"{boundary!r} is not a valid multipart boundary")
    dash_boundary = b"--" + re.escape(boundary.encode("latin-1"))
    delimiter = re.compile(rb"^" + dash_boundary + rb"(--)?[ \t]*(?:\r?\n|\Z)", re.MULTILINE)
    parts: list[bytes] = []
    start: int | None = None
    for match in delimiter.finditer(data):
        if start is not None:
            parts.append(_without_final_line_break(data[start : match.start()]))
        if match.group(1):
            return parts
        start = match.end()
    if start is None:
        raise ValueError(f"the body holds no delimiter line --{boundary}")
    raise ValueError(f"the body does not end with the close delimiter --{boundary}--")


def write_multipart(parts: Sequence[tuple[Mapping[str, str], bytes]], prefix: str) -> tuple[str, bytes]:
    """A multipart body of ``(headers, content)`` parts, and the boundary chosen for it.

    The boundary is ``prefix`` and a random UUID, chosen again in the unlikely case
    that a part's content holds it.
    """
    while True:
        boundary = f"{prefix}_{uuid.uuid4()}"
        marker = boundary.encode("ascii")
        if not any(marker in content for _, content in parts):
            break
    chunks = []
    for headers, content in parts:
        chunks.append(b"--" + marker + _CRLF)
        chunks.extend(f"{name}: {value}\r\n".encode("latin-1") for name, value in headers.items())
        chunks.extend((_CRLF, content, _CRLF))
    chunks.append(b"--" + marker + b"--" + _CRLF)
    return boundary, b"".join(chunks)


def _without_final_line_break(content: bytes) -> bytes:
    if content.endswith(_CRLF):
        return content[:-2]
    return content[:-1] if content.endswith(b"\n") else content


__all__ = ["read_multipart", "write_multipart"]
