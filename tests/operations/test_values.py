"""Parameter and return values of every kind: the ``Echo<Type>`` functions and actions return their argument.

A function takes its argument as a URL literal (primitive values) or as JSON in a
parameter alias (complex values and collections); an action takes it in its JSON body.
Either way the result is written as OData JSON (JSON Format §11).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import assert_error

CONTEXT = "http://testserver/odata/$metadata#"

LOCATION = {"Address": "1 Main St", "Latitude": 1.5, "Longitude": None}
CITY = {"Name": "Springfield", "Location": LOCATION, "Tags": ["quiet", "green"]}

# suffix, the argument as a URL literal, as JSON, the result's type and JSON value
PRIMITIVES = [
    ("String", "'it''s'", "it's", "Edm.String", "it's"),
    ("String", "''", "", "Edm.String", ""),
    ("Boolean", "true", True, "Edm.Boolean", True),
    ("Int32", "-7", -7, "Edm.Int32", -7),
    ("Int64", "9007199254740993", 9007199254740993, "Edm.Int64", 9007199254740993),
    ("Double", "1.5", 1.5, "Edm.Double", 1.5),
    ("Double", "-INF", "-INF", "Edm.Double", "-INF"),
    ("Decimal", "12.345", 12.345, "Edm.Decimal", 12.345),
    ("Date", "2024-02-29", "2024-02-29", "Edm.Date", "2024-02-29"),
    ("DateTimeOffset", "2024-01-31T12:00:00Z", "2024-01-31T12:00:00Z", "Edm.DateTimeOffset", "2024-01-31T12:00:00Z"),
    ("TimeOfDay", "13:45:00", "13:45:00", "Edm.TimeOfDay", "13:45:00"),
    ("Duration", "duration'P1DT2H'", "P1DT2H", "Edm.Duration", "P1DT2H"),
    ("Guid", "01234567-89ab-cdef-0123-456789abcdef", "01234567-89ab-cdef-0123-456789abcdef", "Edm.Guid", None),
    ("Binary", "binary'AQID'", "AQID", "Edm.Binary", "AQID"),
    ("OptionalInt", "5", 5, "Edm.Int32", 5),
]


@pytest.mark.parametrize(("suffix", "literal", "json_value", "type_name", "result"), PRIMITIVES)
async def test_primitive_values_as_literals_and_as_json(
    client: httpx.AsyncClient, suffix: str, literal: str, json_value: object, type_name: str, result: object
) -> None:
    expected = {"@context": CONTEXT + type_name, "value": json_value if result is None else result}
    by_function = await client.get(f"Echo{suffix}(value={quote(literal, safe=chr(39))})")
    assert by_function.status_code == 200, by_function.text
    assert by_function.json() == expected
    by_action = await client.post(f"Echo{suffix}Action", json={"value": json_value})
    assert by_action.status_code == 200, by_action.text
    assert by_action.json() == expected


# suffix, the argument as JSON, the result's type, the result
STRUCTURED = [
    ("Location", LOCATION, "Trippin.Location", LOCATION),
    ("Location", {"Address": "1 Main St", "Latitude": 1.5}, "Trippin.Location", LOCATION),  # a default
    ("Location", {"@type": "#Trippin.Location", **LOCATION}, "Trippin.Location", LOCATION),
    ("City", CITY, "Trippin.City", CITY),
    ("Strings", ["a", "b"], "Collection(Edm.String)", ["a", "b"]),
    ("Strings", [], "Collection(Edm.String)", []),
    ("Locations", [LOCATION, LOCATION], "Collection(Trippin.Location)", [LOCATION, LOCATION]),
]


@pytest.mark.parametrize(("suffix", "argument", "type_name", "result"), STRUCTURED)
async def test_complex_values_and_collections_as_json(
    client: httpx.AsyncClient, suffix: str, argument: object, type_name: str, result: object
) -> None:
    expected: dict[str, Any] = {"@context": CONTEXT + type_name}
    expected |= result if isinstance(result, dict) else {"value": result}
    alias = quote(httpx.Request("GET", "http://x", json=argument).content.decode(), safe="")
    by_function = await client.get(f"Echo{suffix}(value=@v)?@v={alias}")
    assert by_function.status_code == 200, by_function.text
    assert by_function.json() == expected
    by_action = await client.post(f"Echo{suffix}Action", json={"value": argument})
    assert by_action.status_code == 200, by_action.text
    assert by_action.json() == expected


@pytest.mark.parametrize(
    ("suffix", "argument", "result"),
    [
        ("Color", "Green", "Green"),
        ("Color", 2, "Green"),
        ("Color", "3", "Blue"),
        ("Feature", "Meals", "Meals"),
        ("Feature", "Wifi,Lounge", "Wifi,Lounge"),
        ("Feature", "Lounge, Wifi", "Wifi,Lounge"),
        ("Feature", 5, "Wifi,Lounge"),
    ],
)
async def test_enumeration_values_in_bodies(
    client: httpx.AsyncClient, suffix: str, argument: object, result: str
) -> None:
    response = await client.post(f"Echo{suffix}Action", json={"value": argument})
    assert response.status_code == 200, response.text
    assert response.json() == {"@context": f"{CONTEXT}Trippin.{suffix}", "value": result}


@pytest.mark.parametrize(
    ("suffix", "body", "target"),
    [
        ("Color", {"value": "Purple"}, "value"),
        ("Color", {"value": "Red,Blue"}, "value"),  # not flags
        ("Color", {"value": 9}, "value"),
        ("Color", {"value": True}, "value"),
        ("Feature", {"value": "Wifi,Nope"}, "value"),
        ("Int32", {"value": 2147483648}, "value"),
        ("Int32", {"value": 1.5}, "value"),
        ("Int32", {"value": "1"}, "value"),
        ("Int32", {"value": None}, "value"),
        ("Int32", {}, "value"),
        ("Date", {"value": "31.01.2024"}, "value"),
        ("Guid", {"value": "nope"}, "value"),
        ("Location", {"value": {"Address": "a"}}, "value/Latitude"),
        ("Location", {"value": {"Address": 1, "Latitude": 1}}, "value/Address"),
        ("Location", {"value": {"Address": "a", "Latitude": 1, "Height": 2}}, "value/Height"),
        ("Location", {"value": "a"}, "value"),
        ("Location", {"value": {"@odata.type": "#Trippin.City", **LOCATION}}, "value/@odata.type"),
        ("City", {"value": {**CITY, "Location": {"Address": "a", "Latitude": "b"}}}, "value/Location/Latitude"),
        ("City", {"value": {**CITY, "Tags": ["a", 2]}}, "value/Tags/1"),
        ("Strings", {"value": "a"}, "value"),
        ("Locations", {"value": [LOCATION, {"Latitude": 1}]}, "value/1/Address"),
    ],
)
async def test_values_that_do_not_fit_are_400(
    client: httpx.AsyncClient, suffix: str, body: dict[str, Any], target: str
) -> None:
    assert_error(await client.post(f"Echo{suffix}Action", json=body), 400, target)


async def test_a_nullable_parameter_may_be_left_out_of_a_body(client: httpx.AsyncClient) -> None:
    for body in ({}, {"value": None}):
        response = await client.post("EchoOptionalIntAction", json=body)
        assert response.status_code == 204, response.text
    response = await client.get("EchoOptionalInt(value=null)")
    assert response.status_code == 204, response.text


@pytest.mark.parametrize(
    ("url", "value"),
    [("EchoInt64(value=9007199254740993)", "9007199254740993"), ("EchoDecimal(value=12.345)", "12.345")],
)
async def test_ieee754_compatible_writes_big_numbers_as_strings(
    client: httpx.AsyncClient, url: str, value: str
) -> None:
    response = await client.get(url, headers={"Accept": "application/json;IEEE754Compatible=true"})
    assert response.json()["value"] == value


async def test_an_int64_may_come_as_a_string(client: httpx.AsyncClient) -> None:
    response = await client.post("EchoInt64Action", json={"value": "9007199254740993"})
    assert response.json()["value"] == 9007199254740993
