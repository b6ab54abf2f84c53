"""A small service with entity type inheritance, after the TripPin sample.

- Single-table inheritance: ``PlanItem`` (abstract: no polymorphic identity) with
  ``Event`` and ``PublicTransportation``, and ``Flight`` derived from that (three levels),
  all rows in ``inh_plan_items``. ``Bus`` is a mapped subclass the service leaves out
  (``exclude=[Bus]``): its rows read as ``PublicTransportation``. ``Flight.InternalNote``
  is left out too. ``Flight`` is also an entity set of its own (``Flights``).
- Joined-table inheritance: ``Person`` (``inh_people``), ``Employee`` (``inh_employees``)
  and ``Manager`` (``inh_managers``), three levels; an employee's ``Manager`` and a
  manager's ``DirectReports`` are navigation properties of derived types. A manager's
  ``Budget`` may not be negative (a CHECK constraint of the last table written).
- ``Trips`` of a person hold plan items; ``Airlines`` are what flights fly with.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, func, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from odata_server import ODataService

NS = "Trippin"


class TrippinBase(DeclarativeBase):
    pass


class Airline(TrippinBase):
    __tablename__ = "inh_airlines"

    AirlineCode: Mapped[str] = mapped_column(String(3), primary_key=True)
    Name: Mapped[str] = mapped_column(String(40))

    Flights: Mapped[list[Flight]] = relationship(back_populates="Airline")


class Trip(TrippinBase):
    __tablename__ = "inh_trips"

    TripID: Mapped[int] = mapped_column(Integer, primary_key=True)
    Name: Mapped[str] = mapped_column(String(40))
    PersonID: Mapped[int | None] = mapped_column(ForeignKey("inh_people.PersonID"))

    Person: Mapped[Person | None] = relationship(back_populates="Trips")
    PlanItems: Mapped[list[PlanItem]] = relationship(back_populates="Trip")


class PlanItem(TrippinBase):
    __tablename__ = "inh_plan_items"

    PlanItemID: Mapped[int] = mapped_column(Integer, primary_key=True)
    ConfirmationCode: Mapped[str | None] = mapped_column(String(20))
    TripID: Mapped[int | None] = mapped_column(ForeignKey("inh_trips.TripID"))
    kind: Mapped[str] = mapped_column(String(20))

    Trip: Mapped[Trip | None] = relationship(back_populates="PlanItems")

    __mapper_args__ = {"polymorphic_on": "kind"}


class Event(PlanItem):
    Description: Mapped[str | None] = mapped_column(String(40))

    __mapper_args__ = {"polymorphic_identity": "event"}


class PublicTransportation(PlanItem):
    SeatNumber: Mapped[str | None] = mapped_column(String(5))

    __mapper_args__ = {"polymorphic_identity": "public"}


class Flight(PublicTransportation):
    FlightNumber: Mapped[str | None] = mapped_column(String(10))
    AirlineCode: Mapped[str | None] = mapped_column(ForeignKey("inh_airlines.AirlineCode"))
    InternalNote: Mapped[str | None] = mapped_column(String(40))

    Airline: Mapped[Airline | None] = relationship(back_populates="Flights")

    __mapper_args__ = {"polymorphic_identity": "flight"}


class Bus(PublicTransportation):
    Route: Mapped[str | None] = mapped_column(String(10))

    __mapper_args__ = {"polymorphic_identity": "bus"}


class Person(TrippinBase):
    __tablename__ = "inh_people"

    PersonID: Mapped[int] = mapped_column(Integer, primary_key=True)
    UserName: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))

    Trips: Mapped[list[Trip]] = relationship(back_populates="Person")

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "person"}


class Employee(Person):
    __tablename__ = "inh_employees"

    PersonID: Mapped[int] = mapped_column(ForeignKey("inh_people.PersonID"), primary_key=True)
    Cost: Mapped[int | None] = mapped_column(Integer)
    ManagerID: Mapped[int | None] = mapped_column(ForeignKey("inh_managers.PersonID", use_alter=True))

    Manager: Mapped[Manager | None] = relationship(back_populates="DirectReports", foreign_keys=[ManagerID])

    __mapper_args__ = {"polymorphic_identity": "employee", "inherit_condition": PersonID == Person.PersonID}


class Manager(Employee):
    __tablename__ = "inh_managers"
    __table_args__ = (CheckConstraint('"Budget" >= 0', name="inh_budget_not_negative"),)

    PersonID: Mapped[int] = mapped_column(ForeignKey("inh_employees.PersonID"), primary_key=True)
    Budget: Mapped[int | None] = mapped_column(Integer)

    DirectReports: Mapped[list[Employee]] = relationship(back_populates="Manager", foreign_keys=[Employee.ManagerID])

    __mapper_args__ = {"polymorphic_identity": "manager", "inherit_condition": PersonID == Employee.PersonID}


AIRLINES = [{"AirlineCode": "AA", "Name": "American"}, {"AirlineCode": "LH", "Name": "Lufthansa"}]
PEOPLE = [
    (Person, {"PersonID": 1, "UserName": "russell"}),
    (Employee, {"PersonID": 2, "UserName": "scott", "Cost": 100}),
    (Manager, {"PersonID": 3, "UserName": "ronald", "Cost": 200, "Budget": 5000}),
    (Employee, {"PersonID": 4, "UserName": "javier", "Cost": 150}),
]
REPORTS = {2: 3, 4: 3}
TRIPS = [
    {"TripID": 1, "Name": "Paris", "PersonID": 1},
    {"TripID": 2, "Name": "Rome", "PersonID": 2},
    {"TripID": 3, "Name": "Nowhere", "PersonID": 3},
]
PLAN_ITEMS = [
    (Event, {"PlanItemID": 1, "ConfirmationCode": "EV1", "TripID": 1, "Description": "Concert"}),
    (
        Flight,
        {
            "PlanItemID": 2,
            "ConfirmationCode": "FL2",
            "TripID": 1,
            "SeatNumber": "12A",
            "FlightNumber": "AA100",
            "AirlineCode": "AA",
            "InternalNote": "hidden",
        },
    ),
    (PublicTransportation, {"PlanItemID": 3, "ConfirmationCode": "PT3", "TripID": 1, "SeatNumber": "3"}),
    (
        Flight,
        {
            "PlanItemID": 4,
            "ConfirmationCode": "FL4",
            "TripID": 2,
            "SeatNumber": "1C",
            "FlightNumber": "LH400",
            "AirlineCode": "LH",
        },
    ),
    (Bus, {"PlanItemID": 5, "ConfirmationCode": "BUS5", "TripID": 2, "SeatNumber": "7", "Route": "X1"}),
    (Event, {"PlanItemID": 6, "ConfirmationCode": "EV6", "TripID": 2, "Description": "Museum"}),
]


def trippin_service(database_url: str) -> ODataService:
    service = ODataService(database_url, namespace=NS)
    service.add(PlanItem, exclude=[Bus, "InternalNote"])
    service.add(Flight, name="Flights")
    service.add(Person, name="People")
    service.add(Trip)
    service.add(Airline)
    return service


async def fill(service: ODataService) -> None:
    """Create the tables and rows, through the ORM mappers (so each row lands in its class's tables)."""
    async with service.engine.begin() as connection:
        await connection.run_sync(TrippinBase.metadata.create_all)
        await connection.execute(insert(Airline), AIRLINES)
    async with service.engine.begin() as connection:
        await connection.run_sync(_add_rows)
        if connection.dialect.name == "postgresql":  # past the ids given explicitly
            quote = connection.dialect.identifier_preparer.quote_identifier
            for table in (Person.__table__, Trip.__table__, PlanItem.__table__):
                column = table.autoincrement_column  # type: ignore[attr-defined]
                sequence = func.pg_get_serial_sequence(quote(table.name), column.name)  # type: ignore[attr-defined]
                await connection.execute(select(func.setval(sequence, select(func.max(column)).scalar_subquery())))


def _add_rows(connection: object) -> None:
    from sqlalchemy.orm import Session

    with Session(bind=connection) as session:  # type: ignore[call-overload]
        people = {row["PersonID"]: cls(**row) for cls, row in PEOPLE}
        session.add_all(people.values())
        session.flush()
        for employee, manager in REPORTS.items():
            people[employee].ManagerID = manager  # type: ignore[attr-defined]
        session.add_all(Trip(**row) for row in TRIPS)
        session.flush()
        session.add_all(cls(**row) for cls, row in PLAN_ITEMS)
        session.commit()
