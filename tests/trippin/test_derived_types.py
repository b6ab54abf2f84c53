"""The TripPin example's derived types, through HTTP on SQLite and PostgreSQL: ``Employee``
derives from ``Person`` (joined-table inheritance) and the plan items contained in trips
are flights and events (single-table inheritance), so casts meet containment."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ROOT, read_all

TRIP = "People('russellwhyte')/Trips(0)"


async def test_employees_are_people_of_a_derived_type(trippin: httpx.AsyncClient) -> None:
    people = await read_all(trippin, "People?$select=UserName")
    employees = await read_all(trippin, "People/Trippin.Employee")
    marked = [person["UserName"] for person in people if person.get("@type") == "#Trippin.Employee"]
    assert marked and [employee["UserName"] for employee in employees] == marked
    assert all(isinstance(employee["Cost"], int) and "@type" not in employee for employee in employees)
    assert await read_all(trippin, "People?$filter=isof(Trippin.Employee)&$select=UserName") == [
        person for person in people if person.get("@type") == "#Trippin.Employee"
    ]


async def test_contained_plan_items_are_flights_and_events(trippin: httpx.AsyncClient) -> None:
    body = (await trippin.get(f"{TRIP}/PlanItems")).json()
    assert body["@context"] == f"{ROOT}$metadata#{TRIP}/PlanItems"
    items = body["value"]
    assert {item["@type"] for item in items} == {"#Trippin.Flight", "#Trippin.Event"}
    flights = [item for item in items if item["@type"] == "#Trippin.Flight"]
    assert all("FlightNumber" in flight and "Description" not in flight for flight in flights)
    count = await trippin.get(f"{TRIP}/PlanItems/Trippin.Flight/$count")
    assert count.text == str(len(flights))
    cast = (await trippin.get(f"{TRIP}/PlanItems/Trippin.Flight?$expand=Airline($select=Name)")).json()
    assert cast["@context"] == f"{ROOT}$metadata#{TRIP}/PlanItems/Trippin.Flight(Airline(Name))"
    assert [flight["PlanItemId"] for flight in cast["value"]] == [flight["PlanItemId"] for flight in flights]
    assert all("Name" in flight["Airline"] for flight in cast["value"])


@pytest.mark.parametrize(
    ("query", "types"),
    [
        ("$filter=isof(Trippin.Event)", {"#Trippin.Event"}),
        ("$filter=Trippin.Flight/FlightNumber ne null", {"#Trippin.Flight"}),
        ("$filter=Trippin.Flight/Airline/AirlineCode eq 'AA'", {"#Trippin.Flight"}),
    ],
)
async def test_filters_with_casts_inside_a_container(trippin: httpx.AsyncClient, query: str, types: set[str]) -> None:
    items = (await trippin.get(f"{TRIP}/PlanItems?{query}")).json()["value"]
    assert items and {item["@type"] for item in items} == types


async def test_a_flight_created_in_a_trip(trippin: httpx.AsyncClient) -> None:
    body = {"@odata.type": "#Trippin.Flight", "PlanItemId": 90, "ConfirmationCode": "NEW90", "FlightNumber": "TP90"}
    response = await trippin.post(f"{TRIP}/PlanItems", json=body)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"{ROOT}{TRIP}/PlanItems(90)"
    assert response.json()["@type"] == "#Trippin.Flight"
    changed = await trippin.patch(f"{TRIP}/PlanItems(90)/Trippin.Flight", json={"FlightNumber": "TP91"})
    assert changed.status_code == 204, changed.text
    assert (await trippin.get(f"{TRIP}/PlanItems(90)/Trippin.Flight/FlightNumber")).json()["value"] == "TP91"
    refused = await trippin.post(f"{TRIP}/PlanItems", json={"PlanItemId": 91})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "AbstractType"
    deleted = await trippin.delete(f"{TRIP}/PlanItems(90)")
    assert deleted.status_code == 204
