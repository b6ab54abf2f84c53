"""Reading contained entities through their containers (CSDL §8.4, URL Conventions §4.3,
JSON Format §10 context URLs), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, assert_error

FULL = {"Accept": "application/json;odata.metadata=full"}
RUSSELL = "People('russellwhyte')"


def _names(body: dict[str, Any], key: str = "Name") -> list[object]:
    return [entity[key] for entity in body["value"]]


@pytest.mark.parametrize(
    ("path", "context", "names"),
    [
        (f"{RUSSELL}/Trips", f"{RUSSELL}/Trips", ["Trip in US", "Trip in Beijing", "Honeymoon"]),
        ("People/russellwhyte/Trips", f"{RUSSELL}/Trips", ["Trip in US", "Trip in Beijing", "Honeymoon"]),
        (f"{RUSSELL}/Trips?$filter=Budget gt 2100", f"{RUSSELL}/Trips", ["Trip in US", "Honeymoon"]),
        (f"{RUSSELL}/Trips?$orderby=Name", f"{RUSSELL}/Trips", ["Honeymoon", "Trip in Beijing", "Trip in US"]),
        (f"{RUSSELL}/Trips?$orderby=Budget desc&$top=2", f"{RUSSELL}/Trips", ["Trip in US", "Honeymoon"]),
        (f"{RUSSELL}/Trips?$skip=1&$top=1", f"{RUSSELL}/Trips", ["Trip in Beijing"]),
        (f"{RUSSELL}/Trips?$search=Beijing", f"{RUSSELL}/Trips", ["Trip in Beijing"]),
        (f"{RUSSELL}/Trips?$select=Name", f"{RUSSELL}/Trips(Name)", ["Trip in US", "Trip in Beijing", "Honeymoon"]),
        ("People('scottketchum')/Trips", "People('scottketchum')/Trips", ["Trip in Paris"]),
        ("People('ronaldmundy')/Trips", "People('ronaldmundy')/Trips", []),
        ("Me/Trips", "Me/Trips", ["Trip in Lander"]),
        ("Admin/Trips?$top=1", "Admin/Trips", ["Trip in US"]),
        (f"{RUSSELL}/Friends('scottketchum')/Trips", f"{RUSSELL}/Friends('scottketchum')/Trips", ["Trip in Paris"]),
    ],
)
async def test_a_contained_collection_is_read_through_its_container(
    trips: httpx.AsyncClient, path: str, context: str, names: list[str]
) -> None:
    response = await trips.get(path, headers={"X-User": "aprilcline"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@context"] == f"{ROOT}$metadata#{context}"
    assert _names(body) == names


@pytest.mark.parametrize(
    ("path", "codes"),
    [
        (f"{RUSSELL}/Trips(1)/PlanItems", ["JH58493", "JH38143", None]),
        ("People('scottketchum')/Trips(4)/PlanItems", ["PA00001"]),
        (
            f"{RUSSELL}/Trips(1)/PlanItems?$filter=ConfirmationCode ne null&$orderby=PlanItemId desc",
            ["JH38143", "JH58493"],
        ),
        (f"{RUSSELL}/Trips(2)/PlanItems", ["JH58494"]),
        (f"{RUSSELL}/Trips(3)/PlanItems", []),
    ],
)
async def test_contained_entities_may_contain_again(trips: httpx.AsyncClient, path: str, codes: list[object]) -> None:
    response = await trips.get(path)
    assert response.status_code == 200, response.text
    assert response.json()["@context"] == f"{ROOT}$metadata#{path.split('?')[0]}"
    assert _names(response.json(), "ConfirmationCode") == codes


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"{RUSSELL}/Trips/$count", "3"),
        (f"{RUSSELL}/Trips/$count?$filter=Budget lt 2500", "1"),
        (f"{RUSSELL}/Trips(1)/PlanItems/$count", "3"),
        ("People('scottketchum')/Trips(4)/PlanItems/$count", "1"),
        ("People('ronaldmundy')/Trips/$count", "0"),
        ("Me/Trips/$count", "1"),
    ],
)
async def test_count_of_a_contained_collection(trips: httpx.AsyncClient, path: str, expected: str) -> None:
    response = await trips.get(path, headers={"X-User": "aprilcline"})
    assert response.status_code == 200, response.text
    assert response.text == expected


async def test_count_option_of_a_contained_collection(trips: httpx.AsyncClient) -> None:
    response = await trips.get(f"{RUSSELL}/Trips?$count=true&$top=1")
    assert response.json()["@count"] == 3 and len(response.json()["value"]) == 1


@pytest.mark.parametrize(
    ("path", "context", "url", "values"),
    [
        (f"{RUSSELL}/Trips(1)", f"{RUSSELL}/Trips/$entity", f"{RUSSELL}/Trips(1)", {"Name": "Trip in US"}),
        ("People/russellwhyte/Trips/2", f"{RUSSELL}/Trips/$entity", f"{RUSSELL}/Trips(2)", {"Name": "Trip in Beijing"}),
        (
            f"{RUSSELL}/Trips(1)?$select=Name",
            f"{RUSSELL}/Trips(Name)/$entity",
            f"{RUSSELL}/Trips(1)",
            {"Name": "Trip in US"},
        ),
        (
            f"{RUSSELL}/Trips(1)/PlanItems(12)",
            f"{RUSSELL}/Trips(1)/PlanItems/$entity",
            f"{RUSSELL}/Trips(1)/PlanItems(12)",
            {"ConfirmationCode": "JH38143"},
        ),
        (
            "People('scottketchum')/Trips(4)/PlanItems(11)",
            "People('scottketchum')/Trips(4)/PlanItems/$entity",
            "People('scottketchum')/Trips(4)/PlanItems(11)",
            {"ConfirmationCode": "PA00001"},
        ),
        ("Me/Trips(5)", "Me/Trips/$entity", "Me/Trips(5)", {"Name": "Trip in Lander"}),
        # Reached through a navigation that is not the containment: the URLs are still canonical.
        (
            f"{RUSSELL}/Friends('scottketchum')/Trips(4)",
            "People('scottketchum')/Trips/$entity",
            "People('scottketchum')/Trips(4)",
            {"Name": "Trip in Paris"},
        ),
        (
            f"{RUSSELL}/Trips(1)/PlanItems(11)/Trip",
            f"{RUSSELL}/Trips/$entity",
            f"{RUSSELL}/Trips(1)",
            {"Name": "Trip in US"},
        ),
        (f"{RUSSELL}/Trips(2)/Person", "People/$entity", RUSSELL, {"FirstName": "Russell"}),
    ],
)
async def test_a_contained_entity_is_named_through_its_containers(
    trips: httpx.AsyncClient, path: str, context: str, url: str, values: dict[str, object]
) -> None:
    response = await trips.get(path, headers={**FULL, "X-User": "aprilcline"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@context"] == f"{ROOT}$metadata#{context}"
    assert body["@id"] == body["@editLink"] == f"{ROOT}{url}"
    assert {name: body[name] for name in values} == values


async def test_a_contained_entity_has_links_through_its_container(trips: httpx.AsyncClient) -> None:
    body = (await trips.get(f"{RUSSELL}/Trips(1)", headers=FULL)).json()
    assert body["PlanItems@navigationLink"] == f"{ROOT}{RUSSELL}/Trips(1)/PlanItems"
    assert body["Person@navigationLink"] == f"{ROOT}{RUSSELL}/Trips(1)/Person"


@pytest.mark.parametrize(
    ("path", "ids"),
    [
        (f"{RUSSELL}/Trips?$select=Name&$top=2", [f"{RUSSELL}/Trips(1)", f"{RUSSELL}/Trips(2)"]),
        (f"{RUSSELL}/Trips/$ref", [f"{RUSSELL}/Trips(1)", f"{RUSSELL}/Trips(2)", f"{RUSSELL}/Trips(3)"]),
        ("People('scottketchum')/Trips(4)/PlanItems/$ref", ["People('scottketchum')/Trips(4)/PlanItems(11)"]),
        (f"{RUSSELL}/Trips(1)/PlanItems?$select=ConfirmationCode&$top=1", [f"{RUSSELL}/Trips(1)/PlanItems(11)"]),
        ("Me/Trips/$ref", ["Me/Trips(5)"]),
    ],
)
async def test_ids_without_the_key_in_minimal_metadata(trips: httpx.AsyncClient, path: str, ids: list[str]) -> None:
    response = await trips.get(path, headers={"X-User": "aprilcline"})
    assert response.status_code == 200, response.text
    assert [entity["@id"] for entity in response.json()["value"]] == [ROOT + url for url in ids]


@pytest.mark.parametrize(
    ("path", "context", "value"),
    [
        (f"{RUSSELL}/Trips(1)/Name", f"{RUSSELL}/Trips(1)/Name", "Trip in US"),
        (
            f"{RUSSELL}/Trips(1)/PlanItems(11)/ConfirmationCode",
            f"{RUSSELL}/Trips(1)/PlanItems(11)/ConfirmationCode",
            "JH58493",
        ),
    ],
)
async def test_a_property_of_a_contained_entity(trips: httpx.AsyncClient, path: str, context: str, value: str) -> None:
    response = await trips.get(path)
    assert response.status_code == 200, response.text
    assert response.json() == {"@context": f"{ROOT}$metadata#{context}", "value": value}
    raw = await trips.get(f"{path}/$value")
    assert raw.status_code == 200 and raw.text == value


async def test_expand_nests_contained_entities(trips: httpx.AsyncClient) -> None:
    response = await trips.get(
        "People?$filter=UserName ne 'aprilcline'&$orderby=UserName desc"
        "&$expand=Trips($orderby=TripId;$expand=PlanItems($select=PlanItemId))"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@context"] == f"{ROOT}$metadata#People(Trips(PlanItems(PlanItemId)))"
    trips_of = {person["UserName"]: person["Trips"] for person in body["value"]}
    assert [trip["TripId"] for trip in trips_of["russellwhyte"]] == [1, 2, 3]
    # Plan item 11 of trip 4 is not plan item 11 of trip 1: the containers tell them apart.
    assert [item["PlanItemId"] for item in trips_of["russellwhyte"][0]["PlanItems"]] == [11, 12, 13]
    assert [item["PlanItemId"] for item in trips_of["scottketchum"][0]["PlanItems"]] == [11]
    assert trips_of["ronaldmundy"] == []


async def test_expanded_contained_entities_have_their_canonical_ids(trips: httpx.AsyncClient) -> None:
    response = await trips.get(
        "People('scottketchum')?$expand=Trips($expand=PlanItems),Friends($expand=Trips)", headers=FULL
    )
    assert response.status_code == 200, response.text
    body = response.json()
    trip = body["Trips"][0]
    assert trip["@id"] == f"{ROOT}People('scottketchum')/Trips(4)"
    assert trip["PlanItems"][0]["@id"] == f"{ROOT}People('scottketchum')/Trips(4)/PlanItems(11)"


@pytest.mark.parametrize("expand", ["Trips($top=1)", "Trips($top=1;$count=true)", "Trips/$count", "Trips/$ref"])
async def test_expand_options_on_a_containment(trips: httpx.AsyncClient, expand: str) -> None:
    response = await trips.get(f"{RUSSELL}?$expand={expand}")
    assert response.status_code == 200, response.text
    body = response.json()
    if expand == "Trips/$count":
        assert body["Trips@count"] == 3
    elif expand == "Trips/$ref":
        assert [item["@id"] for item in body["Trips"]] == [f"{ROOT}{RUSSELL}/Trips({n})" for n in (1, 2, 3)]
    else:
        assert [trip["TripId"] for trip in body["Trips"]] == [1]


async def test_a_long_expanded_containment_pages_through_its_container(served: Any, trips: httpx.AsyncClient) -> None:
    response = await trips.get(f"{RUSSELL}/Trips(1)?$expand=PlanItems", headers={"Prefer": "odata.maxpagesize=2"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["PlanItemId"] for item in body["PlanItems"]] == [11, 12]
    next_link = body["PlanItems@nextLink"]
    assert next_link.startswith(f"{ROOT}{RUSSELL}/Trips(1)/PlanItems?")
    rest = await trips.get(next_link)
    assert [item["PlanItemId"] for item in rest.json()["value"]] == [13]


async def test_filter_through_a_containment(trips: httpx.AsyncClient) -> None:
    response = await trips.get("People?$filter=Trips/any(t: t/PlanItems/any(p: p/ConfirmationCode eq 'PA00001'))")
    assert _names(response.json(), "UserName") == ["scottketchum"]
    response = await trips.get(f"{RUSSELL}/Trips?$filter=PlanItems/any(p: p/PlanItemId eq 11)")
    assert _names(response.json()) == ["Trip in US"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("Trips", 404),
        ("PlanItems", 404),
        ("Trips(1)", 404),
        (f"{RUSSELL}/Trips(4)", 404),
        ("People('scottketchum')/Trips(1)", 404),
        ("People('nobody')/Trips", 404),
        ("People('nobody')/Trips/$count", 404),
        (f"{RUSSELL}/Trips(4)/PlanItems(11)", 404),
        (f"{RUSSELL}/Trips(2)/PlanItems(11)", 404),
        (f"{RUSSELL}/Trips(1)/PlanItems(11)/Nope", 404),
        (f"{RUSSELL}/Trips('x')", 400),
        (f"{RUSSELL}/Trips(1)/PlanItems(TripId=1,PlanItemId=11)", 400),
        (f"{RUSSELL}/Trips?$apply=aggregate(Budget with sum as Total)", 501),
    ],
)
async def test_contained_entities_only_in_their_container(trips: httpx.AsyncClient, path: str, status: int) -> None:
    assert_error(await trips.get(path), status)


async def test_the_service_document_lists_no_contained_collection(trips: httpx.AsyncClient) -> None:
    names = {entry["name"]: entry["kind"] for entry in (await trips.get("")).json()["value"]}
    assert names == {"People": "EntitySet", "Me": "Singleton", "Admin": "Singleton"}
