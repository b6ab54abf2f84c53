"""SQLAlchemy models of the TripPin People service.

Class, attribute and relationship names are the entity types, properties and
navigation properties of the public TripPin reference service. What TripPin models
as complex values is a dataclass held in a JSON column (:class:`~odata_server.JsonValue`);
its enumerations are Python enums (``PersonGender``) and flags (``Feature``).
``Employee`` derives from ``Person`` by joined-table inheritance, the plan items
(``Flight``, ``Event``) from ``PlanItem`` by single-table inheritance.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    REAL,
    BigInteger,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    Interval,
    LargeBinary,
    String,
    Table,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from odata_server import FlagEnum, JsonValue


class Base(DeclarativeBase):
    """Declarative base of the TripPin models."""


class PersonGender(enum.Enum):
    Male = 0
    Female = 1
    Unknown = 2


class Feature(enum.Flag):
    """What a person wants from a trip; several may be set at once."""

    Wifi = 1
    Meals = 2
    Lounge = 4
    ExtraLegroom = 8


@dataclass
class City:
    Name: str
    CountryRegion: str
    Region: str


@dataclass
class Location:
    Address: str
    City: City


@dataclass
class EventLocation(Location):
    BuildingInfo: str | None = None


@dataclass
class AirportLocation(Location):
    """Where an airport is; TripPin's ``Loc`` (a GeographyPoint) is left out: geography types are not supported."""


PersonFriends = Table(
    "PersonFriends",
    Base.metadata,
    Column("UserName", String(50), ForeignKey("People.UserName", ondelete="CASCADE"), primary_key=True),
    Column("FriendUserName", String(50), ForeignKey("People.UserName", ondelete="CASCADE"), primary_key=True),
)

TripPhotos = Table(
    "TripPhotos",
    Base.metadata,
    Column("UserName", String(50), primary_key=True),
    Column("TripId", Integer, primary_key=True),
    Column("PhotoId", BigInteger, ForeignKey("Photos.Id", ondelete="CASCADE"), primary_key=True),
    ForeignKeyConstraint(["UserName", "TripId"], ["Trips.UserName", "Trips.TripId"], ondelete="CASCADE"),
)


class Photo(Base):
    """A photo: a media entity whose bytes are in ``Data``."""

    __tablename__ = "Photos"

    Id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    Name: Mapped[str | None] = mapped_column(String(100))
    Data: Mapped[bytes | None] = mapped_column(LargeBinary)
    ContentType: Mapped[str | None] = mapped_column(String(100))


class Person(Base):
    """A TripPin user."""

    __tablename__ = "People"

    UserName: Mapped[str] = mapped_column(String(50), primary_key=True)
    FirstName: Mapped[str] = mapped_column(String(50))
    LastName: Mapped[str] = mapped_column(String(50))
    MiddleName: Mapped[str | None] = mapped_column(String(50))
    Gender: Mapped[PersonGender] = mapped_column(Enum(PersonGender, native_enum=False, length=20))
    Age: Mapped[int | None] = mapped_column(BigInteger)
    Emails: Mapped[list[str]] = mapped_column(JsonValue(list[str]), default=list)
    AddressInfo: Mapped[list[Location]] = mapped_column(JsonValue(list[Location]), default=list)
    HomeAddress: Mapped[Location | None] = mapped_column(JsonValue(Location))
    FavoriteFeature: Mapped[Feature] = mapped_column(FlagEnum(Feature), default=Feature(0))
    Concurrency: Mapped[int] = mapped_column(BigInteger, default=0)
    PhotoId: Mapped[int | None] = mapped_column(ForeignKey("Photos.Id", ondelete="SET NULL"))
    Kind: Mapped[str] = mapped_column(String(20), default="Person")

    Friends: Mapped[list[Person]] = relationship(
        secondary=PersonFriends,
        primaryjoin=UserName == PersonFriends.c.UserName,
        secondaryjoin=UserName == PersonFriends.c.FriendUserName,
    )
    Trips: Mapped[list[Trip]] = relationship(back_populates="Person", cascade="all, delete-orphan")
    Photo: Mapped[Photo | None] = relationship()

    __mapper_args__ = {"polymorphic_on": Kind, "polymorphic_identity": "Person"}


class Employee(Person):
    """A person who works for TripPin (joined-table inheritance: its own columns are in ``Employees``)."""

    __tablename__ = "Employees"

    UserName: Mapped[str] = mapped_column(ForeignKey("People.UserName", ondelete="CASCADE"), primary_key=True)
    Cost: Mapped[int] = mapped_column(BigInteger)

    __mapper_args__ = {"polymorphic_identity": "Employee"}


class Airline(Base):
    """An airline; its logo is a stream property whose bytes are in ``Logo``."""

    __tablename__ = "Airlines"

    AirlineCode: Mapped[str] = mapped_column(String(10), primary_key=True)
    Name: Mapped[str] = mapped_column(String(100))
    Logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    LogoType: Mapped[str | None] = mapped_column(String(100))


class Airport(Base):
    __tablename__ = "Airports"

    IcaoCode: Mapped[str] = mapped_column(String(4), primary_key=True)
    Name: Mapped[str] = mapped_column(String(100))
    IataCode: Mapped[str] = mapped_column(String(3))
    Location: Mapped[AirportLocation] = mapped_column(JsonValue(AirportLocation))
    Latitude: Mapped[float] = mapped_column()
    Longitude: Mapped[float] = mapped_column()


class Trip(Base):
    """A trip of one person; contained in that person (its key is unique per person)."""

    __tablename__ = "Trips"

    UserName: Mapped[str] = mapped_column(ForeignKey("People.UserName", ondelete="CASCADE"), primary_key=True)
    TripId: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ShareId: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    Name: Mapped[str] = mapped_column(String(100))
    Budget: Mapped[float] = mapped_column(REAL)
    Description: Mapped[str | None] = mapped_column(String(500))
    Tags: Mapped[list[str]] = mapped_column(JsonValue(list[str]), default=list)
    StartsAt: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    EndsAt: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    Person: Mapped[Person] = relationship(back_populates="Trips")
    PlanItems: Mapped[list[PlanItem]] = relationship(back_populates="Trip", cascade="all, delete-orphan")
    Photos: Mapped[list[Photo]] = relationship(secondary=TripPhotos)


class PlanItem(Base):
    """Something planned on a trip; a flight or an event (single-table inheritance on ``Kind``)."""

    __tablename__ = "PlanItems"
    __table_args__ = (
        ForeignKeyConstraint(["UserName", "TripId"], ["Trips.UserName", "Trips.TripId"], ondelete="CASCADE"),
    )

    UserName: Mapped[str] = mapped_column(String(50), primary_key=True)
    TripId: Mapped[int] = mapped_column(Integer, primary_key=True)
    PlanItemId: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ConfirmationCode: Mapped[str | None] = mapped_column(String(50))
    StartsAt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    EndsAt: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    Duration: Mapped[timedelta | None] = mapped_column(Interval)
    Kind: Mapped[str] = mapped_column(String(30))

    Trip: Mapped[Trip] = relationship(back_populates="PlanItems")

    __mapper_args__ = {"polymorphic_on": Kind, "polymorphic_abstract": True}


class PublicTransportation(PlanItem):
    SeatNumber: Mapped[str | None] = mapped_column(String(10), use_existing_column=True)

    __mapper_args__ = {"polymorphic_identity": "PublicTransportation"}


class Flight(PublicTransportation):
    FlightNumber: Mapped[str | None] = mapped_column(String(10), use_existing_column=True)
    FromIcaoCode: Mapped[str | None] = mapped_column(ForeignKey("Airports.IcaoCode"), use_existing_column=True)
    ToIcaoCode: Mapped[str | None] = mapped_column(ForeignKey("Airports.IcaoCode"), use_existing_column=True)
    AirlineCode: Mapped[str | None] = mapped_column(ForeignKey("Airlines.AirlineCode"), use_existing_column=True)

    From: Mapped[Airport | None] = relationship(foreign_keys=[FromIcaoCode])
    To: Mapped[Airport | None] = relationship(foreign_keys=[ToIcaoCode])
    Airline: Mapped[Airline | None] = relationship()

    __mapper_args__ = {"polymorphic_identity": "Flight"}


class Event(PlanItem):
    Description: Mapped[str | None] = mapped_column(String(500), use_existing_column=True)
    OccursAt: Mapped[EventLocation | None] = mapped_column(JsonValue(EventLocation), use_existing_column=True)

    __mapper_args__ = {"polymorphic_identity": "Event"}
