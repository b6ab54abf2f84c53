"""SQLAlchemy inheritance in the model: derived entity types, abstract types, bindings behind
type casts, and the declarations that cannot be served, which fail at start-up."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import orjson
import pytest
import sqlalchemy as sa
from lxml import etree
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from odata_server import ModelError, ODataService
from odata_server.format.csdl_xml import csdl_xml
from tests.csdl_schemas import csdl_json_validator, edmx_schema
from tests.inheritance.trippin import (
    Airline,
    Bus,
    Employee,
    Event,
    Flight,
    Manager,
    Person,
    PlanItem,
    PublicTransportation,
    Trip,
    TrippinBase,
    trippin_service,
)

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


@pytest.fixture(scope="module")
async def metadata_xml(trippin: httpx.AsyncClient) -> etree._Element:
    response = await trippin.get("$metadata")
    assert response.status_code == 200
    return etree.fromstring(response.content)


async def test_metadata_xml_is_valid_edmx(metadata_xml: etree._Element) -> None:
    edmx_schema().assertValid(metadata_xml)


async def test_metadata_json_is_valid_csdl(trippin: httpx.AsyncClient) -> None:
    document = orjson.loads((await trippin.get("$metadata?$format=json")).content)
    csdl_json_validator().validate(document)
    assert document["Trippin"]["PlanItem"]["$Abstract"] is True
    assert document["Trippin"]["Flight"]["$BaseType"] == "Trippin.PublicTransportation"
    assert document["Trippin"]["Container"]["PlanItems"]["$NavigationPropertyBinding"] == {
        "Trip": "Trips",
        "Trippin.Flight/Airline": "Airlines",
    }


def _entity_type(metadata: etree._Element, name: str) -> etree._Element:
    (element,) = [e for e in metadata.iter(f"{EDM}EntityType") if e.get("Name") == name]
    return element


@pytest.mark.parametrize(
    ("name", "base", "abstract", "declared", "navigation", "key"),
    [
        ("PlanItem", None, True, ["PlanItemID", "ConfirmationCode", "TripID"], ["Trip"], ["PlanItemID"]),
        ("Event", "Trippin.PlanItem", None, ["Description"], [], None),
        ("PublicTransportation", "Trippin.PlanItem", None, ["SeatNumber"], [], None),
        ("Flight", "Trippin.PublicTransportation", None, ["FlightNumber", "AirlineCode"], ["Airline"], None),
        ("Person", None, None, ["PersonID", "UserName"], ["Trips"], ["PersonID"]),
        ("Employee", "Trippin.Person", None, ["Cost", "ManagerID"], ["Manager"], None),
        ("Manager", "Trippin.Employee", None, ["Budget"], ["DirectReports"], None),
    ],
)
async def test_each_mapped_subclass_is_a_derived_type_declaring_only_its_own_members(
    metadata_xml: etree._Element,
    name: str,
    base: str | None,
    abstract: str | None,
    declared: list[str],
    navigation: list[str],
    key: list[str] | None,
) -> None:
    element = _entity_type(metadata_xml, name)
    assert element.get("BaseType") == base
    assert element.get("Abstract") == ("true" if abstract else None)
    assert [p.get("Name") for p in element.iter(f"{EDM}Property")] == declared
    assert [n.get("Name") for n in element.iter(f"{EDM}NavigationProperty")] == navigation
    keys = [ref.get("Name") for ref in element.iter(f"{EDM}PropertyRef")]
    assert keys == (key or [])


async def test_discriminators_left_out_classes_and_attributes_are_not_in_the_model(
    metadata_xml: etree._Element,
) -> None:
    names = {e.get("Name") for e in metadata_xml.iter(f"{EDM}EntityType")}
    assert names == {
        "PlanItem",
        "Event",
        "PublicTransportation",
        "Flight",
        "Person",
        "Employee",
        "Manager",
        "Trip",
        "Airline",
    }
    properties = {p.get("Name") for p in metadata_xml.iter(f"{EDM}Property")}
    assert not properties & {"kind", "InternalNote", "Route"}


@pytest.mark.parametrize(
    ("entity_set", "bindings"),
    [
        ("PlanItems", {"Trip": "Trips", "Trippin.Flight/Airline": "Airlines"}),
        ("Flights", {"Trip": "Trips", "Airline": "Airlines"}),
        ("People", {"Trips": "Trips", "Trippin.Employee/Manager": "People", "Trippin.Manager/DirectReports": "People"}),
        ("Airlines", {"Flights": "Flights"}),
        ("Trips", {"Person": "People", "PlanItems": "PlanItems"}),
    ],
)
async def test_navigation_of_derived_types_is_bound_behind_a_type_cast(
    metadata_xml: etree._Element, entity_set: str, bindings: dict[str, str]
) -> None:
    (element,) = [e for e in metadata_xml.iter(f"{EDM}EntitySet") if e.get("Name") == entity_set]
    found = {b.get("Path"): b.get("Target") for b in element.iter(f"{EDM}NavigationPropertyBinding")}
    assert found == bindings


def test_declaration_order_does_not_change_the_model() -> None:
    first = ODataService("sqlite://", namespace="Trippin")
    first.add(Flight, name="Flights").add(PlanItem, exclude=[Bus, "InternalNote"])
    second = ODataService("sqlite://", namespace="Trippin")
    second.add(PlanItem, exclude=[Bus, "InternalNote"]).add(Flight, name="Flights")
    assert first.model.entity_types == second.model.entity_types


def test_names_and_exclude_reach_the_attributes_of_subclasses() -> None:
    service = ODataService("sqlite://", namespace="Trippin")
    service.add(PlanItem, names={"FlightNumber": "Number", "Description": "About"}, exclude=["SeatNumber"])
    types = service.model.entity_types
    assert list(types["Trippin.Flight"].properties) == [
        "PlanItemID",
        "ConfirmationCode",
        "TripID",
        "Number",
        "AirlineCode",
        "InternalNote",
    ]
    assert "About" in types["Trippin.Event"].properties
    assert types["Trippin.Bus"].base_type == "Trippin.PublicTransportation"


def test_a_class_added_alone_is_a_type_of_its_own_with_its_inherited_attributes() -> None:
    service = ODataService("sqlite://", namespace="Trippin").add(Manager)
    manager = service.model.entity_types["Trippin.Manager"]
    assert manager.base_type is None and not manager.abstract
    assert list(manager.properties) == ["PersonID", "UserName", "Cost", "ManagerID", "Budget"]
    assert list(service.model.entity_sets) == ["Managers"]


def test_add_all_brings_subclasses_as_derived_types_of_their_base_set() -> None:
    service = ODataService("sqlite://", namespace="Trippin").add_all(TrippinBase)
    assert list(service.model.entity_sets) == ["Airlines", "Persons", "PlanItems", "Trips"]
    assert service.model.entity_types["Trippin.Bus"].base_type == "Trippin.PublicTransportation"
    without_plan_items = ODataService("sqlite://", namespace="Trippin").add_all(TrippinBase, exclude=[PlanItem])
    assert list(without_plan_items.model.entity_sets) == [
        "Airlines",
        "Events",
        "Persons",
        "PublicTransportations",
        "Trips",
    ]


def test_the_model_of_the_test_service() -> None:
    model = trippin_service("sqlite://").model
    plan_item = model.entity_types["Trippin.PlanItem"]
    assert [t.name for t in model.derived_types(plan_item)] == ["Event", "PublicTransportation", "Flight"]
    assert model.lineage(model.entity_types["Trippin.Manager"]) == (
        "Trippin.Manager",
        "Trippin.Employee",
        "Trippin.Person",
    )
    assert model.entity_sets["Flights"].entity_type is model.entity_types["Trippin.Flight"]
    xml = csdl_xml(model, "4.01")
    edmx_schema().assertValid(etree.fromstring(xml))


class OtherBase(DeclarativeBase):
    pass


class Vehicle(OtherBase):
    """Joined-table inheritance without a discriminator: a row cannot tell its type."""

    __tablename__ = "inh_vehicles"
    id: Mapped[int] = mapped_column(primary_key=True)


class Car(Vehicle):
    __tablename__ = "inh_cars"
    id: Mapped[int] = mapped_column(sa.ForeignKey("inh_vehicles.id"), primary_key=True)
    doors: Mapped[int]


_SHAPES = sa.Table(
    "inh_shapes",
    OtherBase.metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(5)),
    sa.Column("radius", sa.Integer),
)


class Shape(OtherBase):
    """A discriminator computed by an expression: a new entity's type cannot be written."""

    __table__ = _SHAPES
    __mapper_args__ = {
        "polymorphic_on": sa.case((_SHAPES.c.kind == "c", "circle"), else_="shape"),
        "polymorphic_identity": "shape",
    }


class Circle(Shape):
    __mapper_args__ = {"polymorphic_identity": "circle"}


class Square(OtherBase):
    """Concrete-table inheritance: a table of its own, so not a derived type."""

    __tablename__ = "inh_squares"
    id: Mapped[int] = mapped_column(primary_key=True)
    side: Mapped[int]


class BigSquare(Square):
    __tablename__ = "inh_big_squares"
    id: Mapped[int] = mapped_column(primary_key=True)
    side: Mapped[int]
    __mapper_args__ = {"concrete": True}


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (lambda s: s.add(Vehicle), "Vehicle has mapped subclasses but no polymorphic_on column"),
        (lambda s: s.add(Shape), "Shape: polymorphic_on must be a column"),
        (
            lambda s: s.add(PlanItem).add(Flight, name="Flights", exclude=["SeatNumber"]),
            "Flight is a type derived from PlanItem, whose declaration shapes it",
        ),
        (
            lambda s: s.add(Person, name="People").add(Manager, type_name="Boss"),
            "Manager is a type derived from Person, whose declaration shapes it",
        ),
        (
            lambda s: s.add(PlanItem, exclude=[Airline]),
            "PlanItem: exclude= names classes that are not mapped subclasses",
        ),
        (lambda s: s.add(Flight, exclude=[Event]), "Flight: exclude= names classes that are not mapped subclasses"),
        (lambda s: s.add(PlanItem, exclude=["Nope"]), "PlanItem: exclude= names no mapped attribute: Nope"),
        (lambda s: s.add(PlanItem).add(Trip).add(Person, type_name="Event"), "are both named 'Event'"),
    ],
)
def test_inheritance_the_service_cannot_serve_fails_at_start_up(
    declare: Callable[[ODataService], object], message: str
) -> None:
    service = ODataService("sqlite://", namespace="Trippin")
    declare(service)
    with pytest.raises(ModelError, match=re.escape(message)):
        service.asgi()


def test_without_its_subclasses_a_class_needs_no_discriminator() -> None:
    service = ODataService("sqlite://").add(Vehicle, exclude=[Car])
    assert list(service.model.entity_types["Default.Vehicle"].properties) == ["id"]


def test_a_concrete_subclass_is_an_entity_set_of_its_own() -> None:
    service = ODataService("sqlite://").add(Square).add(BigSquare)
    types = service.model.entity_types
    assert types["Default.BigSquare"].base_type is None and not service.model.derived_types(types["Default.Square"])


def test_types_of_a_set_and_of_the_classes_it_brings() -> None:
    service = ODataService("sqlite://", namespace="Trippin").add(PublicTransportation, exclude=[Bus])
    model = service.model
    assert [t.name for t in model.derived_types(model.entity_types["Trippin.PublicTransportation"])] == ["Flight"]
    assert "Trippin.PlanItem" not in model.entity_types and "Trippin.Event" not in model.entity_types
    storage = service.handler.service.storage
    assert storage["Trippin.PublicTransportation"].identities == ("public", "flight", "bus")
    assert storage["Trippin.Flight"].identities == ("flight",)
    assert storage["Trippin.Flight"].discriminator == "kind"
    assert Employee in {s.mapped_class for s in trippin_service("sqlite://").handler.service.storage.values()}
