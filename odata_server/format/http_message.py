"""A whole HTTP response as bytes: the ``application/http`` payload of an asynchronous request.

When an asynchronous request (OData Protocol §11.6) completes, the status monitor
returns the final response as an HTTP message: a status line, the headers, a blank
line and the body (Olingo's ``AsyncResponseSerializer`` writes the same). A job's
output is stored in this form, so :func:`parse_http_head` reads the head back.

Header names and values are ISO-8859-1 text, as in HTTP/1.1; lines end with CRLF.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from http import HTTPStatus

from odata_server.messages import ODataResponse

_END_OF_HEAD = b"\r\n\r\n"
_VERSION = "HTTP/1.1"


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _header_line(name: str, value: str) -> str:
    if not name or any(char in name for char in ":\r\n") or name != name.strip():
        raise ValueError(f"invalid header name {name!r}")
    if "\r" in value or "\n" in value:
        raise ValueError(f"invalid value for header {name!r}: line breaks are not allowed")
    return f"{name}: {value}\r\n"


def http_head(status: int, headers: Mapping[str, str]) -> bytes:
    """The status line, one line per header (names as given) and the blank line."""
    if not 100 <= status <= 999:
        raise ValueError(f"invalid status code {status}")
    lines = [f"{_VERSION} {status} {_reason(status)}\r\n"]
    lines.extend(_header_line(name, value) for name, value in headers.items())
    lines.append("\r\n")
    return "".join(lines).encode("latin-1")


async def http_message(response: ODataResponse) -> AsyncIterator[bytes]:
    """The head, then the body chunks as the response yields them.

    The body is passed through, never joined. This does not close the response:
    whoever consumes the message closes it (``await response.close()``).
    """
    yield http_head(response.status, response.headers)
    async for chunk in response.iter_body():
        if chunk:
            yield chunk


def _parse_status_line(line: str) -> int:
    version, _, rest = line.partition(" ")
    code = rest.partition(" ")[0]
    if not version.startswith("HTTP/") or len(code) != 3 or not code.isdigit():
        raise ValueError(f"invalid HTTP status line {line!r}")
    return int(code)


def _parse_header_line(line: str) -> tuple[str, str]:
    name, colon, value = line.partition(":")
    if not colon or not name or name != name.strip():
        raise ValueError(f"invalid HTTP header line {line!r}")
    return name, value.strip(" \t")


def parse_http_head(data: bytes) -> tuple[int, dict[str, str], int]:
    """Parse the head at the start of ``data``: the status, the headers, and where the body starts.

    Repeated headers are joined with ``", "``. Raises :class:`ValueError` if ``data``
    holds no complete head (no blank line yet) or the head is malformed.
    """
    end = data.find(_END_OF_HEAD)
    if end < 0:
        raise ValueError("no complete HTTP head: the blank line is missing")
    status_line, *header_lines = data[:end].decode("latin-1").split("\r\n")
    status = _parse_status_line(status_line)
    headers: dict[str, str] = {}
    for line in header_lines:
        name, value = _parse_header_line(line)
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return status, headers, end + len(_END_OF_HEAD)


__all__ = ["http_head", "http_message", "parse_http_head"]
