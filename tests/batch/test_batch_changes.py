"""Change sets and atomicity groups with real writes, on SQLite and PostgreSQL.

All or nothing (Protocol §11.7.7.4, JSON Format §19.4): after a failed change set a
GET must find nothing of what its earlier requests wrote.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.batch.conftest import (
    PartResponse,
    assert_part_error,
    change_set,
    flat,
    http_part,
    http_request,
    json_responses,
    multipart,
    multipart_headers,
    post_multipart,
    read_multipart_response,
)
from tests.conftest import assert_error

JSON = {"Content-Type": "application/json"}


def _post(url: str, body: dict[str, Any], content_id: str) -> bytes:
    return http_part(http_request("POST", url, JSON, json.dumps(body)), content_id)


def _patch(url: str, body: dict[str, Any], content_id: str, **headers: str) -> bytes:
    return http_part(http_request("PATCH", url, {**JSON, **headers}, json.dumps(body)), content_id)


async def _categories(client: httpx.AsyncClient, name: str) -> list[dict[str, Any]]:
    response = await client.get(f"Categories?$filter=CategoryName eq '{name}'&$expand=Products")
    assert response.status_code == 200, response.text
    return response.json()["value"]


async def _price(client: httpx.AsyncClient, product: int) -> float:
    return (await client.get(f"Products({product})")).json()["UnitPrice"]


# The third request of a change set fails in each of these ways: (request, status).
THIRD_FAILS = {
    "invalid-payload": (_post("Products", {"ProductName": "X", "Discontinued": "no"}, "3"), 400),
    "not-found": (_patch("Products(999999)", {"UnitPrice": 1}, "3"), 404),
    "still-referenced": (http_part(http_request("DELETE", "Categories(1)"), "3"), 409),
    "etag-mismatch": (_patch("Products(3)", {"UnitPrice": 1}, "3", **{"If-Match": 'W/"stale"'}), 412),
    "malformed-part": (http_part(b"POST\r\n\r\n", "3"), 400),
    "nested-batch": (http_part(http_request("POST", "$batch", JSON, b'{"requests":[]}'), "3"), 400),
    "reference-to-a-later-request": (_post("$4/Products", {"ProductName": "X", "Discontinued": False}, "3"), 400),
}


@pytest.mark.parametrize(("third", "status"), THIRD_FAILS.values(), ids=THIRD_FAILS.keys())
async def test_a_failed_change_set_writes_nothing(writable: httpx.AsyncClient, third: bytes, status: int) -> None:
    name = f"Rollback {status} {len(third)}"[:15]
    price = await _price(writable, 2)
    parts = [
        _post("Categories", {"CategoryName": name}, "1"),
        _patch("Products(2)", {"UnitPrice": price + 1}, "2"),
        third,
        _post("Categories", {"CategoryName": name}, "4"),
    ]
    answers = read_multipart_response(await post_multipart(writable, change_set(*parts)))
    (failure,) = answers
    assert isinstance(failure, PartResponse), "a failed change set is answered by one part (§11.7.7.5)"
    assert failure.content_id == "3"
    assert_part_error(failure, status)
    assert await _categories(writable, name) == []
    assert await _price(writable, 2) == price


async def test_a_failed_atomicity_group_writes_nothing(writable: httpx.AsyncClient) -> None:
    price = await _price(writable, 2)
    requests = [
        {"id": "1", "atomicityGroup": "g", "method": "post", "url": "Categories", "body": {"CategoryName": "Group"}},
        {"id": "2", "atomicityGroup": "g", "method": "patch", "url": "Products(2)", "body": {"UnitPrice": price + 1}},
        {"id": "3", "atomicityGroup": "g", "method": "delete", "url": "Products(999999)"},
        {"id": "4", "atomicityGroup": "g", "method": "post", "url": "Categories", "body": {"CategoryName": "Group"}},
        {"id": "5", "method": "get", "url": "Products(2)"},
    ]
    responses = json_responses(await writable.post("$batch", json={"requests": requests}))
    assert_part_error(responses["3"], 404)
    for rolled_back in ("1", "2", "4"):
        assert_part_error(responses[rolled_back], 424, "rolled back")
        assert responses[rolled_back]["atomicityGroup"] == "g"
    assert responses["5"]["status"] == 200 and responses["5"]["body"]["UnitPrice"] == price
    assert await _categories(writable, "Group") == []


async def test_a_change_set_commits_together(writable: httpx.AsyncClient) -> None:
    price = await _price(writable, 4)
    parts = [
        _post("Categories", {"CategoryName": "Committed"}, "a"),
        _patch("Products(4)", {"UnitPrice": price + 2}, "b"),
    ]
    answers = read_multipart_response(await post_multipart(writable, change_set(*parts)))
    (members,) = answers
    assert isinstance(members, list)
    assert [(member.content_id, member.status) for member in members] == [("a", 201), ("b", 204)]
    (created,) = await _categories(writable, "Committed")
    assert members[0].headers["location"].endswith(f"Categories({created['CategoryID']})")
    assert await _price(writable, 4) == price + 2


@pytest.mark.parametrize("across_change_sets", [False, True])
async def test_content_id_reference_to_a_new_entity(writable: httpx.AsyncClient, across_change_sets: bool) -> None:
    """§11.7.7.2: POST a Category, then POST ``$1/Products``."""
    name = f"New {across_change_sets}"
    category = _post("Categories", {"CategoryName": name}, "1")
    product = _post("$1/Products", {"ProductName": f"In {name}", "Discontinued": False}, "2")
    items = (
        [change_set(category), change_set(product, boundary="cs2")]
        if across_change_sets
        else [change_set(category, product)]
    )
    read_multipart_response(await post_multipart(writable, *items))
    (created,) = await _categories(writable, name)
    assert [p["ProductName"] for p in created["Products"]] == [f"In {name}"]


async def test_json_reference_with_depends_on(writable: httpx.AsyncClient) -> None:
    requests = [
        {"id": "1", "method": "post", "url": "Categories", "body": {"CategoryName": "JSON new"}},
        {
            "id": "2",
            "dependsOn": ["1"],
            "method": "post",
            "url": "$1/Products",
            "body": {"ProductName": "JSON product", "Discontinued": False},
        },
        {"id": "3", "dependsOn": ["2"], "method": "get", "url": "$2/Category?$select=CategoryName"},
    ]
    responses = json_responses(await writable.post("$batch", json={"requests": requests}))
    assert [responses[id_]["status"] for id_ in "123"] == [201, 201, 200]
    assert responses["3"]["body"]["CategoryName"] == "JSON new"
    assert "$" not in responses["2"]["headers"]["location"], "URLs in responses never hold references (§11.7.7.5)"
    (created,) = await _categories(writable, "JSON new")
    assert [p["ProductName"] for p in created["Products"]] == ["JSON product"]


async def test_depends_on_a_failed_group_is_not_run(writable: httpx.AsyncClient) -> None:
    requests = [
        {"id": "1", "atomicityGroup": "g", "method": "post", "url": "Categories", "body": {"CategoryName": "G1"}},
        {"id": "2", "atomicityGroup": "g", "method": "delete", "url": "Categories(1)"},
        {"id": "3", "dependsOn": ["g"], "method": "post", "url": "Categories", "body": {"CategoryName": "After G"}},
        {"id": "4", "dependsOn": ["1"], "method": "post", "url": "$1/Products", "body": {"ProductName": "x"}},
        {"id": "5", "method": "post", "url": "Categories", "body": {"CategoryName": "Independent"}},
    ]
    responses = json_responses(await writable.post("$batch", json={"requests": requests}))
    assert {id_: response["status"] for id_, response in responses.items()} == {
        "1": 424,
        "2": 409,
        "3": 424,
        "4": 424,
        "5": 201,
    }
    assert await _categories(writable, "G1") == await _categories(writable, "After G") == []
    assert len(await _categories(writable, "Independent")) == 1


async def test_reads_in_an_atomicity_group_see_its_writes(writable: httpx.AsyncClient) -> None:
    requests = [
        {"id": "1", "atomicityGroup": "g", "method": "post", "url": "Categories", "body": {"CategoryName": "Seen"}},
        {"id": "2", "atomicityGroup": "g", "method": "get", "url": "Categories?$filter=CategoryName eq 'Seen'"},
        {"id": "3", "atomicityGroup": "g", "method": "get", "url": "$1", "dependsOn": ["1"]},
    ]
    responses = json_responses(await writable.post("$batch", json={"requests": requests}))
    assert [item["CategoryName"] for item in responses["2"]["body"]["value"]] == ["Seen"]
    assert responses["3"]["body"]["CategoryName"] == "Seen"


@pytest.mark.parametrize(
    ("prefer", "after_runs"),
    [(None, False), ("continue-on-error", True), ("odata.continue-on-error=false", False)],
)
async def test_multipart_continue_on_error_after_a_failed_change_set(
    writable: httpx.AsyncClient, prefer: str | None, after_runs: bool
) -> None:
    name = f"After {prefer}"[:15]
    failing = change_set(http_part(http_request("DELETE", "Products(999999)"), "1"))
    after = _post("Categories", {"CategoryName": name}, "2")
    response = await post_multipart(writable, failing, after, **({"Prefer": prefer} if prefer else {}))
    answers = flat(read_multipart_response(response))
    assert [answer.status for answer in answers] == ([404, 201] if after_runs else [404])
    assert len(await _categories(writable, name)) == (1 if after_runs else 0)


@pytest.mark.parametrize(("prefer", "after_runs"), [(None, True), ("continue-on-error=false", False)])
async def test_json_continue_on_error_after_a_failed_group(
    writable: httpx.AsyncClient, prefer: str | None, after_runs: bool
) -> None:
    name = f"JSON {prefer}"[:15]
    requests = [
        {"id": "1", "atomicityGroup": "g", "method": "delete", "url": "Products(999999)"},
        {"id": "2", "method": "post", "url": "Categories", "body": {"CategoryName": name}},
    ]
    headers = {"Prefer": prefer} if prefer else {}
    responses = json_responses(await writable.post("$batch", json={"requests": requests}, headers=headers))
    assert ("2" in responses) is after_runs
    assert len(await _categories(writable, name)) == (1 if after_runs else 0)


async def test_etag_reference(writable: httpx.AsyncClient) -> None:
    """§11.7.5: ``If-Match: $1`` is the ETag request 1 answered with."""
    price = await _price(writable, 5)
    parts = [
        http_part(http_request("GET", "Products(5)"), "1"),
        _patch("Products(5)", {"UnitPrice": price + 1}, "2", **{"If-Match": "$1"}),
        _patch("Products(5)", {"UnitPrice": price + 2}, "3", **{"If-Match": "$1"}),
    ]
    answers = flat(read_multipart_response(await post_multipart(writable, *parts, Prefer="continue-on-error")))
    assert [answer.status for answer in answers] == [200, 204, 412]
    assert await _price(writable, 5) == price + 1


MALFORMED_BATCHES = {
    "no-close-delimiter": (multipart(_post("Categories", {"CategoryName": "Never"}, "1"))[:-4], multipart_headers()),
    "duplicate-ids": (
        multipart(_post("Categories", {"CategoryName": "Never"}, "1"), _post("Categories", {}, "1")),
        multipart_headers(),
    ),
    "json-duplicate-ids": (
        json.dumps(
            {
                "requests": [
                    {"id": "1", "method": "post", "url": "Categories", "body": {"CategoryName": "Never"}},
                    {"id": "1", "method": "get", "url": "Categories"},
                ]
            }
        ).encode(),
        JSON,
    ),
}


@pytest.mark.parametrize(("body", "headers"), MALFORMED_BATCHES.values(), ids=MALFORMED_BATCHES.keys())
async def test_a_malformed_batch_runs_nothing(
    writable: httpx.AsyncClient, body: bytes, headers: dict[str, str]
) -> None:
    assert_error(await writable.post("$batch", content=body, headers=headers), 400)
    assert await _categories(writable, "Never") == []
