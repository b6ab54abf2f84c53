"""Complex, enumeration and collection values of the TripPin People, through HTTP.

Queries are checked against the people as ``GET People`` shows them: each ``$filter``
case comes with the same predicate in Python.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from lxml import etree

from tests.conftest import assert_error, read_all
from tests.csdl_schemas import edmx_schema

Person = dict[str, Any]
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


def _flags(person: Person) -> set[str]:
    return set(person["FavoriteFeature"].split(",")) - {"0"}


def _cities(person: Person) -> list[dict[str, Any]]:
    return [location["City"] for location in person["AddressInfo"]]


def _home_city(person: Person) -> dict[str, Any] | None:
    return (person["HomeAddress"] or {}).get("City")


FILTERS: dict[str, Callable[[Person], bool]] = {
    "Gender eq Trippin.PersonGender'Female'": lambda p: p["Gender"] == "Female",
    "Gender eq 'Male'": lambda p: p["Gender"] == "Male",
    "Gender ne Trippin.PersonGender'Male'": lambda p: p["Gender"] != "Male",
    "Gender in ('Male', 'Unknown')": lambda p: p["Gender"] in ("Male", "Unknown"),
    "Gender eq Trippin.PersonGender'1'": lambda p: p["Gender"] == "Female",
    "FavoriteFeature has Trippin.Feature'Wifi'": lambda p: "Wifi" in _flags(p),
    "FavoriteFeature has Trippin.Feature'Wifi,Meals'": lambda p: {"Wifi", "Meals"} <= _flags(p),
    "not (FavoriteFeature has Trippin.Feature'Lounge')": lambda p: "Lounge" not in _flags(p),
    "FavoriteFeature eq Trippin.Feature'Wifi,Meals'": lambda p: _flags(p) == {"Wifi", "Meals"},
    "FavoriteFeature eq Trippin.Feature'0'": lambda p: not _flags(p),
    "FavoriteFeature eq Trippin.Feature'3'": lambda p: _flags(p) == {"Wifi", "Meals"},
    "Emails/any()": lambda p: bool(p["Emails"]),
    "Emails/$count ge 2": lambda p: len(p["Emails"]) >= 2,
    "AddressInfo/$count eq 0 and Emails/$count lt 3": lambda p: not p["AddressInfo"] and len(p["Emails"]) < 3,
    "not Emails/any()": lambda p: not p["Emails"],
    "Emails/any(e: endswith(e, '.com'))": lambda p: any(e.endswith(".com") for e in p["Emails"]),
    "Emails/all(e: contains(e, 'o'))": lambda p: all("o" in e for e in p["Emails"]),
    "Emails/any(e: e eq 'russell@example.com')": lambda p: "russell@example.com" in p["Emails"],
    "AddressInfo/any(a: a/City/Name eq 'Boise')": lambda p: any(c["Name"] == "Boise" for c in _cities(p)),
    "AddressInfo/any(a: a/City/Region eq 'WA' or a/City/Region eq 'ID')": lambda p: any(
        c["Region"] in ("WA", "ID") for c in _cities(p)
    ),
    "AddressInfo/all(a: a/City/CountryRegion eq 'United States')": lambda p: all(
        c["CountryRegion"] == "United States" for c in _cities(p)
    ),
    "AddressInfo/any(a: startswith(a/Address, '1'))": lambda p: any(
        a["Address"].startswith("1") for a in p["AddressInfo"]
    ),
    "HomeAddress eq null": lambda p: p["HomeAddress"] is None,
    "HomeAddress ne null": lambda p: p["HomeAddress"] is not None,
    "HomeAddress/City/Region eq 'WA'": lambda p: (_home_city(p) or {}).get("Region") == "WA",
    "HomeAddress/City/Name ne 'Seattle'": lambda p: (_home_city(p) or {}).get("Name") != "Seattle",
    "contains(HomeAddress/Address, 'Street') and Gender eq 'Female'": lambda p: (
        "Street" in (p["HomeAddress"] or {}).get("Address", "") and p["Gender"] == "Female"
    ),
    "length(HomeAddress/City/Name) gt 6": lambda p: len((_home_city(p) or {}).get("Name", "")) > 6,
    'Gender in ["Male","Unknown"]': lambda p: p["Gender"] in ("Male", "Unknown"),
    'FavoriteFeature in ["Wifi,Meals","Lounge",null]': lambda p: _flags(p) in ({"Wifi", "Meals"}, {"Lounge"}),
    'HomeAddress/City/Region in ["WA","ID"]': lambda p: (_home_city(p) or {}).get("Region") in ("WA", "ID"),
    "'Russell@example.com' in Emails": lambda p: "Russell@example.com" in p["Emails"],
    "not ('Angel@example.com' in Emails)": lambda p: "Angel@example.com" not in p["Emails"],
    "'April@contoso.com' in Emails or Gender in @g&@g=[\"Unknown\"]": lambda p: (
        "April@contoso.com" in p["Emails"] or p["Gender"] == "Unknown"
    ),
    "Emails/any(e: e in Emails)": lambda p: bool(p["Emails"]),
    'AddressInfo/any(a: a/City/Region in ["WA","ID"])': lambda p: any(c["Region"] in ("WA", "ID") for c in _cities(p)),
}


async def test_the_sample_data_has_what_the_cases_look_for(people: list[Person]) -> None:
    """Each filter below keeps some people and drops others, or it would prove little."""
    kept = {expression: sum(predicate(p) for p in people) for expression, predicate in FILTERS.items()}
    trivial = [e for e, count in kept.items() if count in (0, len(people)) and "Unknown" not in e]
    assert len(trivial) <= 3, trivial


@pytest.mark.parametrize("expression", FILTERS)
async def test_filter(trippin: httpx.AsyncClient, people: list[Person], expression: str) -> None:
    response = await trippin.get(f"People?$filter={expression}&$select=UserName")
    assert response.status_code == 200, response.text
    found = {entity["UserName"] for entity in response.json()["value"]}
    assert found == {p["UserName"] for p in people if FILTERS[expression](p)}


@pytest.mark.parametrize(
    ("expression", "named"),
    [
        ('Gender in ["Nope"]', "'Nope'"),
        ("Gender in [1]", "1"),
        ('FavoriteFeature in ["Wifi,Nope"]', "'Nope'"),
        ("Gender in Emails", "Trippin.PersonGender"),
        ("'x' in AddressInfo", "Trippin.Location"),
        ('Emails in ["x"]', "Collection(Edm.String)"),
    ],
)
async def test_in_with_a_value_of_another_type_is_400(trippin: httpx.AsyncClient, expression: str, named: str) -> None:
    error = assert_error(await trippin.get(f"People?$filter={expression}"), 400, "$filter")
    assert named in error["message"]


@pytest.mark.parametrize(
    ("path", "name", "as_strings"),
    [
        ("People", "Age", False),
        ("People", "Age", True),  # an Int64 as a string, as IEEE754Compatible writes it
        ("People('russellwhyte')/Trips", "ShareId", False),
        ("People('russellwhyte')/Trips", "StartsAt", False),
        ("People('russellwhyte')/Trips", "Budget", False),
        ("People('russellwhyte')/Trips(0)/PlanItems", "Duration", False),
    ],
)
async def test_in_a_json_array_of_values_as_they_are_read(
    trippin: httpx.AsyncClient, path: str, name: str, as_strings: bool
) -> None:
    """Values read from the service, sent back in a JSON array right of ``in``, find the
    entities they were read from."""
    entities = await read_all(trippin, path)
    values = sorted({e[name] for e in entities if e[name] is not None}, key=str)[:2]
    members = [str(value) for value in values] if as_strings else values
    found = await read_all(trippin, f"{path}?$filter={name} in {quote(json.dumps(members))}")
    assert found == [e for e in entities if e[name] in values]
    assert 0 < len(found) < len(entities)


async def test_values_are_written_as_odata_json(people: list[Person]) -> None:
    genders = {"Male", "Female", "Unknown"}
    flags = {"Wifi", "Meals", "Lounge", "ExtraLegroom"}
    for person in people:
        assert person["Gender"] in genders
        assert _flags(person) <= flags
        assert all(isinstance(email, str) for email in person["Emails"])
        for location in person["AddressInfo"]:
            assert set(location) == {"Address", "City"}
            assert set(location["City"]) == {"Name", "CountryRegion", "Region"}
    assert {p["Gender"] for p in people} == genders


async def test_orderby_a_path_into_a_complex_value(trippin: httpx.AsyncClient, people: list[Person]) -> None:
    response = await trippin.get(
        "People?$filter=HomeAddress ne null&$orderby=HomeAddress/City/Name desc,UserName&$select=UserName"
    )
    assert response.status_code == 200, response.text
    housed = [p for p in people if p["HomeAddress"] is not None]
    housed.sort(key=lambda p: p["UserName"])
    housed.sort(key=lambda p: p["HomeAddress"]["City"]["Name"], reverse=True)
    assert [e["UserName"] for e in response.json()["value"]] == [p["UserName"] for p in housed]


async def test_select_paths_into_complex_values(trippin: httpx.AsyncClient, people: list[Person]) -> None:
    response = await trippin.get("People?$select=UserName,HomeAddress/City/Name,AddressInfo/Address,Emails")
    assert response.status_code == 200, response.text
    by_name = {p["UserName"]: p for p in people}
    for entity in response.json()["value"]:
        person = by_name[entity["UserName"]]
        assert {name for name in entity if "@" not in name} == {"UserName", "HomeAddress", "AddressInfo", "Emails"}
        home = person["HomeAddress"]
        assert entity["HomeAddress"] == (None if home is None else {"City": {"Name": home["City"]["Name"]}})
        assert entity["AddressInfo"] == [{"Address": a["Address"]} for a in person["AddressInfo"]]
        assert entity["Emails"] == person["Emails"]


@pytest.mark.parametrize(
    "select",
    ["HomeAddress/Zip", "FirstName/Length", "HomeAddress/Address/Text", "Friends/UserName"],
)
async def test_select_paths_that_do_not_exist(trippin: httpx.AsyncClient, select: str) -> None:
    response = await trippin.get(f"People?$select={select}")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["target"] == "$select"


def _someone(people: list[Person]) -> Person:
    return next(p for p in people if p["HomeAddress"] and p["AddressInfo"] and p["Emails"])


async def test_property_paths(trippin: httpx.AsyncClient, people: list[Person]) -> None:
    person = _someone(people)
    base = f"People('{person['UserName']}')"
    cases: dict[str, Any] = {
        "HomeAddress": person["HomeAddress"],
        "HomeAddress/City": person["HomeAddress"]["City"],
    }
    for path, expected in cases.items():
        response = await trippin.get(f"{base}/{path}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body.pop("@context").endswith(f"$metadata#{base}/{path}")
        assert body == expected
    values = {
        "HomeAddress/City/Name": person["HomeAddress"]["City"]["Name"],
        "Emails": person["Emails"],
        "AddressInfo": person["AddressInfo"],
        "Gender": person["Gender"],
        "FavoriteFeature": person["FavoriteFeature"],
    }
    for path, expected in values.items():
        response = await trippin.get(f"{base}/{path}")
        assert response.status_code == 200, response.text
        assert response.json()["value"] == expected
        assert response.json()["@context"].endswith(f"$metadata#{base}/{path}")
    for path in ("HomeAddress/City/Name", "Gender"):
        response = await trippin.get(f"{base}/{path}/$value")
        assert response.status_code == 200, response.text
        assert response.text == values[path]


@pytest.mark.parametrize(
    ("path", "status"),
    [("HomeAddress/Zip", 404), ("HomeAddress/$value", 400), ("Emails/$value", 400), ("Gender/Name", 400)],
)
async def test_property_paths_that_do_not_exist(
    trippin: httpx.AsyncClient, people: list[Person], path: str, status: int
) -> None:
    response = await trippin.get(f"People('{_someone(people)['UserName']}')/{path}")
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]


async def test_full_metadata_names_the_types(trippin: httpx.AsyncClient, people: list[Person]) -> None:
    response = await trippin.get(
        f"People('{_someone(people)['UserName']}')", headers={"Accept": "application/json;odata.metadata=full"}
    )
    assert response.status_code == 200, response.text
    entity = response.json()
    assert entity["Gender@type"] == "#Trippin.PersonGender"
    assert entity["FavoriteFeature@type"] == "#Trippin.Feature"
    assert entity["HomeAddress@type"] == "#Trippin.Location"
    assert entity["AddressInfo@type"] == "#Collection(Trippin.Location)"
    assert entity["Emails@type"] == "Collection(String)"


async def test_metadata_declares_the_types(trippin: httpx.AsyncClient) -> None:
    response = await trippin.get("$metadata")
    assert response.status_code == 200, response.text
    document = etree.fromstring(response.content)
    schema = edmx_schema()
    assert schema.validate(document), schema.error_log
    feature = document.find(f".//{EDM}EnumType[@Name='Feature']")
    assert feature is not None and feature.get("IsFlags") == "true"
    assert document.find(f".//{EDM}ComplexType[@Name='Location']") is not None
    person = document.find(f".//{EDM}EntityType[@Name='Person']")
    assert person is not None
    types = {p.get("Name"): p.get("Type") for p in person.findall(f"{EDM}Property")}
    assert types["AddressInfo"] == "Collection(Trippin.Location)"
    assert types["Emails"] == "Collection(Edm.String)"
    assert types["Gender"] == "Trippin.PersonGender"


NEW_PERSON = {
    "UserName": "newcomer",
    "FirstName": "Nia",
    "LastName": "Newcomer",
    "Gender": "Female",
    "FavoriteFeature": "Wifi,Lounge",
    "Emails": ["nia@example.com", "nia@example.org"],
    "AddressInfo": [
        {"Address": "1 Main Street", "City": {"Name": "Boise", "CountryRegion": "United States", "Region": "ID"}}
    ],
    "HomeAddress": {
        "Address": "2 Side Road",
        "City": {"Name": "Reno", "CountryRegion": "United States", "Region": "NV"},
    },
}


async def test_create_read_and_change_structured_values(trippin: httpx.AsyncClient) -> None:
    created = await trippin.post("People", json=NEW_PERSON)
    assert created.status_code == 201, created.text
    read = (await trippin.get("People('newcomer')")).json()
    for name, value in NEW_PERSON.items():
        assert read[name] == value, name
    found = await trippin.get(
        "People?$filter=AddressInfo/any(a: a/City/Name eq 'Boise') and HomeAddress/City/Region eq 'NV'"
    )
    assert "newcomer" in {p["UserName"] for p in found.json()["value"]}

    patched = await trippin.patch("People('newcomer')/HomeAddress", json={"Address": "3 New Lane"})
    assert patched.status_code == 204, patched.text
    home = (await trippin.get("People('newcomer')/HomeAddress")).json()
    assert home["Address"] == "3 New Lane" and home["City"]["Name"] == "Reno"

    replaced = await trippin.put("People('newcomer')/Emails", json={"value": ["only@example.com"]})
    assert replaced.status_code == 204, replaced.text
    assert (await trippin.get("People('newcomer')/Emails")).json()["value"] == ["only@example.com"]

    changed = await trippin.patch("People('newcomer')", json={"Gender": "Unknown", "FavoriteFeature": "Meals"})
    assert changed.status_code == 204, changed.text
    gender = await trippin.get("People('newcomer')/Gender/$value")
    assert gender.text == "Unknown"
    assert (await trippin.get("People('newcomer')/FavoriteFeature")).json()["value"] == "Meals"

    cleared = await trippin.delete("People('newcomer')/HomeAddress")
    assert cleared.status_code == 204, cleared.text
    assert (await trippin.get("People('newcomer')/HomeAddress")).status_code == 204
    assert (await trippin.delete("People('newcomer')")).status_code == 204


@pytest.mark.parametrize(
    ("change", "target", "code"),
    [
        ({"Gender": "Alien"}, "Gender", "InvalidValue"),
        ({"Gender": 7}, "Gender", "InvalidValue"),
        ({"FavoriteFeature": "Wifi,Teleport"}, "FavoriteFeature", "InvalidValue"),
        ({"Emails": "one@example.com"}, "Emails", "InvalidValue"),
        ({"Emails": [None]}, "Emails/0", "NullNotAllowed"),
        ({"Emails": None}, "Emails", "NullNotAllowed"),
        ({"AddressInfo": [{"Address": "x"}]}, "AddressInfo/0/City", "NullNotAllowed"),
        ({"AddressInfo": [{"Address": "x", "City": {"Name": None}}]}, "AddressInfo/0/City/Name", "NullNotAllowed"),
        ({"HomeAddress": {"Address": "x", "Zip": "83702"}}, "HomeAddress/Zip", "UnknownProperty"),
        ({"HomeAddress": "Main Street"}, "HomeAddress", "InvalidValue"),
        ({"HomeAddress": {"@odata.type": "#Trippin.City", "Address": "x"}}, "HomeAddress/@odata.type", "InvalidValue"),
    ],
)
async def test_invalid_structured_values(
    trippin: httpx.AsyncClient, people: list[Person], change: dict[str, Any], target: str, code: str
) -> None:
    person = people[0]["UserName"]
    response = await trippin.patch(f"People('{person}')", json=change)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["target"], error["code"]) == (target, code), error


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("Gender eq Trippin.PersonGender'Alien'", "not a member"),
        ("Gender eq Trippin.Nothing'Male'", "not an enumeration type"),
        ("Gender eq 3", "Cannot compare"),
        ("Gender has Trippin.PersonGender'Male,Female'", "not a flags type"),
        ("FirstName has Trippin.Feature'Wifi'", "enumeration value on its left"),
        ("HomeAddress eq 'x'", "Cannot compare"),
        ("Emails eq 'x'", "Cannot compare"),
        ("HomeAddress/City/Zip eq 'x'", "no property"),
        ("Emails/any(e: e/Name eq 'x')", "nothing can follow"),
        ("AddressInfo/any(a: a eq 'x')", "complex value"),
        ("HomeAddress/Address/any(a: a eq 'x')", "single value"),
    ],
)
async def test_bad_expressions(trippin: httpx.AsyncClient, expression: str, message: str) -> None:
    response = await trippin.get(f"People?$filter={expression}")
    assert response.status_code == 400, response.text
    assert message in response.json()["error"]["message"]
