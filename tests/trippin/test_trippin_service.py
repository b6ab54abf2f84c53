"""The TripPin example as a client uses it: the singleton Me, trips contained in people,
functions and actions, photos as media entities, and $metadata against the public
TripPin service's names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from tests.csdl_schemas import edmx_schema

TRIPPIN_METADATA = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "trippin" / "TripPin.metadata.xml"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


async def _json(client: httpx.AsyncClient, url: str) -> Any:
    response = await client.get(url)
    assert response.status_code == 200, f"{url}: {response.text}"
    return response.json()


async def test_me_is_a_person(trippin: httpx.AsyncClient) -> None:
    me = await _json(trippin, "Me")
    assert me["@context"].endswith("$metadata#Me")
    assert me == {**await _json(trippin, f"People('{me['UserName']}')"), "@context": me["@context"]}
    friends = await _json(trippin, "Me/Friends?$select=UserName")
    assert friends["value"], "Me has friends in the sample data"
    first = await _json(trippin, "Me/FirstName")
    assert first["value"] == me["FirstName"]


async def test_trips_are_reached_through_their_person(trippin: httpx.AsyncClient) -> None:
    trips = (await _json(trippin, "People('russellwhyte')/Trips"))["value"]
    assert trips
    trip = trips[0]
    one = await _json(trippin, f"People('russellwhyte')/Trips({trip['TripId']})")
    assert one["@context"].endswith("$metadata#People('russellwhyte')/Trips/$entity")
    assert one["Name"] == trip["Name"]
    items = await _json(trippin, f"People('russellwhyte')/Trips({trip['TripId']})/PlanItems")
    assert items["value"]
    expanded = await _json(trippin, "People('russellwhyte')?$expand=Trips($select=Name;$expand=PlanItems($count=true))")
    assert [t["Name"] for t in expanded["Trips"]] == [t["Name"] for t in trips]
    assert all(t["PlanItems@count"] == len(t["PlanItems"]) for t in expanded["Trips"])
    assert (await trippin.get("Trips")).status_code == 404


async def test_functions(trippin: httpx.AsyncClient) -> None:
    nearest = await _json(trippin, "GetNearestAirport(lat=33.9,lon=-118.4)")
    assert nearest["IcaoCode"] == "KLAX"
    name = await _json(trippin, "GetNearestAirport(lat=47.4,lon=-122.3)/Name")
    assert "Seattle" in name["value"]
    airline = await _json(trippin, "People('russellwhyte')/Trippin.GetFavoriteAirline()")
    assert airline["AirlineCode"]
    friend = (await _json(trippin, "People('russellwhyte')/Friends?$top=1&$select=UserName"))["value"][0]["UserName"]
    trips = await _json(trippin, f"People('russellwhyte')/Trippin.GetFriendsTrips(userName='{friend}')/$count")
    assert trips == len((await _json(trippin, f"People('{friend}')/Trips"))["value"])
    involved = await _json(trippin, "People('russellwhyte')/Trips(0)/Trippin.GetInvolvedPeople()?$select=UserName")
    assert "russellwhyte" in {p["UserName"] for p in involved["value"]}
    document = await _json(trippin, "")
    assert {"name": "GetNearestAirport", "kind": "FunctionImport", "url": "GetNearestAirport"} in document["value"]
    assert {"name": "Me", "kind": "Singleton", "url": "Me"} in document["value"]


async def test_share_trip_then_reset(trippin: httpx.AsyncClient) -> None:
    before = await _json(trippin, "People('willieashmore')/Trips/$count")
    shared = await trippin.post(
        "People('russellwhyte')/Trippin.ShareTrip", json={"userName": "willieashmore", "tripId": 0}
    )
    assert shared.status_code == 204, shared.text
    trips = (await _json(trippin, "People('willieashmore')/Trips"))["value"]
    assert len(trips) == before + 1
    original = await _json(trippin, "People('russellwhyte')/Trips(0)")
    assert original["ShareId"] in {t["ShareId"] for t in trips}
    involved = await _json(trippin, "People('russellwhyte')/Trips(0)/Trippin.GetInvolvedPeople()?$select=UserName")
    assert {"russellwhyte", "willieashmore"} <= {p["UserName"] for p in involved["value"]}

    missing = await trippin.post("People('russellwhyte')/Trippin.ShareTrip", json={"userName": "nobody", "tripId": 0})
    assert missing.status_code == 400 and missing.json()["error"]["target"] == "userName"
    reset = await trippin.post("ResetDataSource")
    assert reset.status_code == 204, reset.text
    assert await _json(trippin, "People('willieashmore')/Trips/$count") == before


async def test_photos_are_media_entities(trippin: httpx.AsyncClient) -> None:
    photo = await _json(trippin, "People('russellwhyte')/Photo")
    content = await trippin.get(f"Photos({photo['Id']})/$value")
    assert content.status_code == 200
    assert content.headers["content-type"] == photo["@mediaContentType"]
    assert content.content[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0")
    logo = await trippin.get("Airlines('AA')/Logo")
    assert logo.status_code == 200 and logo.headers["content-type"] == "image/png"


def _names(root: etree._Element, kind: str) -> set[str]:
    return {element.get("Name") for element in root.iter(f"{EDM}{kind}")}  # type: ignore[misc]


@pytest.fixture(scope="module")
async def metadata(trippin: httpx.AsyncClient) -> etree._Element:
    response = await trippin.get("$metadata")
    assert response.status_code == 200
    return etree.fromstring(response.content)


async def test_metadata_is_valid_edmx(metadata: etree._Element) -> None:
    schema = edmx_schema()
    assert schema.validate(metadata), schema.error_log


def _local(name: str | None) -> str | None:
    """A qualified name without its namespace, which differs from the public service's."""
    return name.rsplit(".", 1)[-1] if name else None


# What the example leaves out of the public TripPin service, and why.
LEFT_OUT = {
    "AirportLocation/Loc": "Edm.GeographyPoint: geography types are not supported",
}


async def test_metadata_has_the_names_of_the_public_trippin_service(metadata: etree._Element) -> None:
    reference = etree.parse(str(TRIPPIN_METADATA)).getroot()
    for kind in (
        "EntityType",
        "ComplexType",
        "EnumType",
        "EntitySet",
        "Singleton",
        "Function",
        "Action",
        "FunctionImport",
        "ActionImport",
    ):
        assert _names(reference, kind) <= _names(metadata, kind), kind
    ours = {element.get("Name"): element for element in metadata.iter(f"{EDM}EntityType", f"{EDM}ComplexType")}
    for theirs in reference.iter(f"{EDM}EntityType", f"{EDM}ComplexType"):
        mine = ours[theirs.get("Name")]
        assert _local(mine.get("BaseType")) == _local(theirs.get("BaseType")), theirs.get("Name")
        assert [k.get("Name") for k in mine.iter(f"{EDM}PropertyRef")] == [
            k.get("Name") for k in theirs.iter(f"{EDM}PropertyRef")
        ], theirs.get("Name")
        for member in ("Property", "NavigationProperty"):
            wanted = {f"{theirs.get('Name')}/{m.get('Name')}" for m in theirs.findall(f"{EDM}{member}")}
            have = {f"{mine.get('Name')}/{m.get('Name')}" for m in mine.findall(f"{EDM}{member}")}
            assert wanted - have <= set(LEFT_OUT), wanted - have
    trips = next(n for n in metadata.iter(f"{EDM}NavigationProperty") if n.get("Name") == "Trips")
    assert trips.get("ContainsTarget") == "true"
    photo = ours["Photo"]
    assert photo.get("HasStream") == "true"


async def test_root_names_a_person_by_key(trippin: httpx.AsyncClient, people: list[dict[str, Any]]) -> None:
    found = await _json(trippin, r"People?$filter=Gender eq $root/People('russellwhyte')/Gender&$select=UserName")
    gender = next(p["Gender"] for p in people if p["UserName"] == "russellwhyte")
    expected = sorted(p["UserName"] for p in people if p["Gender"] == gender)
    assert len(expected) > 1
    assert sorted(p["UserName"] for p in found["value"]) == expected


@pytest.mark.parametrize(
    "expression", [r"$root/Me/FirstName eq FirstName", r"$root/GetNearestAirport(lat=33.9,lon=-118.4)/Name eq 'x'"]
)
async def test_root_before_a_singleton_or_a_function_import_is_501(trippin: httpx.AsyncClient, expression: str) -> None:
    response = await trippin.get(f"People?$filter={expression}")
    assert response.status_code == 501, response.text
    assert response.json()["error"]["target"] == "$filter"
