"""The order of processing: stop at the first error or go on, and dependsOn (Protocol §11.7.7.4, JSON Format §19.4)."""

from __future__ import annotations

import httpx
import pytest

from tests.batch.conftest import (
    PartResponse,
    http_part,
    http_request,
    json_responses,
    post_multipart,
    read_multipart_response,
)

GOOD, BAD = "Products(1)", "Products(999999)"


@pytest.mark.parametrize(
    ("prefer", "statuses", "applied"),
    [
        (None, [200, 404], None),
        ("continue-on-error", [200, 404, 200], "continue-on-error"),
        ("continue-on-error=true", [200, 404, 200], "continue-on-error"),
        ("odata.continue-on-error", [200, 404, 200], "odata.continue-on-error"),
        ("continue-on-error=false", [200, 404], "continue-on-error=false"),
        ("continue-on-error=maybe", [200, 404], None),
        ("odata.maxpagesize=5", [200, 404], None),
    ],
)
async def test_multipart_stops_at_the_first_error_unless_asked(
    northwind: httpx.AsyncClient, prefer: str | None, statuses: list[int], applied: str | None
) -> None:
    parts = [http_part(http_request("GET", url)) for url in (GOOD, BAD, GOOD)]
    response = await post_multipart(northwind, *parts, **({"Prefer": prefer} if prefer else {}))
    answers = read_multipart_response(response)
    assert [answer.status for answer in answers if isinstance(answer, PartResponse)] == statuses
    assert response.headers.get("preference-applied") == applied


@pytest.mark.parametrize(
    ("prefer", "ids"),
    [
        (None, ["1", "2", "3"]),
        ("continue-on-error", ["1", "2", "3"]),
        ("continue-on-error=false", ["1", "2"]),
        ("odata.continue-on-error=false", ["1", "2"]),
    ],
)
async def test_json_goes_on_after_an_error_unless_asked(
    northwind: httpx.AsyncClient, prefer: str | None, ids: list[str]
) -> None:
    """JSON Format §19.4: without the preference, or with true, every request is processed."""
    requests = [{"id": str(n), "method": "get", "url": url} for n, url in enumerate((GOOD, BAD, GOOD), start=1)]
    headers = {"Prefer": prefer} if prefer else {}
    responses = json_responses(await northwind.post("$batch", json={"requests": requests}, headers=headers))
    assert list(responses) == ids
    assert [responses[id_]["status"] for id_ in ids] == [200, 404, 200][: len(ids)]


async def test_depends_on(northwind: httpx.AsyncClient) -> None:
    """JSON Format §19.1: a request that depends on a failed one is not run and answers 424."""
    requests = [
        {"id": "good", "method": "get", "url": GOOD},
        {"id": "bad", "method": "get", "url": BAD},
        {"id": "on-good", "method": "get", "url": "Products(2)", "dependsOn": ["good"]},
        {"id": "on-bad", "method": "get", "url": "Products(3)", "dependsOn": ["good", "bad"]},
        {"id": "on-on-bad", "method": "get", "url": "Products(4)", "dependsOn": ["on-bad"]},
        {"id": "on-nothing", "method": "get", "url": "Products(5)"},
        {"id": "conditional", "method": "get", "url": "Products(6)", "dependsOn": ["good"], "if": "$good/$succeeded"},
    ]
    responses = json_responses(await northwind.post("$batch", json={"requests": requests}))
    statuses = {id_: response["status"] for id_, response in responses.items()}
    assert statuses == {
        "good": 200,
        "bad": 404,
        "on-good": 200,
        "on-bad": 424,
        "on-on-bad": 424,
        "on-nothing": 200,
        "conditional": 424,
    }
    assert responses["on-bad"]["body"]["error"]["code"] == "FailedDependency"
    assert "bad" in responses["on-bad"]["body"]["error"]["message"]
    assert '"if"' in responses["conditional"]["body"]["error"]["message"]
    assert responses["on-good"]["body"]["ProductID"] == 2


async def test_reference_to_a_failed_request_is_a_failed_dependency(northwind: httpx.AsyncClient) -> None:
    requests = [
        {"id": "1", "method": "get", "url": BAD},
        {"id": "2", "method": "get", "url": "$1/Category", "dependsOn": ["1"]},
    ]
    responses = json_responses(await northwind.post("$batch", json={"requests": requests}))
    assert (responses["1"]["status"], responses["2"]["status"]) == (404, 424)


async def test_reference_to_an_entity_read_before(northwind: httpx.AsyncClient) -> None:
    """A ``$id`` reference stands for the entity an earlier request returned (JSON Format §19.1)."""
    requests = [
        {"id": "1", "method": "get", "url": "Products(7)"},
        {"id": "2", "method": "get", "url": "$1/Category?$select=CategoryName", "dependsOn": ["1"]},
        {"id": "3", "method": "get", "url": "$metadata", "dependsOn": ["1"]},
    ]
    responses = json_responses(await northwind.post("$batch", json={"requests": requests}))
    alone = await northwind.get("Products(7)/Category?$select=CategoryName")
    assert responses["2"]["body"] == alone.json()
    assert responses["3"]["status"] == 200 and responses["3"]["headers"]["content-type"].startswith("application/xml")


async def test_multipart_reference(northwind: httpx.AsyncClient) -> None:
    """§11.7.4 in the multipart format: ``$1`` in a URL; a reference to a later request is a 400."""
    parts = [
        http_part(http_request("GET", "Products(7)"), content_id="1"),
        http_part(http_request("GET", "$1/Category"), content_id="2"),
        http_part(http_request("GET", "$3/Category"), content_id="4"),
        http_part(http_request("GET", "Products(8)"), content_id="3"),
    ]
    first, second, later, _ = read_multipart_response(
        await post_multipart(northwind, *parts, Prefer="continue-on-error")
    )
    assert isinstance(second, PartResponse) and isinstance(later, PartResponse)
    assert second.json() == (await northwind.get("Products(7)/Category")).json()
    assert later.status == 400 and "does not come before" in later.json()["error"]["message"]
