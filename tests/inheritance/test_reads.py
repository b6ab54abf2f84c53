"""Reading entity sets with derived types through HTTP, on SQLite and PostgreSQL.

The Trippin service (tests/inheritance/trippin.py) has a single-table hierarchy
(PlanItem > Event, PublicTransportation > Flight) and a joined-table one
(Person > Employee > Manager). These tests only read, so one database serves the module.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from odata_server import ODataService
from tests.conftest import ROOT, assert_error, read_all
from tests.inheritance.conftest import statements

FULL = {"Accept": "application/json;odata.metadata=full"}
NONE = {"Accept": "application/json;odata.metadata=none"}
V40 = {"OData-MaxVersion": "4.0"}

# The entities of the service, by set and key: their type and every property they show.
PLAN_ITEMS: dict[int, dict[str, Any]] = {
    1: {"@type": "#Trippin.Event", "PlanItemID": 1, "ConfirmationCode": "EV1", "TripID": 1, "Description": "Concert"},
    2: {
        "@type": "#Trippin.Flight",
        "PlanItemID": 2,
        "ConfirmationCode": "FL2",
        "TripID": 1,
        "SeatNumber": "12A",
        "FlightNumber": "AA100",
        "AirlineCode": "AA",
    },
    3: {
        "@type": "#Trippin.PublicTransportation",
        "PlanItemID": 3,
        "ConfirmationCode": "PT3",
        "TripID": 1,
        "SeatNumber": "3",
    },
    4: {
        "@type": "#Trippin.Flight",
        "PlanItemID": 4,
        "ConfirmationCode": "FL4",
        "TripID": 2,
        "SeatNumber": "1C",
        "FlightNumber": "LH400",
        "AirlineCode": "LH",
    },
    # A Bus: its class is left out (exclude=[Bus]), so it reads as the nearest type the service has.
    5: {
        "@type": "#Trippin.PublicTransportation",
        "PlanItemID": 5,
        "ConfirmationCode": "BUS5",
        "TripID": 2,
        "SeatNumber": "7",
    },
    6: {"@type": "#Trippin.Event", "PlanItemID": 6, "ConfirmationCode": "EV6", "TripID": 2, "Description": "Museum"},
}
PEOPLE: dict[int, dict[str, Any]] = {
    1: {"PersonID": 1, "UserName": "russell"},
    2: {"@type": "#Trippin.Employee", "PersonID": 2, "UserName": "scott", "Cost": 100, "ManagerID": 3},
    3: {
        "@type": "#Trippin.Manager",
        "PersonID": 3,
        "UserName": "ronald",
        "Cost": 200,
        "ManagerID": None,
        "Budget": 5000,
    },
    4: {"@type": "#Trippin.Employee", "PersonID": 4, "UserName": "javier", "Cost": 150, "ManagerID": 3},
}


def _without_type(entity: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in entity.items() if name != "@type"}


async def test_a_set_holds_entities_of_every_derived_type_each_with_its_own_properties(
    trippin: httpx.AsyncClient,
) -> None:
    body = (await trippin.get("PlanItems")).json()
    assert body["@context"] == f"{ROOT}$metadata#PlanItems"
    assert body["value"] == list(PLAN_ITEMS.values())


async def test_entities_of_the_declared_type_carry_no_type_in_minimal_metadata(trippin: httpx.AsyncClient) -> None:
    body = (await trippin.get("People")).json()
    assert body["value"] == list(PEOPLE.values())


@pytest.mark.parametrize(
    ("path", "context", "entities"),
    [
        (
            "PlanItems/Trippin.Flight",
            "PlanItems/Trippin.Flight",
            [_without_type(PLAN_ITEMS[2]), _without_type(PLAN_ITEMS[4])],
        ),
        (
            "PlanItems/Trippin.PublicTransportation",
            "PlanItems/Trippin.PublicTransportation",
            [PLAN_ITEMS[2], _without_type(PLAN_ITEMS[3]), PLAN_ITEMS[4], _without_type(PLAN_ITEMS[5])],
        ),
        (
            "PlanItems/Trippin.Event",
            "PlanItems/Trippin.Event",
            [_without_type(PLAN_ITEMS[1]), _without_type(PLAN_ITEMS[6])],
        ),
        ("PlanItems/Trippin.PlanItem", "PlanItems", list(PLAN_ITEMS.values())),
        ("Flights", "Flights", [_without_type(PLAN_ITEMS[2]), _without_type(PLAN_ITEMS[4])]),
        ("Flights/Trippin.PlanItem", "Flights", [_without_type(PLAN_ITEMS[2]), _without_type(PLAN_ITEMS[4])]),
        (
            "People/Trippin.Employee",
            "People/Trippin.Employee",
            [_without_type(PEOPLE[2]), PEOPLE[3], _without_type(PEOPLE[4])],
        ),
        ("People/Trippin.Manager", "People/Trippin.Manager", [_without_type(PEOPLE[3])]),
        ("Trips(1)/PlanItems/Trippin.Flight", "PlanItems/Trippin.Flight", [_without_type(PLAN_ITEMS[2])]),
        ("Trips(2)/PlanItems", "PlanItems", [PLAN_ITEMS[4], PLAN_ITEMS[5], PLAN_ITEMS[6]]),
        ("Airlines('LH')/Flights", "Flights", [_without_type(PLAN_ITEMS[4])]),
        (
            "People(3)/Trippin.Manager/DirectReports",
            "People/Trippin.Employee",
            [_without_type(PEOPLE[2]), _without_type(PEOPLE[4])],
        ),
        ("People(1)/Trippin.Manager/DirectReports", None, None),
    ],
)
async def test_a_type_cast_restricts_a_collection_to_a_derived_type(
    trippin: httpx.AsyncClient, path: str, context: str | None, entities: list[dict[str, Any]] | None
) -> None:
    response = await trippin.get(path)
    if entities is None:  # the entity is not of the type cast to
        assert_error(response, 404)
        return
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@context"] == f"{ROOT}$metadata#{context}"
    assert body["value"] == entities


@pytest.mark.parametrize(
    ("path", "context", "entity"),
    [
        ("PlanItems(2)", "PlanItems/$entity", PLAN_ITEMS[2]),
        ("PlanItems(2)/Trippin.Flight", "PlanItems/Trippin.Flight/$entity", _without_type(PLAN_ITEMS[2])),
        ("PlanItems/Trippin.Flight(2)", "PlanItems/Trippin.Flight/$entity", _without_type(PLAN_ITEMS[2])),
        ("PlanItems/Trippin.Flight/2", "PlanItems/Trippin.Flight/$entity", _without_type(PLAN_ITEMS[2])),
        ("PlanItems(2)/Trippin.PublicTransportation", "PlanItems/Trippin.PublicTransportation/$entity", PLAN_ITEMS[2]),
        ("PlanItems(2)/Trippin.PlanItem", "PlanItems/$entity", PLAN_ITEMS[2]),
        ("Flights(4)", "Flights/$entity", _without_type(PLAN_ITEMS[4])),
        ("People(3)", "People/$entity", PEOPLE[3]),
        ("People(3)/Trippin.Employee", "People/Trippin.Employee/$entity", PEOPLE[3]),
        ("People(3)/Trippin.Manager", "People/Trippin.Manager/$entity", _without_type(PEOPLE[3])),
        ("People(2)/Trippin.Employee/Manager", "People/Trippin.Manager/$entity", _without_type(PEOPLE[3])),
        ("PlanItems(2)/Trippin.Flight/Airline", "Airlines/$entity", {"AirlineCode": "AA", "Name": "American"}),
        ("PlanItems(4)/Trip/Person", "People/$entity", PEOPLE[2]),
        ("PlanItems(1)/Trippin.Flight", None, None),
        ("PlanItems/Trippin.Flight(1)", None, None),
        ("PlanItems(1)/Trippin.Flight/Airline", None, None),
        ("Flights(1)", None, None),
        ("Flights(3)", None, None),
        ("People(1)/Trippin.Employee", None, None),
        ("People(2)/Trippin.Manager", None, None),
    ],
)
async def test_a_type_cast_on_an_entity_answers_404_unless_it_is_of_that_type(
    trippin: httpx.AsyncClient, path: str, context: str | None, entity: dict[str, Any] | None
) -> None:
    response = await trippin.get(path)
    if entity is None:
        assert_error(response, 404)
        return
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.pop("@context") == f"{ROOT}$metadata#{context}"
    assert body == entity


@pytest.mark.parametrize(
    ("path", "context", "value"),
    [
        (
            "PlanItems(3)/Trippin.PublicTransportation/SeatNumber",
            "PlanItems(3)/Trippin.PublicTransportation/SeatNumber",
            "3",
        ),
        ("PlanItems(2)/Trippin.Flight/FlightNumber", "PlanItems(2)/Trippin.Flight/FlightNumber", "AA100"),
        ("Flights(2)/FlightNumber", "Flights(2)/FlightNumber", "AA100"),
        ("People(3)/Trippin.Manager/Budget", "People(3)/Trippin.Manager/Budget", 5000),
        ("PlanItems(2)/ConfirmationCode", "PlanItems(2)/ConfirmationCode", "FL2"),
    ],
)
async def test_a_property_of_a_derived_type_is_addressed_behind_its_cast(
    trippin: httpx.AsyncClient, path: str, context: str, value: object
) -> None:
    body = (await trippin.get(path)).json()
    assert body == {"@context": f"{ROOT}$metadata#{context}", "value": value}
    raw = await trippin.get(f"{path}/$value")
    assert raw.text == str(value)


@pytest.mark.parametrize(
    ("path", "count"),
    [
        ("PlanItems/$count", 6),
        ("PlanItems/Trippin.Flight/$count", 2),
        ("PlanItems/Trippin.PublicTransportation/$count", 4),
        ("PlanItems/Trippin.PublicTransportation/$count?$filter=SeatNumber eq '3'", 1),
        ("People/Trippin.Employee/$count", 3),
        ("People/Trippin.Manager/$count", 1),
        ("Trips(1)/PlanItems/Trippin.Event/$count", 1),
        ("Flights/$count", 2),
    ],
)
async def test_count_of_a_cast_collection(trippin: httpx.AsyncClient, path: str, count: int) -> None:
    response = await trippin.get(path)
    assert response.status_code == 200, response.text
    assert response.text == str(count)


@pytest.mark.parametrize(
    ("path", "status", "target"),
    [
        ("PlanItems/Trippin.Airline", 400, "Trippin.Airline"),
        ("PlanItems(1)/Trippin.Person", 400, "Trippin.Person"),
        ("People/Trippin.Flight", 400, "Trippin.Flight"),
        ("Flights/Trippin.Event", 400, "Trippin.Event"),
        ("PlanItems(2)/Trippin.Flight(1)", 400, "Trippin.Flight"),
        ("PlanItems/Trippin.Flight('x')", 400, "PlanItemID"),
        ("PlanItems(2)/Airline", 404, "Airline"),
        ("PlanItems(2)/FlightNumber", 404, "FlightNumber"),
        ("People(3)/Budget", 404, "Budget"),
        ("PlanItems/Trippin.Flight/Trippin.Flight", 400, "Trippin.Flight"),
        ("PlanItems(2)/Trippin.PublicTransportation/Trippin.Flight", 400, "Trippin.Flight"),
    ],
)
async def test_a_cast_outside_the_hierarchy_or_a_member_of_a_derived_type_without_a_cast_is_refused(
    trippin: httpx.AsyncClient, path: str, status: int, target: str
) -> None:
    assert_error(await trippin.get(path), status, target)


@pytest.mark.parametrize(
    ("headers", "control", "types"),
    [
        ({}, "@type", {1: "#Trippin.Event", 2: "#Trippin.Flight", 3: "#Trippin.PublicTransportation"}),
        (V40, "@odata.type", {1: "#Trippin.Event", 2: "#Trippin.Flight", 3: "#Trippin.PublicTransportation"}),
        (NONE, "@type", {}),
    ],
    ids=["minimal 4.01", "minimal 4.0", "none"],
)
async def test_type_control_information_follows_the_metadata_level(
    trippin: httpx.AsyncClient, headers: dict[str, str], control: str, types: dict[int, str]
) -> None:
    entities = (await trippin.get("Trips(1)/PlanItems", headers=headers)).json()["value"]
    assert {entity["PlanItemID"]: entity[control] for entity in entities if control in entity} == types
    people = (await trippin.get("People", headers=headers)).json()["value"]
    assert control not in people[0]  # russell is of the declared type


@pytest.mark.parametrize(("headers", "prefix"), [({}, "@"), (V40, "@odata.")], ids=["4.01", "4.0"])
async def test_full_metadata_types_every_entity_and_links_derived_navigation_behind_a_cast(
    trippin: httpx.AsyncClient, headers: dict[str, str], prefix: str
) -> None:
    entities = (await trippin.get("PlanItems", headers={**FULL, **headers})).json()["value"]
    flight, event = entities[1], entities[0]
    assert list(flight)[:3] == [f"{prefix}type", f"{prefix}id", f"{prefix}editLink"]
    assert flight[f"{prefix}type"] == "#Trippin.Flight"
    assert flight[f"{prefix}id"] == f"{ROOT}PlanItems(2)"
    assert flight[f"Trip{prefix}navigationLink"] == f"{ROOT}PlanItems(2)/Trip"
    assert flight[f"Airline{prefix}navigationLink"] == f"{ROOT}PlanItems(2)/Trippin.Flight/Airline"
    assert flight[f"Airline{prefix}associationLink"] == f"{ROOT}PlanItems(2)/Trippin.Flight/Airline/$ref"
    assert f"Airline{prefix}navigationLink" not in event and "FlightNumber" not in event
    followed = await trippin.get(flight[f"Airline{prefix}navigationLink"])
    assert followed.json()["AirlineCode"] == "AA"
    person = (await trippin.get("People(1)", headers={**FULL, **headers})).json()
    assert person[f"{prefix}type"] == "#Trippin.Person"
    cast = (await trippin.get("PlanItems/Trippin.Flight", headers={**FULL, **headers})).json()["value"]
    assert [entity[f"{prefix}type"] for entity in cast] == ["#Trippin.Flight", "#Trippin.Flight"]


@pytest.mark.parametrize(
    ("path", "expression", "keys"),
    [
        ("PlanItems", "isof(Trippin.Flight)", [2, 4]),
        ("PlanItems", "isof($it,Trippin.PublicTransportation)", [2, 3, 4, 5]),
        ("PlanItems", "not isof(Trippin.PublicTransportation)", [1, 6]),
        ("PlanItems", "isof(Trippin.PlanItem)", [1, 2, 3, 4, 5, 6]),
        ("PlanItems", "isof(Trippin.Airline)", []),
        ("PlanItems", "isof(ConfirmationCode,Trippin.Flight)", []),
        ("PlanItems", "isof(Trip,Trippin.Trip)", [1, 2, 3, 4, 5, 6]),
        ("PlanItems", "isof(Trip/Person,Trippin.Employee)", [4, 5, 6]),
        ("PlanItems", "Trippin.Flight/FlightNumber eq 'AA100'", [2]),
        ("PlanItems", "Trippin.Flight/FlightNumber ne 'AA100'", [1, 3, 4, 5, 6]),
        ("PlanItems", "Trippin.Flight/FlightNumber eq null", [1, 3, 5, 6]),
        ("PlanItems", "Trippin.PublicTransportation/SeatNumber eq '7'", [5]),
        ("PlanItems", "startswith(Trippin.Event/Description,'Mus')", [6]),
        ("PlanItems", "Trippin.Flight/Airline/Name eq 'Lufthansa'", [4]),
        ("PlanItems", "Trippin.Flight/Airline eq null", [1, 3, 5, 6]),
        ("PlanItems", "cast($it,Trippin.Flight) ne null", [2, 4]),
        ("PlanItems", "cast(Trippin.Event) eq null", [2, 3, 4, 5]),
        ("PlanItems", "cast($it,Trippin.PlanItem) ne null", [1, 2, 3, 4, 5, 6]),
        ("PlanItems", "Trippin.PlanItem/ConfirmationCode eq 'EV1'", [1]),
        ("PlanItems", "Trip/Person/Trippin.Employee/Cost gt 50", [4, 5, 6]),
        ("PlanItems/Trippin.PublicTransportation", "isof(Trippin.Flight)", [2, 4]),
        ("PlanItems/Trippin.PublicTransportation", "SeatNumber eq '3'", [3]),
        ("Trips", "PlanItems/Trippin.Flight/any(f:f/FlightNumber eq 'LH400')", [2]),
        ("Trips", "PlanItems/any(p:isof(p,Trippin.Event))", [1, 2]),
        ("Trips", "PlanItems/any(p:p/Trippin.Flight/Airline/AirlineCode eq 'AA')", [1]),
        ("Trips", "PlanItems/Trippin.Flight/$count eq 1", [1, 2]),
        ("Trips", "PlanItems/all(p:isof(p,Trippin.PublicTransportation))", [3]),
        ("Trips", "PlanItems/Trippin.PublicTransportation/all(p:p/SeatNumber ne '3')", [2, 3]),
        ("Trips", "isof(Person,Trippin.Manager)", [3]),
        ("People", "Trippin.Manager/Budget gt 1000", [3]),
        ("People", "Trippin.Employee/Cost ge 150", [3, 4]),
        ("People", "Trippin.Employee/Manager/UserName eq 'ronald'", [2, 4]),
        ("People", "Trippin.Manager/DirectReports/any(e:e/Cost lt 120)", [3]),
        ("People", "Trips/any(t:t/PlanItems/Trippin.Flight/any())", [1, 2]),
        ("People/Trippin.Employee", "Cost gt 120", [3, 4]),
        ("People/Trippin.Employee", "isof(Trippin.Manager)", [3]),
        ("Airlines", "Flights/any(f:f/SeatNumber eq '1C')", ["LH"]),
    ],
)
async def test_filter_with_type_casts_isof_and_cast(
    trippin: httpx.AsyncClient, path: str, expression: str, keys: list[object]
) -> None:
    response = await trippin.get(f"{path}?$filter={expression}")
    assert response.status_code == 200, response.text
    key_name = {"Trips": "TripID", "Airlines": "AirlineCode"}.get(
        path, "PersonID" if "People" in path else "PlanItemID"
    )
    assert [entity[key_name] for entity in response.json()["value"]] == keys


@pytest.mark.parametrize(
    ("expression", "target"),
    [
        ("Trippin.Airline/Name eq 'x'", "$filter"),
        ("Trippin.Flight/Nope eq 'x'", "$filter"),
        ("Trippin.Flight/Trippin.Flight/FlightNumber eq 'x'", "$filter"),
        ("FlightNumber eq 'x'", "$filter"),
        ("cast($it,Trippin.Flight)", "$filter"),
        ("isof()", "$filter"),
    ],
)
async def test_filter_with_a_bad_cast_is_400(trippin: httpx.AsyncClient, expression: str, target: str) -> None:
    assert_error(await trippin.get(f"PlanItems?$filter={expression}"), 400, target)


@pytest.mark.parametrize(
    ("path", "orderby", "keys"),
    [
        ("PlanItems?$filter=isof(Trippin.Flight)", "Trippin.Flight/FlightNumber desc", [4, 2]),
        (
            "PlanItems?$filter=isof(Trippin.PublicTransportation)",
            "Trippin.PublicTransportation/SeatNumber",
            [2, 4, 3, 5],
        ),
        ("People?$filter=isof(Trippin.Employee)", "Trippin.Employee/Cost desc", [3, 4, 2]),
        ("People", "isof(Trippin.Employee),PersonID desc", [1, 4, 3, 2]),
    ],
)
async def test_orderby_with_type_casts(trippin: httpx.AsyncClient, path: str, orderby: str, keys: list[int]) -> None:
    response = await trippin.get(f"{path}&$orderby={orderby}" if "?" in path else f"{path}?$orderby={orderby}")
    assert response.status_code == 200, response.text
    key_name = "PersonID" if path.startswith("People") else "PlanItemID"
    assert [entity[key_name] for entity in response.json()["value"]] == keys


async def test_select_of_a_derived_property_writes_it_for_entities_of_that_type_only(
    trippin: httpx.AsyncClient,
) -> None:
    body = (await trippin.get("PlanItems?$select=PlanItemID,Trippin.Flight/FlightNumber")).json()
    assert body["@context"] == f"{ROOT}$metadata#PlanItems(PlanItemID,Trippin.Flight/FlightNumber)"
    assert [_without_type(entity) for entity in body["value"]] == [
        {"PlanItemID": 1},
        {"PlanItemID": 2, "FlightNumber": "AA100"},
        {"PlanItemID": 3},
        {"PlanItemID": 4, "FlightNumber": "LH400"},
        {"PlanItemID": 5},
        {"PlanItemID": 6},
    ]


@pytest.mark.parametrize(
    ("path", "select", "shown"),
    [
        ("PlanItems", "ConfirmationCode", {2: {"ConfirmationCode": "FL2"}, 5: {"ConfirmationCode": "BUS5"}}),
        (
            "PlanItems",
            "Trippin.PublicTransportation/SeatNumber",
            {1: {}, 2: {"SeatNumber": "12A"}, 5: {"SeatNumber": "7"}},
        ),
        ("PlanItems", "Trippin.Flight/ConfirmationCode", {1: {}, 2: {"ConfirmationCode": "FL2"}}),
        ("PlanItems", "Trippin.PlanItem/ConfirmationCode", {1: {"ConfirmationCode": "EV1"}}),
        ("PlanItems", "Trippin.Flight/Airline", {2: {}}),
        ("PlanItems", "*", {2: _without_type(PLAN_ITEMS[2])}),
        (
            "People",
            "Trippin.Manager/Budget,UserName",
            {1: {"UserName": "russell"}, 3: {"UserName": "ronald", "Budget": 5000}},
        ),
        (
            "People/Trippin.Employee",
            "Cost,Trippin.Manager/Budget",
            {2: {"Cost": 100}, 3: {"Cost": 200, "Budget": 5000}},
        ),
    ],
)
async def test_select_with_type_casts(
    trippin: httpx.AsyncClient, path: str, select: str, shown: dict[int, dict[str, Any]]
) -> None:
    response = await trippin.get(f"{path}?$select={select}")
    assert response.status_code == 200, response.text
    key_name = "PersonID" if path.startswith("People") else "PlanItemID"
    by_key = {}
    for entity in response.json()["value"]:
        key = int(entity.get(key_name) or entity["@id"].rsplit("(", 1)[1].rstrip(")"))
        by_key[key] = {name: value for name, value in entity.items() if not name.startswith("@")}
    for key, properties in shown.items():
        if key_name not in properties and key_name not in select and select != "*":
            by_key[key].pop(key_name, None)
        assert by_key[key] == properties


@pytest.mark.parametrize(
    ("select", "target"),
    [
        ("Trippin.Airline/Name", "$select"),
        ("Trippin.Flight/Nope", "$select"),
        ("Trippin.Nope/Name", "$select"),
        ("FlightNumber", "$select"),
    ],
)
async def test_select_with_a_bad_cast_is_400(trippin: httpx.AsyncClient, select: str, target: str) -> None:
    assert_error(await trippin.get(f"PlanItems?$select={select}"), 400, target)


async def test_expand_a_collection_of_entities_of_derived_types(trippin: httpx.AsyncClient) -> None:
    body = (await trippin.get("Trips?$expand=PlanItems")).json()
    assert body["@context"] == f"{ROOT}$metadata#Trips(PlanItems())"
    assert {trip["TripID"]: trip["PlanItems"] for trip in body["value"]} == {
        1: [PLAN_ITEMS[1], PLAN_ITEMS[2], PLAN_ITEMS[3]],
        2: [PLAN_ITEMS[4], PLAN_ITEMS[5], PLAN_ITEMS[6]],
        3: [],
    }


@pytest.mark.parametrize(
    ("path", "context", "expanded"),
    [
        (
            "Trips?$expand=PlanItems/Trippin.Flight($select=FlightNumber)",
            "Trips(PlanItems(FlightNumber))",
            {1: [{"FlightNumber": "AA100"}], 2: [{"FlightNumber": "LH400"}], 3: []},
        ),
        (
            "Trips?$expand=PlanItems($filter=isof(Trippin.Event);$select=Trippin.Event/Description)",
            "Trips(PlanItems(Trippin.Event/Description))",
            {1: [{"Description": "Concert"}], 2: [{"Description": "Museum"}], 3: []},
        ),
        (
            "Trips?$expand=PlanItems($orderby=Trippin.Flight/FlightNumber desc;$top=1;$filter=isof(Trippin.Flight);$select=PlanItemID)",
            "Trips(PlanItems(PlanItemID))",
            {1: [{"PlanItemID": 2}], 2: [{"PlanItemID": 4}], 3: []},
        ),
        (
            "Trips?$expand=Person/Trippin.Employee($select=Cost)",
            "Trips(Person(Cost))",
            {1: None, 2: {"Cost": 100}, 3: {"Cost": 200}},
        ),
    ],
)
async def test_expand_with_a_type_cast_after_the_navigation_property(
    trippin: httpx.AsyncClient, path: str, context: str, expanded: dict[int, Any]
) -> None:
    response = await trippin.get(path)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@context"] == f"{ROOT}$metadata#{context}"

    def shown(entity: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if entity is None else {k: v for k, v in entity.items() if not k.startswith("@")}

    nav = "PlanItems" if "PlanItems" in path else "Person"
    got = {
        trip["TripID"]: [shown(item) for item in trip[nav]] if isinstance(trip[nav], list) else shown(trip[nav])
        for trip in body["value"]
    }
    assert got == expanded


@pytest.mark.parametrize(
    ("path", "context", "name", "expanded"),
    [
        (
            "PlanItems?$expand=Trippin.Flight/Airline($select=Name)",
            "PlanItems(Trippin.Flight/Airline(Name))",
            "Airline",
            {2: {"Name": "American"}, 4: {"Name": "Lufthansa"}},
        ),
        (
            "People?$expand=Trippin.Manager/DirectReports($select=UserName)",
            "People(Trippin.Manager/DirectReports(UserName))",
            "DirectReports",
            {3: [{"UserName": "scott"}, {"UserName": "javier"}]},
        ),
        (
            "People?$expand=Trippin.Employee/Manager($select=UserName)",
            "People(Trippin.Employee/Manager(UserName))",
            "Manager",
            {2: {"UserName": "ronald"}, 3: None, 4: {"UserName": "ronald"}},
        ),
        (
            "People/Trippin.Employee?$expand=Manager($select=Budget)",
            "People/Trippin.Employee(Manager(Budget))",
            "Manager",
            {2: {"Budget": 5000}, 3: None, 4: {"Budget": 5000}},
        ),
        (
            "Airlines?$expand=Flights($select=FlightNumber)",
            "Airlines(Flights(FlightNumber))",
            "Flights",
            {"AA": [{"FlightNumber": "AA100"}], "LH": [{"FlightNumber": "LH400"}]},
        ),
    ],
)
async def test_expand_a_navigation_property_of_a_derived_type_only_on_entities_of_it(
    trippin: httpx.AsyncClient, path: str, context: str, name: str, expanded: dict[object, Any]
) -> None:
    response = await trippin.get(path)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@context"] == f"{ROOT}$metadata#{context}"

    def shown(entity: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if entity is None else {k: v for k, v in entity.items() if not k.startswith("@")}

    key_name = {"Airlines": "AirlineCode", "People": "PersonID"}.get(path.split("?")[0].split("/")[0], "PlanItemID")
    got = {}
    for entity in body["value"]:
        if name in entity:
            value = entity[name]
            got[entity[key_name]] = [shown(item) for item in value] if isinstance(value, list) else shown(value)
    assert got == expanded


@pytest.mark.parametrize(
    ("path", "expand", "status"),
    [
        ("PlanItems", "Trippin.Airline/Flights", 400),
        ("PlanItems", "Airline", 400),
        ("PlanItems", "Trippin.Flight/Nope", 400),
        ("Trips", "PlanItems/Trippin.Person", 400),
        ("PlanItems", "Trippin.Flight/*", 501),
    ],
)
async def test_expand_with_a_bad_cast_is_refused(
    trippin: httpx.AsyncClient, path: str, expand: str, status: int
) -> None:
    assert_error(await trippin.get(f"{path}?$expand={expand}"), status, "$expand")


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("PlanItems", 1),
        ("People", 1),
        ("People/Trippin.Employee?$filter=Trippin.Manager/Budget gt 0 or Cost gt 0", 1),
        ("Trips?$expand=PlanItems", 2),
        ("Trips?$expand=PlanItems($expand=Trippin.Flight/Airline)", 3),
        ("People?$expand=Trippin.Manager/DirectReports($expand=Trips($expand=PlanItems))", 4),
        ("Airlines?$expand=Flights($expand=Trip($expand=Person))", 4),
    ],
)
async def test_one_query_per_collection_and_expanded_level(
    service: ODataService, trippin: httpx.AsyncClient, path: str, queries: int
) -> None:
    with statements(service) as seen:
        response = await trippin.get(path)
    assert response.status_code == 200, response.text
    assert len(seen) == queries, seen


async def test_joined_types_read_in_one_select_with_outer_joins(
    service: ODataService, trippin: httpx.AsyncClient
) -> None:
    with statements(service) as seen:
        await trippin.get("People")
    (statement,) = seen
    assert statement.count("LEFT OUTER JOIN") == 2
    assert "inh_managers" in statement and "inh_employees" in statement


@pytest.mark.parametrize(
    "path", ["PlanItems", "People", "Trips(2)/PlanItems", "PlanItems/Trippin.PublicTransportation"]
)
async def test_pages_of_entities_of_derived_types(trippin: httpx.AsyncClient, path: str) -> None:
    everything = (await trippin.get(path)).json()["value"]
    paged = await read_all(trippin, path, headers={"Prefer": "odata.maxpagesize=2"})
    assert paged == everything


async def test_expanded_collection_of_a_cast_pages_behind_the_same_cast(trippin: httpx.AsyncClient) -> None:
    body = (
        await trippin.get(
            "Trips(1)?$expand=PlanItems/Trippin.PublicTransportation", headers={"Prefer": "odata.maxpagesize=1"}
        )
    ).json()
    assert [item["PlanItemID"] for item in body["PlanItems"]] == [2]
    next_link = body["PlanItems@nextLink"]
    assert next_link.startswith(f"{ROOT}Trips(1)/PlanItems/Trippin.PublicTransportation?")
    rest = await read_all(trippin, next_link)
    assert [item["PlanItemID"] for item in rest] == [3]


async def test_compute_and_search_on_a_set_with_derived_types(trippin: httpx.AsyncClient) -> None:
    computed = await trippin.get(
        "PlanItems?$filter=isof(Trippin.Flight)&$compute=concat(Trippin.Flight/FlightNumber,'!') as Loud"
        "&$select=PlanItemID,Loud"
    )
    assert computed.status_code == 200, computed.text
    assert [(e["PlanItemID"], e["Loud"]) for e in computed.json()["value"]] == [(2, "AA100!"), (4, "LH400!")]
    found = (await trippin.get("PlanItems?$search=FL4")).json()["value"]
    assert found == [PLAN_ITEMS[4]]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("PlanItems?$apply=groupby((TripID),aggregate($count as N))", 200),
        ("People?$apply=aggregate(PersonID with max as M)", 200),
        ("PlanItems?$apply=filter(TripID eq 1)", 501),
        ("PlanItems?$apply=filter(isof(Trippin.Flight))/aggregate($count as N)", 501),
        ("PlanItems?$apply=filter(Trippin.Flight/FlightNumber eq null)/aggregate($count as N)", 501),
        ("PlanItems/Trippin.Flight?$apply=aggregate($count as N)", 501),
        ("Trips?$apply=filter(TripID eq 1)", 200),
    ],
)
async def test_apply_aggregates_sets_with_derived_types_and_refuses_what_it_cannot_type(
    trippin: httpx.AsyncClient, path: str, status: int
) -> None:
    response = await trippin.get(path)
    if status == 200:
        assert response.status_code == 200, response.text
    else:
        assert_error(response, status, "$apply")
    if path.startswith("PlanItems?$apply=groupby"):
        assert [(row["TripID"], row["N"]) for row in response.json()["value"]] == [(1, 3), (2, 3)]
