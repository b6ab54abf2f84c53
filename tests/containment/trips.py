"""A small TripPin-like service: people, the trips they contain, the plan items trips
contain, and the singletons ``Me`` (whoever the ``X-User`` header names) and ``Admin``.

The keys cover both ways a contained table is keyed:

- ``Trip`` has a primary key of its own (``TripId``, generated) and a foreign key
  ``PersonUserName`` to its person, which is not part of the key;
- ``PlanItem`` has a composite primary key ``(TripId, PlanItemId)`` that holds its
  foreign key to the trip: its OData key is ``PlanItemId`` alone, unique only within
  its trip (trips 1 and 4 both have a plan item 11). Its person's key is in no column
  of its own, so its canonical URL needs the person through its trip.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

import httpx
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy import Column, ForeignKey, Integer, Numeric, String, Table, insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from odata_server import ODataService, ServiceConfig
from odata_server.messages import ODataRequest
from tests.conftest import app_client


class TripBase(DeclarativeBase):
    pass


friendships = Table(
    "test_friendships",
    TripBase.metadata,
    Column("UserName", ForeignKey("test_people.UserName"), primary_key=True),
    Column("FriendName", ForeignKey("test_people.UserName"), primary_key=True),
)


class Person(TripBase):
    __tablename__ = "test_people"

    UserName: Mapped[str] = mapped_column(String(40), primary_key=True)
    FirstName: Mapped[str] = mapped_column(String(40))
    LastName: Mapped[str | None] = mapped_column(String(40))
    Version: Mapped[int] = mapped_column(Integer, default=1)

    Friends: Mapped[list[Person]] = relationship(
        secondary=friendships,
        primaryjoin=UserName == friendships.c.UserName,
        secondaryjoin=UserName == friendships.c.FriendName,
    )
    Trips: Mapped[list[Trip]] = relationship(back_populates="Person", cascade="all, delete-orphan")


class Trip(TripBase):
    __tablename__ = "test_trips"

    TripId: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    PersonUserName: Mapped[str] = mapped_column(ForeignKey("test_people.UserName"), nullable=False)
    Name: Mapped[str] = mapped_column(String(60))
    Budget: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))

    Person: Mapped[Person] = relationship(back_populates="Trips")
    PlanItems: Mapped[list[PlanItem]] = relationship(back_populates="Trip", cascade="all, delete-orphan")


class PlanItem(TripBase):
    __tablename__ = "test_plan_items"

    TripId: Mapped[int] = mapped_column(ForeignKey("test_trips.TripId"), primary_key=True)
    PlanItemId: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ConfirmationCode: Mapped[str | None] = mapped_column(String(20))

    Trip: Mapped[Trip] = relationship(back_populates="PlanItems")


PEOPLE = [
    {"UserName": "russellwhyte", "FirstName": "Russell", "LastName": "Whyte"},
    {"UserName": "scottketchum", "FirstName": "Scott", "LastName": "Ketchum"},
    {"UserName": "ronaldmundy", "FirstName": "Ronald", "LastName": "Mundy"},
    {"UserName": "aprilcline", "FirstName": "April", "LastName": "Cline"},
]
FRIENDSHIPS = [
    {"UserName": "russellwhyte", "FriendName": "scottketchum"},
    {"UserName": "russellwhyte", "FriendName": "ronaldmundy"},
    {"UserName": "aprilcline", "FriendName": "russellwhyte"},
    {"UserName": "aprilcline", "FriendName": "scottketchum"},
]
TRIPS = [
    {"TripId": 1, "PersonUserName": "russellwhyte", "Name": "Trip in US", "Budget": Decimal("3000.00")},
    {"TripId": 2, "PersonUserName": "russellwhyte", "Name": "Trip in Beijing", "Budget": Decimal("2000.00")},
    {"TripId": 3, "PersonUserName": "russellwhyte", "Name": "Honeymoon", "Budget": Decimal("2650.00")},
    {"TripId": 4, "PersonUserName": "scottketchum", "Name": "Trip in Paris", "Budget": Decimal("5000.00")},
    {"TripId": 5, "PersonUserName": "aprilcline", "Name": "Trip in Lander", "Budget": Decimal("800.00")},
]
PLAN_ITEMS = [
    {"TripId": 1, "PlanItemId": 11, "ConfirmationCode": "JH58493"},
    {"TripId": 1, "PlanItemId": 12, "ConfirmationCode": "JH38143"},
    {"TripId": 1, "PlanItemId": 13, "ConfirmationCode": None},
    {"TripId": 2, "PlanItemId": 21, "ConfirmationCode": "JH58494"},
    {"TripId": 4, "PlanItemId": 11, "ConfirmationCode": "PA00001"},
]


def signed_in_user(request: ODataRequest) -> dict[str, object] | None:
    """``Me``: the person the ``X-User`` header names (a stand-in for authentication)."""
    user = request.header("x-user")
    return {"UserName": user} if user else None


def trips_service(database_url: str, config: ServiceConfig | None = None) -> ODataService:
    service = ODataService(database_url, namespace="Trips", config=config)
    service.add(Person, name="People", version="Version", contains=["Trips"])
    service.contain(Trip, contains=["PlanItems"], search=["Name"])
    service.singleton("Me", Person, key=signed_in_user, version="Version")
    service.singleton("Admin", Person, key={"UserName": "russellwhyte"})
    return service


async def reset(engine: sa.ext.asyncio.AsyncEngine) -> None:
    """The tables dropped, created and filled anew."""
    async with engine.begin() as connection:
        await connection.run_sync(TripBase.metadata.drop_all)
        await connection.run_sync(TripBase.metadata.create_all)
        for table, rows in (
            (Person.__table__, PEOPLE),
            (friendships, FRIENDSHIPS),
            (Trip.__table__, TRIPS),
            (PlanItem.__table__, PLAN_ITEMS),
        ):
            await connection.execute(insert(table), rows)
        if connection.dialect.name == "postgresql":  # the rows above gave the generated keys
            await connection.exec_driver_sql("SELECT setval('\"test_trips_TripId_seq\"', 5)")


@asynccontextmanager
async def trips_client(
    database_url: str, config: ServiceConfig | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, ODataService]]:
    """An HTTP client on the trips service, its tables created and filled in ``database_url``."""
    service = trips_service(database_url, config)
    await reset(service.engine)
    app = FastAPI()
    service.mount(app, "/odata")
    async with app_client(app) as client:
        yield client, service
