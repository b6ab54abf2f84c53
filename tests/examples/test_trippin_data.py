"""Tests of the TripPin sample data: its shape, loading it once, and putting it back with reset_trippin."""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import selectinload

from examples.trippin.data import ME, TABLE_NAMES, ensure_trippin, reset_trippin, trippin_dataset
from examples.trippin.models import (
    Airline,
    Airport,
    Base,
    Employee,
    Event,
    Feature,
    Flight,
    Person,
    PersonGender,
    Trip,
)
from odata_server import JsonValue, async_engine
from odata_server.edm.sqltypes import json_native
from tests.conftest import private_database

EXPECTED_COUNTS = {
    "Airlines": 10,
    "Airports": 13,
    "Photos": 8,
    "People": 21,
    "Employees": 4,
    "PersonFriends": 50,
    "Trips": 15,
    "PlanItems": 45,
    "TripPhotos": 4,
}

Snapshot = dict[str, list[dict[str, Any]]]


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on a new, empty database."""
    async with private_database(request.param, "trippin_data", tmp_path) as url:
        engine = async_engine(url)
        try:
            yield engine
        finally:
            await engine.dispose()


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (SQLite gives back naive UTC datetimes)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _normal(value: Any) -> Any:
    return _utc(value) if isinstance(value, datetime) else value


async def _rows(connection: AsyncConnection, table: Table) -> list[dict[str, Any]]:
    statement = select(table).order_by(*table.primary_key.columns)
    result = await connection.execute(statement)
    return [{key: _normal(value) for key, value in row.items()} for row in result.mappings()]


async def _snapshot(engine: AsyncEngine) -> Snapshot:
    async with engine.connect() as connection:
        return {name: await _rows(connection, _table(name)) for name in TABLE_NAMES}


async def _counts(connection: AsyncConnection) -> dict[str, int]:
    return {name: await connection.scalar(select(func.count()).select_from(_table(name))) for name in TABLE_NAMES}


def _expected(name: str) -> list[dict[str, Any]]:
    """The dataset's rows of table ``name`` as they read back: every column, JSON in its stored form, sorted by key."""
    table = _table(name)
    rows = []
    for row in trippin_dataset()[name]:
        expected = {}
        for column in table.columns:
            value = row.get(column.name)
            expected[column.name] = json_native(value) if isinstance(column.type, JsonValue) else value
        rows.append(expected)
    key = [column.name for column in table.primary_key.columns]
    return sorted(rows, key=lambda row: tuple(row[k] for k in key))


# --- the dataset itself ------------------------------------------------------------


def test_dataset_counts_and_tables() -> None:
    dataset = trippin_dataset()
    assert {name: len(rows) for name, rows in dataset.items()} == EXPECTED_COUNTS
    assert tuple(dataset) == TABLE_NAMES
    assert [table.name for table in Base.metadata.sorted_tables] == list(TABLE_NAMES)
    assert trippin_dataset() == dataset, "the dataset is deterministic"


def test_people() -> None:
    dataset = trippin_dataset()
    people = {row["UserName"]: row for row in dataset["People"]}
    assert ME in people
    assert set(Counter(row["Gender"] for row in people.values())) == set(PersonGender)
    assert Feature(0) in {row["FavoriteFeature"] for row in people.values()}
    assert len({row["FavoriteFeature"] for row in people.values()}) >= 6
    assert any(row["Age"] is None for row in people.values()) and any(row["Age"] for row in people.values())
    assert {len(row["Emails"]) for row in people.values()} == {0, 1, 2, 3}
    assert {len(row["AddressInfo"]) for row in people.values()} == {0, 1, 2}
    assert 3 <= sum("HomeAddress" in row for row in people.values()) < len(people)
    assert all(row["Kind"] == ("Employee" if row["UserName"] in _employees() else "Person") for row in people.values())
    photo_ids = {row["Id"] for row in dataset["Photos"]}
    assert {row["PhotoId"] for row in people.values()} - {None} <= photo_ids

    friends: dict[str, list[str]] = {name: [] for name in people}
    for link in dataset["PersonFriends"]:
        assert link["FriendUserName"] in people and link["FriendUserName"] != link["UserName"]
        friends[link["UserName"]].append(link["FriendUserName"])
    assert len(friends.pop(ME)) > 5
    assert all(1 <= len(names) <= 5 for names in friends.values()), friends


def _employees() -> dict[str, int]:
    return {row["UserName"]: row["Cost"] for row in trippin_dataset()["Employees"]}


def test_trips_and_plan_items() -> None:
    dataset = trippin_dataset()
    trips = {(row["UserName"], row["TripId"]): row for row in dataset["Trips"]}
    assert len(trips) == len(dataset["Trips"]), "TripIds are unique per person"
    assert len({user for user, _ in trips}) == 10
    assert sorted(trip_id for user, trip_id in trips if user == "russellwhyte") == [0, 1, 2]
    assert any(row["ShareId"] is None for row in trips.values())
    share_ids = [row["ShareId"] for row in trips.values() if row["ShareId"] is not None]
    assert len(set(share_ids)) == len(share_ids) >= 5
    assert {len(row["Tags"]) for row in trips.values()} == {0, 1, 2, 3}
    for row in trips.values():
        assert row["StartsAt"].tzinfo is UTC and row["StartsAt"] < row["EndsAt"]

    airports = {row["IcaoCode"] for row in dataset["Airports"]}
    airlines = {row["AirlineCode"] for row in dataset["Airlines"]}
    items_per_trip = Counter((row["UserName"], row["TripId"]) for row in dataset["PlanItems"])
    assert set(items_per_trip) == set(trips) and set(items_per_trip.values()) <= {1, 2, 3, 4}
    assert len({(row["UserName"], row["TripId"], row["PlanItemId"]) for row in dataset["PlanItems"]}) == 45
    kinds = Counter(row["Kind"] for row in dataset["PlanItems"])
    assert kinds == {"Flight": 29, "Event": 16}
    for item in dataset["PlanItems"]:
        trip = trips[item["UserName"], item["TripId"]]
        assert trip["StartsAt"] <= item["StartsAt"] < item["EndsAt"] <= trip["EndsAt"], item
        assert item["Duration"] == item["EndsAt"] - item["StartsAt"]
        if item["Kind"] == "Flight":
            assert {item["FromIcaoCode"], item["ToIcaoCode"]} <= airports
            assert item["FromIcaoCode"] != item["ToIcaoCode"]
            assert item["AirlineCode"] in airlines and item["FlightNumber"].startswith(item["AirlineCode"])
        else:
            assert item["Description"] and item["OccursAt"].City.Name
            assert "FromIcaoCode" not in item and "SeatNumber" not in item
    for link in dataset["TripPhotos"]:
        assert (link["UserName"], link["TripId"]) in trips


def test_photos_are_valid_images() -> None:
    photos = trippin_dataset()["Photos"]
    assert Counter(row["ContentType"] for row in photos) == {"image/png": 4, "image/jpeg": 4}
    assert len({row["Data"] for row in photos}) == len(photos)
    for row in photos:
        data = row["Data"]
        if row["ContentType"] == "image/png":
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
            offset = 8
            while offset < len(data):
                (length,) = struct.unpack(">I", data[offset : offset + 4])
                kind_and_data = data[offset + 4 : offset + 8 + length]
                (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
                assert zlib.crc32(kind_and_data) == crc
                if kind_and_data[:4] == b"IDAT":
                    width, height = struct.unpack(">II", data[16:24])
                    assert len(zlib.decompress(kind_and_data[4:])) == height * (1 + 3 * width)
                offset += 12 + length
            assert data.endswith(b"IEND\xaeB`\x82")
        else:
            assert data.startswith(b"\xff\xd8\xff\xe0") and data.endswith(b"\xff\xd9")


# --- loading -------------------------------------------------------------------------


async def test_ensure_fills_once(engine: AsyncEngine) -> None:
    assert await ensure_trippin(engine) is True
    async with engine.connect() as connection:
        assert await _counts(connection) == EXPECTED_COUNTS
    snapshot = await _snapshot(engine)
    assert await ensure_trippin(engine) is False
    assert await _snapshot(engine) == snapshot
    for name in TABLE_NAMES:
        assert snapshot[name] == _expected(name), name


async def test_spot_checks(engine: AsyncEngine) -> None:
    await ensure_trippin(engine)
    async with AsyncSession(engine) as session:
        russell = await session.scalar(
            select(Person)
            .where(Person.UserName == "russellwhyte")
            .options(selectinload(Person.Trips).selectinload(Trip.Photos), selectinload(Person.Photo))
        )
        assert russell is not None and type(russell) is Person
        assert (russell.FirstName, russell.LastName, russell.Gender) == ("Russell", "Whyte", PersonGender.Male)
        assert russell.FavoriteFeature == Feature.Wifi | Feature.Meals
        assert russell.AddressInfo == [
            {"Address": "187 Suffolk Ln.", "City": {"Name": "Boise", "CountryRegion": "United States", "Region": "ID"}}
        ]
        assert russell.Photo is not None and russell.Photo.ContentType == "image/png"
        trips = sorted(russell.Trips, key=lambda trip: trip.TripId)
        assert [(trip.TripId, trip.Name, trip.Budget) for trip in trips] == [
            (0, "Trip in US", 3000),
            (1, "Trip in Beijing", 2000),
            (2, "Honeymoon", 2650),
        ]
        assert str(trips[0].ShareId) == "9d9b2fa0-efbf-490e-a5e3-bac8f7d47354"
        assert trips[0].Tags == ["business", "New York meeting"]
        assert _utc(trips[0].StartsAt) == datetime(2014, 1, 1, tzinfo=UTC)
        assert sorted((photo.Id, photo.Name) for photo in trips[2].Photos) == [
            (6, "Tokyo Tower"),
            (7, "Honeymoon dinner"),
        ]

        flight = await session.scalar(
            select(Flight)
            .where(Flight.UserName == "russellwhyte", Flight.TripId == 0, Flight.PlanItemId == 1)
            .options(selectinload(Flight.From), selectinload(Flight.To), selectinload(Flight.Airline))
        )
        assert isinstance(flight, Flight)
        assert isinstance(flight.From, Airport) and flight.From.IataCode == "SFO"
        assert flight.From.Name == "San Francisco International Airport"
        assert flight.From.Location["City"] == {
            "Name": "San Francisco",
            "CountryRegion": "United States",
            "Region": "CA",
        }
        assert flight.From.Latitude == pytest.approx(37.62, abs=0.01)
        assert isinstance(flight.To, Airport) and flight.To.IcaoCode == "KJFK"
        assert isinstance(flight.Airline, Airline) and flight.Airline.Name == "American Airlines"
        assert (flight.FlightNumber, flight.SeatNumber, flight.ConfirmationCode) == ("AA4035", "17A", "JH58493")
        assert flight.Duration == timedelta(hours=5, minutes=30)

        event = await session.get(Event, ("russellwhyte", 0, 2))
        assert isinstance(event, Event) and event.Description == "Dinner with the New York office"
        assert event.OccursAt is not None and event.OccursAt["BuildingInfo"] == "The Shops, ground floor"

        marshall = await session.scalar(select(Employee).where(Employee.UserName == "marshallgaray"))
        assert marshall is not None and marshall.Cost == 1250000 and marshall.MiddleName == "J"
        employees = await session.execute(select(Employee.UserName, Employee.Cost).order_by(Employee.UserName))
        assert {name: cost for name, cost in employees} == _employees()
        assert type(await session.get(Person, "keithpinckney")) is Employee

        me = await session.scalar(select(Person).where(Person.UserName == ME).options(selectinload(Person.Friends)))
        assert me is not None
        assert {friend.UserName for friend in me.Friends} == {
            "russellwhyte",
            "scottketchum",
            "javieralfred",
            "clydeguess",
            "salliesampson",
            "jonirosales",
            "georginabarlow",
            "kristakemp",
        }

        ursula = await session.get(Person, "ursulabright")
        assert ursula is not None and (ursula.Emails, ursula.AddressInfo, ursula.HomeAddress) == ([], [], None)
        assert ursula.FavoriteFeature == Feature(0)

    async with engine.connect() as connection:
        people = _table("People")
        without_home = await connection.scalar(
            select(func.count()).select_from(people).where(people.c.HomeAddress.is_(None))
        )
        assert without_home == sum("HomeAddress" not in row for row in trippin_dataset()["People"])


# --- resetting -----------------------------------------------------------------------


async def _change_everything(connection: AsyncConnection) -> None:
    """Change, delete and add rows in most tables."""
    people, trips, plan_items = _table("People"), _table("Trips"), _table("PlanItems")
    trip_photos, photos, friends = _table("TripPhotos"), _table("Photos"), _table("PersonFriends")
    await connection.execute(
        update(people)
        .where(people.c.UserName == "russellwhyte")
        .values(FirstName="Rusty", Emails=["rusty@example.com"])
    )
    await connection.execute(update(_table("Employees")).values(Cost=1))
    await connection.execute(delete(trip_photos).where(trip_photos.c.UserName == "russellwhyte"))
    await connection.execute(delete(plan_items).where(plan_items.c.UserName == "russellwhyte"))
    await connection.execute(delete(trips).where(trips.c.UserName == "russellwhyte", trips.c.TripId == 1))
    await connection.execute(update(trips).values(Tags=["changed"], Budget=1))
    await connection.execute(delete(friends).where(friends.c.UserName == ME))
    await connection.execute(update(people).where(people.c.PhotoId == 3).values(PhotoId=None))
    await connection.execute(delete(photos).where(photos.c.Id == 3))
    await connection.execute(delete(_table("Airlines")).where(_table("Airlines").c.AirlineCode == "TK"))
    await connection.execute(
        update(_table("Airports")).where(_table("Airports").c.IcaoCode == "KSFO").values(Name="SFO")
    )
    await connection.execute(
        insert(people).values(
            UserName="newcomer",
            FirstName="New",
            LastName="Comer",
            Gender=PersonGender.Unknown,
            Emails=[],
            AddressInfo=[],
            FavoriteFeature=Feature.Lounge,
            Concurrency=0,
            Kind="Person",
        )
    )
    await connection.execute(insert(friends).values(UserName="newcomer", FriendUserName=ME))
    photo = {"Name": "new", "Data": b"x", "ContentType": "image/png"}
    if connection.dialect.name != "postgresql":
        photo["Id"] = 9  # SQLite: a BIGINT key is no rowid alias, so it gets no automatic value
    await connection.execute(insert(photos).values(**photo))


async def test_reset_restores_the_data(engine: AsyncEngine) -> None:
    await ensure_trippin(engine)
    original = await _snapshot(engine)
    async with engine.begin() as connection:
        await _change_everything(connection)
        assert await _counts(connection) != EXPECTED_COUNTS
    changed = await _snapshot(engine)
    assert all(changed[name] != original[name] for name in TABLE_NAMES), "every table was changed"
    async with engine.begin() as connection:
        await reset_trippin(connection)
    assert await _snapshot(engine) == original

    if engine.dialect.name == "postgresql":
        # the Photos key sequence follows the sample ids, not the photo added before the reset
        async with engine.begin() as connection:
            photos = _table("Photos")
            new_id = await connection.scalar(insert(photos).values(Name="after reset").returning(photos.c.Id))
        assert new_id == 9


async def test_reset_leaves_the_commit_to_the_caller(engine: AsyncEngine) -> None:
    await ensure_trippin(engine)
    async with engine.begin() as connection:
        await _change_everything(connection)
    changed = await _snapshot(engine)
    async with engine.connect() as connection:
        await reset_trippin(connection)
        assert await _counts(connection) == EXPECTED_COUNTS
        await connection.rollback()
    assert await _snapshot(engine) == changed


async def test_ensure_refills_when_people_is_empty(engine: AsyncEngine) -> None:
    """Airlines, airports and photos left without people do not stop the sample data coming back."""
    await ensure_trippin(engine)
    original = await _snapshot(engine)
    async with engine.begin() as connection:
        for name in reversed(TABLE_NAMES):
            if name not in ("Airlines", "Airports", "Photos"):
                await connection.execute(delete(_table(name)))
        await connection.execute(update(_table("Airlines")).values(Name="renamed"))
    assert await ensure_trippin(engine) is True
    assert await _snapshot(engine) == original
