"""Creating, updating and deleting contained entities through their containers (Protocol §11.4)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ROOT, assert_error

RUSSELL = "People('russellwhyte')"
APRIL = {"X-User": "aprilcline"}


@pytest.mark.parametrize(
    ("collection", "body", "location"),
    [
        (f"{RUSSELL}/Trips", {"Name": "Trip in Rome", "Budget": 1200}, f"{RUSSELL}/Trips(6)"),
        ("People/russellwhyte/Trips", {"Name": "Trip in Rome"}, f"{RUSSELL}/Trips(6)"),
        # The container's key may be sent, as it is.
        (f"{RUSSELL}/Trips", {"Name": "Trip in Rome", "PersonUserName": "russellwhyte"}, f"{RUSSELL}/Trips(6)"),
        ("Me/Trips", {"Name": "Trip in Rome"}, "Me/Trips(6)"),
        (
            f"{RUSSELL}/Trips(2)/PlanItems",
            {"PlanItemId": 11, "ConfirmationCode": "NEW"},
            f"{RUSSELL}/Trips(2)/PlanItems(11)",
        ),
        ("Me/Trips(5)/PlanItems", {"PlanItemId": 1}, "Me/Trips(5)/PlanItems(1)"),
    ],
)
async def test_post_creates_an_entity_in_its_container(
    trips: httpx.AsyncClient, collection: str, body: dict[str, object], location: str
) -> None:
    response = await trips.post(collection, json=body, headers=APRIL)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == ROOT + location
    created = response.json()
    assert created["@context"] == f"{ROOT}$metadata#{location.rsplit('(', 1)[0]}/$entity"
    again = await trips.get(location, headers=APRIL)
    assert again.status_code == 200
    assert {name: again.json()[name] for name in body if name != "Budget"} == {
        name: value for name, value in body.items() if name != "Budget"
    }


async def test_post_with_return_minimal_names_the_new_entity(trips: httpx.AsyncClient) -> None:
    response = await trips.post(
        "People('scottketchum')/Trips(4)/PlanItems", json={"PlanItemId": 12}, headers={"Prefer": "return=minimal"}
    )
    assert response.status_code == 204, response.text
    assert response.headers["odata-entityid"] == f"{ROOT}People('scottketchum')/Trips(4)/PlanItems(12)"


@pytest.mark.parametrize(
    ("collection", "body", "status", "target"),
    [
        (f"{RUSSELL}/Trips", {"Name": "X", "PersonUserName": "scottketchum"}, 400, "PersonUserName"),
        (f"{RUSSELL}/Trips", {"Budget": 1}, 400, "Name"),
        (f"{RUSSELL}/Trips(1)/PlanItems", {"PlanItemId": 11}, 409, None),
        (f"{RUSSELL}/Trips(1)/PlanItems", {"PlanItemId": 14, "TripId": 2}, 400, "TripId"),
        ("People('nobody')/Trips", {"Name": "X"}, 404, None),
        (f"{RUSSELL}/Trips(4)/PlanItems", {"PlanItemId": 1}, 404, None),
        ("Trips", {"Name": "X"}, 404, "Trips"),
    ],
)
async def test_what_a_post_to_a_containment_refuses(
    trips: httpx.AsyncClient, collection: str, body: dict[str, object], status: int, target: str | None
) -> None:
    error = assert_error(await trips.post(collection, json=body), status)
    if target is not None:
        assert error.get("target") == target
    assert (await trips.get(f"{RUSSELL}/Trips/$count")).text == "3"


@pytest.mark.parametrize(
    ("path", "check"),
    [
        (f"{RUSSELL}/Trips(1)", f"{RUSSELL}/Trips(1)"),
        ("People('scottketchum')/Trips(4)/PlanItems(11)", "People('scottketchum')/Trips(4)/PlanItems(11)"),
        ("Me/Trips(5)", "People('aprilcline')/Trips(5)"),
    ],
)
async def test_patch_put_and_delete_of_a_contained_entity(trips: httpx.AsyncClient, path: str, check: str) -> None:
    field = "ConfirmationCode" if "PlanItems" in path else "Name"
    patched = await trips.patch(path, json={field: "Changed"}, headers={**APRIL, "Prefer": "return=representation"})
    assert patched.status_code == 200, patched.text
    assert patched.json()[field] == "Changed"
    assert patched.json()["@context"] == f"{ROOT}$metadata#{path.rsplit('(', 1)[0]}/$entity"
    assert (await trips.get(f"{check}/{field}")).json()["value"] == "Changed"
    put = await trips.put(path, json={field: "Replaced"}, headers=APRIL)
    assert put.status_code == 204, put.text
    assert (await trips.get(f"{check}/{field}")).json()["value"] == "Replaced"
    written = await trips.put(f"{path}/{field}/$value", content=b"Raw", headers={**APRIL, "Content-Type": "text/plain"})
    assert written.status_code == 204, written.text
    assert (await trips.get(f"{check}/{field}/$value")).text == "Raw"
    deleted = await trips.delete(path, headers=APRIL)
    assert deleted.status_code == 204, deleted.text
    assert_error(await trips.get(check), 404)


async def test_plan_item_11_of_one_trip_is_not_the_other(trips: httpx.AsyncClient) -> None:
    response = await trips.patch(f"{RUSSELL}/Trips(1)/PlanItems(11)", json={"ConfirmationCode": "ONE"})
    assert response.status_code == 204, response.text
    assert (await trips.delete(f"{RUSSELL}/Trips(1)/PlanItems(11)")).status_code == 204
    other = await trips.get("People('scottketchum')/Trips(4)/PlanItems(11)/ConfirmationCode")
    assert other.json()["value"] == "PA00001"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "People('scottketchum')/Trips(1)", {"Name": "X"}),
        ("PUT", "People('scottketchum')/Trips(1)", {"Name": "X"}),
        ("DELETE", "People('scottketchum')/Trips(1)", None),
        ("DELETE", f"{RUSSELL}/Trips(4)/PlanItems(11)", None),
        ("PATCH", f"{RUSSELL}/Trips(2)/PlanItems(11)", {"ConfirmationCode": "X"}),
    ],
)
async def test_the_wrong_container_finds_nothing(
    trips: httpx.AsyncClient, method: str, path: str, body: dict[str, object] | None
) -> None:
    assert_error(await trips.request(method, path, json=body), 404)
    assert (await trips.get("People('scottketchum')/Trips(4)/PlanItems(11)/ConfirmationCode")).json()[
        "value"
    ] == "PA00001"
    assert (await trips.get(f"{RUSSELL}/Trips(1)/Name")).json()["value"] == "Trip in US"


async def test_a_contained_entity_stays_in_its_container(trips: httpx.AsyncClient) -> None:
    moved = await trips.patch(f"{RUSSELL}/Trips(1)", json={"PersonUserName": "scottketchum"})
    assert_error(moved, 400, "PersonUserName")
    for method, path, body in (
        ("PUT", f"{RUSSELL}/Trips(1)/Person/$ref", {"@id": "People('scottketchum')"}),
        ("POST", "People('scottketchum')/Trips/$ref", {"@id": f"{RUSSELL}/Trips(1)"}),
        ("DELETE", f"{RUSSELL}/Trips(1)/$ref", None),
        ("DELETE", f"{RUSSELL}/Trips/$ref?$id={RUSSELL}/Trips(1)", None),
    ):
        assert_error(await trips.request(method, path, json=body), 400)
    bound = await trips.post("People", json={"UserName": "x", "FirstName": "X", "Trips@bind": [f"{RUSSELL}/Trips(1)"]})
    assert_error(bound, 400, "Trips@bind")
    assert (await trips.get(f"{RUSSELL}/Trips/$count")).text == "3"


async def test_deep_insert_creates_contained_entities_with_their_container(trips: httpx.AsyncClient) -> None:
    response = await trips.post(
        "People",
        json={
            "UserName": "vincentcalabrese",
            "FirstName": "Vincent",
            "Trips": [
                {"Name": "Trip in Rome", "PlanItems": [{"PlanItemId": 1}, {"PlanItemId": 2, "ConfirmationCode": "R"}]},
                {"Name": "Trip in Oslo"},
            ],
        },
        headers={"Accept": "application/json;odata.metadata=full"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert [trip["Name"] for trip in body["Trips"]] == ["Trip in Rome", "Trip in Oslo"]
    first = body["Trips"][0]
    assert first["@id"].startswith(f"{ROOT}People('vincentcalabrese')/Trips(")
    assert [item["@id"] for item in first["PlanItems"]] == [f"{first['@id']}/PlanItems({n})" for n in (1, 2)]
    count = await trips.get("People('vincentcalabrese')/Trips/$count")
    assert count.text == "2"


async def test_deep_update_replaces_the_contained_collection(trips: httpx.AsyncClient) -> None:
    response = await trips.patch(
        f"{RUSSELL}/Trips(1)",
        json={"PlanItems": [{"PlanItemId": 11, "ConfirmationCode": "KEPT"}, {"PlanItemId": 14}]},
    )
    assert response.status_code == 204, response.text
    items = (await trips.get(f"{RUSSELL}/Trips(1)/PlanItems")).json()["value"]
    assert [(item["PlanItemId"], item["ConfirmationCode"]) for item in items] == [(11, "KEPT"), (14, None)]
    other = await trips.get("People('scottketchum')/Trips(4)/PlanItems(11)/ConfirmationCode")
    assert other.json()["value"] == "PA00001"


async def test_deleting_a_container_deletes_what_it_contains(trips: httpx.AsyncClient) -> None:
    response = await trips.delete(f"{RUSSELL}/Trips(1)")
    assert response.status_code == 204, response.text
    assert (await trips.get("People('scottketchum')/Trips(4)/PlanItems/$count")).text == "1"


async def test_a_delta_removes_contained_entities_named_by_their_key(trips: httpx.AsyncClient) -> None:
    response = await trips.patch(
        f"{RUSSELL}/Trips(1)",
        json={
            "PlanItems@delta": [
                {"@removed": {"reason": "deleted"}, "PlanItemId": 11},
                {"PlanItemId": 12, "ConfirmationCode": "CHANGED"},
            ]
        },
    )
    assert response.status_code == 204, response.text
    items = (await trips.get(f"{RUSSELL}/Trips(1)/PlanItems")).json()["value"]
    assert [(item["PlanItemId"], item["ConfirmationCode"]) for item in items] == [(12, "CHANGED"), (13, None)]
    other = await trips.get("People('scottketchum')/Trips(4)/PlanItems(11)/ConfirmationCode")
    assert other.json()["value"] == "PA00001"
