"""Declaring functions and actions: what the model and its metadata say, and the mistakes refused at start-up."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from lxml import etree

from odata_server import ModelError, ODataService, OperationContext
from odata_server.edm import build_model
from odata_server.edm.model import OperationKind
from odata_server.edm.operations import OperationDeclaration
from tests.csdl_schemas import csdl_json_validator, edmx_schema
from tests.operations.trippin import Airport, Color, Person, Trip, trippin_service

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
NS = "Trippin"


@pytest.fixture(scope="module")
def service() -> ODataService:
    return trippin_service("sqlite://")


@pytest.fixture(scope="module")
def xml(service: ODataService) -> etree._Element:
    return etree.fromstring(service.handler.service.metadata_xml["4.01"])


@pytest.fixture(scope="module")
def csdl(service: ODataService) -> dict[str, Any]:
    return orjson.loads(service.handler.service.metadata_json)


@pytest.mark.parametrize("version", ["4.0", "4.01"])
def test_metadata_xml_is_valid_edmx(service: ODataService, version: str) -> None:
    schema = edmx_schema()
    assert schema.validate(etree.fromstring(service.handler.service.metadata_xml[version])), schema.error_log


def test_metadata_json_is_valid_csdl(csdl: dict[str, Any]) -> None:
    assert [error.message for error in csdl_json_validator().iter_errors(csdl)] == []


def _operations(xml: etree._Element, kind: str, name: str) -> list[etree._Element]:
    return xml.findall(f".//{EDM}Schema/{EDM}{kind}[@Name='{name}']")


def _signature(element: etree._Element) -> tuple[Any, ...]:
    returned = element.find(f"{EDM}ReturnType")
    return (
        {name: element.get(name) for name in ("IsBound", "IsComposable", "EntitySetPath") if element.get(name)},
        [(p.get("Name"), p.get("Type"), p.get("Nullable")) for p in element.findall(f"{EDM}Parameter")],
        None if returned is None else (returned.get("Type"), returned.get("Nullable")),
    )


@pytest.mark.parametrize(
    ("kind", "name", "signature"),
    [
        (
            "Function",
            "GetNearestAirport",
            (
                {"IsComposable": "true"},
                [("lat", "Edm.Double", "false"), ("lon", "Edm.Double", "false")],
                (f"{NS}.Airport", "false"),
            ),
        ),
        ("Function", "GetPerson", ({}, [("userName", "Edm.String", "false")], (f"{NS}.Person", None))),
        ("Function", "Greeting", ({}, [("name", "Edm.String", None)], ("Edm.String", None))),
        ("Function", "CountPeople", ({}, [], ("Edm.Int32", "false"))),
        (
            "Function",
            "GetFavoriteAirline",
            (
                {"IsBound": "true", "IsComposable": "true"},
                [("person", f"{NS}.Person", "false")],
                (f"{NS}.Airline", "false"),
            ),
        ),
        (
            "Function",
            "GetFriendsTrips",
            (
                {"IsBound": "true", "IsComposable": "true", "EntitySetPath": "person/Trips"},
                [("person", f"{NS}.Person", "false"), ("userName", "Edm.String", "false")],
                (f"Collection({NS}.Trip)", "false"),
            ),
        ),
        (
            "Function",
            "AverageAge",
            ({"IsBound": "true"}, [("people", f"Collection({NS}.Person)", "false")], ("Edm.Double", None)),
        ),
        (
            "Action",
            "ShareTrip",
            (
                {"IsBound": "true"},
                [
                    ("person", f"{NS}.Person", "false"),
                    ("userName", "Edm.String", "false"),
                    ("tripId", "Edm.Int32", "false"),
                ],
                None,
            ),
        ),
        ("Action", "ResetDataSource", ({}, [], None)),
        (
            "Action",
            "EchoLocationsAction",
            ({}, [("value", f"Collection({NS}.Location)", "false")], (f"Collection({NS}.Location)", "false")),
        ),
        ("Function", "EchoInt64", ({}, [("value", "Edm.Int64", "false")], ("Edm.Int64", "false"))),
        ("Function", "EchoColor", ({}, [("value", f"{NS}.Color", "false")], (f"{NS}.Color", "false"))),
        ("Function", "EchoOptionalInt", ({}, [("value", "Edm.Int32", None)], ("Edm.Int32", None))),
    ],
)
def test_signatures_come_from_annotations(
    xml: etree._Element, kind: str, name: str, signature: tuple[Any, ...]
) -> None:
    (element,) = _operations(xml, kind, name)
    assert _signature(element) == signature


def test_the_context_parameter_is_not_an_odata_parameter(xml: etree._Element) -> None:
    (element,) = _operations(xml, "Function", "GetNearestAirport")
    assert "context" not in [p.get("Name") for p in element.findall(f"{EDM}Parameter")]


async def context_anywhere(person: Person, count: int, context: OperationContext, label: str | None) -> int: ...


def test_the_context_is_found_by_its_annotation_wherever_it_is() -> None:
    service = ODataService("sqlite://", namespace=NS)
    service.add(Person, name="People")
    service.function(bound=True)(context_anywhere)
    (operation,) = service.model.operations
    assert [(p.name, p.type_name, p.nullable) for p in operation.parameters] == [
        ("person", f"{NS}.Person", False),
        ("count", "Edm.Int32", False),
        ("label", "Edm.String", True),
    ]
    assert operation.implementation is not None and operation.implementation.context_argument == "context"


def test_overloads_share_one_name_and_one_import(xml: etree._Element, csdl: dict[str, Any]) -> None:
    overloads = _operations(xml, "Function", "Search")
    assert [[p.get("Name") for p in o.findall(f"{EDM}Parameter")] for o in overloads] == [["text"], ["text", "minAge"]]
    assert [[p["$Name"] for p in o["$Parameter"]] for o in csdl[NS]["Search"]] == [["text"], ["text", "minAge"]]
    assert len(xml.findall(f".//{EDM}FunctionImport[@Name='Search']")) == 1


def test_complex_and_enumeration_types_of_signatures_are_in_the_schema(xml: etree._Element) -> None:
    schema = xml.find(f".//{EDM}Schema")
    assert schema is not None
    assert [e.get("Name") for e in schema.findall(f"{EDM}ComplexType")] == ["Location", "City"]
    assert [e.get("Name") for e in schema.findall(f"{EDM}EnumType")] == ["Color", "Feature"]
    city = schema.find(f"{EDM}ComplexType[@Name='City']")
    assert city is not None
    assert [(p.get("Name"), p.get("Type")) for p in city] == [
        ("Name", "Edm.String"),
        ("Location", f"{NS}.Location"),
        ("Tags", "Collection(Edm.String)"),
    ]


@pytest.mark.parametrize(
    ("kind", "name", "attributes"),
    [
        ("FunctionImport", "GetNearestAirport", {"Function": f"{NS}.GetNearestAirport", "EntitySet": "Airports"}),
        (
            "FunctionImport",
            "TopAirports",
            {"Function": f"{NS}.TopAirports", "EntitySet": "Airports", "IncludeInServiceDocument": "true"},
        ),
        ("FunctionImport", "Greeting", {"Function": f"{NS}.Greeting"}),
        ("ActionImport", "AddTrip", {"Action": f"{NS}.AddTrip", "EntitySet": "Trips"}),
        ("ActionImport", "ResetDataSource", {"Action": f"{NS}.ResetDataSource"}),
    ],
)
def test_unbound_operations_are_imported(xml: etree._Element, kind: str, name: str, attributes: dict[str, str]) -> None:
    (element,) = xml.findall(f".//{EDM}EntityContainer/{EDM}{kind}[@Name='{name}']")
    assert {key: value for key, value in element.attrib.items() if key != "Name"} == attributes


def test_bound_operations_are_not_imported(xml: etree._Element) -> None:
    names = {e.get("Name") for e in xml.findall(f".//{EDM}EntityContainer/*")}
    assert not names & {"GetFavoriteAirline", "ShareTrip", "Oldest", "RaiseBudgets"}


# -- mistakes


class NotExposed:
    pass


@dataclass
class Point:
    x: float


def _declaring(kind: str, **options: Any) -> Callable[[Any], ODataService]:
    """A declaration of ``kind`` on a fresh service exposing People, Trips and Airports."""

    def declare(function: Any) -> ODataService:
        service = ODataService("sqlite://", namespace=NS)
        service.add(Person, name="People").add(Trip).add(Airport)
        getattr(service, kind)(**options)(function)
        return service

    return declare


async def no_return(context: OperationContext) -> None: ...
async def returns_person(person: Person) -> Person: ...
async def by_name(name: str) -> Person: ...
async def returns_int() -> int: ...
async def takes_point(point: Point) -> int: ...
async def returns_people() -> list[Person]: ...
async def unannotated(value) -> int: ...  # type: ignore[no-untyped-def]
async def returns_object(value: int) -> object: ...
async def two_contexts(first: OperationContext, second: OperationContext) -> int: ...
async def takes_entity(trip: Trip) -> int: ...
async def starred(*values: int) -> int: ...
async def positional(value: int, /) -> int: ...
async def unresolved(value: Unknown) -> int: ...  # type: ignore[name-defined]  # noqa: F821
async def returns_unexposed() -> NotExposed: ...
async def returns_color(value: Color) -> Color: ...


def not_async(value: int) -> int:
    return value


@pytest.mark.parametrize(
    ("kind", "function", "options", "message"),
    [
        ("function", not_async, {}, "function not_async must be a coroutine function (async def)"),
        ("function", no_return, {}, "function no_return: a function returns data; annotate its return type"),
        ("function", unannotated, {}, "function unannotated: parameter value has no annotation"),
        ("function", returns_object, {}, "function returns_object, return type: object has no OData equivalent"),
        ("function", returns_unexposed, {}, "NotExposed has no OData equivalent"),
        ("function", two_contexts, {}, "only one parameter can take the context, not second too"),
        ("function", takes_entity, {}, "function takes_entity, parameter trip: entities as parameters"),
        ("function", starred, {}, "function starred: parameter values cannot be passed by name"),
        ("function", positional, {}, "function positional: parameter value cannot be passed by name"),
        ("function", unresolved, {}, "function unresolved: its annotations cannot be evaluated"),
        ("function", by_name, {"bound": True}, "is bound, so its first parameter is its binding parameter"),
        ("function", returns_int, {"bound": True}, "is bound, so its first parameter is its binding parameter"),
        ("action", returns_color, {"bound": True}, "is bound, so its first parameter is its binding parameter"),
        ("function", returns_int, {"name": "Bad Name"}, "the name of function returns_int is not an OData identifier"),
        (
            "function",
            returns_int,
            {"name": "People"},
            "entity sets, singletons and operation imports are both named 'People'",
        ),
        ("function", returns_int, {"name": "Person"}, "schema members (entity, complex and enumeration types"),
        ("function", takes_point, {"name": "Point"}, "schema members (entity, complex and enumeration types"),
        ("function", returns_int, {"entity_set": "People"}, "this one returns no entities"),
        ("function", returns_people, {"entity_set": "Nope"}, "entity_set= names no entity set: 'Nope'"),
        ("function", returns_people, {"entity_set": "Trips"}, "entity set Trips holds Trip entities"),
        (
            "function",
            returns_person,
            {"bound": True, "entity_set": "People"},
            "a bound one says it with entity_set_path=",
        ),
        ("function", returns_people, {"entity_set_path": "x"}, "entity_set_path= is for bound operations"),
        (
            "function",
            returns_person,
            {"bound": True, "entity_set_path": "p"},
            "starts with the binding parameter, person",
        ),
        (
            "function",
            returns_person,
            {"bound": True, "entity_set_path": "person/Nope"},
            "'Nope', not a navigation property of Person",
        ),
        (
            "function",
            returns_person,
            {"bound": True, "entity_set_path": "person/Trips"},
            "leads to Trip entities, but the operation returns Trippin.Person",
        ),
        (
            "function",
            returns_person,
            {"bound": True, "include_in_service_document": True},
            "only unbound functions can be listed in the service document",
        ),
    ],
)
def test_mistakes_fail_at_start_up(kind: str, function: Any, options: dict[str, Any], message: str) -> None:
    service = _declaring(kind, **options)(function)
    with pytest.raises(ModelError, match=re.escape(message)):
        service.asgi()


def test_actions_are_never_composable() -> None:
    declaration = OperationDeclaration(returns_int, OperationKind.ACTION, composable=True)
    with pytest.raises(ModelError, match=re.escape("action returns_int: actions are never composable")):
        build_model([], namespace=NS, container_name="Container", operations=[declaration])


def _same_parameters(service: ODataService) -> None:
    service.function(name="F")(returns_int)
    service.function(name="F")(returns_int)


def _other_return_type(service: ODataService) -> None:
    service.function(name="F")(returns_int)
    service.function(name="F")(by_name)


def _two_unbound_actions(service: ODataService) -> None:
    service.action(name="A")(returns_int)
    service.action(name="A")(returns_color)


def _two_actions_bound_alike(service: ODataService) -> None:
    service.action(name="A", bound=True)(returns_person)
    service.action(name="A", bound=True)(returns_person)


def _function_and_action(service: ODataService) -> None:
    service.function(name="X")(returns_int)
    service.action(name="X")(returns_int)


def _imports_that_differ(service: ODataService) -> None:
    service.function(name="G")(returns_int)
    service.function(name="G", include_in_service_document=True)(takes_point)


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (_same_parameters, "two overloads of function Trippin.F take the same parameters"),
        (_other_return_type, "the overloads of Trippin.F with the same binding must return the same type"),
        (_two_unbound_actions, "two actions named Trippin.A are bound to the same type"),
        (_two_actions_bound_alike, "two actions named Trippin.A are bound to the same type"),
        (_function_and_action, "Trippin.X is declared both as a function and as an action"),
        (_imports_that_differ, "the unbound overloads of G share one import"),
    ],
)
def test_overloads_that_clash_fail_at_start_up(declare: Callable[[ODataService], None], message: str) -> None:
    service = ODataService("sqlite://", namespace=NS)
    service.add(Person, name="People")
    declare(service)
    with pytest.raises(ModelError, match=re.escape(message)):
        service.asgi()


def test_an_entity_type_in_several_entity_sets_needs_entity_set() -> None:
    service = ODataService("sqlite://", namespace=NS)
    service.add(Person, name="People").add(Person, name="Staff")
    service.function(returns_people)
    with pytest.raises(ModelError, match=re.escape("held by the entity sets People, Staff; say which one")):
        service.asgi()
    service = ODataService("sqlite://", namespace=NS)
    service.add(Person, name="People").add(Person, name="Staff")
    service.function(entity_set="Staff")(returns_people)
    assert service.model.operation_imports["returns_people"].entity_set == "Staff"


def test_operations_are_declared_before_the_service_is_built() -> None:
    service = ODataService("sqlite://", namespace=NS)
    service.add(Person, name="People")
    service.asgi()
    with pytest.raises(RuntimeError, match="declare every operation before serving it"):
        service.function(returns_int)


def test_the_decorators_return_the_function_they_declare() -> None:
    service = ODataService("sqlite://", namespace=NS)
    assert service.function(returns_int) is returns_int
    assert service.action(name="Other")(returns_int) is returns_int
