"""Whole HTTP messages as bytes: the ``application/http`` payloads of OData.

When an asynchronous request (OData Protocol §11.6) completes, the status monitor
returns the final response as an HTTP message: a status line, the headers, a blank
line and the body (Olingo's ``AsyncResponseSerializer`` writes the same). A job's
output is stored in this form, so :func:`parse_http_head` reads the head back.

Each request of a multipart ``$batch`` (Protocol §11.7.7) is an HTTP request message
too, read by :func:`parse_http_request`, and each of its responses is written by
:func:`http_head` followed by the body.

Header names and values are ISO-8859-1 text, as in HTTP/1.1; lines end with CRLF.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus

from odata_server.messages import ODataResponse

_END_OF_HEAD = b"\r\n\r\n"
_VERSION = "HTTP/1.1"
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")


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
    if not colon or _TOKEN.match(name) is None:
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


# Messages written by hand often end lines with LF alone; both are read.
_LENIENT_LINE_BREAK = re.compile(rb"\r?\n")
_LENIENT_END_OF_HEAD = re.compile(rb"\r?\n\r?\n")
_HTTP_VERSION = re.compile(r"\s+HTTP/\d(?:\.\d)?\Z")


@dataclass(frozen=True, slots=True)
class HttpRequestMessage:
    """A request message: its method, request target as written, headers and body.

    Header names are in lower case; repeated headers are joined with ``", "``.
    """

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


def parse_http_request(data: bytes) -> HttpRequestMessage:
    """Read a whole request message: request line, headers, blank line, body.

    Lenient where clients differ: the HTTP version may be left out (as in examples of
    the OData specification) and the target may hold spaces (an unencoded
    ``$filter``); see :func:`read_headers` for the rest. ``Content-Length``, if
    given, ends the body, so line breaks after it are ignored. Raises
    :class:`ValueError` if the message is malformed.
    """
    line_break = _LENIENT_LINE_BREAK.search(data)
    request_line, rest = (data, b"") if line_break is None else (data[: line_break.start()], data[line_break.end() :])
    method, target = _parse_request_line(request_line.decode("latin-1"))
    headers, rest = read_headers(rest)
    return HttpRequestMessage(method, target, headers, _body(headers, rest))


def read_headers(data: bytes) -> tuple[dict[str, str], bytes]:
    """The header fields at the start of ``data`` and what follows the blank line after them.

    This is the shape of an HTTP message after its start line and of a MIME body part
    (RFC 2046 §5.1.1). Names are in lower case; repeated headers are joined with
    ``", "``. Lines may end with CRLF or LF alone; without a blank line, everything is
    headers. Raises :class:`ValueError` for a malformed header line.
    """
    if data.startswith((b"\r\n", b"\n")):
        return {}, data[data.index(b"\n") + 1 :]
    end = _LENIENT_END_OF_HEAD.search(data)
    head, rest = (data, b"") if end is None else (data[: end.start()], data[end.end() :])
    headers: dict[str, str] = {}
    for line in _LENIENT_LINE_BREAK.split(head):
        if not line:  # the final line break of a message that is all headers
            continue
        name, value = _parse_header_line(line.decode("latin-1"))
        name = name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers, rest


def _parse_request_line(line: str) -> tuple[str, str]:
    method, _, rest = line.partition(" ")
    target = _HTTP_VERSION.sub("", rest).strip()
    if _TOKEN.match(method) is None or not target:
        raise ValueError(f"invalid HTTP request line {line!r}")
    return method, target


def _body(headers: Mapping[str, str], rest: bytes) -> bytes:
    if "transfer-encoding" in headers:
        raise ValueError("Transfer-Encoding is not supported in an embedded HTTP message")
    length = headers.get("content-length")
    if length is None:
        return rest
    if not (length.isascii() and length.isdigit()) or int(length) > len(rest):
        raise ValueError(f"Content-Length {length} does not match the {len(rest)} bytes of the body")
    return rest[: int(length)]


__all__ = ["HttpRequestMessage", "http_head", "http_message", "parse_http_head", "parse_http_request"]
