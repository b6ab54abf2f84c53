"""Bad batches: the whole batch refused before anything runs, or one part answered with its own 400."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.batch.conftest import (
    PartResponse,
    assert_part_error,
    change_set,
    http_part,
    http_request,
    json_responses,
    multipart,
    multipart_headers,
    read_multipart_response,
)
from tests.conftest import assert_error, northwind_client

MAX_PARTS = 5
MAX_BODY = 20_000
GET = http_part(http_request("GET", "Products(1)"))


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('batch-errors') / 'nw.db'}"
    async with northwind_client(url, max_batch_parts=MAX_PARTS, max_request_body=MAX_BODY) as client:
        yield client


def _json(*requests: dict[str, object]) -> bytes:
    return json.dumps({"requests": list(requests)}).encode()


def _get(id_: str, **extra: object) -> dict[str, object]:
    return {"id": id_, "method": "get", "url": "Products(1)", **extra}


# -- the whole batch: 4xx, nothing runs

UNSUPPORTED = [None, "text/plain", "application/xml", "multipart/form-data; boundary=b", "multipart mixed", ""]


@pytest.mark.parametrize("content_type", UNSUPPORTED)
async def test_content_type_must_be_a_batch_format(client: httpx.AsyncClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type is not None else {}
    response = await client.post("$batch", content=multipart(GET), headers=headers)
    assert_error(response, 415, target="Content-Type")


BROKEN_MULTIPART = {
    "no-boundary": (multipart(GET), {"Content-Type": "multipart/mixed"}),
    "other-boundary": (multipart(GET, boundary="other"), multipart_headers()),
    "no-close-delimiter": (multipart(GET)[: -len(b"--\r\n")] + b"\r\n", multipart_headers()),
    "empty-body": (b"", multipart_headers()),
    "invalid-boundary": (multipart(GET, boundary="b" * 71), multipart_headers("b" * 71)),
    "change-set-without-boundary": (
        multipart(b"Content-Type: multipart/mixed\r\n\r\n" + multipart(GET, boundary="cs")),
        multipart_headers(),
    ),
    "change-set-not-closed": (
        multipart(b"Content-Type: multipart/mixed; boundary=cs\r\n\r\n--cs\r\n" + GET),
        multipart_headers(),
    ),
    "nested-change-set": (multipart(change_set(change_set(GET, boundary="inner"))), multipart_headers()),
}


@pytest.mark.parametrize(("body", "headers"), BROKEN_MULTIPART.values(), ids=BROKEN_MULTIPART.keys())
async def test_broken_multipart_is_refused(client: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> None:
    assert_error(await client.post("$batch", content=body, headers=headers), 400)


MALFORMED_JSON = {
    "empty": b"",
    "not-json": b"{requests: []}",
    "array": b"[]",
    "requests-not-array": b'{"requests": {}}',
    "no-id": json.dumps({"requests": [{"method": "get", "url": "Products"}]}).encode(),
    "number-id": b'{"requests": [{"id": 1, "method": "get", "url": "Products"}]}',
    "duplicate-name": b'{"requests": [{"id": "1", "method": "get", "method": "post", "url": "Products"}]}',
    "headers-not-strings": _json(_get("1", headers={"prefer": 1})),
    "duplicate-ids": _json(_get("1"), _get("1")),
    "id-not-a-request-id": _json(_get("a b")),
    "group-named-like-an-id": _json(_get("1"), _get("2", atomicityGroup="1")),
    "groups-not-adjacent": _json(_get("1", atomicityGroup="g"), _get("2"), _get("3", atomicityGroup="g")),
    "depends-on-unknown": _json(_get("1", dependsOn=["nope"])),
    "depends-on-later": _json(_get("1", dependsOn=["2"]), _get("2")),
    "depends-on-itself": _json(_get("1", dependsOn=["1"])),
    "depends-on-own-group": _json(_get("1", atomicityGroup="g", dependsOn=["g"])),
}


@pytest.mark.parametrize("body", MALFORMED_JSON.values(), ids=MALFORMED_JSON.keys())
async def test_malformed_json_batch_is_refused(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post("$batch", content=body, headers={"Content-Type": "application/json"})
    assert_error(response, 400)


DUPLICATE_CONTENT_IDS = {
    "top-level": multipart(
        http_part(http_request("GET", "Products(1)"), "1"), http_part(http_request("GET", "x"), "1")
    ),
    "across-change-sets": multipart(
        change_set(http_part(http_request("DELETE", "Products(1)"), "1")),
        change_set(http_part(http_request("DELETE", "Products(2)"), "1")),
    ),
    "invalid": multipart(http_part(http_request("GET", "Products(1)"), "<1@example>")),
}


@pytest.mark.parametrize("body", DUPLICATE_CONTENT_IDS.values(), ids=DUPLICATE_CONTENT_IDS.keys())
async def test_content_ids_are_unique_request_ids(client: httpx.AsyncClient, body: bytes) -> None:
    assert_error(await client.post("$batch", content=body, headers=multipart_headers()), 400)


async def test_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    padding = b"x" * MAX_BODY
    response = await client.post("$batch", content=multipart(GET) + padding, headers=multipart_headers())
    assert_error(response, 413)
    body = _json({**_get("1"), "padding": "x" * MAX_BODY})
    assert_error(await client.post("$batch", content=body, headers={"Content-Type": "application/json"}), 413)


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (multipart(*[GET] * (MAX_PARTS + 1)), multipart_headers()),
        (
            multipart(GET, GET, change_set(*[http_part(http_request("DELETE", "x"), str(n)) for n in range(4)])),
            multipart_headers(),
        ),
        (_json(*[_get(str(n)) for n in range(MAX_PARTS + 1)]), {"Content-Type": "application/json"}),
    ],
    ids=["multipart", "change-set-members-count", "json"],
)
async def test_too_many_requests(client: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> None:
    error = assert_error(await client.post("$batch", content=body, headers=headers), 400)
    assert f"at most {MAX_PARTS}" in error["message"]


@pytest.mark.parametrize("count", [0, MAX_PARTS])
async def test_up_to_the_limit_is_fine(client: httpx.AsyncClient, count: int) -> None:
    response = await client.post("$batch", content=multipart(*[GET] * count), headers=multipart_headers())
    assert len(read_multipart_response(response)) == count


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ("", {"If-Match": "*"}, 400),
        ("", {"If-None-Match": "*"}, 400),
        ("", {"Prefer": "return=minimal"}, 400),
        ("", {"OData-Version": "5.0"}, 400),
        ("", {"OData-MaxVersion": "3.0"}, 400),
        ("?$top=1", {}, 400),
        ("?$nope=1", {}, 400),
        ("?$format=xml", {}, 406),
        ("", {"Accept": "text/html"}, 406),
        ("", {"Accept": "multipart/mixed;q=0, application/json;q=0"}, 406),
    ],
)
async def test_invalid_batch_headers_and_options(
    client: httpx.AsyncClient, query: str, headers: dict[str, str], status: int
) -> None:
    """§11.7: a batch with invalid headers gets a 4xx and no further processing."""
    response = await client.post(f"$batch{query}", content=multipart(GET), headers=multipart_headers(**headers))
    assert_error(response, status)


async def test_custom_query_options_are_ignored(client: httpx.AsyncClient) -> None:
    response = await client.post("$batch?client=1", content=multipart(GET), headers=multipart_headers())
    assert len(read_multipart_response(response)) == 1


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_other_methods_on_batch_are_405(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "$batch")
    assert_error(response, 405)
    assert response.headers["allow"] == "POST"


# -- one part: its own 400, the others run

MALFORMED_PARTS = {
    "no-target": http_part(b"GET\r\n\r\n"),
    "bad-method-token": http_part(b"G(T Products(1) HTTP/1.1\r\n\r\n"),
    "unknown-method": http_part(http_request("FETCH", "Products(1)")),
    "lower-case-method": http_part(http_request("get", "Products(1)")),
    "head": http_part(http_request("HEAD", "Products(1)")),
    "bad-request-header": http_part(b"GET Products(1) HTTP/1.1\r\nBad Header: x\r\n\r\n"),
    "folded-request-header": http_part(b"GET Products(1) HTTP/1.1\r\nA: b\r\n c\r\n\r\n"),
    "content-length-too-long": http_part(http_request("POST", "Categories", {"Content-Length": "99"}, b"{}")),
    "chunked": http_part(http_request("POST", "Categories", {"Transfer-Encoding": "chunked"}, b"2\r\n{}\r\n0\r\n")),
    "bad-mime-header": b"Content-Type application/http\r\n\r\n" + http_request("GET", "Products(1)"),
    "no-content-type": b"Content-ID: 1\r\n\r\n" + http_request("GET", "Products(1)"),
    "bad-content-type": b"Content-Type: application/http;=\r\n\r\n" + http_request("GET", "Products(1)"),
    "wrong-content-type": b"Content-Type: text/plain\r\n\r\n" + http_request("GET", "Products(1)"),
    "nested-batch": http_part(http_request("POST", "$batch", {"Content-Type": "application/json"}, b'{"requests":[]}')),
    "nested-batch-encoded": http_part(http_request("POST", "/odata/%24batch", {"Content-Type": "application/json"})),
    "get-in-change-set": change_set(http_part(http_request("GET", "Products(1)"), "1")),
    "no-content-id-in-change-set": change_set(http_part(http_request("DELETE", "Products(1)"))),
}


@pytest.mark.parametrize("part", MALFORMED_PARTS.values(), ids=MALFORMED_PARTS.keys())
async def test_malformed_part_gets_its_own_400(client: httpx.AsyncClient, part: bytes) -> None:
    body = multipart(GET, part, GET)
    answers = read_multipart_response(
        await client.post("$batch", content=body, headers=multipart_headers(Prefer="continue-on-error"))
    )
    first, malformed, last = answers
    assert isinstance(first, PartResponse) and isinstance(last, PartResponse)
    assert (first.status, last.status) == (200, 200)
    assert isinstance(malformed, PartResponse), "a failed change set is answered by one part"
    assert_part_error(malformed, 400)


MALFORMED_REQUEST_OBJECTS = {
    "unknown-method": {"id": "x", "method": "fetch", "url": "Products(1)"},
    "body-on-get": {"id": "x", "method": "get", "url": "Products(1)", "body": {}},
    "body-on-delete": {"id": "x", "method": "delete", "url": "Products(1)", "body": {}},
    "text-body-not-a-string": {
        "id": "x",
        "method": "put",
        "url": "Products(1)/ProductName/$value",
        "headers": {"content-type": "text/plain"},
        "body": 1,
    },
    "binary-body-not-base64url": {
        "id": "x",
        "method": "put",
        "url": "Categories(1)/Picture",
        "headers": {"content-type": "image/png"},
        "body": "not base64!",
    },
    "nested-batch": {"id": "x", "method": "post", "url": "$batch", "body": {"requests": []}},
    "outside-the-service": {"id": "x", "method": "get", "url": "http://elsewhere/odata/Products(1)"},
}


@pytest.mark.parametrize("request_object", MALFORMED_REQUEST_OBJECTS.values(), ids=MALFORMED_REQUEST_OBJECTS.keys())
async def test_malformed_request_object_gets_its_own_400(
    client: httpx.AsyncClient, request_object: dict[str, object]
) -> None:
    body = _json(_get("1"), request_object, _get("2"))
    responses = json_responses(await client.post("$batch", content=body, headers={"Content-Type": "application/json"}))
    assert (responses["1"]["status"], responses["2"]["status"]) == (200, 200)
    assert_part_error(responses["x"], 400)
