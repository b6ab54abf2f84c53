"""CSDL of the model parts beyond primitive entity types: enumeration and complex types,
collections, inheritance, containment, media entities, singletons, functions and actions.

The model is written by hand so the documents can be checked before any builder makes
such models; both documents must validate against the OASIS schemas and say the same.
"""

from __future__ import annotations

import orjson
import pytest
from lxml import etree

from odata_server.edm.model import (
    ComplexType,
    EntitySet,
    EntityType,
    EnumMember,
    EnumType,
    Model,
    NavigationProperty,
    Operation,
    OperationImport,
    OperationKind,
    Parameter,
    Property,
    ReturnType,
    Singleton,
    frozen_mapping,
)
from odata_server.edm.types import PrimitiveType
from odata_server.format.csdl_json import csdl_json
from odata_server.format.csdl_xml import csdl_xml
from tests.csdl_schemas import csdl_json_validator, edmx_schema

NS = "Trips"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
S = PrimitiveType.STRING


def _props(*props: Property) -> dict[str, Property]:
    return {prop.name: prop for prop in props}


def rich_model() -> Model:
    gender = EnumType("PersonGender", NS, (EnumMember("Male", 0), EnumMember("Female", 1)))
    feature = EnumType(
        "Feature",
        NS,
        (EnumMember("Wifi", 1), EnumMember("Meals", 2)),
        is_flags=True,
        underlying_type=PrimitiveType.INT64,
    )
    city = ComplexType("City", NS, frozen_mapping(_props(Property("Name", S, nullable=False))))
    location_props = _props(Property("Address", S), Property("City", city))
    location = ComplexType("Location", NS, frozen_mapping(location_props))
    event_location = ComplexType(
        "EventLocation",
        NS,
        frozen_mapping({**location_props, **_props(Property("BuildingInfo", S))}),
        base_type=f"{NS}.Location",
    )
    plan_item = EntityType(
        "PlanItem",
        NS,
        ("PlanItemId",),
        frozen_mapping(_props(Property("PlanItemId", PrimitiveType.INT32, False))),
        abstract=True,
    )
    event = EntityType(
        "Event",
        NS,
        ("PlanItemId",),
        frozen_mapping({**plan_item.properties, **_props(Property("OccursAt", event_location))}),
        base_type=f"{NS}.PlanItem",
        open=True,
    )
    trip = EntityType(
        "Trip",
        NS,
        ("TripId",),
        frozen_mapping(_props(Property("TripId", PrimitiveType.INT32, False), Property("Tags", S, collection=True))),
        frozen_mapping({"PlanItems": NavigationProperty("PlanItems", f"{NS}.PlanItem", True, contains_target=True)}),
    )
    photo = EntityType(
        "Photo", NS, ("Id",), frozen_mapping(_props(Property("Id", PrimitiveType.INT64, False))), has_stream=True
    )
    person = EntityType(
        "Person",
        NS,
        ("UserName",),
        frozen_mapping(
            _props(
                Property("UserName", S, False),
                Property("Emails", S, collection=True),
                Property("AddressInfo", location, collection=True),
                Property("Gender", gender),
                Property("Features", feature, nullable=False),
            )
        ),
        frozen_mapping(
            {
                "Trips": NavigationProperty("Trips", f"{NS}.Trip", True, contains_target=True),
                "Friends": NavigationProperty("Friends", f"{NS}.Person", True),
            }
        ),
    )
    airport = EntityType("Airport", NS, ("Code",), frozen_mapping(_props(Property("Code", S, False))))
    nearest = Operation(
        "GetNearestAirport",
        NS,
        OperationKind.FUNCTION,
        (
            Parameter(name="lat", type=PrimitiveType.DOUBLE, nullable=False),
            Parameter(name="lon", type=PrimitiveType.DOUBLE, nullable=False),
        ),
        ReturnType(airport, nullable=False),
        composable=True,
    )
    friends_trips = Operation(
        "GetFriendsTrips",
        NS,
        OperationKind.FUNCTION,
        (Parameter(name="person", type=person, nullable=False), Parameter(name="userName", type=S, nullable=False)),
        ReturnType(trip, collection=True),
        bound=True,
        composable=True,
        entity_set_path="person/Friends/Trips",
    )
    share = Operation(
        "ShareTrip",
        NS,
        OperationKind.ACTION,
        (Parameter(name="person", type=person), Parameter(name="tripId", type=PrimitiveType.INT32)),
    )
    reset = Operation("ResetDataSource", NS, OperationKind.ACTION)
    people = EntitySet("People", person, frozen_mapping({"Friends": "People"}))
    return Model(
        namespace=NS,
        container_name="Container",
        entity_types=frozen_mapping({t.qualified_name: t for t in (photo, person, trip, plan_item, event, airport)}),
        entity_sets=frozen_mapping(
            {"People": people, "Airports": EntitySet("Airports", airport), "Photos": EntitySet("Photos", photo)}
        ),
        complex_types=frozen_mapping({t.qualified_name: t for t in (city, location, event_location)}),
        enum_types=frozen_mapping({t.qualified_name: t for t in (gender, feature)}),
        singletons=frozen_mapping({"Me": Singleton("Me", person, frozen_mapping({"Friends": "People"}))}),
        operations=(nearest, friends_trips, share, reset),
        operation_imports=frozen_mapping(
            {
                "GetNearestAirport": OperationImport("GetNearestAirport", nearest, "Airports", True),
                "ResetDataSource": OperationImport("ResetDataSource", reset),
            }
        ),
    )


@pytest.fixture(scope="module")
def xml() -> etree._Element:
    return etree.fromstring(csdl_xml(rich_model()))


@pytest.fixture(scope="module")
def json_document() -> dict:
    return orjson.loads(csdl_json(rich_model()))


def test_xml_is_valid_edmx(xml: etree._Element) -> None:
    schema = edmx_schema()
    assert schema.validate(xml), schema.error_log


def test_json_is_valid_csdl(json_document: dict) -> None:
    assert [error.message for error in csdl_json_validator().iter_errors(json_document)] == []


def _element(xml: etree._Element, kind: str, name: str) -> etree._Element:
    found = xml.findall(f".//{EDM}{kind}[@Name='{name}']")
    assert len(found) == 1, (kind, name)
    return found[0]


def test_enum_types(xml: etree._Element, json_document: dict) -> None:
    feature = _element(xml, "EnumType", "Feature")
    assert (feature.get("IsFlags"), feature.get("UnderlyingType")) == ("true", "Edm.Int64")
    assert [(m.get("Name"), m.get("Value")) for m in feature] == [("Wifi", "1"), ("Meals", "2")]
    assert _element(xml, "EnumType", "PersonGender").get("IsFlags") is None
    assert json_document[NS]["Feature"] == {
        "$Kind": "EnumType",
        "$UnderlyingType": "Edm.Int64",
        "$IsFlags": True,
        "Wifi": 1,
        "Meals": 2,
    }


def test_derived_types_declare_only_their_own_members(xml: etree._Element, json_document: dict) -> None:
    event_location = _element(xml, "ComplexType", "EventLocation")
    assert event_location.get("BaseType") == f"{NS}.Location"
    assert [p.get("Name") for p in event_location] == ["BuildingInfo"]
    event = _element(xml, "EntityType", "Event")
    assert (event.get("BaseType"), event.get("OpenType")) == (f"{NS}.PlanItem", "true")
    assert event.find(f"{EDM}Key") is None
    assert [p.get("Name") for p in event] == ["OccursAt"]
    assert _element(xml, "EntityType", "PlanItem").get("Abstract") == "true"
    assert json_document[NS]["Event"] == {
        "$Kind": "EntityType",
        "$BaseType": f"{NS}.PlanItem",
        "$OpenType": True,
        "OccursAt": {"$Type": f"{NS}.EventLocation", "$Nullable": True},
    }


def test_collection_complex_and_enum_properties(xml: etree._Element, json_document: dict) -> None:
    person = _element(xml, "EntityType", "Person")
    types = {p.get("Name"): p.get("Type") for p in person.findall(f"{EDM}Property")}
    assert types == {
        "UserName": "Edm.String",
        "Emails": "Collection(Edm.String)",
        "AddressInfo": f"Collection({NS}.Location)",
        "Gender": f"{NS}.PersonGender",
        "Features": f"{NS}.Feature",
    }
    assert json_document[NS]["Person"]["Emails"] == {"$Collection": True, "$Nullable": True}
    assert json_document[NS]["Person"]["AddressInfo"] == {
        "$Type": f"{NS}.Location",
        "$Collection": True,
        "$Nullable": True,
    }


def test_containment_and_media(xml: etree._Element, json_document: dict) -> None:
    trips = xml.find(f".//{EDM}NavigationProperty[@Name='Trips']")
    assert trips is not None and trips.get("ContainsTarget") == "true"
    assert json_document[NS]["Person"]["Trips"]["$ContainsTarget"] is True
    assert _element(xml, "EntityType", "Photo").get("HasStream") == "true"
    assert json_document[NS]["Photo"]["$HasStream"] is True


def test_operations(xml: etree._Element, json_document: dict) -> None:
    friends_trips = _element(xml, "Function", "GetFriendsTrips")
    assert (friends_trips.get("IsBound"), friends_trips.get("IsComposable"), friends_trips.get("EntitySetPath")) == (
        "true",
        "true",
        "person/Friends/Trips",
    )
    assert [p.get("Name") for p in friends_trips.findall(f"{EDM}Parameter")] == ["person", "userName"]
    assert friends_trips.find(f"{EDM}ReturnType").get("Type") == f"Collection({NS}.Trip)"
    assert _element(xml, "Action", "ResetDataSource").find(f"{EDM}ReturnType") is None
    assert json_document[NS]["GetNearestAirport"] == [
        {
            "$Kind": "Function",
            "$IsComposable": True,
            "$Parameter": [
                {"$Name": "lat", "$Type": "Edm.Double", "$Nullable": False},
                {"$Name": "lon", "$Type": "Edm.Double", "$Nullable": False},
            ],
            "$ReturnType": {"$Type": f"{NS}.Airport", "$Nullable": False},
        }
    ]


def test_container_members(xml: etree._Element, json_document: dict) -> None:
    me = _element(xml, "Singleton", "Me")
    assert me.get("Type") == f"{NS}.Person"
    function_import = _element(xml, "FunctionImport", "GetNearestAirport")
    assert (function_import.get("EntitySet"), function_import.get("IncludeInServiceDocument")) == ("Airports", "true")
    assert _element(xml, "ActionImport", "ResetDataSource").get("Action") == f"{NS}.ResetDataSource"
    container = json_document[NS]["Container"]
    assert container["Me"] == {"$Type": f"{NS}.Person", "$NavigationPropertyBinding": {"Friends": "People"}}
    assert container["GetNearestAirport"] == {
        "$Function": f"{NS}.GetNearestAirport",
        "$EntitySet": "Airports",
        "$IncludeInServiceDocument": True,
    }
    assert container["ResetDataSource"] == {"$Action": f"{NS}.ResetDataSource"}


@pytest.mark.parametrize(
    ("annotation", "type_name", "nullable"),
    [
        (list[str], "Collection(Edm.String)", "false"),
        (list[str | None], "Collection(Edm.String)", None),
        (list[int] | None, "Collection(Edm.Int32)", "false"),
    ],
)
def test_a_collection_is_nullable_when_its_items_are(annotation: object, type_name: str, nullable: str | None) -> None:
    """CSDL §7.2.1: Nullable of a collection-valued property is about its items."""
    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, mapped_column

    from odata_server import JsonValue
    from odata_server.edm import EntitySetDeclaration, build_model

    class Base(DeclarativeBase):
        pass

    class Thing(Base):
        __tablename__ = "things"
        id = mapped_column(sa.Integer, primary_key=True)
        values = mapped_column(JsonValue(annotation), nullable=False)

    model, _ = build_model([EntitySetDeclaration(Thing)], namespace=NS, container_name="Container")
    prop = etree.fromstring(csdl_xml(model)).find(f".//{EDM}Property[@Name='values']")
    assert prop is not None and (prop.get("Type"), prop.get("Nullable")) == (type_name, nullable)
