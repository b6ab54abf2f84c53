"""Batches of reads, in both formats, on SQLite and PostgreSQL (OData Protocol §11.7, JSON Format §19).

Each request in a batch must be answered exactly as it is on its own, so most tests
compare a part's response with the standalone response to the same request.
"""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.batch.conftest import (
    PartResponse,
    flat,
    http_part,
    http_request,
    json_responses,
    multipart,
    multipart_headers,
    post_multipart,
    read_multipart_response,
)

READS = [
    "Products(1)",
    "Products?$filter=UnitPrice gt 50&$orderby=ProductName&$select=ProductName,UnitPrice",
    "Categories(2)?$expand=Products($select=ProductName;$top=2)",
    "Customers('ALFKI')/Orders/$count",
    "Products(1)/ProductName/$value",
    "Employees(1)/Photo",
    "Orders(10248)/Customer/$ref",
    "$metadata",
    "./",
    "Nope",
    "Products(999999)",
    "Products?$filter=Nope eq 1",
]


def _same_as_alone(part: PartResponse, alone: httpx.Response) -> None:
    assert part.status == alone.status_code, part.body
    assert part.headers["content-type"] == alone.headers["content-type"]
    assert part.headers["odata-version"] == alone.headers["odata-version"]
    assert part.body == alone.content


async def test_multipart_reads_answer_as_alone(northwind: httpx.AsyncClient) -> None:
    parts = [http_part(http_request("GET", url)) for url in READS]
    response = await post_multipart(northwind, *parts, Prefer="continue-on-error")
    assert response.headers["odata-version"] == "4.01"
    answers = read_multipart_response(response)
    assert len(answers) == len(READS)
    for url, answer in zip(READS, answers, strict=True):
        assert isinstance(answer, PartResponse)
        _same_as_alone(answer, await northwind.get(url))


async def test_json_reads_answer_as_alone(northwind: httpx.AsyncClient) -> None:
    requests = [{"id": str(number), "method": "get", "url": url} for number, url in enumerate(READS)]
    responses = json_responses(await northwind.post("$batch", json={"requests": requests}))
    assert list(responses) == [request["id"] for request in requests]
    for request in requests:
        answer, alone = responses[request["id"]], await northwind.get(request["url"])
        assert answer["status"] == alone.status_code
        assert answer["headers"]["content-type"] == alone.headers["content-type"]
        media_type = alone.headers["content-type"].split(";")[0]
        if media_type == "application/json":
            assert answer["body"] == alone.json()
        elif media_type == "text/plain":
            assert answer["body"] == alone.text
        else:  # base64url, JSON Format §19.1
            assert base64.urlsafe_b64decode(answer["body"] + "==") == alone.content


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("Products(1)?$select=ProductName", {}),
        ("./Products(1)?$select=ProductName", {}),
        ("/odata/Products(1)?$select=ProductName", {"Host": "testserver"}),
        ("/odata/Products(1)?$select=ProductName", {}),
        ("http://testserver/odata/Products(1)?$select=ProductName", {}),
        ("HTTP://TESTSERVER/odata/Products(1)?$select=ProductName", {}),
        ("Products(1)?$select=ProductName#fragment", {}),
        ("Products%281%29?%24select=ProductName", {}),
        ("Categories(1)/../Products(1)?$select=ProductName", {}),
    ],
    ids=["relative", "dot", "path-host", "path", "absolute", "absolute-case", "fragment", "encoded", "dot-dot"],
)
async def test_url_forms(northwind: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
    """§11.7.7.1: absolute URL, absolute path (with Host), path relative to the service root."""
    (answer,) = read_multipart_response(await post_multipart(northwind, http_part(http_request("GET", url, headers))))
    assert isinstance(answer, PartResponse)
    _same_as_alone(answer, await northwind.get("Products(1)?$select=ProductName"))


async def test_unencoded_spaces_and_quotes_in_urls(northwind: httpx.AsyncClient) -> None:
    url = "Employees?$filter=City eq 'London' and LastName ne 'Zoë'&$select=LastName"
    (answer,) = read_multipart_response(await post_multipart(northwind, http_part(http_request("GET", url))))
    assert isinstance(answer, PartResponse)
    _same_as_alone(answer, await northwind.get(url))
    assert len(answer.json()["value"]) == 4


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("http://elsewhere/odata/Products(1)", {}),
        ("https://testserver/odata/Products(1)", {}),
        ("/other/Products(1)", {}),
        ("/odata/Products(1)", {"Host": "elsewhere"}),
        ("../Products(1)", {}),
        ("//elsewhere/odata/Products(1)", {}),
    ],
)
async def test_url_outside_the_service_is_a_400_part(
    northwind: httpx.AsyncClient, url: str, headers: dict[str, str]
) -> None:
    (answer,) = read_multipart_response(await post_multipart(northwind, http_part(http_request("GET", url, headers))))
    assert isinstance(answer, PartResponse)
    assert answer.status == 400
    assert "is not a URL of this service" in answer.json()["error"]["message"]


async def test_json_url_forms(northwind: httpx.AsyncClient) -> None:
    """JSON Format §19.1: an absolute path, or a path relative to the service root."""
    urls = ["Products(1)", "/odata/Products(1)", "http://testserver/odata/Products(1)"]
    requests = [{"id": str(number), "method": "GET", "url": url} for number, url in enumerate(urls)]
    responses = json_responses(await northwind.post("$batch", json={"requests": requests}))
    alone = (await northwind.get("Products(1)")).json()
    assert [responses[request["id"]]["body"] for request in requests] == [alone] * 3


async def test_content_id_is_echoed(northwind: httpx.AsyncClient) -> None:
    parts = [
        http_part(http_request("GET", "Products(1)"), content_id="first"),
        http_part(http_request("GET", "Products(2)")),
        http_part(http_request("GET", "Products(3)", {"Content-ID": "inner"})),
    ]
    answers = flat(read_multipart_response(await post_multipart(northwind, *parts)))
    assert [answer.content_id for answer in answers] == ["first", None, "inner"]
    assert [answer.json()["ProductID"] for answer in answers] == [1, 2, 3]


@pytest.mark.parametrize(
    ("sent", "headers", "expected"),
    [
        ("multipart", {}, "multipart/mixed"),
        ("json", {}, "application/json"),
        ("multipart", {"Accept": "application/json"}, "application/json"),
        ("json", {"Accept": "multipart/mixed"}, "multipart/mixed"),
        ("json", {"Accept": "*/*"}, "application/json"),
        ("multipart", {"Accept": "application/*"}, "application/json"),
        ("multipart", {"Accept": "application/json;q=0.9, multipart/mixed;q=0.5"}, "application/json"),
        ("multipart", {"Accept": "application/json;q=0.5, multipart/mixed"}, "multipart/mixed"),
        ("json", {"Accept": "multipart/mixed, application/json"}, "application/json"),
        ("multipart", {"Accept": "text/html, */*;q=0.1"}, "multipart/mixed"),
    ],
)
async def test_response_format_follows_accept(
    northwind: httpx.AsyncClient, sent: str, headers: dict[str, str], expected: str
) -> None:
    """§11.7.1: the Accept header chooses the response format, else the request's format."""
    if sent == "json":
        body = b'{"requests": [{"id": "a", "method": "get", "url": "Products(1)"}]}'
        headers = {"Content-Type": "application/json", **headers}
    else:
        body = multipart(http_part(http_request("GET", "Products(1)"), content_id="a"))
        headers = {**multipart_headers(), **headers}
    response = await northwind.post("$batch", content=body, headers=headers)
    if expected == "application/json":
        assert json_responses(response)["a"]["body"]["ProductID"] == 1
    else:
        (answer,) = read_multipart_response(response)
        assert isinstance(answer, PartResponse)
        assert (answer.content_id, answer.json()["ProductID"]) == ("a", 1)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("$format=json", "application/json"),
        ("$format=application/json", "application/json"),
        ("$format=multipart/mixed", "multipart/mixed"),
    ],
)
async def test_format_option_chooses_the_response_format(
    northwind: httpx.AsyncClient, query: str, expected: str
) -> None:
    body = b'{"requests": [{"id": "a", "method": "get", "url": "Products(1)"}]}'
    response = await northwind.post(f"$batch?{query}", content=body, headers={"Content-Type": "application/json"})
    assert response.headers["content-type"].startswith(expected)


async def test_requests_inherit_the_batch_headers(northwind: httpx.AsyncClient) -> None:
    """Protocol §8: Accept, OData-MaxVersion and the like apply to requests that do not set their own."""
    parts = [
        http_part(http_request("GET", "Products(1)")),
        http_part(http_request("GET", "Products(1)", {"Accept": "application/json;odata.metadata=none"})),
        http_part(http_request("GET", "Products(1)", {"OData-MaxVersion": "4.01"})),
    ]
    headers = {"Accept": "multipart/mixed, application/json;odata.metadata=full", "OData-MaxVersion": "4.0"}
    response = await post_multipart(northwind, *parts, **headers)
    assert response.headers["odata-version"] == "4.0"
    inherited, own_accept, own_version = flat(read_multipart_response(response))
    assert inherited.headers["content-type"].startswith("application/json;odata.metadata=full")
    assert inherited.headers["odata-version"] == "4.0"
    assert "@odata.type" in inherited.json()
    assert own_accept.headers["content-type"].startswith("application/json;odata.metadata=none")
    assert own_version.headers["odata-version"] == "4.01"
