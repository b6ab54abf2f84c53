"""Sample data of the TripPin example: people, their trips and plan items, airlines, airports and photos.

The data is written here as plain Python literals, modelled on the public TripPin
reference service (its user names, airlines and airports) but not copied from it.
:func:`trippin_dataset` turns the literals into rows, ``{table name: [row, ...]}``
in foreign-key order, with rows as dicts of column name → Python value (dataclasses
for the JSON columns, enums, timezone-aware UTC datetimes, ``bytes`` for photos).
A JSON column with no value is left out of its row, so it is stored as SQL NULL
rather than as the JSON ``null``.

:func:`ensure_trippin` creates the tables and fills them when ``People`` is empty;
:func:`reset_trippin` puts the sample data back inside a transaction the caller owns
(the service's ``ResetDataSource`` action).
"""

from __future__ import annotations

import struct
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from examples.trippin.models import (
    AirportLocation,
    Base,
    City,
    EventLocation,
    Feature,
    Location,
    PersonGender,
)

Row = dict[str, Any]
Dataset = dict[str, list[Row]]

ME = "aprilcline"
"""The user name of the person the singleton ``Me`` stands for."""

TABLE_NAMES: tuple[str, ...] = (
    "Airlines",
    "Airports",
    "Photos",
    "People",
    "Employees",
    "PersonFriends",
    "Trips",
    "PlanItems",
    "TripPhotos",
)
"""The tables the sample data fills, in foreign-key order (referenced tables first)."""


async def ensure_trippin(engine: AsyncEngine) -> bool:
    """Create the TripPin tables and fill them with the sample data if ``People`` is empty.

    Without people the other tables can hold only airlines, airports and photos; those
    are deleted first (as by :func:`reset_trippin`), so their keys do not collide.
    Returns True when the tables were filled, False when they already had data.
    """
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        if await connection.scalar(select(func.count()).select_from(_table("People"))):
            return False
        await reset_trippin(connection)
    return True


async def reset_trippin(connection: AsyncConnection) -> None:
    """Delete every row of the TripPin tables and insert the sample data again.

    Runs in the caller's transaction on ``connection`` and does not commit. The
    tables must exist (:func:`ensure_trippin` creates them).
    """
    for table in reversed(Base.metadata.sorted_tables):
        await connection.execute(table.delete())
    await _insert_dataset(connection, trippin_dataset())


def trippin_dataset() -> Dataset:
    """Every row of the sample data, keyed by table name in :data:`TABLE_NAMES` order; new dicts on each call."""
    return {
        "Airlines": [
            {"AirlineCode": code, "Name": name, **_logo(index)} for index, (code, name) in enumerate(_AIRLINES)
        ],
        "Airports": [_airport_row(*airport) for airport in _AIRPORTS],
        "Photos": [_photo_row(*photo) for photo in _PHOTOS],
        "People": [_person_row(person) for person in _PEOPLE],
        "Employees": [{"UserName": p.user_name, "Cost": p.cost} for p in _PEOPLE if p.cost is not None],
        "PersonFriends": [
            {"UserName": person.user_name, "FriendUserName": friend} for person in _PEOPLE for friend in person.friends
        ],
        "Trips": [_trip_row(trip) for trip in _TRIPS],
        "PlanItems": [
            {"UserName": trip.user_name, "TripId": trip.trip_id, **item} for trip in _TRIPS for item in trip.plan_items
        ],
        "TripPhotos": [
            {"UserName": trip.user_name, "TripId": trip.trip_id, "PhotoId": photo_id}
            for trip in _TRIPS
            for photo_id in trip.photos
        ],
    }


# --- inserting -----------------------------------------------------------------


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


async def _insert_dataset(connection: AsyncConnection, dataset: Dataset) -> None:
    for name in TABLE_NAMES:
        await _insert_rows(connection, _table(name), dataset[name])
    if connection.dialect.name == "postgresql":
        await _advance_sequences(connection)


async def _insert_rows(connection: AsyncConnection, table: Table, rows: list[Row]) -> None:
    """Insert ``rows``, one executemany per set of columns (rows may leave out JSON columns without a value)."""
    groups: dict[tuple[str, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    for group in groups.values():
        await connection.execute(table.insert(), group)


async def _advance_sequences(connection: AsyncConnection) -> None:
    """Move each serial sequence past the explicitly inserted ids (PostgreSQL)."""
    quote = connection.dialect.identifier_preparer.quote_identifier
    for table in Base.metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = func.pg_get_serial_sequence(quote(table.name), column.name)
        highest = select(func.max(column)).scalar_subquery()
        await connection.execute(select(func.setval(sequence, highest)))


# --- rows from the literals ------------------------------------------------------


def _utc(text: str) -> datetime:
    """``"2014-01-01 16:00"`` as a timezone-aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _airport_row(
    icao: str,
    iata: str,
    name: str,
    address: str,
    city: str,
    latitude: float,
    longitude: float,
) -> Row:
    return {
        "IcaoCode": icao,
        "Name": name,
        "IataCode": iata,
        "Location": AirportLocation(Address=address, City=_CITIES[city]),
        "Latitude": latitude,
        "Longitude": longitude,
    }


@dataclass(frozen=True)
class _Person:
    user_name: str
    first_name: str
    last_name: str
    gender: PersonGender
    friends: tuple[str, ...]
    middle_name: str | None = None
    age: int | None = None
    emails: tuple[str, ...] = ()
    addresses: tuple[tuple[str, str], ...] = ()
    """(address, city key of :data:`_CITIES`) pairs."""
    home: tuple[str, str] | None = None
    features: Feature = Feature(0)
    photo: int | None = None
    cost: int | None = None
    """Set for employees only."""


def _location(address: tuple[str, str]) -> Location:
    street, city = address
    return Location(Address=street, City=_CITIES[city])


def _person_row(person: _Person) -> Row:
    row: Row = {
        "UserName": person.user_name,
        "FirstName": person.first_name,
        "LastName": person.last_name,
        "MiddleName": person.middle_name,
        "Gender": person.gender,
        "Age": person.age,
        "Emails": list(person.emails),
        "AddressInfo": [_location(address) for address in person.addresses],
        "FavoriteFeature": person.features,
        "Concurrency": 0,
        "PhotoId": person.photo,
        "Kind": "Person" if person.cost is None else "Employee",
    }
    if person.home is not None:
        row["HomeAddress"] = _location(person.home)
    return row


@dataclass(frozen=True)
class _Trip:
    user_name: str
    trip_id: int
    name: str
    budget: float
    description: str | None
    tags: tuple[str, ...]
    starts_at: str
    ends_at: str
    plan_items: tuple[Row, ...]
    share_id: uuid.UUID | None = None
    photos: tuple[int, ...] = ()


def _trip_row(trip: _Trip) -> Row:
    return {
        "UserName": trip.user_name,
        "TripId": trip.trip_id,
        "ShareId": trip.share_id,
        "Name": trip.name,
        "Budget": trip.budget,
        "Description": trip.description,
        "Tags": list(trip.tags),
        "StartsAt": _utc(trip.starts_at),
        "EndsAt": _utc(trip.ends_at),
    }


def _plan_item(plan_item_id: int, kind: str, confirmation: str, starts_at: str, ends_at: str) -> Row:
    starts, ends = _utc(starts_at), _utc(ends_at)
    return {
        "PlanItemId": plan_item_id,
        "Kind": kind,
        "ConfirmationCode": confirmation,
        "StartsAt": starts,
        "EndsAt": ends,
        "Duration": ends - starts,
    }


def _flight(
    plan_item_id: int,
    confirmation: str,
    starts_at: str,
    ends_at: str,
    *,
    airline: str,
    number: str,
    seat: str | None,
    route: tuple[str, str],
) -> Row:
    """A flight plan item; ``route`` is (from, to) ICAO codes."""
    return {
        **_plan_item(plan_item_id, "Flight", confirmation, starts_at, ends_at),
        "SeatNumber": seat,
        "FlightNumber": number,
        "FromIcaoCode": route[0],
        "ToIcaoCode": route[1],
        "AirlineCode": airline,
    }


def _event(
    plan_item_id: int,
    confirmation: str,
    starts_at: str,
    ends_at: str,
    *,
    description: str,
    at: tuple[str, str, str | None],
) -> Row:
    """An event plan item; ``at`` is (address, city key, building info)."""
    address, city, building = at
    return {
        **_plan_item(plan_item_id, "Event", confirmation, starts_at, ends_at),
        "Description": description,
        "OccursAt": EventLocation(Address=address, City=_CITIES[city], BuildingInfo=building),
    }


# --- photo bytes -----------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _photo_row(photo_id: int, name: str, kind: str, width: int, height: int, shade: int) -> Row:
    """A photo holding a tiny valid image of one colour (``shade`` is for PNGs; the JPEGs are mid-grey)."""
    if kind == "png":
        content_type, data = "image/png", _png(width, height, shade)
    else:
        content_type, data = "image/jpeg", _jpeg(width, height)
    return {"Id": photo_id, "Name": name, "Data": data, "ContentType": content_type}


def _logo(index: int) -> dict[str, object]:
    """Every other airline has a small PNG logo."""
    if index % 2:
        return {}
    return {"Logo": _png(8, 8, 40 + 20 * index), "LogoType": "image/png"}


def _png(width: int, height: int, shade: int) -> bytes:
    """A ``width`` × ``height`` RGB PNG of one colour, compressed with stored blocks only (the same bytes everywhere)."""
    pixel = bytes((shade, 255 - shade, (shade * 3) % 256))
    raw = b"".join(b"\x00" + pixel * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        _PNG_SIGNATURE + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", _zlib_stored(raw)) + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _zlib_stored(data: bytes) -> bytes:
    """A zlib stream holding ``data`` (under 64 KiB) in one stored (uncompressed) deflate block."""
    length = struct.pack("<HH", len(data), len(data) ^ 0xFFFF)
    return b"\x78\x01" + b"\x01" + length + data + struct.pack(">I", zlib.adler32(data))


def _jpeg(width: int, height: int) -> bytes:
    """A baseline greyscale JPEG, ``width`` × ``height`` (multiples of 8), all mid-grey.

    Every 8×8 block is a zero DC difference and an end of block; the two Huffman
    tables each hold the single one-bit code ``0`` for symbol 0.
    """
    blocks = (width // 8) * (height // 8)
    bits = "00" * blocks
    bits += "1" * (-len(bits) % 8)
    scan = bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8))
    one_code = bytes([1] + [0] * 15) + b"\x00"
    return b"".join(
        (
            b"\xff\xd8",
            _jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            _jpeg_segment(0xDB, b"\x00" + bytes([1] * 64)),
            _jpeg_segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"),
            _jpeg_segment(0xC4, b"\x00" + one_code),
            _jpeg_segment(0xC4, b"\x10" + one_code),
            _jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
            scan,
            b"\xff\xd9",
        )
    )


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


# --- the data ----------------------------------------------------------------------

_CITIES: dict[str, City] = {
    "Albuquerque": City(Name="Albuquerque", CountryRegion="United States", Region="NM"),
    "Beijing": City(Name="Beijing", CountryRegion="China", Region="Beijing"),
    "Boise": City(Name="Boise", CountryRegion="United States", Region="ID"),
    "Butte": City(Name="Butte", CountryRegion="United States", Region="MT"),
    "Chicago": City(Name="Chicago", CountryRegion="United States", Region="IL"),
    "London": City(Name="London", CountryRegion="United Kingdom", Region="England"),
    "Los Angeles": City(Name="Los Angeles", CountryRegion="United States", Region="CA"),
    "New York City": City(Name="New York City", CountryRegion="United States", Region="NY"),
    "Paris": City(Name="Paris", CountryRegion="France", Region="Île-de-France"),
    "Portland": City(Name="Portland", CountryRegion="United States", Region="OR"),
    "Rome": City(Name="Rome", CountryRegion="Italy", Region="Lazio"),
    "San Francisco": City(Name="San Francisco", CountryRegion="United States", Region="CA"),
    "Seattle": City(Name="Seattle", CountryRegion="United States", Region="WA"),
    "Shanghai": City(Name="Shanghai", CountryRegion="China", Region="Shanghai"),
    "Singapore": City(Name="Singapore", CountryRegion="Singapore", Region="Singapore"),
    "Tokyo": City(Name="Tokyo", CountryRegion="Japan", Region="Tokyo"),
    "Vancouver": City(Name="Vancouver", CountryRegion="Canada", Region="BC"),
    "Whistler": City(Name="Whistler", CountryRegion="Canada", Region="BC"),
}

_AIRLINES: tuple[tuple[str, str], ...] = (
    ("AA", "American Airlines"),
    ("FM", "Shanghai Airline"),
    ("MU", "China Eastern Airlines"),
    ("AF", "Air France"),
    ("AZ", "Alitalia"),
    ("AC", "Air Canada"),
    ("BA", "British Airways"),
    ("JL", "Japan Airlines"),
    ("SQ", "Singapore Airlines"),
    ("TK", "Turkish Airlines"),
)

_AIRPORTS: tuple[tuple[str, str, str, str, str, float, float], ...] = (
    # ICAO, IATA, name, address, city, latitude, longitude
    ("KSFO", "SFO", "San Francisco International Airport", "South McDonnell Road, San Francisco, CA 94128", "San Francisco", 37.618972, -122.374889),
    ("KLAX", "LAX", "Los Angeles International Airport", "1 World Way, Los Angeles, CA, 90045", "Los Angeles", 33.9425, -118.408056),
    ("KSEA", "SEA", "Seattle-Tacoma International Airport", "17801 International Blvd, Seattle, WA 98158", "Seattle", 47.448889, -122.309444),
    ("KJFK", "JFK", "John F. Kennedy International Airport", "Jamaica, New York, NY 11430", "New York City", 40.639722, -73.778889),
    ("KBOI", "BOI", "Boise Airport", "3201 W Airport Way #1000, Boise, ID 83705", "Boise", 43.564444, -116.222778),
    ("ZSSS", "SHA", "Shanghai Hongqiao International Airport", "Hongqiao Road 2550, Changning District", "Shanghai", 31.197875, 121.336319),
    ("ZBAA", "PEK", "Beijing Capital International Airport", "Airport Road, Chaoyang District, Beijing, 100621", "Beijing", 40.0801, 116.584556),
    ("RJTT", "HND", "Tokyo Haneda Airport", "Hanedakuko, Ota City, Tokyo 144-0041", "Tokyo", 35.553333, 139.781111),
    ("WSSS", "SIN", "Singapore Changi Airport", "Airport Blvd, Singapore 819666", "Singapore", 1.359167, 103.989444),
    ("EGLL", "LHR", "London Heathrow Airport", "Longford, Hounslow TW6", "London", 51.4775, -0.461389),
    ("LFPG", "CDG", "Paris Charles de Gaulle Airport", "95700 Roissy-en-France", "Paris", 49.009722, 2.547778),
    ("LIRF", "FCO", "Leonardo da Vinci-Fiumicino Airport", "Via dell' Aeroporto di Fiumicino, 320, 00054 Fiumicino", "Rome", 41.800278, 12.238889),
    ("CYVR", "YVR", "Vancouver International Airport", "3211 Grant McConachie Way, Richmond, BC V7B 0A4", "Vancouver", 49.193889, -123.184444),
)  # fmt: skip

_PHOTOS: tuple[tuple[int, str, str, int, int, int], ...] = (
    # Id, name, format, width, height, shade (PNG colour)
    (1, "Russell's profile picture", "png", 2, 2, 40),
    (2, "Scott at the beach", "jpeg", 8, 8, 0),
    (3, "April's profile picture", "png", 3, 2, 200),
    (4, "Elaine in the office", "jpeg", 16, 8, 0),
    (5, "Times Square at night", "png", 4, 3, 90),
    (6, "Tokyo Tower", "jpeg", 8, 16, 0),
    (7, "Honeymoon dinner", "png", 2, 3, 150),
    (8, "The Colosseum", "jpeg", 16, 16, 0),
)

_PEOPLE: tuple[_Person, ...] = (
    _Person(
        "russellwhyte", "Russell", "Whyte", PersonGender.Male,
        friends=("scottketchum", "ronaldmundy", "javieralfred", "angelhuffman"),
        emails=("Russell@example.com", "Russell@contoso.com"),
        addresses=(("187 Suffolk Ln.", "Boise"),),
        home=("187 Suffolk Ln.", "Boise"),
        features=Feature.Wifi | Feature.Meals,
        photo=1,
    ),
    _Person(
        "scottketchum", "Scott", "Ketchum", PersonGender.Male,
        friends=("russellwhyte", "ronaldmundy"),
        age=41,
        emails=("Scott@example.com",),
        addresses=(("2817 Milton Dr.", "Albuquerque"),),
        features=Feature.Wifi,
        photo=2,
    ),
    _Person(
        "ronaldmundy", "Ronald", "Mundy", PersonGender.Male,
        friends=("russellwhyte", "scottketchum"),
        emails=("Ronald@example.com", "Ronald@contoso.com"),
        addresses=(("187 Suffolk Ln.", "Boise"),),
    ),
    _Person(
        "javieralfred", "Javier", "Alfred", PersonGender.Male,
        friends=("willieashmore", "vincentcalabrese"),
        age=29,
        emails=("Javier@example.com", "Javier@contoso.com", "Javier@fabrikam.com"),
        addresses=(("89 Jefferson Way Suite 2", "Portland"),),
        home=("89 Jefferson Way Suite 2", "Portland"),
        features=Feature.ExtraLegroom,
    ),
    _Person(
        "willieashmore", "Willie", "Ashmore", PersonGender.Male,
        friends=("javieralfred", "vincentcalabrese", "clydeguess"),
        age=52,
        emails=("Willie@example.com", "Willie@contoso.com"),
        features=Feature.Wifi | Feature.Lounge,
    ),
    _Person(
        "vincentcalabrese", "Vincent", "Calabrese", PersonGender.Male,
        friends=("willieashmore", "javieralfred"),
        age=38,
        emails=("Vincent@example.com", "Vincent@contoso.com"),
        addresses=(("55 Grizzly Peak Rd.", "Butte"),),
        features=Feature.Meals,
    ),
    _Person(
        "clydeguess", "Clyde", "Guess", PersonGender.Male,
        friends=("keithpinckney",),
        emails=("Clyde@example.com",),
        addresses=(("87 Polk St. Suite 5", "San Francisco"), ("1 Microsoft Way", "Seattle")),
        features=Feature.Wifi | Feature.ExtraLegroom,
    ),
    _Person(
        "keithpinckney", "Keith", "Pinckney", PersonGender.Male,
        friends=("clydeguess", "marshallgaray"),
        age=46,
        emails=("Keith@example.com", "Keith@contoso.com"),
        addresses=(("1 Liberty Plaza", "New York City"),),
        home=("12 Hanover Sq.", "New York City"),
        features=Feature.Lounge,
        cost=800000,
    ),
    _Person(
        "marshallgaray", "Marshall", "Garay", PersonGender.Male,
        friends=("keithpinckney", "ryantheriot", "elainestewart"),
        middle_name="J",
        age=57,
        emails=("Marshall@example.com", "Marshall@contoso.com"),
        addresses=(("17 Winter Garden Ln.", "Seattle"),),
        home=("17 Winter Garden Ln.", "Seattle"),
        features=Feature.Wifi | Feature.Meals | Feature.Lounge | Feature.ExtraLegroom,
        cost=1250000,
    ),
    _Person(
        "ryantheriot", "Ryan", "Theriot", PersonGender.Male,
        friends=("marshallgaray",),
        age=27,
        emails=("Ryan@example.com", "Ryan@contoso.com"),
        addresses=(("55 Grizzly Peak Rd.", "Butte"),),
    ),
    _Person(
        "elainestewart", "Elaine", "Stewart", PersonGender.Female,
        friends=("salliesampson", "jonirosales", "marshallgaray"),
        age=44,
        emails=("Elaine@example.com", "Elaine@contoso.com"),
        addresses=(("400 N. Michigan Ave.", "Chicago"),),
        features=Feature.Meals | Feature.ExtraLegroom,
        photo=4,
        cost=950000,
    ),
    _Person(
        "salliesampson", "Sallie", "Sampson", PersonGender.Female,
        friends=("elainestewart", "jonirosales"),
        age=31,
        emails=("Sallie@example.com", "Sallie@contoso.com"),
        addresses=(("87 Polk St. Suite 5", "San Francisco"), ("89 Chiaroscuro Rd.", "Portland")),
        features=Feature.Wifi,
    ),
    _Person(
        "jonirosales", "Joni", "Rosales", PersonGender.Female,
        friends=("salliesampson", "georginabarlow"),
        age=23,
        emails=("Joni@example.com", "Joni@contoso.com"),
        addresses=(("55 Grizzly Peak Rd.", "Butte"),),
    ),
    _Person(
        "georginabarlow", "Georgina", "Barlow", PersonGender.Female,
        friends=("jonirosales", "angelhuffman"),
        emails=("Georgina@example.com",),
        addresses=(("Fauntleroy Circus", "London"),),
        features=Feature.Meals | Feature.Lounge,
    ),
    _Person(
        "angelhuffman", "Angel", "Huffman", PersonGender.Female,
        friends=("russellwhyte", "georginabarlow", "laurelosborn"),
        age=36,
        emails=("Angel@example.com",),
        addresses=(("Blue Ridge Rd. 12", "Seattle"),),
        features=Feature.Wifi | Feature.Meals,
        cost=600000,
    ),
    _Person(
        "laurelosborn", "Laurel", "Osborn", PersonGender.Female,
        friends=("sandyosborn", "angelhuffman"),
        age=28,
        emails=("Laurel@example.com", "Laurel@contoso.com"),
        addresses=(("87 Polk St. Suite 5", "San Francisco"),),
    ),
    _Person(
        "sandyosborn", "Sandy", "Osborn", PersonGender.Female,
        friends=("laurelosborn",),
        emails=("Sandy@example.com", "Sandy@contoso.com"),
        addresses=(("87 Polk St. Suite 5", "San Francisco"),),
        features=Feature.ExtraLegroom,
    ),
    _Person(
        "ursulabright", "Ursula", "Bright", PersonGender.Female,
        friends=("genevievereeves",),
        age=49,
    ),
    _Person(
        "genevievereeves", "Genevieve", "Reeves", PersonGender.Unknown,
        friends=("ursulabright", "kristakemp"),
        emails=("Genevieve@example.com",),
        addresses=(("12 Rue de Rivoli", "Paris"),),
        home=("12 Rue de Rivoli", "Paris"),
        features=Feature.Lounge,
    ),
    _Person(
        "kristakemp", "Krista", "Kemp", PersonGender.Unknown,
        friends=("genevievereeves", "aprilcline"),
        middle_name="L",
        age=33,
        emails=("Krista@example.com",),
        home=("Via del Corso 101", "Rome"),
        features=Feature.Wifi | Feature.Lounge,
    ),
    _Person(
        "aprilcline", "April", "Cline", PersonGender.Female,
        friends=(
            "russellwhyte", "scottketchum", "javieralfred", "clydeguess",
            "salliesampson", "jonirosales", "georginabarlow", "kristakemp",
        ),
        age=30,
        emails=("April@example.com", "April@contoso.com"),
        addresses=(("P.O. Box 555", "Los Angeles"),),
        home=("1 Microsoft Way", "Seattle"),
        features=Feature.Wifi | Feature.Meals | Feature.ExtraLegroom,
        photo=3,
    ),
)  # fmt: skip

_TRIPS: tuple[_Trip, ...] = (
    _Trip(
        "russellwhyte", 0, "Trip in US", 3000, "Trip from San Francisco to New York City",
        ("business", "New York meeting"), "2014-01-01 00:00", "2014-01-05 00:00",
        share_id=uuid.UUID("9d9b2fa0-efbf-490e-a5e3-bac8f7d47354"),
        photos=(5,),
        plan_items=(
            _flight(1, "JH58493", "2014-01-01 16:00", "2014-01-01 21:30",
                    airline="AA", number="AA4035", seat="17A", route=("KSFO", "KJFK")),
            _event(2, "4372899DD", "2014-01-02 23:00", "2014-01-03 01:30",
                   description="Dinner with the New York office",
                   at=("10 Hudson Yards", "New York City", "The Shops, ground floor")),
            _flight(3, "JH38143", "2014-01-04 14:00", "2014-01-04 20:20",
                    airline="AA", number="AA4036", seat="2C", route=("KJFK", "KSFO")),
        ),
    ),
    _Trip(
        "russellwhyte", 1, "Trip in Beijing", 2000, "Trip from Shanghai to Beijing",
        ("Travel", "Beijing"), "2014-02-01 00:00", "2014-02-04 00:00",
        share_id=uuid.UUID("f94e9116-8bdd-4dac-ab61-08438d0d9a71"),
        plan_items=(
            _flight(1, "PH98503", "2014-02-01 01:00", "2014-02-01 03:15",
                    airline="FM", number="FM1930", seat="12C", route=("ZSSS", "ZBAA")),
            _event(2, "89XA0137", "2014-02-02 01:00", "2014-02-02 05:00",
                   description="Visit the Forbidden City",
                   at=("4 Jingshan Front St., Dongcheng", "Beijing", "Meridian Gate")),
            _flight(3, "PH98515", "2014-02-03 10:00", "2014-02-03 12:10",
                    airline="MU", number="MU5138", seat="21F", route=("ZBAA", "ZSSS")),
        ),
    ),
    _Trip(
        "russellwhyte", 2, "Honeymoon", 2650, "Happy honeymoon trip",
        ("Travel", "honeymoon"), "2014-02-10 00:00", "2014-02-20 00:00",
        share_id=uuid.UUID("9ce142c3-5fd6-4a71-848e-5220ebf1e9f3"),
        photos=(6, 7),
        plan_items=(
            _flight(1, "JL30211", "2014-02-10 18:00", "2014-02-11 05:00",
                    airline="JL", number="JL1", seat="4A", route=("KSFO", "RJTT")),
            _event(2, "RS42871", "2014-02-12 10:00", "2014-02-12 13:00",
                   description="Dinner at the top of the Park Hyatt",
                   at=("3-7-1-2 Nishi-Shinjuku", "Tokyo", "New York Grill, 52nd floor")),
            _flight(3, "JL30212", "2014-02-19 08:00", "2014-02-19 17:40",
                    airline="JL", number="JL2", seat="4A", route=("RJTT", "KSFO")),
        ),
    ),
    _Trip(
        "scottketchum", 0, "Trip in US", 5000, "Business trip from Seattle to Los Angeles",
        ("business",), "2014-03-03 00:00", "2014-03-08 00:00",
        plan_items=(
            _flight(1, "AA21045", "2014-03-03 15:00", "2014-03-03 17:50",
                    airline="AA", number="AA1204", seat="9D", route=("KSEA", "KLAX")),
            _event(2, "WS1199", "2014-03-04 17:00", "2014-03-05 00:00",
                   description="Customer workshop",
                   at=("333 S. Grand Ave.", "Los Angeles", "Wells Fargo Center, 25th floor")),
            _flight(3, "AA21046", "2014-03-06 22:00", "2014-03-07 00:55",
                    airline="AA", number="AA1205", seat="9D", route=("KLAX", "KSEA")),
        ),
    ),
    _Trip(
        "scottketchum", 1, "Trip in Europe", 11000, "A conference in London and a weekend in Paris",
        ("business", "conference", "Europe"), "2014-05-12 00:00", "2014-05-20 00:00",
        share_id=uuid.UUID("3a1c7e2b-5d84-4f6a-9b3e-0c2d71a8e5f4"),
        plan_items=(
            _flight(1, "BA77310", "2014-05-12 02:00", "2014-05-12 11:30",
                    airline="BA", number="BA48", seat="31K", route=("KSEA", "EGLL")),
            _event(2, "ODC2014", "2014-05-13 08:00", "2014-05-15 17:00",
                   description="OData conference",
                   at=("1 Western Gateway", "London", "ExCeL London, Hall S2")),
            _flight(3, "AF51902", "2014-05-16 07:15", "2014-05-16 08:30",
                    airline="AF", number="AF1081", seat="14B", route=("EGLL", "LFPG")),
            _flight(4, "AF51977", "2014-05-19 11:30", "2014-05-19 22:05",
                    airline="AF", number="AF338", seat=None, route=("LFPG", "KSEA")),
        ),
    ),
    _Trip(
        "ronaldmundy", 0, "Graduation trip", 6000, "Trip to Rome for the graduation",
        ("Travel", "graduation"), "2014-06-20 00:00", "2014-06-30 00:00",
        share_id=uuid.UUID("b7e4d2a9-6c31-4e85-8f0a-2d5b9c4e7a13"),
        plan_items=(
            _flight(1, "AZ60901", "2014-06-20 22:30", "2014-06-21 07:10",
                    airline="AZ", number="AZ609", seat="22C", route=("KJFK", "LIRF")),
            _event(2, "UNI2014", "2014-06-24 08:00", "2014-06-24 11:00",
                   description="Graduation ceremony",
                   at=("Piazzale Aldo Moro 5", "Rome", "Aula Magna")),
            _flight(3, "AZ61002", "2014-06-29 08:15", "2014-06-29 18:05",
                    airline="AZ", number="AZ610", seat="22C", route=("LIRF", "KJFK")),
        ),
    ),
    _Trip(
        "javieralfred", 0, "Weekend in Vancouver", 900, "A short trip across the border",
        (), "2014-07-11 00:00", "2014-07-14 00:00",
        plan_items=(
            _flight(1, "AC80113", "2014-07-11 16:00", "2014-07-11 17:00",
                    airline="AC", number="AC8091", seat="6A", route=("KSEA", "CYVR")),
            _event(2, "SPB0712", "2014-07-12 17:00", "2014-07-12 20:00",
                   description="Bike ride on the Seawall",
                   at=("Stanley Park Dr.", "Vancouver", None)),
        ),
    ),
    _Trip(
        "willieashmore", 0, "Trip to Singapore", 4200, "Visiting family in Singapore",
        ("family",), "2014-08-01 00:00", "2014-08-16 00:00",
        share_id=uuid.UUID("5f0e8c61-2b7d-4a94-b3c8-91e6d0f2a457"),
        plan_items=(
            _flight(1, "SQ37801", "2014-08-01 02:00", "2014-08-01 19:30",
                    airline="SQ", number="SQ37", seat="62A", route=("KLAX", "WSSS")),
            _event(2, "MBS0805", "2014-08-05 10:00", "2014-08-05 14:00",
                   description="Family reunion lunch",
                   at=("10 Bayfront Ave.", "Singapore", "Marina Bay Sands, Tower 2")),
            _flight(3, "SQ38802", "2014-08-15 01:00", "2014-08-15 16:40",
                    airline="SQ", number="SQ38", seat="62A", route=("WSSS", "KLAX")),
        ),
    ),
    _Trip(
        "willieashmore", 1, "Ski weekend", 1500, None,
        ("sport", "winter"), "2014-12-19 00:00", "2014-12-22 00:00",
        plan_items=(
            _event(1, "WB12190", "2014-12-20 16:00", "2014-12-21 00:00",
                   description="Ski lessons",
                   at=("4545 Blackcomb Way", "Whistler", "Whistler Kids, Base 2")),
        ),
    ),
    _Trip(
        "vincentcalabrese", 0, "Shanghai business trip", 3800, "Meeting suppliers in Shanghai",
        ("business", "China"), "2014-04-07 00:00", "2014-04-13 00:00",
        share_id=uuid.UUID("d2c85a3e-7f19-4b60-a4e2-6b9f1c08d735"),
        plan_items=(
            _flight(1, "MU59007", "2014-04-07 03:30", "2014-04-07 16:10",
                    airline="MU", number="MU590", seat="35H", route=("KSFO", "ZSSS")),
            _event(2, "SWFC0409", "2014-04-09 01:00", "2014-04-09 09:00",
                   description="Supplier meeting",
                   at=("100 Century Ave., Pudong", "Shanghai", "Shanghai World Financial Center, 79th floor")),
            _flight(3, "MU58912", "2014-04-12 04:00", "2014-04-12 15:30",
                    airline="MU", number="MU589", seat="35H", route=("ZSSS", "KSFO")),
        ),
    ),
    _Trip(
        "clydeguess", 0, "Tokyo food tour", 3100, "Ramen, sushi and a cooking class",
        ("food", "Japan"), "2014-10-03 00:00", "2014-10-11 00:00",
        plan_items=(
            _flight(1, "JL06703", "2014-10-03 19:00", "2014-10-04 05:05",
                    airline="JL", number="JL67", seat="40C", route=("KSEA", "RJTT")),
            _event(2, "TFM1005", "2014-10-05 20:00", "2014-10-05 23:00",
                   description="Morning tour of the fish market",
                   at=("6-6-2 Toyosu, Koto City", "Tokyo", "Toyosu Market, Building 7")),
            _event(3, "CKC1007", "2014-10-07 06:00", "2014-10-07 09:00",
                   description="Cooking class",
                   at=("2-13-5 Sendagaya, Shibuya City", "Tokyo", None)),
            _flight(4, "JL06810", "2014-10-10 07:30", "2014-10-10 16:20",
                    airline="JL", number="JL68", seat="40C", route=("RJTT", "KSEA")),
        ),
    ),
    _Trip(
        "keithpinckney", 0, "Sales kickoff in London", 5400, "The annual sales kickoff",
        ("business",), "2015-01-12 00:00", "2015-01-17 00:00",
        plan_items=(
            _flight(1, "BA17812", "2015-01-12 23:00", "2015-01-13 06:05",
                    airline="BA", number="BA178", seat="7E", route=("KJFK", "EGLL")),
            _event(2, "SKO2015", "2015-01-14 09:00", "2015-01-15 17:00",
                   description="Sales kickoff",
                   at=("1 Western Gateway", "London", "ExCeL London, Hall N1")),
            _flight(3, "BA11716", "2015-01-16 13:20", "2015-01-16 21:25",
                    airline="BA", number="BA117", seat="7E", route=("EGLL", "KJFK")),
        ),
    ),
    _Trip(
        "marshallgaray", 0, "Paris weekend", 2500, "An anniversary weekend in Paris",
        ("Travel", "anniversary"), "2015-02-12 00:00", "2015-02-18 00:00",
        share_id=uuid.UUID("8e3b6f14-c92a-4d07-b5e1-47a0d9c2f6b8"),
        plan_items=(
            _flight(1, "AF33912", "2015-02-12 21:45", "2015-02-13 07:10",
                    airline="AF", number="AF339", seat="3A", route=("KSEA", "LFPG")),
            _event(2, "BMS0214", "2015-02-14 19:00", "2015-02-14 22:00",
                   description="Dinner cruise on the Seine",
                   at=("Port de la Bourdonnais", "Paris", "Pier 3")),
            _flight(3, "AF33817", "2015-02-17 11:30", "2015-02-17 22:05",
                    airline="AF", number="AF338", seat="3A", route=("LFPG", "KSEA")),
        ),
    ),
    _Trip(
        "aprilcline", 0, "Trip to San Francisco", 1200, "Team offsite in San Francisco",
        ("business", "offsite"), "2015-03-02 00:00", "2015-03-06 00:00",
        share_id=uuid.UUID("1c9d4e7a-3b25-4f8e-a6d0-e5f7b2c48193"),
        plan_items=(
            _flight(1, "AA59203", "2015-03-02 16:00", "2015-03-02 17:25",
                    airline="AA", number="AA5920", seat="11F", route=("KLAX", "KSFO")),
            _event(2, "FB0303", "2015-03-03 17:00", "2015-03-04 01:00",
                   description="Team offsite",
                   at=("1 Ferry Building", "San Francisco", "Ferry Building, 2nd floor")),
            _flight(3, "AA59214", "2015-03-04 23:00", "2015-03-05 00:25",
                    airline="AA", number="AA5921", seat="11F", route=("KSFO", "KLAX")),
        ),
    ),
    _Trip(
        "aprilcline", 1, "Trip in Europe", 4100, "London and Rome",
        ("Travel", "Europe"), "2015-06-01 00:00", "2015-06-13 00:00",
        photos=(8,),
        plan_items=(
            _flight(1, "BA26801", "2015-06-01 03:00", "2015-06-01 13:40",
                    airline="BA", number="BA268", seat="50J", route=("KLAX", "EGLL")),
            _flight(2, "AZ20105", "2015-06-05 06:40", "2015-06-05 09:10",
                    airline="AZ", number="AZ201", seat="18D", route=("EGLL", "LIRF")),
            _event(3, "COL0607", "2015-06-07 07:00", "2015-06-07 10:00",
                   description="Tour of the Colosseum",
                   at=("Piazza del Colosseo 1", "Rome", "Underground and arena floor")),
            _flight(4, "AZ62012", "2015-06-12 08:00", "2015-06-12 20:30",
                    airline="AZ", number="AZ620", seat="27A", route=("LIRF", "KLAX")),
        ),
    ),
)  # fmt: skip
