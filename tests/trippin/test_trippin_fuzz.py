"""Random and mutated URLs of the rich model (complex and enumeration values, casts,
containment, functions, media) never make the server answer 500.

Hypothesis builds resource paths and query strings from TripPin fragments and mutates
valid URLs, and sends them through HTTP to the TripPin example.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import mutated

PATH_FRAGMENTS = [
    "People", "('russellwhyte')", "(", ")", "/", "Trips", "(0)", "PlanItems", "(1)", "Trippin.Flight",
    "Trippin.Employee", "Trippin.Event", "Trippin.Location", "Me", "Friends", "HomeAddress", "City", "Name",
    "AddressInfo", "Emails", "Gender", "FavoriteFeature", "$value", "$count", "$ref", "Photos", "Photo",
    "Airlines('AA')", "Logo", "GetNearestAirport", "(lat=33,lon=-118)", "(lat=@a,lon=1)",
    "Trippin.GetFavoriteAirline()", "Trippin.GetFriendsTrips(userName='x')", "Trippin.GetInvolvedPeople()",
    "Trippin.ShareTrip", "ResetDataSource", "Airline", "From", "'", ",", "=", "Trippin.PersonGender'Male'",
]  # fmt: skip
QUERY_FRAGMENTS = [
    "Gender", "FavoriteFeature", "Emails", "AddressInfo", "HomeAddress", "City", "Name", "Region", "a", "e",
    "/", "(", ")", ",", ":", " ", "'", "eq", "ne", "gt", "and", "or", "not", "has", "in", "any", "all",
    "$count", "$it", "Trippin.PersonGender'Female'", "Trippin.Feature'Wifi,Meals'", "Trippin.Feature'0'",
    "'Male'", "null", "1", "isof", "cast", "Trippin.Employee", "Trippin.Flight", "Cost", "FlightNumber",
    "Trips", "PlanItems", "Friends", "$select=", "$filter=", "$expand=", "$orderby=", "*", "@a", "=",
]  # fmt: skip
OPTIONS = ["$filter", "$orderby", "$select", "$expand", "$top", "$count", "$search", "$compute", "@a"]
VALID = [
    "People?$filter=AddressInfo/any(a: a/City/Name eq 'Boise') and Gender eq 'Male'&$select=UserName,HomeAddress/City",
    "People?$filter=FavoriteFeature has Trippin.Feature'Wifi'&$orderby=HomeAddress/City/Name desc",
    "People('russellwhyte')/Trips(0)/PlanItems/Trippin.Flight?$expand=Airline&$select=FlightNumber",
    "People/Trippin.Employee?$filter=Cost gt 5&$select=UserName,Cost",
    "People('russellwhyte')/Trippin.GetFriendsTrips(userName='scottketchum')?$top=1&$select=Name",
    "GetNearestAirport(lat=33,lon=-118)/Location/City/Name",
    "Me/Friends?$filter=Emails/$count ge 1&$expand=Trips($select=Name;$expand=PlanItems)",
    "People?$filter=isof(Trippin.Employee) or Emails/all(e: contains(e, '@'))",
]

path_strategy = st.lists(st.sampled_from(PATH_FRAGMENTS), min_size=1, max_size=6).map("".join)
option_value = st.lists(st.sampled_from(QUERY_FRAGMENTS), min_size=1, max_size=10).map("".join)
query_strategy = st.lists(st.tuples(st.sampled_from(OPTIONS), option_value), max_size=3).map(
    lambda pairs: "&".join(f"{name}={quote(value, safe='')}" for name, value in pairs)
)


mutated_url = mutated(VALID, "()',;=/$@ []:*-.0aZ%&?").map(lambda text: quote(text, safe="&=$?/()',:@*"))


built_url = st.tuples(path_strategy, query_strategy).map(lambda parts: f"{quote(parts[0], safe='/()$,=@')}?{parts[1]}")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=st.one_of(built_url, mutated_url))
async def test_no_url_makes_a_500(trippin: httpx.AsyncClient, url: str) -> None:
    response = await trippin.get(url)
    assert response.status_code < 500 or response.status_code == 501, (url, response.text)
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"]


json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5)
    | st.sampled_from(["Male", "Wifi,Meals", "0", "7", "Boise", "#Trippin.Location", "#Trippin.EventLocation"]),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["Address", "City", "Name", "Region", "CountryRegion", "Zip", "@odata.type", "BuildingInfo"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=8,
)
structured = st.sampled_from(["Emails", "AddressInfo", "HomeAddress", "Gender", "FavoriteFeature", "FirstName"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.dictionaries(structured, json_value, min_size=1, max_size=3), how=st.sampled_from(["entity", "property"])
)
async def test_no_structured_value_makes_a_500(trippin: httpx.AsyncClient, body: dict[str, object], how: str) -> None:
    """Random JSON for complex, enumeration and collection properties: a 4xx, or a change made."""
    if how == "entity":
        response = await trippin.patch("People('russellwhyte')", json=body)
    else:
        name, value = next(iter(body.items()))
        document = value if name == "HomeAddress" else {"value": value}
        response = await trippin.put(f"People('russellwhyte')/{name}", json=document)
    assert response.status_code < 500, (body, response.text)
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"]
