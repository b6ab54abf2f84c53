"""The batch formats as bytes ↔ structures: multipart bodies, request messages, media types, JSON batches."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from odata_server.format.http_message import parse_http_request, read_headers
from odata_server.format.json_batch import ResponseObject, body_bytes, read_json_batch, write_json_batch
from odata_server.format.media_type import parse_media_type
from odata_server.format.multipart import read_multipart, write_multipart

# -- multipart/mixed (RFC 2046 §5.1)


@pytest.mark.parametrize(
    ("data", "parts"),
    [
        (b"--b\r\nA: 1\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\n", [b"A: 1\r\n\r\none", b"\r\ntwo"]),
        (b"preamble\r\n--b\r\n\r\nx\r\n--b--\r\nepilogue\r\n--b\r\n", [b"\r\nx"]),
        (b"--b  \t\r\n\r\npadded\r\n--b-- \r\n", [b"\r\npadded"]),
        (b"--b\n\nLF only\n--b--", [b"\nLF only"]),
        (b"--b\r\n\r\n\x00\xff\r\n--bb\r\n--b--", [b"\r\n\x00\xff\r\n--bb"]),
        (b"--b\r\n\r\nkeeps\r\n\r\n\r\n--b--", [b"\r\nkeeps\r\n\r\n"]),
        (b"--b--\r\n", []),
        (b"--a b\r\n\r\nspace\r\n--a b--", None),
    ],
    ids=["two", "preamble-epilogue", "padding", "lf", "binary", "trailing-crlf", "empty", "space-boundary"],
)
def test_read_multipart(data: bytes, parts: list[bytes] | None) -> None:
    boundary = "a b" if parts is None else "b"
    assert read_multipart(data, boundary) == (parts if parts is not None else [b"\r\nspace"])


@pytest.mark.parametrize(
    ("data", "boundary", "message"),
    [
        (b"no delimiter at all", "b", "no delimiter"),
        (b"--b\r\n\r\nnever closed\r\n", "b", "close delimiter"),
        (b"x--b\r\n\r\nnot at a line start x--b--", "b", "no delimiter"),
        (b"--b\r\n\r\n\r\n--b--", "", "boundary"),
        (b"--b\r\n\r\n\r\n--b--", "x" * 71, "boundary"),
        (b"--b\r\n\r\n\r\n--b--", "ends with space ", "boundary"),
    ],
)
def test_broken_multipart_is_an_error(data: bytes, boundary: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_multipart(data, boundary)


@pytest.mark.parametrize(
    "parts",
    [[], [({"Content-Type": "text/plain"}, b"a")], [({}, b""), ({"X": "1", "Y": "2"}, b"\r\n--x\r\n\x00")]],
)
def test_write_then_read_multipart(parts: list[tuple[dict[str, str], bytes]]) -> None:
    boundary, data = write_multipart(parts, "prefix")
    assert boundary.startswith("prefix_")
    read = [read_headers(part) for part in read_multipart(data, boundary)]
    assert read == [({name.lower(): value for name, value in headers.items()}, content) for headers, content in parts]


def test_written_boundary_is_not_in_a_part(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = iter(["taken", "free"])
    monkeypatch.setattr("uuid.uuid4", lambda: next(ids))
    boundary, _ = write_multipart([({}, b"--p_taken")], "p")
    assert boundary == "p_free"


# -- application/http request messages


@pytest.mark.parametrize(
    ("data", "method", "target", "headers", "body"),
    [
        (b"GET Products HTTP/1.1\r\n\r\n", "GET", "Products", {}, b""),
        (b"GET Products\r\nHost: h\r\n\r\n", "GET", "Products", {"host": "h"}, b""),
        (b"GET Products HTTP/1.1", "GET", "Products", {}, b""),
        (
            b"GET Employees?$filter=City eq 'London' HTTP/1.1\r\n\r\n",
            "GET",
            "Employees?$filter=City eq 'London'",
            {},
            b"",
        ),
        (b"POST C HTTP/1.1\nA: 1\na: 2\n\n{}\n", "POST", "C", {"a": "1, 2"}, b"{}\n"),
        (b"POST C HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}\r\n\r\n", "POST", "C", {"content-length": "2"}, b"{}"),
    ],
    ids=["plain", "no-version", "no-blank-line", "spaces", "lf-repeated", "content-length"],
)
def test_parse_http_request(data: bytes, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
    message = parse_http_request(data)
    assert (message.method, message.target, message.headers, message.body) == (method, target, headers, body)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GET\r\n\r\n",
        b"G(T Products HTTP/1.1\r\n\r\n",
        b"GET Products HTTP/1.1\r\nNo colon\r\n\r\n",
        b"GET Products HTTP/1.1\r\nBad Name: x\r\n\r\n",
        b"GET Products HTTP/1.1\r\n folded: x\r\n\r\n",
        b"POST C HTTP/1.1\r\nContent-Length: 9\r\n\r\n{}",
        b"POST C HTTP/1.1\r\nContent-Length: two\r\n\r\n{}",
        b"POST C HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    ],
)
def test_malformed_request_message_is_an_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        parse_http_request(data)


# -- media types


@pytest.mark.parametrize(
    ("text", "essence", "parameters"),
    [
        ("multipart/mixed; boundary=batch_1", "multipart/mixed", {"boundary": "batch_1"}),
        ('Multipart/Mixed;Boundary="a b;\\"c"', "multipart/mixed", {"boundary": 'a b;"c'}),
        ("multipart/mixed; boundary=a/b:c", "multipart/mixed", {"boundary": "a/b:c"}),
        ("application/json;odata.metadata=minimal;", "application/json", {"odata.metadata": "minimal"}),
        ("*/*;q=0.5", "*/*", {"q": "0.5"}),
    ],
)
def test_parse_media_type(text: str, essence: str, parameters: dict[str, str]) -> None:
    media_type = parse_media_type(text)
    assert (media_type.essence, dict(media_type.parameters)) == (essence, parameters)


@pytest.mark.parametrize("text", ["", "json", "a/b; c", "a/b c", "a/b;c=", 'a/b;c="open'])
def test_malformed_media_type_is_an_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_media_type(text)


# -- JSON batch (JSON Format §19)


def test_read_json_batch() -> None:
    data = {
        "@annotation": 1,
        "requests": [
            {"id": "1", "method": "get", "url": "Products"},
            {
                "id": "2",
                "atomicityGroup": "g",
                "dependsOn": ["1"],
                "method": "PATCH",
                "url": "$1",
                "headers": {"If-Match": "*"},
                "body": {"Price": 1.10000000000000000001},
                "if": "$1/$succeeded",
            },
        ],
    }
    first, second = read_json_batch(json.dumps(data).replace("1.1", "1.10000000000000000001").encode())
    assert (first.id, first.method, first.url, first.headers, first.body) == ("1", "get", "Products", {}, None)
    assert (second.atomicity_group, second.depends_on, second.condition) == ("g", ("1",), "$1/$succeeded")
    assert second.headers == {"if-match": "*", "content-type": "application/json"}
    assert body_bytes(second.body, parse_media_type("application/json")) == b'{"Price":1.10000000000000000001}'


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"requests": {}}',
        b'{"requests": [1]}',
        b'{"requests": [{"method": "get", "url": "x"}]}',
        b'{"requests": [{"id": 1, "method": "get", "url": "x"}]}',
        b'{"requests": [{"id": "1", "url": "x"}]}',
        b'{"requests": [{"id": "1", "method": "get"}]}',
        b'{"requests": [{"id": "1", "method": "get", "url": "x", "atomicityGroup": 2}]}',
        b'{"requests": [{"id": "1", "method": "get", "url": "x", "dependsOn": "0"}]}',
        b'{"requests": [{"id": "1", "method": "get", "url": "x", "headers": {"a": 1}}]}',
        b'{"requests": [{"id": "1", "method": "get", "url": "x", "headers": {"A": "1", "a": "2"}}]}',
        b'{"requests": [{"id": "1", "method": "get", "url": "x", "if": true}]}',
        b'{"requests": [{"id": "1", "id": "2", "method": "get", "url": "x"}]}',
        b'{"requests": [{"id": "1", "method": "post", "url": "x", "body": {"a": NaN}}]}',
    ],
)
def test_malformed_json_batch_is_an_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        read_json_batch(data)


@pytest.mark.parametrize(
    ("value", "content_type", "data"),
    [
        ({"a": [1, None]}, "application/json;odata.metadata=minimal", b'{"a":[1,null]}'),
        ("text", "application/json", b'"text"'),
        ("héllo", "text/plain", "héllo".encode()),
        ("héllo", "text/plain;charset=iso-8859-1", "héllo".encode("latin-1")),
        (base64.urlsafe_b64encode(b"\x00\xfb\xff").decode().rstrip("="), "image/png", b"\x00\xfb\xff"),
        (base64.urlsafe_b64encode(b"\x00\xfb\xff").decode(), "application/octet-stream", b"\x00\xfb\xff"),
    ],
)
def test_body_bytes(value: Any, content_type: str, data: bytes) -> None:
    assert body_bytes(value, parse_media_type(content_type)) == data


@pytest.mark.parametrize(
    ("value", "content_type"),
    [
        (1, "text/plain"),
        ("x", "text/plain;charset=nope"),
        ("ü", "text/plain;charset=ascii"),
        ("+/==", "image/png"),
        ("a", "image/png"),
    ],
)
def test_body_that_does_not_fit_its_type_is_an_error(value: Any, content_type: str) -> None:
    with pytest.raises(ValueError):
        body_bytes(value, parse_media_type(content_type))


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"Content-Type": "application/json"}, b'{"n": 1.00000000000000000001}', b'{"n": 1.00000000000000000001}'),
        ({"Content-Type": "text/plain"}, "Zoë".encode(), '"Zoë"'.encode()),
        ({"Content-Type": "image/png"}, b"\x00\xfb\xff", b'"APv_"'),
        ({"Content-Type": "application/json"}, b"{broken", b'"e2Jyb2tlbg=="'),
        ({}, b"", None),
    ],
    ids=["json-exact", "text", "binary", "not-json", "no-body"],
)
def test_write_json_batch(headers: dict[str, str], body: bytes, expected: bytes | None) -> None:
    written = write_json_batch([ResponseObject("1", "g", 201, headers, body)])
    document = json.loads(written)
    assert document["responses"][0]["id"] == "1"
    assert document["responses"][0]["atomicityGroup"] == "g"
    assert document["responses"][0]["status"] == 201
    assert document["responses"][0].get("headers") == ({name.lower(): v for name, v in headers.items()} or None)
    if expected is None:
        assert "body" not in document["responses"][0]
    else:
        assert expected in written
