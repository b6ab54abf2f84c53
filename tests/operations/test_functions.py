"""Invoking functions through HTTP (OData Protocol §11.5.3, URL Conventions §4.5, §5.1.1.13)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, assert_error, read_all
from tests.operations.trippin import trippin_client

CONTEXT = f"{ROOT}$metadata#"
KLAX = {
    "IcaoCode": "KLAX",
    "Name": "Los Angeles International Airport",
    "Latitude": 33.94,
    "Longitude": -118.41,
}


def _codes(body: dict[str, Any], key: str = "IcaoCode") -> list[object]:
    return [entity[key] for entity in body["value"]]


@pytest.mark.parametrize(
    "url",
    [
        "GetNearestAirport(lat=33,lon=-118)",
        "GetNearestAirport(lon=-118,lat=33)",
        "GetNearestAirport(lat=33.0,lon=-118.5)",
        "GetNearestAirport(lat=3.3E1,lon=-118)",
        "GetNearestAirport(lat%3D33,lon%3D-118)",
        "GetNearestAirport(lat=@la,lon=@lo)?@la=33&@lo=-118",
        "GetNearestAirport(lat=33,lon=@lo)?@lo=-118",
        "GetNearestAirport(lat=@p,lon=-118)?@p=33&$select=IcaoCode,Name,Latitude,Longitude",
        "GetNearestAirport?lat=33&lon=-118",
        "GetNearestAirport?@lat=33&@lon=-118",
        "GetNearestAirport?lat=33&@lon=-118",
    ],
)
async def test_parameters_inline_as_aliases_and_as_implicit_aliases(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    body = response.json()
    context = body.pop("@context")
    assert context in (f"{CONTEXT}Airports/$entity", f"{CONTEXT}Airports(IcaoCode,Name,Latitude,Longitude)/$entity")
    assert body == KLAX


@pytest.mark.parametrize(
    ("url", "context", "expected"),
    [
        # results of a composable function take further path segments ...
        ("GetNearestAirport(lat=33,lon=-118)/Name", "Airports('KLAX')/Name", "Los Angeles International Airport"),
        ("TopAirports(count=3)/KSFO/Latitude", "Airports('KSFO')/Latitude", 37.62),
        ("People/Trippin.Oldest()/Trippin.GetFavoriteAirline()/Name", "Airlines('FM')/Name", "Shanghai Airline"),
        (
            "People('russellwhyte')/Trippin.GetFriendsTrips(userName='scottketchum')/3/Name",
            "Trips(3)/Name",
            "Honeymoon",
        ),
        # ... values ...
        ("CountPeople()", "Edm.Int32", 4),
        ("CountPeople", "Edm.Int32", 4),
        ("Greeting(name='Ann')", "Edm.String", "Hello, Ann"),
        ("EchoColor(value=Trippin.Color'Red')", "Trippin.Color", "Red"),
        ("EchoColor(value='Red')", "Trippin.Color", "Red"),
        ("Greeting(name='O''Neil')", "Edm.String", "Hello, O'Neil"),
        ("People/Trippin.AverageAge()", "Edm.Double", pytest.approx(98 / 3)),
        ("People('russellwhyte')/Friends/Trippin.AverageAge()", "Edm.Double", 33.5),
        ("People('russellwhyte')/Trippin.TripNames()", "Collection(Edm.String)", ["Trip in US", "Trip in Beijing"]),
        ("People('javieralfred')/Trippin.TripNames()", "Collection(Edm.String)", []),
        ("People('russellwhyte')/Trippin.FirstTripName()", "Edm.String", "Trip in US"),
        # ... and further bound functions
        ("People/Trippin.Oldest()/Trippin.TripNames()", "Collection(Edm.String)", ["Honeymoon", "Business trip"]),
        ("People/Trippin.Oldest()/Friends/Trippin.AverageAge()", "Edm.Double", 31.0),
    ],
)
async def test_values(client: httpx.AsyncClient, url: str, context: str, expected: object) -> None:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.json() == {"@context": CONTEXT + context, "value": expected}


@pytest.mark.parametrize(
    ("url", "context", "codes"),
    [
        ("TopAirports(count=3)", "Airports", ["ZSSS", "KSFO", "KLAX"]),  # the order the function gave
        ("TopAirports(count=3)?$orderby=IcaoCode", "Airports", ["KLAX", "KSFO", "ZSSS"]),
        ("TopAirports(count=3)?$orderby=Latitude desc", "Airports", ["KSFO", "KLAX", "ZSSS"]),
        ("TopAirports(count=3)?$filter=Latitude gt 35", "Airports", ["KSFO"]),
        ("TopAirports(count=5)?$filter=startswith(Name,'S')", "Airports", ["ZSSS", "KSFO"]),
        ("TopAirports(count=5)?$search=International", "Airports", ["ZSSS", "KSFO", "KLAX", "KJFK"]),
        ("TopAirports(count=3)?$top=2&$skip=1", "Airports", ["KSFO", "KLAX"]),
        ("TopAirports(count=0)", "Airports", []),
        ("TopAirports(count=@c)?@c=2", "Airports", ["ZSSS", "KSFO"]),
        ("TopAirports?@count=2", "Airports", ["ZSSS", "KSFO"]),  # count alone is $count
        ("TopAirports(count=3)?$select=Name", "Airports(Name)", [None, None, None]),
    ],
)
async def test_collections_of_entities_take_query_options(
    client: httpx.AsyncClient, url: str, context: str, codes: list[str | None]
) -> None:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@context"] == CONTEXT + context
    assert [entity.get("IcaoCode") for entity in body["value"]] == codes


async def test_count_and_select_and_ids(client: httpx.AsyncClient) -> None:
    body = (await client.get("TopAirports(count=3)?$count=true&$top=1&$select=Name")).json()
    assert body == {
        "@context": f"{CONTEXT}Airports(Name)",
        "@count": 3,
        "value": [{"@id": f"{ROOT}Airports('ZSSS')", "Name": "Shanghai Hongqiao International Airport"}],
    }


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("TopAirports(count=3)/$count", "3"),
        ("TopAirports(count=3)/$count?$filter=Latitude gt 35", "1"),
        ("People/Trippin.Oldest()/Trips/$count", "2"),
        ("People('russellwhyte')/Trippin.GetFriendsTrips(userName='scottketchum')/$count", "2"),
        ("GetNearestAirport(lat=33,lon=-118)/Name/$value", "Los Angeles International Airport"),
    ],
)
async def test_counts_and_raw_values(client: httpx.AsyncClient, url: str, text: str) -> None:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == text


@pytest.mark.parametrize(
    ("url", "context", "key", "keys"),
    [
        ("People/Trippin.Oldest()/Trips", "Trips", "TripId", [3, 4]),
        ("People('russellwhyte')/Friends/Trippin.Oldest()/Friends", "People", "UserName", ["russellwhyte"]),
        ("People('russellwhyte')/Trippin.GetFriendsTrips(userName='scottketchum')", "Trips", "TripId", [3, 4]),
        (
            "People('russellwhyte')/Trippin.GetFriendsTrips(userName='scottketchum')?$orderby=Budget",
            "Trips",
            "TripId",
            [4, 3],
        ),
        ("People('russellwhyte')/Trippin.GetFriendsTrips(userName='javieralfred')", "Trips", "TripId", []),
        ("People('scottketchum')/Trippin.GetFriendsTrips(userName='ronaldmundy')", "Trips", "TripId", []),
        ("Search(text='o')", "People", "UserName", ["ronaldmundy", "scottketchum"]),
        ("Search(text='o',minAge=30)", "People", "UserName", ["scottketchum"]),
        ("Search(minAge=30,text='o')", "People", "UserName", ["scottketchum"]),
        ("Search?text='o'&minAge=30", "People", "UserName", ["scottketchum"]),
    ],
)
async def test_bound_functions_navigation_and_overloads(
    client: httpx.AsyncClient, url: str, context: str, key: str, keys: list[object]
) -> None:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@context"] == CONTEXT + context
    assert _codes(body, key) == keys


@pytest.mark.parametrize(
    ("url", "context", "entity"),
    [
        ("People/Trippin.Oldest()?$select=UserName", "People(UserName)/$entity", {"UserName": "scottketchum"}),
        (
            "GetPerson(userName='ronaldmundy')?$select=UserName&$expand=Trips($select=Name)",
            "People(UserName,Trips(Name))/$entity",
            {"UserName": "ronaldmundy", "Trips": [{"@id": f"{ROOT}Trips(5)", "Name": "Weekend away"}]},
        ),
        # The model does not name the entity set of a bound function without an entity set path:
        # the context names the type and the entity carries its id.
        (
            "People('russellwhyte')/Trippin.GetFavoriteAirline()",
            "Trippin.Airline",
            {"@id": f"{ROOT}Airlines('AA')", "AirlineCode": "AA", "Name": "American Airlines"},
        ),
        (
            "People('russellwhyte')/Trippin.GetFavoriteAirline()?$select=Name",
            "Trippin.Airline(Name)",
            {"@id": f"{ROOT}Airlines('AA')", "Name": "American Airlines"},
        ),
    ],
)
async def test_single_entities(client: httpx.AsyncClient, url: str, context: str, entity: dict[str, Any]) -> None:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    body = response.json()
    body.pop("@etag", None)
    assert body == {"@context": CONTEXT + context, **entity}


async def test_a_reference_to_the_result(client: httpx.AsyncClient) -> None:
    response = await client.get("TopAirports(count=2)/$ref")
    assert response.json() == {
        "@context": f"{CONTEXT}Collection($ref)",
        "value": [{"@id": f"{ROOT}Airports('ZSSS')"}, {"@id": f"{ROOT}Airports('KSFO')"}],
    }


async def test_aggregation_of_the_result(client: httpx.AsyncClient) -> None:
    response = await client.get("TopAirports(count=4)?$apply=aggregate($count as Airports)")
    assert response.status_code == 200, response.text
    assert [instance["Airports"] for instance in response.json()["value"]] == [4]


@pytest.mark.parametrize(
    "headers",
    [
        {"Accept": "application/json;odata.metadata=full"},
        {"Accept": "application/json;odata.metadata=full", "OData-MaxVersion": "4.0"},
    ],
)
async def test_full_metadata(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    body = (await client.get("GetNearestAirport(lat=33,lon=-118)", headers=headers)).json()
    prefix = "@odata." if headers.get("OData-MaxVersion") == "4.0" else "@"
    assert body[f"{prefix}context"] == f"{CONTEXT}Airports/$entity"
    assert body[f"{prefix}id"] == f"{ROOT}Airports('KLAX')"
    assert body[f"{prefix}type"] == "#Trippin.Airport"


async def test_no_metadata(client: httpx.AsyncClient) -> None:
    response = await client.get("Greeting(name='Ann')", headers={"Accept": "application/json;odata.metadata=none"})
    assert response.json() == {"value": "Hello, Ann"}


@pytest.mark.parametrize(
    "url",
    [
        "GetPerson(userName='nobody')",  # returns Person | None: no result is 204
        "Greeting(name=null)",
        "Greeting(name=@missing)",  # an alias without a value is null
        "GetPerson?userName='nobody'",
    ],
)
async def test_no_result_of_a_nullable_function_is_204(client: httpx.AsyncClient, url: str) -> None:
    response = await client.get(url)
    assert response.status_code == 204, response.text
    assert response.content == b""


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("People('ronaldmundy')/Trippin.GetFavoriteAirline()", None),  # returns Airline: no result is 404
        ("People('ronaldmundy')/Trippin.GetFavoriteAirline()/Name", None),
        ("People('nobody')/Trippin.GetFavoriteAirline()", None),  # no binding entity
        ("People('nobody')/Trippin.TripNames()", None),
        ("People('javieralfred')/Trippin.FirstTripName()", None),  # returns str: no result is 404
        ("TopAirports(count=3)/EGLL", None),  # not among the results
    ],
)
async def test_not_found(client: httpx.AsyncClient, url: str, target: object) -> None:
    assert_error(await client.get(url), 404)


@pytest.fixture(scope="module")
async def paged(database_url: str, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The service with pages of two entities (on the same data)."""
    async with trippin_client(database_url, max_page_size=2) as paged:
        yield paged


@pytest.mark.parametrize(
    ("url", "codes"),
    [
        ("TopAirports(count=5)", ["ZSSS", "KSFO", "KLAX", "KJFK", "EGLL"]),
        ("TopAirports(count=@c)?@c=5&$orderby=Latitude", ["ZSSS", "KLAX", "KSFO", "KJFK", "EGLL"]),
        ("TopAirports(count=5)?$filter=Latitude gt 32&$top=3", ["KSFO", "KLAX", "KJFK"]),
    ],
)
async def test_results_are_paged_by_next_links_that_invoke_again(
    paged: httpx.AsyncClient, url: str, codes: list[str]
) -> None:
    first = (await paged.get(url)).json()
    assert len(first["value"]) == 2 and first["@nextLink"].startswith(f"{ROOT}TopAirports(")
    assert [entity["IcaoCode"] for entity in await read_all(paged, url)] == codes


@pytest.mark.parametrize(
    ("method", "url", "status", "target"),
    [
        ("GET", "NoSuchFunction()", 404, "NoSuchFunction"),
        ("GET", "NoSuchFunction", 404, "NoSuchFunction"),
        ("GET", "People('russellwhyte')/Trippin.NoSuch()", 404, "Trippin.NoSuch"),
        ("GET", "People('russellwhyte')/GetFavoriteAirline()", 404, "GetFavoriteAirline"),
        ("GET", "People('russellwhyte')/Trippin.Airline", 400, "Trippin.Airline"),
        ("POST", "GetNearestAirport(lat=33,lon=-118)", 405, None),
        ("PUT", "CountPeople()", 405, None),
        ("POST", "People('russellwhyte')/Trippin.GetFavoriteAirline()", 405, None),
        ("DELETE", "TopAirports(count=3)/$count", 405, None),
        ("PATCH", "GetNearestAirport(lat=33,lon=-118)/Name", 501, None),
        ("DELETE", "TopAirports(count=3)/KSFO", 501, None),
        ("GET", "GetNearestAirport(lat=33)", 400, "lon"),
        ("GET", "GetNearestAirport()", 400, "lat"),
        ("GET", "GetNearestAirport(lat=33,lon=1,alt=3)", 400, "alt"),
        ("GET", "GetNearestAirport(lat='x',lon=1)", 400, "lat"),
        ("GET", "GetNearestAirport(lat=true,lon=1)", 400, "lat"),
        ("GET", "GetNearestAirport(lat=null,lon=1)", 400, "lat"),
        ("GET", "GetNearestAirport(lat=@x,lon=1)", 400, "lat"),
        ("GET", "GetNearestAirport(lat=@x,lon=1)?@x='a'", 400, "lat"),
        ("GET", "GetNearestAirport(lat=1,lat=2)", 400, "lat"),
        ("GET", "GetNearestAirport(33)", 400, "GetNearestAirport"),
        ("GET", "GetNearestAirport?lat=33", 400, "lon"),
        ("GET", "TopAirports(count=2147483648)", 400, "count"),
        ("GET", "TopAirports/$count?@count=3", 400, "TopAirports"),
        ("GET", "TopAirports?count=3", 400, "count"),
        ("GET", "GetPerson(userName='russellwhyte')/Trips", 400, "Trips"),
        ("GET", "CountPeople()/$value", 400, "$value"),
        ("GET", "People/Trippin.GetFavoriteAirline()", 400, "Trippin.GetFavoriteAirline"),
        ("GET", "People('russellwhyte')/Trippin.Oldest()", 400, "Trippin.Oldest"),
        ("GET", "Search(minAge=3)", 400, "text"),
        ("GET", "Search(text='a',foo=1)", 400, "foo"),
        ("GET", "EchoLocation(value='x')", 400, "value"),
        ("GET", "EchoStrings(value='x')", 400, "value"),
        ("GET", "EchoColor(value=Trippin.Color'Purple')", 400, "value"),
        ("GET", "EchoColor(value=Trippin.Shade'Red')", 400, "value"),
        ("GET", "EchoColor(value='Red,Green')", 400, "value"),
        ("GET", "EchoColor(value=1)", 400, "value"),
        ("GET", "EchoInt32(value=@v)?@v=1 add 2", 501, "value"),
        ("GET", "Search?text=o", 501, "text"),  # a path expression, not the string 'o'
        ("GET", "EchoInt32(value=@v)?@v=)(", 400, "value"),
        ("GET", 'EchoLocation(value=@v)?@v={"Address":', 400, "value"),
        ("GET", 'EchoLocation(value=@v)?@v={"Nope":1}', 400, "value/Nope"),
        ("GET", 'EchoLocation(value=@v)?@v={"Latitude":1}', 400, "value/Address"),
        ("GET", 'EchoLocation(value=@v)?@v={"Address":"a","Latitude":"north"}', 400, "value/Latitude"),
        ("GET", 'EchoStrings(value=@v)?@v=["a",1]', 400, "value/1"),
        ("GET", "EchoStrings(value=@v)?@v={}", 400, "value"),
        ("GET", "People('russellwhyte')/Trippin.TripNames()?$top=1", 501, "$top"),
        ("GET", "CountPeople()?$filter=true", 501, "$filter"),
        ("GET", "GetNearestAirport(lat=33,lon=-118)?$filter=Latitude gt 1", 400, "$filter"),
        ("GET", "GetNearestAirport(lat=33,lon=-118)?$select=Nope", 400, None),
        ("GET", "People?$filter=Trippin.CountPeople() gt 1", 501, "$filter"),
    ],
)
async def test_errors(client: httpx.AsyncClient, method: str, url: str, status: int, target: object) -> None:
    response = await client.request(method, url)
    error = assert_error(response, status)
    if target is not None:
        assert error.get("target") == target, error
    if status == 405:
        assert response.headers["allow"] == "GET, HEAD"


async def test_the_unqualified_name_of_a_bound_function_suggests_the_qualified_one(client: httpx.AsyncClient) -> None:
    error = assert_error(await client.get("People('russellwhyte')/GetFavoriteAirline()"), 404)
    assert "did you mean 'Trippin.GetFavoriteAirline'?" in error["message"]


async def _etag(client: httpx.AsyncClient, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


@pytest.mark.parametrize(
    ("url", "if_match", "status"),
    [
        ("People('russellwhyte')/Trippin.GetFavoriteAirline()", "current", 200),
        ("People('russellwhyte')/Trippin.GetFavoriteAirline()", "*", 200),
        ("People('russellwhyte')/Trippin.GetFavoriteAirline()", 'W/"other"', 412),
        ("People('russellwhyte')/Trippin.GetFavoriteAirline()", 'W/"other", current', 200),
        ("People/Trippin.AverageAge()", "*", 200),
        ("People/Trippin.AverageAge()", 'W/"other"', 412),  # a collection has no ETag
    ],
)
async def test_if_match_applies_to_the_binding_entity(
    client: httpx.AsyncClient, url: str, if_match: str, status: int
) -> None:
    current = await _etag(client, "People('russellwhyte')")
    response = await client.get(url, headers={"If-Match": if_match.replace("current", current)})
    assert response.status_code == status, response.text


async def test_function_imports_marked_so_are_in_the_service_document(client: httpx.AsyncClient) -> None:
    listed = (await client.get("")).json()["value"]
    assert [item for item in listed if item["kind"] == "FunctionImport"] == [
        {"name": "TopAirports", "kind": "FunctionImport", "url": "TopAirports"}
    ]
