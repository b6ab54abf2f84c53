"""The ``application/http`` form of a response: heads written and parsed back, bodies streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from odata_server.format.http_message import http_head, http_message, parse_http_head
from odata_server.messages import ODataResponse

HEADERS = {
    "Content-Type": "application/json;odata.metadata=minimal",
    "OData-Version": "4.01",
    "Location": "http://host/odata/Customers('ALFKI')",
}


async def collect(chunks: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in chunks]


def test_head_bytes() -> None:
    assert http_head(201, {"Content-Type": "text/plain", "OData-Version": "4.0"}) == (
        b"HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nOData-Version: 4.0\r\n\r\n"
    )


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (200, "OK"),
        (202, "Accepted"),
        (204, "No Content"),
        (304, "Not Modified"),
        (400, "Bad Request"),
        (404, "Not Found"),
        (412, "Precondition Failed"),
        (500, "Internal Server Error"),
        (501, "Not Implemented"),
    ],
)
def test_reason_phrases(status: int, reason: str) -> None:
    assert http_head(status, {}) == f"HTTP/1.1 {status} {reason}\r\n\r\n".encode()


def test_unknown_status_has_an_empty_reason() -> None:
    assert http_head(599, {}) == b"HTTP/1.1 599 \r\n\r\n"
    assert parse_http_head(http_head(599, {})) == (599, {}, len(b"HTTP/1.1 599 \r\n\r\n"))


@pytest.mark.parametrize("status", [0, 99, 1000, -200])
def test_invalid_status_is_refused(status: int) -> None:
    with pytest.raises(ValueError, match="status"):
        http_head(status, {})


@pytest.mark.parametrize(
    "headers",
    [{"X-Evil": "a\r\nInjected: yes"}, {"X-Evil": "a\nb"}, {"Bad:Name": "x"}, {"": "x"}, {" Padded": "x"}],
)
def test_header_injection_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="header"):
        http_head(200, headers)


@pytest.mark.parametrize("status", [200, 201, 204, 404, 500])
@pytest.mark.parametrize("body", [b"", b'{"value":[]}', b"\r\n\r\nHTTP/1.1 500 Internal Server Error\r\n\r\n"])
def test_head_round_trip(status: int, body: bytes) -> None:
    head = http_head(status, HEADERS)
    parsed_status, parsed_headers, start = parse_http_head(head + body)
    assert (parsed_status, parsed_headers, start) == (status, HEADERS, len(head))
    assert (head + body)[start:] == body


def test_header_names_keep_their_case_and_values_their_latin_1() -> None:
    headers = {"content-TYPE": "text/plain", "X-Name": "Café Zoë"}
    head = http_head(200, headers)
    assert b"content-TYPE: text/plain\r\n" in head
    assert b"X-Name: Caf\xe9 Zo\xeb\r\n" in head
    assert parse_http_head(head)[1] == headers


def test_parse_joins_repeated_headers_and_strips_whitespace() -> None:
    data = b"HTTP/1.1 200 OK\r\nVary: Accept\r\nX-Pad: \t padded \t\r\nVary: Prefer\r\nEmpty:\r\n\r\nbody"
    status, headers, start = parse_http_head(data)
    assert status == 200
    assert headers == {"Vary": "Accept, Prefer", "X-Pad": "padded", "Empty": ""}
    assert data[start:] == b"body"


def test_parse_accepts_any_reason_phrase() -> None:
    assert parse_http_head(b"HTTP/1.0 404 Gone Fishing\r\n\r\n")[0] == 404


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"HTTP/1.1 200 OK",
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r",
    ],
)
def test_incomplete_head_is_an_error(data: bytes) -> None:
    with pytest.raises(ValueError, match="no complete HTTP head"):
        parse_http_head(data)


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"FTP/1.1 200 OK\r\n\r\n",
        b"HTTP/1.1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n: no name\r\n\r\n",
    ],
)
def test_malformed_head_is_an_error(data: bytes) -> None:
    with pytest.raises(ValueError, match="invalid HTTP"):
        parse_http_head(data)


async def test_message_of_a_bytes_body() -> None:
    response = ODataResponse(200, HEADERS, b'{"value":[]}')
    assert await collect(http_message(response)) == [http_head(200, HEADERS), b'{"value":[]}']


async def test_message_of_an_empty_body_is_the_head_alone() -> None:
    assert await collect(http_message(ODataResponse(204, {"OData-Version": "4.01"}))) == [
        http_head(204, {"OData-Version": "4.01"})
    ]


async def test_message_round_trip_of_a_streamed_body() -> None:
    chunks = [f"chunk {index};".encode() * 100 for index in range(50)]

    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    data = b"".join(await collect(http_message(ODataResponse(200, HEADERS, body()))))
    status, headers, start = parse_http_head(data)
    assert (status, headers) == (200, HEADERS)
    assert data[start:] == b"".join(chunks)


async def test_message_streams_the_body_lazily() -> None:
    produced: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for index in range(10_000):
            produced.append(index)
            yield index.to_bytes(4, "big")

    message = http_message(ODataResponse(200, HEADERS, body()))
    assert await anext(message) == http_head(200, HEADERS)
    assert produced == []
    assert await anext(message) == (0).to_bytes(4, "big")
    assert await anext(message) == (1).to_bytes(4, "big")
    assert produced == [0, 1]
    count = 2
    async for chunk in message:
        assert chunk == count.to_bytes(4, "big")
        assert len(produced) == count + 1
        count += 1
    assert count == 10_000


async def test_message_skips_empty_chunks() -> None:
    async def body() -> AsyncIterator[bytes]:
        for chunk in (b"", b"a", b"", b"b", b""):
            yield chunk

    assert await collect(http_message(ODataResponse(200, {}, body()))) == [http_head(200, {}), b"a", b"b"]
