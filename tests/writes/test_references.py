"""Changing relationships through ``$ref`` (Protocol §11.4.6), on SQLite and PostgreSQL.

Northwind has many-to-one (``Products(1)/Category``), one-to-many with a nullable
foreign key (``Categories(1)/Products``) and with a required one
(``Orders(10248)/Order_Details``), and many-to-many (``Employees(1)/Territories``); the
gadget service (tests/writes/gadgets.py) a version property and a one-to-one.
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ROOT, assert_error
from tests.writes.gadgets import etag


async def reference(client: httpx.AsyncClient, path: str) -> str | None:
    """The id ``GET .../$ref`` answers for a single-valued navigation property; None when unrelated."""
    response = await client.get(path)
    if response.status_code == 204:
        return None
    assert response.status_code == 200, response.text
    return response.json()["@id"]


async def references(client: httpx.AsyncClient, path: str) -> list[str]:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return [item["@id"] for item in response.json()["value"]]


async def field(client: httpx.AsyncClient, path: str, name: str) -> object:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return response.json()[name]


# -- single-valued: PUT and DELETE


@pytest.mark.parametrize(
    ("body", "category"),
    [
        ({"@odata.id": "Categories(2)"}, 2),
        ({"@id": "Categories(3)"}, 3),
        ({"@id": f"{ROOT}Categories(4)"}, 4),
        ({"@id": "/odata/Categories(5)"}, 5),
        ({"@odata.context": f"{ROOT}$metadata#$ref", "@odata.id": "Categories(6)"}, 6),
        ({"@id": "Categories(7)", "@Core.Description": "a custom annotation"}, 7),
    ],
)
async def test_put_sets_a_single_valued_relationship(client: httpx.AsyncClient, body: object, category: int) -> None:
    response = await client.put("Products(1)/Category/$ref", json=body)
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert await reference(client, "Products(1)/Category/$ref") == f"{ROOT}Categories({category})"
    assert await field(client, "Products(1)", "CategoryID") == category


async def test_delete_removes_a_single_valued_relationship(client: httpx.AsyncClient) -> None:
    assert await reference(client, "Products(2)/Category/$ref") == f"{ROOT}Categories(1)"
    response = await client.delete("Products(2)/Category/$ref")
    assert response.status_code == 204, response.text
    assert await reference(client, "Products(2)/Category/$ref") is None
    assert await field(client, "Products(2)", "CategoryID") is None
    assert f"{ROOT}Products(2)" not in await references(client, "Categories(1)/Products/$ref")
    assert (await client.delete("Products(2)/Category/$ref")).status_code == 204  # nothing left to remove


async def test_a_required_single_valued_relationship_cannot_be_removed(client: httpx.AsyncClient) -> None:
    path = "Order_Details(OrderID=10248,ProductID=11)/Order/$ref"
    error = assert_error(await client.delete(path), 400, "Order")
    assert error["code"] == "NullNotAllowed"
    assert await reference(client, path) == f"{ROOT}Orders(10248)"


async def test_put_through_a_longer_path_changes_the_last_navigation(client: httpx.AsyncClient) -> None:
    response = await client.put("Categories(8)/Products(13)/Supplier/$ref", json={"@id": "Suppliers(1)"})
    assert response.status_code == 204, response.text
    assert await field(client, "Products(13)", "SupplierID") == 1


async def test_put_to_a_collection_member_is_400(client: httpx.AsyncClient) -> None:
    response = await client.put("Categories(1)/Products(1)/$ref", json={"@id": "Products(1)"})
    assert_error(response, 400, "Products")


async def test_put_to_a_collection_of_references_is_405(client: httpx.AsyncClient) -> None:
    response = await client.put("Categories(1)/Products/$ref", json={"@id": "Products(1)"})
    assert_error(response, 405)
    assert response.headers["allow"] == "DELETE, GET, HEAD, POST"


# -- collections: POST and DELETE


async def test_post_adds_to_a_collection(client: httpx.AsyncClient) -> None:
    assert f"{ROOT}Products(3)" not in await references(client, "Categories(8)/Products/$ref")
    response = await client.post("Categories(8)/Products/$ref", json={"@id": f"{ROOT}Products(3)"})
    assert response.status_code == 204, response.text
    assert f"{ROOT}Products(3)" in await references(client, "Categories(8)/Products/$ref")
    assert await reference(client, "Products(3)/Category/$ref") == f"{ROOT}Categories(8)"


async def test_post_of_a_related_entity_changes_nothing(client: httpx.AsyncClient) -> None:
    before = await references(client, "Categories(7)/Products/$ref")
    response = await client.post("Categories(7)/Products/$ref", json={"@odata.id": before[0]})
    assert response.status_code == 204, response.text
    assert await references(client, "Categories(7)/Products/$ref") == before


@pytest.mark.parametrize(
    ("product", "path"),
    [
        (21, "Categories(3)/Products/$ref?$id=Products(21)"),
        (22, f"Categories(3)/Products/$ref?$id={ROOT}Products(22)"),
        (23, "Categories(3)/Products/$ref?$id=../../Products(23)"),
        (24, "Categories(3)/Products/$ref?%24id=Products(24)"),
        (25, "Categories(3)/Products/$ref?id=Products(25)"),
        (26, "Categories(3)/Products(26)/$ref"),
        (27, "Categories/3/Products/27/$ref"),
    ],
)
async def test_delete_removes_from_a_collection(client: httpx.AsyncClient, product: int, path: str) -> None:
    await client.put(f"Products({product})/Category/$ref", json={"@id": "Categories(3)"})
    assert f"{ROOT}Products({product})" in await references(client, "Categories(3)/Products/$ref")
    response = await client.delete(path)
    assert response.status_code == 204, response.text
    assert f"{ROOT}Products({product})" not in await references(client, "Categories(3)/Products/$ref")
    assert await field(client, f"Products({product})", "CategoryID") is None  # unlinked, not deleted


@pytest.mark.parametrize(
    "path",
    [
        "Categories(1)/Products/$ref?$id=Products(10)",  # Products(10) is in category 8
        "Categories(1)/Products/$ref?$id=Products(999999)",
        "Categories(1)/Products(10)/$ref",
    ],
)
async def test_delete_of_an_unrelated_entity_is_404(client: httpx.AsyncClient, path: str) -> None:
    assert_error(await client.delete(path), 404)
    assert await reference(client, "Products(10)/Category/$ref") == f"{ROOT}Categories(8)"


async def test_delete_without_id_is_400(client: httpx.AsyncClient) -> None:
    assert_error(await client.delete("Categories(1)/Products/$ref"), 400, "$id")


@pytest.mark.parametrize(
    "entity_id",
    ["Categories(1)", "Products", "Products(1)/Category", "Products('x')", "Products(1"],
)
async def test_an_id_that_names_no_entity_of_the_collection_is_400(client: httpx.AsyncClient, entity_id: str) -> None:
    assert_error(await client.delete(f"Categories(1)/Products/$ref?$id={entity_id}"), 400, "$id")


async def test_a_required_relationship_cannot_be_removed_from_a_collection(client: httpx.AsyncClient) -> None:
    path = "Orders(10248)/Order_Details/$ref?$id=Order_Details(OrderID=10248,ProductID=11)"
    assert assert_error(await client.delete(path), 400, "Order_Details")["code"] == "NullNotAllowed"
    assert (await client.get("Order_Details(OrderID=10248,ProductID=11)")).status_code == 200


async def test_many_to_many_add_and_remove(client: httpx.AsyncClient) -> None:
    territory = f"{ROOT}Territories('01581')"
    assert territory not in await references(client, "Employees(1)/Territories/$ref")
    for _ in range(2):  # the second POST finds it related already
        response = await client.post("Employees(1)/Territories/$ref", json={"@id": "Territories('01581')"})
        assert response.status_code == 204, response.text
        assert (await references(client, "Employees(1)/Territories/$ref")).count(territory) == 1
    assert f"{ROOT}Employees(1)" in await references(client, "Territories('01581')/Employees/$ref")
    response = await client.delete("Employees(1)/Territories('01581')/$ref")
    assert response.status_code == 204, response.text
    assert territory not in await references(client, "Employees(1)/Territories/$ref")
    assert (await client.get("Territories('01581')")).status_code == 200
    assert_error(await client.delete("Employees(1)/Territories/$ref?$id=Territories('01581')"), 404)


# -- $id elsewhere


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "Products?$id=Products(1)"),
        ("GET", "Categories(1)/Products/$ref?$id=Products(1)"),
        ("POST", "Categories(1)/Products/$ref?$id=Products(1)"),
        ("DELETE", "Categories(1)/Products(1)/$ref?$id=Products(1)"),
        ("DELETE", "Products(1)?$id=Products(1)"),
        ("PUT", "Products(1)/Category/$ref?$id=Categories(1)"),
    ],
)
async def test_id_anywhere_else_is_400(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json={"@id": "Products(1)"})
    assert_error(response, 400, "$id")


async def test_other_query_options_do_not_apply_to_removing_a_reference(client: httpx.AsyncClient) -> None:
    response = await client.delete("Categories(1)/Products/$ref?$id=Products(1)&$filter=ProductID eq 1")
    assert_error(response, 400, "$filter")


# -- missing entities and bad bodies


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "Products(999999)/Category/$ref", {"@id": "Categories(1)"}),
        ("PUT", "Products(4)/Category/$ref", {"@id": "Categories(999999)"}),
        ("DELETE", "Products(999999)/Category/$ref", None),
        ("POST", "Categories(999999)/Products/$ref", {"@id": "Products(4)"}),
        ("POST", "Categories(1)/Products/$ref", {"@id": "Products(999999)"}),
        ("DELETE", "Categories(999999)/Products/$ref?$id=Products(4)", None),
        ("DELETE", "Categories(999999)/Products(4)/$ref", None),
    ],
)
async def test_a_missing_source_or_target_is_404(
    client: httpx.AsyncClient, method: str, path: str, body: object
) -> None:
    assert_error(await client.request(method, path, json=body), 404)
    assert await reference(client, "Products(4)/Category/$ref") == f"{ROOT}Categories(2)"


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ({}, None),
        ([{"@id": "Categories(1)"}], None),
        ({"@id": "Categories(1)", "@odata.id": "Categories(1)"}, None),
        ({"@id": "Categories(1)", "CategoryID": 1}, "CategoryID"),
        ({"@id": 1}, "@id"),
        ({"@id": "Suppliers(1)"}, "@id"),
        ({"@odata.id": "Categories"}, "@odata.id"),
        ({"@odata.id": "Categories(1)/Products"}, "@odata.id"),
        ({"@id": "Categories(1"}, "@id"),
    ],
)
async def test_a_body_that_is_not_one_reference_is_400(client: httpx.AsyncClient, body: object, target: str) -> None:
    assert_error(await client.put("Products(5)/Category/$ref", json=body), 400, target)
    assert_error(await client.post("Categories(1)/Products/$ref", json=body), 400, target)
    assert await reference(client, "Products(5)/Category/$ref") == f"{ROOT}Categories(2)"


async def test_malformed_json_is_400_and_another_media_type_415(client: httpx.AsyncClient) -> None:
    json_type = {"Content-Type": "application/json"}
    assert_error(await client.post("Categories(1)/Products/$ref", content=b'{"@id": ', headers=json_type), 400)
    text = {"Content-Type": "text/plain"}
    assert_error(await client.put("Products(5)/Category/$ref", content=b'{"@id": "Categories(1)"}', headers=text), 415)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "Products(1)/$ref"),
        ("DELETE", "Products(1)/$ref"),
        ("POST", "Products/$ref"),
        ("DELETE", "Products/$ref?$id=Products(1)"),
    ],
)
async def test_a_reference_not_reached_through_a_navigation_property_is_400(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    assert_error(await client.request(method, path, json={"@id": "Products(1)"}), 400)
    assert (await client.get("Products(1)")).status_code == 200


# -- preconditions, versions


async def test_the_source_if_match_applies(client: httpx.AsyncClient) -> None:
    current = await etag(client, "Products(6)")
    stale = await client.put(
        "Products(6)/Category/$ref", json={"@id": "Categories(1)"}, headers={"If-Match": 'W/"stale"'}
    )
    assert_error(stale, 412)
    assert await etag(client, "Products(6)") == current
    response = await client.put(
        "Products(6)/Category/$ref", json={"@id": "Categories(1)"}, headers={"If-Match": current}
    )
    assert response.status_code == 204, response.text
    assert await etag(client, "Products(6)") != current  # CategoryID is part of the ETag
    assert_error(await client.delete("Products(6)/Category/$ref", headers={"If-Match": current}), 412)
    assert_error(await client.delete("Products(6)/Category/$ref", headers={"If-None-Match": "*"}), 412)


async def test_the_source_must_carry_if_match_when_its_set_requires_it(gadgets: httpx.AsyncClient) -> None:
    assert_error(await gadgets.put("Gadgets(5)/Maker/$ref", json={"@id": "Makers(2)"}), 428)
    assert_error(await gadgets.delete("Gadgets(5)/Maker/$ref"), 428)
    assert await field(gadgets, "Gadgets(5)", "MakerID") == 1


async def test_the_version_of_a_source_holding_the_key_is_incremented(gadgets: httpx.AsyncClient) -> None:
    response = await gadgets.put("Gadgets(5)/Maker/$ref", json={"@id": "Makers(2)"}, headers={"If-Match": 'W/"1"'})
    assert response.status_code == 204, response.text
    assert await field(gadgets, "Gadgets(5)", "Version") == 2
    response = await gadgets.delete("Gadgets(5)/Maker/$ref", headers={"If-Match": 'W/"2"'})
    assert response.status_code == 204, response.text
    gadget = (await gadgets.get("Gadgets(5)")).json()
    assert (gadget["Version"], gadget["MakerID"]) == (3, None)


async def test_the_version_of_a_target_holding_the_key_is_incremented(gadgets: httpx.AsyncClient) -> None:
    response = await gadgets.post("Makers(2)/Gadgets/$ref", json={"@id": "Gadgets(6)"})
    assert response.status_code == 204, response.text
    assert await etag(gadgets, "Gadgets(6)") == 'W/"2"'
    assert await field(gadgets, "Gadgets(6)", "MakerID") == 2
    response = await gadgets.delete("Makers(2)/Gadgets/$ref?$id=Gadgets(6)")
    assert response.status_code == 204, response.text
    assert await etag(gadgets, "Gadgets(6)") == 'W/"3"'
    assert await field(gadgets, "Gadgets(6)", "MakerID") is None


async def test_one_to_one_from_the_principal_moves_the_reference(gadgets: httpx.AsyncClient) -> None:
    """``Gadgets(7)/Manual``: the foreign key (unique) is in the manual, so the old manual lets go first."""
    headers = {"If-Match": await etag(gadgets, "Gadgets(7)")}
    assert await reference(gadgets, "Gadgets(7)/Manual/$ref") is None
    assert (await gadgets.put("Gadgets(7)/Manual/$ref", json={"@id": "Manuals(5)"}, headers=headers)).status_code == 204
    response = await gadgets.put("Gadgets(7)/Manual/$ref", json={"@id": "Manuals(6)"}, headers=headers)
    assert response.status_code == 204, response.text
    assert await reference(gadgets, "Gadgets(7)/Manual/$ref") == f"{ROOT}Manuals(6)"
    assert await field(gadgets, "Manuals(5)", "GadgetID") is None
    response = await gadgets.delete("Gadgets(7)/Manual/$ref", headers=headers)
    assert response.status_code == 204, response.text
    assert await reference(gadgets, "Gadgets(7)/Manual/$ref") is None
    assert await field(gadgets, "Manuals(6)", "GadgetID") is None
