"""Bound functions and actions of derived types, and bound operations after a type cast
(URL Conventions §4.11, §4.5.1; CSDL §12.1.3: an operation bound to a type applies to its
derived types too), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
import sqlalchemy as sa
from lxml import etree

from odata_server import ModelError, ODataService, OperationContext
from tests.conftest import assert_error
from tests.csdl_schemas import edmx_schema
from tests.inheritance.trippin import Employee, Event, Flight, Manager, PlanItem, fill, trippin_service


@pytest.fixture(scope="module")
async def service(database_url: str) -> ODataService:
    """The Trippin service with operations bound to base and derived types."""
    service = trippin_service(database_url)

    @service.function(bound=True)
    async def FlightLabel(flight: Flight) -> str:
        """Bound to the derived type Flight."""
        return f"{flight.AirlineCode} {flight.FlightNumber}"

    @service.function(bound=True)
    async def ClassName(item: PlanItem) -> str:
        """Bound to the base type: it gets an instance of the entity's own class."""
        return type(item).__name__

    @service.function(bound=True)
    async def FlightNumbers(context: OperationContext, flights: list[Flight]) -> list[str]:
        """Bound to a collection of the derived type: a select of Flight."""
        return sorted(flight.FlightNumber or "" for flight in await context.session.scalars(flights))  # type: ignore[call-overload]

    @service.function(bound=True)
    async def CountItems(context: OperationContext, items: list[PlanItem]) -> int:
        """Bound to a collection of the base type: counts what the URL addresses."""
        return len((await context.session.scalars(items)).all())  # type: ignore[arg-type]

    @service.function(bound=True, composable=True, entity_set_path="managers")
    async def RichManagers(managers: list[Manager], atLeast: Decimal) -> list[Manager]:
        """Composable, bound to a collection of a joined-table derived type."""
        return managers.where(Manager.Budget >= atLeast)  # type: ignore[attr-defined,no-any-return]

    @service.action(bound=True)
    async def Raise(context: OperationContext, manager: Manager, amount: int) -> int:
        """An action bound to the third level of the joined-table hierarchy."""
        manager.Budget = (manager.Budget or 0) + amount
        return manager.Budget

    @service.function(composable=True)
    async def FirstEvent() -> Event:
        """Unbound, returns a derived type that has no entity set of its own: PlanItems holds it."""
        return sa.select(Event).order_by(Event.PlanItemID).limit(1)  # type: ignore[return-value]

    await fill(service)
    return service


CALLS = [
    # A function of a derived type, after a cast or on the derived type's own set.
    ("PlanItems(2)/Trippin.Flight/Trippin.FlightLabel()", "AA AA100"),
    ("Flights(4)/Trippin.FlightLabel()", "LH LH400"),
    ("PlanItems/Trippin.Flight(2)/Trippin.FlightLabel()", "AA AA100"),
    # A function of the base type applies to derived entities; the instance is of their own class.
    ("PlanItems(1)/Trippin.ClassName()", "Event"),
    ("PlanItems(2)/Trippin.ClassName()", "Flight"),
    ("PlanItems(2)/Trippin.Flight/Trippin.ClassName()", "Flight"),
    ("Flights(2)/Trippin.ClassName()", "Flight"),
    ("PlanItems(5)/Trippin.ClassName()", "Bus"),  # a class the service leaves out is still loaded as itself
    # Collections: of the derived type after a cast, and of the base type.
    ("PlanItems/Trippin.Flight/Trippin.FlightNumbers()", ["AA100", "LH400"]),
    ("Flights/Trippin.FlightNumbers()", ["AA100", "LH400"]),
    ("PlanItems/Trippin.CountItems()", 6),
    ("PlanItems/Trippin.Flight/Trippin.CountItems()", 2),
    ("PlanItems/Trippin.PublicTransportation/Trippin.CountItems()", 4),
    ("Trips(1)/PlanItems/Trippin.Flight/Trippin.CountItems()", 1),
]


@pytest.mark.parametrize(("url", "expected"), CALLS)
async def test_bound_functions(trippin: httpx.AsyncClient, url: str, expected: object) -> None:
    response = await trippin.get(url)
    assert response.status_code == 200, response.text
    assert response.json()["value"] == expected


async def test_composable_function_of_a_joined_derived_type(trippin: httpx.AsyncClient) -> None:
    response = await trippin.get(
        "People/Trippin.Manager/Trippin.RichManagers(atLeast=0)",
        params={"$select": "PersonID,Budget", "$orderby": "PersonID"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@context"].endswith("$metadata#People/Trippin.Manager(PersonID,Budget)")
    managers = body["value"]
    assert managers and all(
        set(m) == {"@odata.id", "PersonID", "Budget"} or set(m) == {"PersonID", "Budget"} for m in managers
    )


NOT_FOUND = [
    "PlanItems(1)/Trippin.Flight/Trippin.FlightLabel()",  # entity 1 is an Event: the cast finds nothing
    "PlanItems(99)/Trippin.ClassName()",
]


@pytest.mark.parametrize("url", NOT_FOUND)
async def test_bound_function_on_no_entity(trippin: httpx.AsyncClient, url: str) -> None:
    assert_error(await trippin.get(url), 404)


@pytest.mark.parametrize(
    "url",
    [
        "PlanItems(2)/Trippin.FlightLabel()",  # bound to Flight, the path addresses a PlanItem: cast first
        "PlanItems/Trippin.FlightNumbers()",
        "PlanItems(2)/Trippin.Event/Trippin.FlightLabel()",
    ],
)
async def test_operation_of_a_derived_type_needs_the_cast(trippin: httpx.AsyncClient, url: str) -> None:
    response = await trippin.get(url)
    assert response.status_code in (400, 404), response.text
    assert_error(response, response.status_code)


async def test_second_cast_before_an_operation(trippin: httpx.AsyncClient) -> None:
    assert_error(await trippin.get("PlanItems(2)/Trippin.PublicTransportation/Trippin.Flight/Trippin.ClassName()"), 400)


async def test_action_bound_to_a_derived_type(trippin: httpx.AsyncClient, service: ODataService) -> None:
    async with service.engine.connect() as connection:
        manager_id, budget = (
            await connection.execute(sa.select(Manager.PersonID, Manager.Budget).order_by(Manager.PersonID).limit(1))
        ).one()
    response = await trippin.post(f"People({manager_id})/Trippin.Manager/Trippin.Raise", json={"amount": 10})
    assert response.status_code == 200, response.text
    assert response.json()["value"] == budget + 10
    after = await trippin.get(f"People({manager_id})/Trippin.Manager/Budget")
    assert after.json()["value"] == budget + 10
    # Not a manager: the cast finds no entity.
    async with service.engine.connect() as connection:
        employee_id = (
            await connection.execute(
                sa.select(Employee.PersonID).where(Employee.PersonID.not_in(sa.select(Manager.PersonID))).limit(1)
            )
        ).scalar_one()
    assert_error(await trippin.post(f"People({employee_id})/Trippin.Manager/Trippin.Raise", json={"amount": 1}), 404)
    # Without the cast the path addresses a Person, and Raise is not bound to Person.
    assert_error(await trippin.post(f"People({employee_id})/Trippin.Raise", json={"amount": 1}), 400)


async def test_unbound_function_returning_a_derived_type(trippin: httpx.AsyncClient) -> None:
    response = await trippin.get("FirstEvent()")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@context"].endswith("$metadata#PlanItems/Trippin.Event/$entity")
    assert body["PlanItemID"] == 1 and body["Description"] == "Concert"
    assert "@type" not in body  # the type the context URL implies
    described = (await trippin.get("FirstEvent()/Description")).json()
    assert described["value"] == "Concert"
    metadata = (await trippin.get("$metadata")).text
    edmx_schema().assertValid(etree.fromstring(metadata.encode()))
    assert '<FunctionImport Name="FirstEvent" Function="Trippin.FirstEvent" EntitySet="PlanItems" />' in metadata


async def _returns_flight() -> Flight:
    raise AssertionError("not called")


async def _returns_event() -> Event:
    raise AssertionError("not called")


@pytest.mark.parametrize(
    ("returning", "entity_set", "chosen"),
    [
        (_returns_flight, None, "Flights"),  # the set of the type itself comes first
        (_returns_flight, "PlanItems", "PlanItems"),  # a set of a base type holds it too
        (_returns_event, None, "PlanItems"),  # no set of its own: the nearest base type's
    ],
)
def test_entity_set_of_an_unbound_function_returning_a_derived_type(
    returning: object, entity_set: str | None, chosen: str
) -> None:
    service = trippin_service("sqlite://")
    service.function(name="F", entity_set=entity_set)(returning)  # type: ignore[arg-type]
    assert service.model.operation_imports["F"].entity_set == chosen


def test_entity_set_of_another_hierarchy_fails_at_start_up() -> None:
    service = trippin_service("sqlite://")
    service.function(name="F", entity_set="People")(_returns_flight)
    with pytest.raises(ModelError, match="entity set People holds Person entities, but the operation returns Flight"):
        service.asgi()
