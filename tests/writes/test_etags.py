"""Optimistic concurrency with ETags, through HTTP, on SQLite and PostgreSQL.

Northwind's Products have an ETag made from all their values; a small Notes
service has a version column and requires If-Match.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from odata_server import ODataService, async_engine
from tests.conftest import app_client, assert_error


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # keys chosen by clients
    text: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)


@pytest.fixture(scope="module")
async def notes(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    engine = async_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    service = ODataService(engine, namespace="Notes").add(Note, version="version", if_match_required=True)
    app = FastAPI()
    service.mount(app, "/odata")
    async with app_client(app) as client:
        yield client
    await engine.dispose()


async def test_an_entity_carries_its_etag_in_the_header_and_the_payload(client: httpx.AsyncClient) -> None:
    response = await client.get("Products(1)")
    etag = response.headers["etag"]
    assert etag.startswith('W/"') and response.json()["@etag"] == etag
    collection = (await client.get("Products?$top=1")).json()["value"]
    assert collection[0]["@etag"] == etag
    expanded = (await client.get("Categories(1)?$expand=Products($top=1)")).json()
    assert expanded["Products"][0]["@etag"] == etag


async def test_if_none_match_on_get_answers_304(client: httpx.AsyncClient) -> None:
    etag = (await client.get("Products(2)")).headers["etag"]
    not_modified = await client.get("Products(2)", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert (await client.get("Products(2)", headers={"If-None-Match": 'W/"other"'})).status_code == 200
    assert_error(await client.get("Products(2)", headers={"If-Match": 'W/"other"'}), 412)


async def test_if_match_guards_an_update(client: httpx.AsyncClient) -> None:
    etag = (await client.get("Products(3)")).headers["etag"]
    updated = await client.patch("Products(3)", json={"UnitsInStock": 1}, headers={"If-Match": etag})
    assert updated.status_code == 204, updated.text
    new_etag = updated.headers["etag"]
    assert new_etag != etag and (await client.get("Products(3)")).headers["etag"] == new_etag
    assert_error(await client.patch("Products(3)", json={"UnitsInStock": 2}, headers={"If-Match": etag}), 412)
    assert_error(await client.delete("Products(3)", headers={"If-Match": etag}), 412)
    listed = f'W/"nope", {new_etag}'
    assert (
        await client.patch("Products(3)", json={"UnitsInStock": 3}, headers={"If-Match": listed})
    ).status_code == 204
    assert (await client.patch("Products(3)", json={"UnitsInStock": 4}, headers={"If-Match": "*"})).status_code == 204


async def test_if_none_match_star_on_put_creates_only(client: httpx.AsyncClient) -> None:
    create_only = {"If-None-Match": "*"}
    created = await client.put("Customers('ETAG1')", json={"CompanyName": "New"}, headers=create_only)
    assert created.status_code == 201, created.text
    assert_error(await client.put("Customers('ETAG1')", json={"CompanyName": "Again"}, headers=create_only), 412)


async def test_concurrent_patches_with_the_same_etag_exactly_one_wins(client: httpx.AsyncClient) -> None:
    etag = (await client.get("Products(4)")).headers["etag"]
    responses = await asyncio.gather(
        *(
            client.patch("Products(4)", json={"UnitsOnOrder": number}, headers={"If-Match": etag})
            for number in range(1, 6)
        )
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [204, 412, 412, 412, 412], [response.text for response in responses]
    winner = next(response for response in responses if response.status_code == 204)
    assert (await client.get("Products(4)")).headers["etag"] == winner.headers["etag"]


async def test_a_version_etag_counts_the_changes(notes: httpx.AsyncClient) -> None:
    created = await notes.post("Notes", json={"id": 1, "text": "first"})
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == 'W/"1"' and created.json()["version"] == 1
    updated = await notes.patch("Notes(1)", json={"text": "second"}, headers={"If-Match": 'W/"1"'})
    assert updated.status_code == 204 and updated.headers["etag"] == 'W/"2"'
    # The version is the server's: a client may send it back unchanged, never set it.
    assert_error(await notes.patch("Notes(1)", json={"version": 7}, headers={"If-Match": 'W/"2"'}), 400, "version")
    assert_error(await notes.post("Notes", json={"id": 2, "text": "x", "version": 5}), 400, "version")


async def test_a_required_if_match_is_428_when_missing(notes: httpx.AsyncClient) -> None:
    await notes.post("Notes", json={"id": 3, "text": "guarded"})
    assert_error(await notes.patch("Notes(3)", json={"text": "unguarded"}), 428)
    assert_error(await notes.delete("Notes(3)"), 428)
    assert (await notes.get("Notes(3)")).json()["text"] == "guarded"
    assert (await notes.delete("Notes(3)", headers={"If-Match": 'W/"1"'})).status_code == 204


async def test_metadata_declares_the_concurrency_properties(notes: httpx.AsyncClient) -> None:
    metadata = (await notes.get("$metadata")).text
    assert '<Annotation Term="Core.OptimisticConcurrency">' in metadata
    assert "<PropertyPath>version</PropertyPath>" in metadata


async def test_a_nested_entity_of_a_deep_update_is_checked_by_its_etag(client: httpx.AsyncClient) -> None:
    order = (await client.get("Orders(10253)")).json()
    stale = {"Orders@delta": [{"OrderID": 10253, "@etag": 'W/"stale"', "Freight": 1}]}
    assert_error(await client.patch("Customers('HANAR')", json=stale), 412, "Orders@delta/0")
    fresh = {"Orders@delta": [{"OrderID": 10253, "@etag": order["@etag"], "Freight": 2}]}
    assert (await client.patch("Customers('HANAR')", json=fresh)).status_code == 204
    assert (await client.get("Orders(10253)")).json()["Freight"] == 2


async def test_a_nested_entity_of_a_set_that_requires_if_match_needs_its_etag(gadgets: httpx.AsyncClient) -> None:
    unguarded = {"Gadgets@delta": [{"GadgetID": 1, "Name": "Unguarded"}]}
    assert_error(await gadgets.patch("Makers(2)", json=unguarded), 428, "Gadgets@delta/0")
    assert (await gadgets.get("Gadgets(1)")).json()["Name"] == "Gadget 1"
    current = (await gadgets.get("Gadgets(1)")).headers["etag"]
    guarded = {"Gadgets@delta": [{"GadgetID": 1, "@etag": current, "Name": "Guarded"}]}
    assert (await gadgets.patch("Makers(2)", json=guarded)).status_code == 204
    moved = (await gadgets.get("Gadgets(1)")).json()
    assert (moved["Name"], moved["MakerID"]) == ("Guarded", 2)


async def test_metadata_marks_the_version_computed(notes: httpx.AsyncClient) -> None:
    metadata = (await notes.get("$metadata?$format=json")).json()
    assert metadata["Notes"]["Note"]["version"]["@Core.Computed"] is True
