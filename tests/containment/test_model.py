"""The model of containment and singletons: CSDL (valid against the OASIS schemas), keys,
bindings, and the declarations that cannot work (ModelError at start-up)."""

from __future__ import annotations

import re
from collections.abc import Callable

import orjson
import pytest
from lxml import etree
from sqlalchemy import ForeignKey, ForeignKeyConstraint, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from odata_server import ODataService
from odata_server.errors import ModelError
from odata_server.format.csdl_json import csdl_json
from odata_server.format.csdl_xml import csdl_xml
from tests.containment.trips import Person, PlanItem, Trip, trips_service
from tests.csdl_schemas import csdl_json_validator, edmx_schema

EDM = {"edm": "http://docs.oasis-open.org/odata/ns/edm"}


@pytest.fixture(scope="module")
def service() -> ODataService:
    return trips_service("sqlite://")


@pytest.mark.parametrize("version", ["4.0", "4.01"])
def test_metadata_is_valid_csdl(service: ODataService, version: str) -> None:
    document = etree.fromstring(csdl_xml(service.model, version))
    schema = edmx_schema()
    assert schema.validate(document), schema.error_log
    json_document = orjson.loads(csdl_json(service.model))
    assert [error.message for error in csdl_json_validator().iter_errors(json_document)] == []


def test_contained_types_have_no_entity_set_and_keys_within_their_container(service: ODataService) -> None:
    document = etree.fromstring(csdl_xml(service.model, "4.01"))
    sets = {element.get("Name") for element in document.iterfind(".//edm:EntitySet", EDM)}
    assert sets == {"People"}
    keys = {
        element.get("Name"): [ref.get("Name") for ref in element.iterfind("edm:Key/edm:PropertyRef", EDM)]
        for element in document.iterfind(".//edm:EntityType", EDM)
    }
    assert keys == {"Person": ["UserName"], "Trip": ["TripId"], "PlanItem": ["PlanItemId"]}
    containing = {
        element.get("Name")
        for element in document.iterfind(".//edm:NavigationProperty", EDM)
        if element.get("ContainsTarget") == "true"
    }
    assert containing == {"Trips", "PlanItems"}
    computed = document.find(".//edm:EntityType[@Name='PlanItem']/edm:Property[@Name='TripId']/edm:Annotation", EDM)
    assert computed is not None and computed.get("Term") == "Core.Computed"


@pytest.mark.parametrize(
    ("element", "bindings"),
    [
        ("EntitySet[@Name='People']", {"Friends": "People", "Trips/Person": "People"}),
        ("Singleton[@Name='Me']", {"Friends": "People", "Trips/Person": "Me"}),
        ("Singleton[@Name='Admin']", {"Friends": "People", "Trips/Person": "Admin"}),
    ],
)
def test_bindings_reach_through_containment(service: ODataService, element: str, bindings: dict[str, str]) -> None:
    document = etree.fromstring(csdl_xml(service.model, "4.01"))
    found = document.find(f".//edm:{element}", EDM)
    assert found is not None
    assert {b.get("Path"): b.get("Target") for b in found.iterfind("edm:NavigationPropertyBinding", EDM)} == bindings


def test_contained_collections_are_in_the_model(service: ODataService) -> None:
    names = set(service.model.contained)
    assert names == {
        "People/Trips",
        "People/Trips/PlanItems",
        "Me/Trips",
        "Me/Trips/PlanItems",
        "Admin/Trips",
        "Admin/Trips/PlanItems",
    }
    plan_items = service.model.contained["People/Trips/PlanItems"]
    assert [(key.level, key.name) for key in plan_items.container_keys] == [(2, "UserName"), (1, "TripId")]
    assert [(key.level, key.name) for key in service.model.contained["Me/Trips/PlanItems"].container_keys] == [
        (1, "TripId")
    ]


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owners"
    OwnerId: Mapped[int] = mapped_column(Integer, primary_key=True)
    Things: Mapped[list[Thing]] = relationship(back_populates="Owner", foreign_keys="Thing.OwnerId")
    Loose: Mapped[list[LooseThing]] = relationship()
    Favorite: Mapped[Thing | None] = relationship(foreign_keys="Owner.FavoriteId", post_update=True)
    FavoriteId: Mapped[int | None] = mapped_column(ForeignKey("things.ThingId", use_alter=True))


class Thing(Base):
    __tablename__ = "things"
    ThingId: Mapped[int] = mapped_column(Integer, primary_key=True)
    OwnerId: Mapped[int] = mapped_column(ForeignKey("owners.OwnerId"))
    Owner: Mapped[Owner] = relationship(back_populates="Things", foreign_keys=[OwnerId])
    Parts: Mapped[list[Part]] = relationship()


class Part(Base):
    __tablename__ = "parts"
    ThingId: Mapped[int] = mapped_column(ForeignKey("things.ThingId"), primary_key=True)
    Name: Mapped[str] = mapped_column(String(10))


class LooseThing(Base):
    __tablename__ = "loose_things"
    LooseId: Mapped[int] = mapped_column(Integer, primary_key=True)
    OwnerId: Mapped[int | None] = mapped_column(ForeignKey("owners.OwnerId"))


class Other(Base):
    __tablename__ = "others"
    OtherId: Mapped[int] = mapped_column(Integer, primary_key=True)
    OwnerId: Mapped[int] = mapped_column(Integer)
    ThingId: Mapped[int] = mapped_column(Integer)
    __table_args__ = (ForeignKeyConstraint(["ThingId"], ["things.ThingId"]),)
    Thing: Mapped[Thing] = relationship()


Declare = Callable[[ODataService], object]


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (
            lambda s: s.add(Owner, contains=["Nope"], exclude=["Favorite"]),
            "contains= names 'Nope', which is no relationship",
        ),
        (lambda s: s.add(Thing, contains=["Owner"]).add(Owner), "Thing.Owner cannot contain its targets"),
        (
            lambda s: s.add(Owner, contains=["Things"], exclude=["Favorite"]).add(Thing),
            "Owner.Things contains Thing, which has an entity set too",
        ),
        (
            lambda s: s.add(Owner, contains=["Loose"], exclude=["Things", "Favorite"]),
            "the foreign key of LooseThing (OwnerId) must be NOT NULL",
        ),
        (
            lambda s: s.add(Owner, contains=["Things"], exclude=["Favorite"]).contain(Thing, contains=["Parts"]),
            "the primary key of the contained entities (ThingId) is only the foreign key to their container",
        ),
        (
            lambda s: s.add(Owner, contains=["Things"]).contain(Thing, exclude=["Parts"]),
            "Owner.Favorite leads to Thing, whose entities are contained in another entity",
        ),
        (
            lambda s: (
                s.add(Owner, contains=["Things"], exclude=["Favorite"]).contain(Thing, exclude=["Parts"]).add(Other)
            ),
            "Other.Thing leads to Thing, whose entities are contained",
        ),
        (
            lambda s: s.add(Owner, contains=["Things"], exclude=["Things"]),
            "contains= names 'Things', which is excluded",
        ),
        (
            lambda s: s.add(Person, name="People").singleton("People", Person, key={"UserName": "x"}),
            "both named 'People'",
        ),
        (
            lambda s: s.add(Person, name="People").singleton("Me", Person, key={"Name": "x"}),
            "Singleton Me: key= must give the key of Person (UserName), not (Name)",
        ),
        (
            lambda s: s.singleton("Me", Person, key={"UserName": "x"}),
            "Person.Friends leads to Person, which has no entity set",
        ),
        (
            lambda s: s.add(Person, name="People", contains=["Trips"]).add(Trip),
            "Person.Trips contains Trip, which has an entity set too",
        ),
        (
            lambda s: s.add(Person, name="People", contains=["Trips"]).contain(Trip).add(PlanItem),
            "PlanItem.Trip leads to Trip, whose entities are contained",
        ),
    ],
)
def test_declarations_that_cannot_work_fail_at_start_up(declare: Declare, message: str) -> None:
    service = ODataService("sqlite://")
    declare(service)
    with pytest.raises(ModelError, match=re.escape(message)):
        service.handler  # noqa: B018 - building the handler builds the model


def test_a_singleton_alone_exposes_its_class(service: ODataService) -> None:
    alone = (
        ODataService("sqlite://")
        .singleton("Me", Person, key={"UserName": "x"})
        .add(Trip, exclude=["Person", "PlanItems"])
    )
    with pytest.raises(ModelError):
        alone.handler  # noqa: B018 - Person.Friends and Person.Trips have no entity set to lead to
    alone = ODataService("sqlite://")
    alone.singleton("Me", Person, key={"UserName": "x"})
    alone.contain(Person, exclude=["Friends"], contains=["Trips"])
    alone.contain(Trip, contains=["PlanItems"])
    model = alone.model
    assert set(model.singletons) == {"Me"} and not model.entity_sets
    assert dict(model.singletons["Me"].navigation_property_bindings) == {"Trips/Person": "Me"}
