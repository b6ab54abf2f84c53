"""Singletons (CSDL §13.3, URL Conventions §4.10): ``Me`` is whoever ``X-User`` names,
``Admin`` a fixed person; read, updated with ETags, never created or deleted."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from odata_server import ServiceConfig
from tests.conftest import ROOT, app_client, assert_error
from tests.containment.trips import Person, trips_service

APRIL = {"X-User": "aprilcline"}
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("path", "context", "values"),
    [
        ("Me", "Me", {"UserName": "aprilcline", "FirstName": "April"}),
        ("Me?$select=FirstName", "Me(FirstName)", {"FirstName": "April"}),
        ("Me?$expand=Friends($select=UserName)", "Me(Friends(UserName))", {"UserName": "aprilcline"}),
        ("Admin", "Admin", {"UserName": "russellwhyte"}),
    ],
)
async def test_a_singleton_is_read_by_its_name(
    trips: httpx.AsyncClient, path: str, context: str, values: dict[str, object]
) -> None:
    response = await trips.get(path, headers={**APRIL, "Accept": "application/json;odata.metadata=full"})
    assert response.status_code == 200, response.text
    body = response.json()
    name = path.split("?")[0]
    assert body["@context"] == f"{ROOT}$metadata#{context}"
    assert body["@id"] == body["@editLink"] == f"{ROOT}{name}"
    assert body["Friends@navigationLink"] == f"{ROOT}{name}/Friends"
    assert {key: body[key] for key in values} == values
    if name == "Me":  # declared with version=; Admin has no ETag
        assert response.headers["etag"] == body["@etag"]
    else:
        assert "@etag" not in body and "etag" not in response.headers


async def test_the_singleton_follows_the_request(trips: httpx.AsyncClient) -> None:
    for user, first_name in (("aprilcline", "April"), ("scottketchum", "Scott"), ("aprilcline", "April")):
        response = await trips.get("Me/Friends?$select=UserName", headers={"X-User": user})
        assert response.status_code == 200
        me = await trips.get("Me/FirstName", headers={"X-User": user})
        assert me.json()["value"] == first_name
    friends = await trips.get("Me/Friends?$select=UserName", headers={"X-User": "russellwhyte"})
    assert [f["UserName"] for f in friends.json()["value"]] == ["ronaldmundy", "scottketchum"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("Me/Friends?$select=UserName&$orderby=UserName", ["russellwhyte", "scottketchum"]),
        ("Me/Friends?$filter=FirstName eq 'Scott'&$select=UserName", ["scottketchum"]),
        ("Me/Friends('russellwhyte')/Friends?$select=UserName", ["ronaldmundy", "scottketchum"]),
        ("Me/Friends/$count", 2),
        ("Me/FirstName", "April"),
        ("Me/FirstName/$value", "April"),
        ("Me/Friends/$ref", [f"{ROOT}People('russellwhyte')", f"{ROOT}People('scottketchum')"]),
    ],
)
async def test_paths_through_a_singleton(trips: httpx.AsyncClient, path: str, expected: object) -> None:
    response = await trips.get(path, headers=APRIL)
    assert response.status_code == 200, response.text
    if path.endswith(("$value", "$count")):
        assert response.text == str(expected)
    elif isinstance(expected, str):
        assert response.json() == {"@context": f"{ROOT}$metadata#Me/FirstName", "value": expected}
    elif path.endswith("$ref"):
        assert [item["@id"] for item in response.json()["value"]] == expected
    else:
        assert [item["UserName"] for item in response.json()["value"]] == expected


async def test_patch_and_put_update_the_singleton_with_its_etag(trips: httpx.AsyncClient) -> None:
    etag = (await trips.get("Me", headers=APRIL)).headers["etag"]
    stale = await trips.patch("Me", json={"LastName": "X"}, headers={**APRIL, "If-Match": 'W/"7"'})
    assert_error(stale, 412)
    patched = await trips.patch("Me", json={"LastName": "Kline"}, headers={**APRIL, "If-Match": etag})
    assert patched.status_code == 204, patched.text
    assert patched.headers["etag"] != etag
    put = await trips.put(
        "Me",
        json={"UserName": "aprilcline", "FirstName": "Apryl"},
        headers={**APRIL, "Prefer": "return=representation", "If-Match": patched.headers["etag"]},
    )
    assert put.status_code == 200, put.text
    body = put.json()
    assert body["@context"] == f"{ROOT}$metadata#Me"
    assert (body["FirstName"], body["LastName"]) == ("Apryl", None)
    person = (await trips.get("People('aprilcline')")).json()
    assert (person["FirstName"], person["Version"]) == ("Apryl", 3)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("DELETE", "Me", 405),
        ("POST", "Me", 405),
        ("POST", "Admin", 405),
        ("GET", "Me(1)", 400),
        ("GET", "Me('aprilcline')", 400),
        ("GET", "Me/$ref", 400),
        ("GET", "Me/Nope", 404),
        ("GET", "Mee", 404),
        ("PATCH", "Me", 400),  # a body that changes the key
    ],
)
async def test_what_a_singleton_refuses(trips: httpx.AsyncClient, method: str, path: str, status: int) -> None:
    body = b'{"UserName": "someoneelse"}' if method in ("PATCH", "POST") else b""
    response = await trips.request(method, path, headers={**APRIL, **JSON}, content=body)
    error = assert_error(response, status)
    if status == 405:
        assert response.headers["allow"] == "GET, HEAD, PATCH, PUT"
        assert "singleton" in error["message"]


@pytest.mark.parametrize(
    "headers", [{}, {"X-User": "nobody"}], ids=["no entity for the request", "an entity that does not exist"]
)
async def test_a_singleton_without_its_entity_is_not_found(trips: httpx.AsyncClient, headers: dict[str, str]) -> None:
    for request in (trips.get("Me", headers=headers), trips.get("Me/Friends", headers=headers)):
        assert_error(await request, 404)
    assert_error(await trips.patch("Me", json={"LastName": "X"}, headers=headers), 404)


async def test_references_through_a_singleton(trips: httpx.AsyncClient) -> None:
    added = await trips.post("Me/Friends/$ref", json={"@id": "People('ronaldmundy')"}, headers=APRIL)
    assert added.status_code == 204, added.text
    removed = await trips.delete("Me/Friends('scottketchum')/$ref", headers=APRIL)
    assert removed.status_code == 204, removed.text
    friends = await trips.get("Me/Friends?$select=UserName", headers=APRIL)
    assert [f["UserName"] for f in friends.json()["value"]] == ["ronaldmundy", "russellwhyte"]


async def test_a_key_function_that_goes_wrong_is_a_500_error_synchronously_and_asynchronously(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in a user's key function is logged and answered with an OData 500, also when the
    request asks to be answered asynchronously (its URL is checked before it is stored)."""
    service = trips_service(f"sqlite:///{tmp_path / 'broken.db'}", ServiceConfig(async_disk=str(tmp_path / "jobs")))
    service.singleton("Broken", Person, key=lambda request: {"Nope": 1})
    app = FastAPI()
    service.mount(app, "/odata")
    async with app_client(app) as client:
        for headers in ({}, {"Prefer": "respond-async"}):
            response = await client.get("Broken", headers=headers)
            assert_error(response, 500)
    assert "key function of singleton Broken" in caplog.text
