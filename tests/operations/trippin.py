"""A small travel service with functions and actions of every kind, on SQLite and PostgreSQL.

- ``People`` (key ``UserName``) have ``Trips`` and ``Friends``; an ``Airline`` may be a
  person's favourite (by code only, no navigation property); ``Airports`` have coordinates.
- Unbound functions return entities (``GetNearestAirport``, ``TopAirports``, ``GetPerson``,
  the ``Search`` overloads) and values (``Greeting``, ``EchoLocation``, ...); bound ones
  are bound to a person or to a collection of people.
- Actions change data (``AddTrip``, ``ShareTrip``, ``Rename``, ``RaiseBudgets``) or fail
  on purpose (``Fail``).
- ``Echo<Type>`` functions and ``Echo<Type>Action`` actions return their argument, one
  per parameter type, for the tests of values.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Column, ForeignKey, Integer, Numeric, String, Table, delete, func, insert, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from odata_server import ODataService, OperationContext, ServiceConfig
from odata_server.edm.types import PrimitiveType
from odata_server.errors import BadRequestError
from tests.conftest import app_client


class TripBase(DeclarativeBase):
    pass


friendships = Table(
    "op_friendships",
    TripBase.metadata,
    Column("UserName", ForeignKey("op_people.UserName"), primary_key=True),
    Column("FriendName", ForeignKey("op_people.UserName"), primary_key=True),
)


class Airline(TripBase):
    __tablename__ = "op_airlines"

    AirlineCode: Mapped[str] = mapped_column(String(4), primary_key=True)
    Name: Mapped[str] = mapped_column(String(40))


class Airport(TripBase):
    __tablename__ = "op_airports"

    IcaoCode: Mapped[str] = mapped_column(String(4), primary_key=True)
    Name: Mapped[str] = mapped_column(String(60))
    Latitude: Mapped[float]
    Longitude: Mapped[float]


class Person(TripBase):
    __tablename__ = "op_people"

    UserName: Mapped[str] = mapped_column(String(20), primary_key=True)
    FirstName: Mapped[str] = mapped_column(String(20))
    Age: Mapped[int | None]
    FavoriteAirlineCode: Mapped[str | None] = mapped_column(ForeignKey("op_airlines.AirlineCode"))

    Trips: Mapped[list[Trip]] = relationship(back_populates="Owner", order_by="Trip.TripId")
    Friends: Mapped[list[Person]] = relationship(
        secondary=friendships,
        primaryjoin=lambda: Person.UserName == friendships.c.UserName,
        secondaryjoin=lambda: Person.UserName == friendships.c.FriendName,
    )


class Trip(TripBase):
    __tablename__ = "op_trips"

    TripId: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    OwnerName: Mapped[str] = mapped_column(ForeignKey("op_people.UserName"))
    Name: Mapped[str] = mapped_column(String(40))
    Budget: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    Owner: Mapped[Person] = relationship(back_populates="Trips")


class Color(enum.Enum):
    Red = 1
    Green = 2
    Blue = 3


class Feature(enum.Flag):
    Wifi = 1
    Meals = 2
    Lounge = 4


@dataclass
class Location:
    Address: str
    Latitude: float
    Longitude: float | None = None


@dataclass
class City:
    Name: str
    Location: Location
    Tags: list[str]


AIRLINES = [{"AirlineCode": "AA", "Name": "American Airlines"}, {"AirlineCode": "FM", "Name": "Shanghai Airline"}]
AIRPORTS = [
    {"IcaoCode": "KLAX", "Name": "Los Angeles International Airport", "Latitude": 33.94, "Longitude": -118.41},
    {"IcaoCode": "KSFO", "Name": "San Francisco International Airport", "Latitude": 37.62, "Longitude": -122.38},
    {"IcaoCode": "KJFK", "Name": "John F. Kennedy International Airport", "Latitude": 40.64, "Longitude": -73.78},
    {"IcaoCode": "ZSSS", "Name": "Shanghai Hongqiao International Airport", "Latitude": 31.2, "Longitude": 121.34},
    {"IcaoCode": "EGLL", "Name": "Heathrow Airport", "Latitude": 51.47, "Longitude": -0.45},
]
PEOPLE = [
    {"UserName": "russellwhyte", "FirstName": "Russell", "Age": 31, "FavoriteAirlineCode": "AA"},
    {"UserName": "scottketchum", "FirstName": "Scott", "Age": 42, "FavoriteAirlineCode": "FM"},
    {"UserName": "ronaldmundy", "FirstName": "Ronald", "Age": 25, "FavoriteAirlineCode": None},
    {"UserName": "javieralfred", "FirstName": "Javier", "Age": None, "FavoriteAirlineCode": None},
]
FRIENDS = [
    {"UserName": "russellwhyte", "FriendName": "scottketchum"},
    {"UserName": "russellwhyte", "FriendName": "ronaldmundy"},
    {"UserName": "scottketchum", "FriendName": "russellwhyte"},
]
TRIPS = [
    {"TripId": 1, "OwnerName": "russellwhyte", "Name": "Trip in US", "Budget": Decimal("3000.00")},
    {"TripId": 2, "OwnerName": "russellwhyte", "Name": "Trip in Beijing", "Budget": Decimal("2000.00")},
    {"TripId": 3, "OwnerName": "scottketchum", "Name": "Honeymoon", "Budget": Decimal("2650.00")},
    {"TripId": 4, "OwnerName": "scottketchum", "Name": "Business trip", "Budget": Decimal("500.00")},
    {"TripId": 5, "OwnerName": "ronaldmundy", "Name": "Weekend away", "Budget": Decimal("300.00")},
]

#: The parameter types the Echo operations take and return, by their name's suffix.
ECHO_TYPES: dict[str, object] = {
    "String": str,
    "Boolean": bool,
    "Int32": int,
    "Int64": Annotated[int, PrimitiveType.INT64],
    "Double": float,
    "Decimal": Decimal,
    "Date": dt.date,
    "DateTimeOffset": dt.datetime,
    "TimeOfDay": dt.time,
    "Duration": dt.timedelta,
    "Guid": uuid.UUID,
    "Binary": bytes,
    "Location": Location,
    "City": City,
    "Color": Color,
    "Feature": Feature,
    "Strings": list[str],
    "Locations": list[Location],
    "OptionalInt": int | None,
}


def _echo(name: str, annotation: object) -> Any:
    async def echo(value: Any) -> Any:
        return value

    echo.__name__ = echo.__qualname__ = name
    echo.__annotations__ = {"value": annotation, "return": annotation}
    return echo


async def _next_trip_id(context: OperationContext) -> int:
    """A key for a new trip: from 100 on, the trips ``ResetDataSource`` removes."""
    highest = await context.connection.scalar(select(func.max(Trip.TripId)))
    return max((highest or 0) + 1, 100)


def trippin_service(database_url: str, **settings: Any) -> ODataService:
    """The service, with its entity sets and operations declared; ``settings`` override :class:`ServiceConfig`'s."""
    service = ODataService(database_url, namespace="Trippin", config=ServiceConfig.from_env(**settings))
    service.add(Person, name="People", etag=True)
    service.add_all(TripBase)

    @service.function(entity_set="Airports", composable=True)
    async def GetNearestAirport(context: OperationContext, lat: float, lon: float) -> Airport:
        distance = func.abs(Airport.Latitude - lat) + func.abs(Airport.Longitude - lon)
        return select(Airport).order_by(distance).limit(1)

    @service.function(composable=True, include_in_service_document=True)
    async def TopAirports(count: int) -> list[Airport]:
        """The ``count`` airports last by name: an order that is not the key's."""
        return select(Airport).order_by(Airport.Name.desc()).limit(count)

    @service.function
    async def GetPerson(context: OperationContext, userName: str) -> Person | None:
        return await context.session.get(Person, userName)

    @service.function(name="Search")
    async def search_by_name(text: str) -> list[Person]:
        return select(Person).where(Person.FirstName.contains(text))

    @service.function(name="Search")
    async def search_by_name_and_age(text: str, minAge: int) -> list[Person]:
        return select(Person).where(Person.FirstName.contains(text), Person.Age >= minAge)

    @service.function
    async def Greeting(name: str | None) -> str | None:
        return None if name is None else f"Hello, {name}"

    @service.function
    async def CountPeople(context: OperationContext) -> int:
        return int(await context.connection.scalar(select(func.count()).select_from(Person)) or 0)

    @service.function(bound=True, composable=True)
    async def GetFavoriteAirline(person: Person) -> Airline:
        return select(Airline).where(Airline.AirlineCode == person.FavoriteAirlineCode)

    @service.function(bound=True, composable=True, entity_set_path="person/Trips")
    async def GetFriendsTrips(person: Person, userName: str) -> list[Trip]:
        friends = select(friendships.c.FriendName).where(friendships.c.UserName == person.UserName)
        return select(Trip).where(Trip.OwnerName == userName, Trip.OwnerName.in_(friends))

    @service.function(bound=True)
    async def TripNames(context: OperationContext, person: Person) -> list[str]:
        owned = select(Trip.Name).where(Trip.OwnerName == person.UserName).order_by(Trip.TripId)
        return list(await context.connection.scalars(owned))

    @service.function(bound=True)
    async def FirstTripName(context: OperationContext, person: Person) -> str:
        """The name of the person's first trip: no result (404) for a person without trips."""
        first = select(Trip.Name).where(Trip.OwnerName == person.UserName).order_by(Trip.TripId).limit(1)
        return await context.connection.scalar(first)  # type: ignore[return-value]

    @service.function(bound=True, composable=True, entity_set_path="people")
    async def Oldest(people: list[Person]) -> Person:
        return people.where(Person.Age.is_not(None)).order_by(Person.Age.desc()).limit(1)

    @service.function(bound=True)
    async def AverageAge(context: OperationContext, people: list[Person]) -> float | None:
        ages = people.subquery()
        average = await context.connection.scalar(select(func.avg(ages.c.Age)))
        return None if average is None else float(average)

    @service.action(entity_set="Trips")
    async def AddTrip(context: OperationContext, userName: str, name: str, budget: Decimal) -> Trip:
        trip = Trip(TripId=await _next_trip_id(context), OwnerName=userName, Name=name, Budget=budget)
        context.session.add(trip)
        return trip

    @service.action(bound=True)
    async def ShareTrip(context: OperationContext, person: Person, userName: str, tripId: int) -> None:
        trip = await context.session.get(Trip, tripId)
        if trip is None or trip.OwnerName != person.UserName:
            raise BadRequestError(f"{person.UserName} has no trip {tripId}", target="tripId")
        await context.connection.execute(
            insert(Trip).values(
                TripId=await _next_trip_id(context), OwnerName=userName, Name=trip.Name, Budget=trip.Budget
            )
        )

    @service.action(bound=True, entity_set_path="person")
    async def Rename(person: Person, firstName: str) -> Person:
        person.FirstName = firstName
        return person

    @service.action(bound=True, entity_set_path="trips")
    async def RaiseBudgets(context: OperationContext, trips: list[Trip], percent: int) -> list[Trip]:
        chosen = trips.with_only_columns(Trip.TripId).scalar_subquery()
        factor = Decimal(100 + percent) / 100
        await context.connection.execute(
            update(Trip).where(Trip.TripId.in_(chosen)).values(Budget=Trip.Budget * factor)
        )
        return trips

    @service.action
    async def ResetDataSource(context: OperationContext) -> None:
        """Removes the trips the actions added (those from 100 on)."""
        await context.connection.execute(delete(Trip).where(Trip.TripId >= 100))

    @service.action
    async def Fail(context: OperationContext, how: str) -> None:
        """Writes a trip, then fails as asked: nothing it wrote may stay."""
        await context.connection.execute(
            insert(Trip).values(TripId=999, OwnerName="russellwhyte", Name="Doomed", Budget=Decimal(1))
        )
        if how == "odata":
            raise BadRequestError("Failing as asked", target="how")
        if how == "duplicate":
            await context.connection.execute(
                insert(Trip).values(TripId=1, OwnerName="russellwhyte", Name="Twin", Budget=Decimal(1))
            )
        raise RuntimeError("an unexpected failure")

    for suffix, annotation in ECHO_TYPES.items():
        service.function(_echo(f"Echo{suffix}", annotation))
        service.action(_echo(f"Echo{suffix}Action", annotation))
    return service


async def fill(service: ODataService) -> None:
    """Create the tables and their rows, afresh."""
    async with service.engine.begin() as connection:
        await connection.run_sync(TripBase.metadata.drop_all)
        await connection.run_sync(TripBase.metadata.create_all)
        for table, rows in (
            (Airline.__table__, AIRLINES),
            (Airport.__table__, AIRPORTS),
            (Person.__table__, PEOPLE),
            (friendships, FRIENDS),
            (Trip.__table__, TRIPS),
        ):
            await connection.execute(insert(table), rows)


@asynccontextmanager
async def trippin_client(database_url: str, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the service, its tables created and filled in ``database_url``."""
    service = trippin_service(database_url, **settings)
    await fill(service)
    app = FastAPI()
    service.mount(app, "/odata")
    app.state.odata = service
    async with app_client(app) as client:
        yield client
