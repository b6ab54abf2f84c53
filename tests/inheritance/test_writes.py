"""Creating, changing and deleting entities of derived types through HTTP, on SQLite and PostgreSQL.

A new entity's type is its set's (or the cast's in the URL), or the derived type its
``@odata.type`` names (Protocol §11.4.2); its row goes into each table of its class
(joined-table inheritance) in one transaction, with its discriminator.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from odata_server import ODataService
from tests.conftest import ROOT, assert_error

PEOPLE_TABLES = ("inh_people", "inh_employees", "inh_managers")
TYPE_OF_KIND = {"flight": "Flight", "event": "Event", "public": "PublicTransportation"}


async def rows(service: ODataService, table: str, key_column: str, key: object) -> int:
    """How many rows of ``table`` hold the entity with ``key``."""
    statement = sa.text(f'SELECT count(*) FROM {table} WHERE "{key_column}" = :key')
    async with service.engine.connect() as connection:
        return int(await connection.scalar(statement, {"key": key}) or 0)


async def discriminator(service: ODataService, table: str, key_column: str, key: object) -> str | None:
    async with service.engine.connect() as connection:
        statement = sa.text(f'SELECT kind FROM {table} WHERE "{key_column}" = :key')
        return await connection.scalar(statement, {"key": key})  # type: ignore[no-any-return]


async def created(trippin: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await trippin.post(path, json=body)
    assert response.status_code == 201, response.text
    entity = response.json()
    assert response.headers["location"] == entity.get("@id", response.headers["location"])
    return entity


@pytest.mark.parametrize(
    ("path", "body", "context", "type_name", "kind"),
    [
        (
            "PlanItems",
            {"@odata.type": "#Trippin.Flight", "ConfirmationCode": "N1", "FlightNumber": "NW1", "SeatNumber": "2B"},
            "PlanItems",
            "#Trippin.Flight",
            "flight",
        ),
        ("PlanItems", {"@type": "#Trippin.Event", "Description": "Parade"}, "PlanItems", "#Trippin.Event", "event"),
        ("PlanItems", {"@odata.type": "Trippin.Event"}, "PlanItems", "#Trippin.Event", "event"),
        ("PlanItems", {"@odata.type": "#Event"}, "PlanItems", "#Trippin.Event", "event"),
        (
            "PlanItems",
            {"@odata.type": "#Trippin.PublicTransportation", "SeatNumber": "9"},
            "PlanItems",
            "#Trippin.PublicTransportation",
            "public",
        ),
        ("PlanItems/Trippin.Flight", {"FlightNumber": "C1"}, "PlanItems/Trippin.Flight", None, "flight"),
        (
            "PlanItems/Trippin.PublicTransportation",
            {"@odata.type": "#Trippin.Flight", "FlightNumber": "C2"},
            "PlanItems/Trippin.PublicTransportation",
            "#Trippin.Flight",
            "flight",
        ),
        ("Flights", {"FlightNumber": "F1"}, "Flights", None, "flight"),
        ("Flights", {"@odata.type": "#Trippin.PlanItem", "FlightNumber": "F2"}, "Flights", None, "flight"),
        (
            "Trips(3)/PlanItems",
            {"@odata.type": "#Trippin.Flight", "FlightNumber": "T1"},
            "PlanItems",
            "#Trippin.Flight",
            "flight",
        ),
        ("Airlines('LH')/Flights", {"FlightNumber": "L1"}, "Flights", None, "flight"),
    ],
)
async def test_create_in_a_single_table_hierarchy(
    service: ODataService,
    trippin: httpx.AsyncClient,
    path: str,
    body: dict[str, Any],
    context: str,
    type_name: str | None,
    kind: str,
) -> None:
    response = await trippin.post(path, json=body)
    assert response.status_code == 201, response.text
    entity = response.json()
    assert entity["@context"] == f"{ROOT}$metadata#{context}/$entity"
    assert entity.get("@type") == type_name
    key = entity["PlanItemID"]
    location_set = context.split("/")[0]
    assert response.headers["location"] == f"{ROOT}{location_set}({key})"
    assert await discriminator(service, "inh_plan_items", "PlanItemID", key) == kind
    for name, value in body.items():
        if not name.startswith("@"):
            assert entity[name] == value
    read = (await trippin.get(response.headers["location"])).json()
    assert {k: v for k, v in read.items() if not k.startswith("@")} == {
        k: v for k, v in entity.items() if not k.startswith("@")
    }
    if location_set == "PlanItems":  # the set's type is abstract: every entity says its type
        assert (
            read["@type"]
            == f"#Trippin.{ {'flight': 'Flight', 'event': 'Event', 'public': 'PublicTransportation'}[kind] }"
        )


@pytest.mark.parametrize(
    ("body", "type_name", "tables"),
    [
        ({"UserName": "plain"}, None, 1),
        ({"@odata.type": "#Trippin.Employee", "UserName": "emp", "Cost": 7, "ManagerID": 3}, "#Trippin.Employee", 2),
        ({"@odata.type": "#Trippin.Manager", "UserName": "boss", "Cost": 8, "Budget": 80}, "#Trippin.Manager", 3),
    ],
)
async def test_create_in_a_joined_hierarchy_writes_a_row_in_each_table_of_the_type(
    service: ODataService, trippin: httpx.AsyncClient, body: dict[str, Any], type_name: str | None, tables: int
) -> None:
    entity = await created(trippin, "People", body)
    assert entity.get("@type") == type_name
    key = entity["PersonID"]
    assert [await rows(service, table, "PersonID", key) for table in PEOPLE_TABLES] == [1] * tables + [0] * (3 - tables)
    assert (
        await discriminator(service, "inh_people", "PersonID", key)
        == (type_name or "#Trippin.person").split(".")[-1].lower()
    )
    read = (await trippin.get(f"People({key})")).json()
    assert {name: read[name] for name in body if not name.startswith("@")} == {
        name: value for name, value in body.items() if not name.startswith("@")
    }


async def test_a_failure_in_the_last_table_leaves_nothing_behind(
    service: ODataService, trippin: httpx.AsyncClient
) -> None:
    before = (await trippin.get("People/$count")).text
    response = await trippin.post(
        "People", json={"@odata.type": "#Trippin.Manager", "UserName": "broke", "Cost": 1, "Budget": -5}
    )
    assert_error(response, 400)
    assert (await trippin.get("People/$count")).text == before
    async with service.engine.connect() as connection:
        left = await connection.scalar(sa.text("SELECT count(*) FROM inh_people WHERE \"UserName\" = 'broke'"))
    assert left == 0


@pytest.mark.parametrize(
    ("path", "body", "status", "target"),
    [
        ("PlanItems", {"ConfirmationCode": "X"}, 400, "@odata.type"),
        ("PlanItems", {"@odata.type": "#Trippin.PlanItem"}, 400, "@odata.type"),
        ("PlanItems", {"@odata.type": "#Trippin.Airline"}, 400, "@odata.type"),
        ("PlanItems", {"@odata.type": "#Trippin.Nope"}, 400, "@odata.type"),
        ("PlanItems", {"@type": 5}, 400, "@type"),
        ("PlanItems", {"@odata.type": "#Trippin.Event", "FlightNumber": "X"}, 400, "FlightNumber"),
        ("PlanItems", {"@odata.type": "#Trippin.Event", "kind": "flight"}, 400, "kind"),
        ("PlanItems", {"@odata.type": "#Trippin.Flight", "InternalNote": "x"}, 400, "InternalNote"),
        ("Flights", {"@odata.type": "#Trippin.Event"}, 400, "@odata.type"),
        ("PlanItems/Trippin.Flight", {"@odata.type": "#Trippin.Event"}, 400, "@odata.type"),
        ("People", {"@odata.type": "#Trippin.Flight", "UserName": "x"}, 400, "@odata.type"),
        ("People", {"UserName": "x", "Cost": 1}, 400, "Cost"),
        ("Trips", {"Name": "Bad", "PlanItems": [{"ConfirmationCode": "no type"}]}, 400, "PlanItems/0/@odata.type"),
        ("Trips", {"Name": "Bad", "PlanItems": [{"@type": "#Trippin.Person"}]}, 400, "PlanItems/0/@type"),
    ],
)
async def test_create_of_an_abstract_or_unknown_type_or_with_foreign_properties_is_400(
    trippin: httpx.AsyncClient, path: str, body: dict[str, Any], status: int, target: str
) -> None:
    assert_error(await trippin.post(path, json=body), status, target)


async def test_deep_insert_of_entities_of_derived_types(service: ODataService, trippin: httpx.AsyncClient) -> None:
    body = {
        "Name": "Deep",
        "Person": {"@odata.type": "#Trippin.Manager", "UserName": "deepboss", "Cost": 3, "Budget": 30},
        "PlanItems": [
            {"@odata.type": "#Trippin.Event", "Description": "Opera"},
            {"@odata.type": "#Trippin.Flight", "FlightNumber": "D1", "Airline@odata.bind": "Airlines('AA')"},
            {"@odata.type": "#Trippin.PublicTransportation", "SeatNumber": "4"},
        ],
    }
    trip = await created(trippin, "Trips?$expand=Person,PlanItems($expand=Trippin.Flight/Airline)", body)
    assert trip["Person"]["@type"] == "#Trippin.Manager" and trip["Person"]["Budget"] == 30
    assert [item["@type"] for item in trip["PlanItems"]] == [
        "#Trippin.Event",
        "#Trippin.Flight",
        "#Trippin.PublicTransportation",
    ]
    assert trip["PlanItems"][1]["Airline"]["Name"] == "American"
    manager = trip["Person"]["PersonID"]
    assert [await rows(service, table, "PersonID", manager) for table in PEOPLE_TABLES] == [1, 1, 1]


async def test_deep_insert_through_a_navigation_property_to_a_derived_type(trippin: httpx.AsyncClient) -> None:
    airline = {"AirlineCode": "NW", "Name": "Northwest", "Flights": [{"FlightNumber": "NW9"}]}
    flights = (await created(trippin, "Airlines", airline))["Flights"]
    assert [(flight["FlightNumber"], flight["AirlineCode"]) for flight in flights] == [("NW9", "NW")]
    key = flights[0]["PlanItemID"]
    assert (await trippin.get(f"PlanItems({key})")).json()["@type"] == "#Trippin.Flight"


@pytest.mark.parametrize(
    ("create", "path", "change", "expected"),
    [
        (
            {"@odata.type": "#Trippin.Flight", "FlightNumber": "P1", "SeatNumber": "1A"},
            "PlanItems({key})",
            {"FlightNumber": "P2"},
            {"FlightNumber": "P2", "SeatNumber": "1A"},
        ),
        (
            {"@odata.type": "#Trippin.Flight", "FlightNumber": "P1", "SeatNumber": "1A"},
            "PlanItems({key})/Trippin.Flight",
            {"SeatNumber": "3C", "ConfirmationCode": "CC"},
            {"FlightNumber": "P1", "SeatNumber": "3C", "ConfirmationCode": "CC"},
        ),
        (
            {"@odata.type": "#Trippin.Flight", "FlightNumber": "P1"},
            "Flights({key})",
            {"@odata.type": "#Trippin.Flight", "FlightNumber": "P3"},
            {"FlightNumber": "P3"},
        ),
        (
            {"@odata.type": "#Trippin.Event", "Description": "old"},
            "PlanItems({key})",
            {"@odata.type": "#Trippin.PlanItem", "Description": "new"},
            {"Description": "new"},
        ),
    ],
)
async def test_patch_changes_properties_of_the_entity_s_own_type(
    trippin: httpx.AsyncClient, create: dict[str, Any], path: str, change: dict[str, Any], expected: dict[str, Any]
) -> None:
    key = (await created(trippin, "PlanItems", create))["PlanItemID"]
    response = await trippin.patch(path.format(key=key), json=change)
    assert response.status_code == 204, response.text
    entity = (await trippin.get(f"PlanItems({key})")).json()
    assert {name: entity[name] for name in expected} == expected


async def test_patch_of_a_joined_entity_updates_each_table_it_changes(
    service: ODataService, trippin: httpx.AsyncClient
) -> None:
    key = (
        await created(trippin, "People", {"@odata.type": "#Trippin.Manager", "UserName": "m1", "Cost": 1, "Budget": 1})
    )["PersonID"]
    response = await trippin.patch(
        f"People({key})", json={"UserName": "m2", "Cost": 2, "Budget": 3}, headers={"Prefer": "return=representation"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["@type"] == "#Trippin.Manager"
    assert {name: response.json()[name] for name in ("UserName", "Cost", "Budget")} == {
        "UserName": "m2",
        "Cost": 2,
        "Budget": 3,
    }
    only_budget = await trippin.patch(f"People({key})/Trippin.Manager", json={"Budget": 4})
    assert only_budget.status_code == 204
    assert (await trippin.get(f"People({key})/Trippin.Manager/Budget")).json()["value"] == 4


async def test_put_replaces_the_properties_of_the_entity_s_own_type(trippin: httpx.AsyncClient) -> None:
    key = (
        await created(
            trippin,
            "PlanItems",
            {"@odata.type": "#Trippin.Flight", "FlightNumber": "R1", "SeatNumber": "5", "AirlineCode": "AA"},
        )
    )["PlanItemID"]
    response = await trippin.put(f"PlanItems({key})", json={"FlightNumber": "R2"})
    assert response.status_code == 204, response.text
    entity = (await trippin.get(f"PlanItems({key})")).json()
    assert (entity["FlightNumber"], entity["SeatNumber"], entity["AirlineCode"]) == ("R2", None, None)


@pytest.mark.parametrize(
    ("create_path", "create", "path", "change", "status", "target"),
    [
        (
            "PlanItems",
            {"@odata.type": "#Trippin.Event"},
            "PlanItems({key})",
            {"FlightNumber": "X"},
            400,
            "FlightNumber",
        ),
        (
            "PlanItems",
            {"@odata.type": "#Trippin.Event"},
            "PlanItems({key})",
            {"@odata.type": "#Trippin.Flight"},
            400,
            "@odata.type",
        ),
        (
            "PlanItems",
            {"@odata.type": "#Trippin.PublicTransportation"},
            "PlanItems({key})",
            {"@type": "#Trippin.Flight", "FlightNumber": "X"},
            400,
            "@type",
        ),
        (
            "People",
            {"@odata.type": "#Trippin.Employee", "UserName": "e"},
            "People({key})",
            {"@odata.type": "#Trippin.Manager"},
            400,
            "@odata.type",
        ),
        ("People", {"UserName": "p"}, "People({key})", {"Budget": 1}, 400, "Budget"),
        (
            "PlanItems",
            {"@odata.type": "#Trippin.Event"},
            "PlanItems({key})/Trippin.Flight",
            {"FlightNumber": "X"},
            404,
            None,
        ),
        ("PlanItems", {"@odata.type": "#Trippin.Event"}, "Flights({key})", {"FlightNumber": "X"}, 404, None),
        (
            "People",
            {"@odata.type": "#Trippin.Employee", "UserName": "e"},
            "People({key})/Trippin.Manager",
            {"Budget": 1},
            404,
            None,
        ),
    ],
)
async def test_an_update_cannot_change_the_type_or_set_properties_of_another(
    trippin: httpx.AsyncClient,
    create_path: str,
    create: dict[str, Any],
    path: str,
    change: dict[str, Any],
    status: int,
    target: str | None,
) -> None:
    entity = await created(trippin, create_path, create)
    key = entity.get("PlanItemID", entity.get("PersonID"))
    response = await trippin.patch(path.format(key=key), json=change)
    if target is None:
        assert_error(response, status)
    else:
        assert_error(response, status, target)
    assert (await trippin.get(f"{create_path}({key})")).json().get("@type") == create.get("@odata.type")


@pytest.mark.parametrize(
    ("create", "tables"),
    [
        ({"UserName": "gone1"}, 1),
        ({"@odata.type": "#Trippin.Employee", "UserName": "gone2"}, 2),
        ({"@odata.type": "#Trippin.Manager", "UserName": "gone3", "Budget": 1}, 3),
    ],
)
async def test_delete_removes_the_row_of_each_table(
    service: ODataService, trippin: httpx.AsyncClient, create: dict[str, Any], tables: int
) -> None:
    key = (await created(trippin, "People", create))["PersonID"]
    assert sum([await rows(service, table, "PersonID", key) for table in PEOPLE_TABLES]) == tables
    response = await trippin.delete(f"People({key})")
    assert response.status_code == 204, response.text
    assert [await rows(service, table, "PersonID", key) for table in PEOPLE_TABLES] == [0, 0, 0]
    assert_error(await trippin.get(f"People({key})"), 404)


@pytest.mark.parametrize(
    ("create", "path", "status"),
    [
        ({"@odata.type": "#Trippin.Event"}, "Flights({key})", 404),
        ({"@odata.type": "#Trippin.Event"}, "PlanItems({key})/Trippin.Flight", 404),
        ({"@odata.type": "#Trippin.Flight"}, "PlanItems({key})/Trippin.Flight", 204),
        ({"@odata.type": "#Trippin.Flight"}, "Flights({key})", 204),
        ({"@odata.type": "#Trippin.Event"}, "PlanItems({key})", 204),
    ],
)
async def test_delete_through_a_cast_or_a_derived_set_needs_an_entity_of_that_type(
    service: ODataService, trippin: httpx.AsyncClient, create: dict[str, Any], path: str, status: int
) -> None:
    key = (await created(trippin, "PlanItems", create))["PlanItemID"]
    response = await trippin.delete(path.format(key=key))
    if status == 404:
        assert_error(response, 404)
        assert await rows(service, "inh_plan_items", "PlanItemID", key) == 1
    else:
        assert response.status_code == 204, response.text
        assert await rows(service, "inh_plan_items", "PlanItemID", key) == 0


async def test_references_of_a_derived_navigation_property(trippin: httpx.AsyncClient) -> None:
    flight = (await created(trippin, "PlanItems", {"@odata.type": "#Trippin.Flight", "FlightNumber": "REF"}))[
        "PlanItemID"
    ]
    event = (await created(trippin, "PlanItems", {"@odata.type": "#Trippin.Event"}))["PlanItemID"]
    put = await trippin.put(f"PlanItems({flight})/Trippin.Flight/Airline/$ref", json={"@id": "Airlines('LH')"})
    assert put.status_code == 204, put.text
    assert (await trippin.get(f"PlanItems({flight})/Trippin.Flight/Airline")).json()["AirlineCode"] == "LH"
    assert_error(
        await trippin.put(f"PlanItems({event})/Trippin.Flight/Airline/$ref", json={"@id": "Airlines('LH')"}), 404
    )
    added = await trippin.post("Airlines('AA')/Flights/$ref", json={"@id": f"Flights({flight})"})
    assert added.status_code == 204, added.text
    assert (await trippin.get(f"Flights({flight})")).json()["AirlineCode"] == "AA"
    assert_error(await trippin.post("Airlines('AA')/Flights/$ref", json={"@id": f"Flights({event})"}), 404)
    removed = await trippin.delete(f"Flights({flight})/Airline/$ref")
    assert removed.status_code == 204
    assert (await trippin.get(f"PlanItems({flight})")).json()["AirlineCode"] is None


async def test_property_writes_behind_a_type_cast(trippin: httpx.AsyncClient) -> None:
    flight = (await created(trippin, "PlanItems", {"@odata.type": "#Trippin.Flight", "FlightNumber": "V1"}))[
        "PlanItemID"
    ]
    manager = (await created(trippin, "People", {"@odata.type": "#Trippin.Manager", "UserName": "v", "Budget": 1}))[
        "PersonID"
    ]
    response = await trippin.put(f"PlanItems({flight})/Trippin.Flight/FlightNumber", json={"value": "V2"})
    assert response.status_code == 204, response.text
    assert (await trippin.get(f"PlanItems({flight})/Trippin.Flight/FlightNumber")).json()["value"] == "V2"
    raw = await trippin.put(
        f"People({manager})/Trippin.Manager/Budget/$value", content=b"77", headers={"Content-Type": "text/plain"}
    )
    assert raw.status_code == 204, raw.text
    assert (await trippin.get(f"People({manager})")).json()["Budget"] == 77
    cleared = await trippin.delete(f"PlanItems({flight})/Trippin.Flight/FlightNumber")
    assert cleared.status_code == 204
    assert (await trippin.get(f"PlanItems({flight})")).json()["FlightNumber"] is None
    shown = await trippin.patch(
        f"People({manager})/Trippin.Manager/Budget", json={"value": 5}, headers={"Prefer": "return=representation"}
    )
    assert shown.json() == {"@context": f"{ROOT}$metadata#People({manager})/Trippin.Manager/Budget", "value": 5}
