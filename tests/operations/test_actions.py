"""Invoking actions through HTTP (OData Protocol §11.5.4, JSON Format §18): POST, a JSON body, one transaction."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, assert_error

CONTEXT = f"{ROOT}$metadata#"


async def _trips(client: httpx.AsyncClient, owner: str) -> list[dict[str, Any]]:
    response = await client.get(f"People('{owner}')/Trips?$orderby=TripId")
    assert response.status_code == 200, response.text
    return response.json()["value"]


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"", {}),  # 4.01: no body for no parameters
        (b"", {"Content-Type": "text/plain"}),
        (b"{}", {"Content-Type": "application/json"}),
        (b' { "@odata.type": "#Trippin.ResetDataSource" } ', {"Content-Type": "application/json"}),
    ],
)
async def test_an_action_without_return_type_answers_204(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str]
) -> None:
    response = await client.post("ResetDataSource", content=body, headers=headers)
    assert response.status_code == 204, response.text
    assert response.content == b""


async def test_an_action_returning_an_entity(client: httpx.AsyncClient) -> None:
    response = await client.post("AddTrip", json={"userName": "javieralfred", "name": "Road trip", "budget": 120.5})
    assert response.status_code == 200, response.text
    body = response.json()
    trip_id = body["TripId"]
    assert trip_id >= 100
    assert body == {
        "@context": f"{CONTEXT}Trips/$entity",
        "TripId": trip_id,
        "OwnerName": "javieralfred",
        "Name": "Road trip",
        "Budget": 120.5,
    }
    assert [trip["TripId"] for trip in await _trips(client, "javieralfred")] == [trip_id]
    assert (await client.post("ResetDataSource")).status_code == 204
    assert await _trips(client, "javieralfred") == []


async def test_select_and_expand_shape_what_an_action_returns(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "AddTrip?$select=Name&$expand=Owner($select=FirstName)",
        json={"userName": "javieralfred", "name": "Short", "budget": 1},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@context"] == f"{CONTEXT}Trips(Name,Owner(FirstName))/$entity"
    assert (body["Name"], body["Owner"]["FirstName"]) == ("Short", "Javier")
    assert (await client.post("ResetDataSource")).status_code == 204


async def test_prefer_return_minimal(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "AddTrip",
        json={"userName": "javieralfred", "name": "Quiet", "budget": 2},
        headers={"Prefer": "return=minimal"},
    )
    assert response.status_code == 204, response.text
    assert response.headers["preference-applied"] == "return=minimal"
    assert [trip["Name"] for trip in await _trips(client, "javieralfred")] == ["Quiet"]
    assert (await client.post("ResetDataSource")).status_code == 204


async def test_a_bound_action_changes_data_in_its_transaction(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "People('russellwhyte')/Trippin.ShareTrip", json={"userName": "ronaldmundy", "tripId": 2}
    )
    assert response.status_code == 204, response.text
    shared = await _trips(client, "ronaldmundy")
    assert [(trip["Name"], trip["Budget"]) for trip in shared] == [("Weekend away", 300), ("Trip in Beijing", 2000)]
    assert (await client.post("ResetDataSource")).status_code == 204


async def test_the_binding_entity_is_a_mapped_instance_whose_changes_are_flushed(client: httpx.AsyncClient) -> None:
    before = (await client.get("People('ronaldmundy')")).headers["etag"]
    response = await client.post("People('ronaldmundy')/Trippin.Rename", json={"firstName": "Ron"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["@context"], body["FirstName"]) == (f"{CONTEXT}People/$entity", "Ron")
    after = await client.get("People('ronaldmundy')")
    assert after.json()["FirstName"] == "Ron"
    assert after.headers["etag"] == response.headers["etag"] != before
    # If-Match applies to the binding entity: the ETag before the rename no longer holds.
    stale = await client.post(
        "People('ronaldmundy')/Trippin.Rename", json={"firstName": "Ronald"}, headers={"If-Match": before}
    )
    assert_error(stale, 412)
    current = await client.post(
        "People('ronaldmundy')/Trippin.Rename",
        json={"firstName": "Ronald"},
        headers={"If-Match": after.headers["etag"]},
    )
    assert current.status_code == 200, current.text
    assert (await client.get("People('ronaldmundy')")).json()["FirstName"] == "Ronald"


async def test_an_action_bound_to_what_a_function_returns(client: httpx.AsyncClient) -> None:
    response = await client.post("People/Trippin.Oldest()/Trippin.Rename", json={"firstName": "Eldest"})
    assert response.status_code == 200, response.text
    assert (response.json()["UserName"], response.json()["FirstName"]) == ("scottketchum", "Eldest")
    restored = await client.post("People('scottketchum')/Trippin.Rename", json={"firstName": "Scott"})
    assert restored.json()["FirstName"] == "Scott"


async def test_an_action_bound_to_a_collection(client: httpx.AsyncClient) -> None:
    response = await client.post("People('scottketchum')/Trips/Trippin.RaiseBudgets", json={"percent": 10})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@context"] == f"{CONTEXT}Trips"
    assert [(trip["TripId"], Decimal(str(trip["Budget"]))) for trip in body["value"]] == [
        (3, Decimal("2915")),
        (4, Decimal("550")),
    ]
    assert [trip["Budget"] for trip in await _trips(client, "russellwhyte")] == [3000, 2000]  # not bound to these
    empty = await client.post("People('javieralfred')/Trips/Trippin.RaiseBudgets", json={"percent": 10})
    assert empty.json() == {"@context": f"{CONTEXT}Trips", "value": []}
    restored = await client.post("People('scottketchum')/Trips/Trippin.RaiseBudgets", json={"percent": -50})
    assert restored.status_code == 200, restored.text


@pytest.mark.parametrize(
    ("how", "status", "code"),
    [("odata", 400, "BadRequest"), ("duplicate", 409, "DuplicateEntity"), ("other", 500, None)],
)
async def test_a_failing_action_leaves_nothing_written(
    client: httpx.AsyncClient, how: str, status: int, code: str | None
) -> None:
    error = assert_error(await client.post("Fail", json={"how": how}), status)
    if code is not None:
        assert error["code"] == code
    assert (await client.get("Trips(999)")).status_code == 404


@pytest.mark.parametrize(
    ("method", "url", "body", "headers", "status", "target"),
    [
        ("GET", "ResetDataSource", None, {}, 405, None),
        ("PATCH", "ResetDataSource", b"{}", {}, 405, None),
        ("GET", "People('russellwhyte')/Trippin.ShareTrip", None, {}, 405, None),
        ("POST", "ResetDataSource()", b"", {}, 400, "ResetDataSource"),
        ("POST", "ResetDataSource/Name", b"", {}, 400, "Name"),
        ("POST", "People('russellwhyte')/Trippin.ShareTrip(tripId=1)", b"", {}, 400, "Trippin.ShareTrip"),
        ("POST", "ResetDataSource?$select=Name", b"", {}, 400, "$select"),
        ("POST", "AddTrip?$filter=Budget gt 1", b"{}", {}, 400, "$filter"),
        ("POST", "NoSuchAction", b"", {}, 404, "NoSuchAction"),
        ("POST", "People('nobody')/Trippin.ShareTrip", {"userName": "x", "tripId": 1}, {}, 404, None),
        ("POST", "People/Trippin.ShareTrip", {"userName": "x", "tripId": 1}, {}, 400, "Trippin.ShareTrip"),
        ("POST", "ResetDataSource", b"{}", {"Content-Type": "text/plain"}, 415, None),
        ("POST", "ResetDataSource", b"{", {"Content-Type": "application/json"}, 400, None),
        ("POST", "ResetDataSource", b"[]", {"Content-Type": "application/json"}, 400, None),
        ("POST", "ResetDataSource", {"x": 1}, {}, 400, "x"),
        ("POST", "AddTrip", {"userName": "russellwhyte", "name": "x"}, {}, 400, "budget"),
        ("POST", "AddTrip", {"userName": "russellwhyte", "name": "x", "budget": "much"}, {}, 400, "budget"),
        ("POST", "AddTrip", {"userName": "russellwhyte", "name": None, "budget": 1}, {}, 400, "name"),
        ("POST", "AddTrip", {"userName": "nobody", "name": "x", "budget": 1}, {}, 400, None),
        (
            "POST",
            "People('russellwhyte')/Trippin.ShareTrip",
            {"userName": "scottketchum", "tripId": 3},
            {},
            400,
            "tripId",
        ),
        ("POST", "People('russellwhyte')/Trippin.ShareTrip", {"userName": "scottketchum"}, {}, 400, "tripId"),
        ("POST", "AddTrip", {"userName": "x", "name": "x", "budget": 1}, {"Accept": "text/plain"}, 406, None),
    ],
)
async def test_errors(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    body: bytes | dict[str, Any] | None,
    headers: dict[str, str],
    status: int,
    target: object,
) -> None:
    if isinstance(body, dict):
        response = await client.request(method, url, json=body, headers=headers)
    else:
        response = await client.request(method, url, content=body, headers=headers)
    error = assert_error(response, status)
    if target is not None:
        assert error.get("target") == target, error
    if status == 405:
        assert response.headers["allow"] == "POST"


async def test_annotations_in_the_body_are_ignored(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "EchoDecimalAction", json={"value@odata.type": "#Decimal", "value": 1.25, "@odata.context": "x"}
    )
    assert response.json()["value"] == 1.25
