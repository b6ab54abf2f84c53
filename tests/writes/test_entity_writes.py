"""Create, update and delete of entities through HTTP, on SQLite and PostgreSQL.

Each database is a private one (tests/conftest.private_database): these tests write.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, assert_error, northwind_client


async def count(client: httpx.AsyncClient, path: str) -> int:
    response = await client.get(f"{path}/$count")
    assert response.status_code == 200, response.text
    return int(response.text)


async def test_create_answers_201_with_location_and_the_entity(client: httpx.AsyncClient) -> None:
    response = await client.post("Categories", json={"CategoryName": "Toys", "Description": "Fun"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{ROOT}Categories({body['CategoryID']})"
    assert body["@context"] == f"{ROOT}$metadata#Categories/$entity"
    assert body["CategoryName"] == "Toys" and body["Picture"] is None
    assert (await client.get(response.headers["location"])).json() == body


async def test_create_with_return_minimal_answers_204(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "Products", json={"ProductName": "Kite", "Discontinued": False}, headers={"Prefer": "return=minimal"}
    )
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert response.headers["preference-applied"] == "return=minimal"
    assert response.headers["odata-entityid"] == response.headers["location"]
    created = await client.get(response.headers["location"])
    assert created.json()["ProductName"] == "Kite"
    assert created.headers["etag"] == response.headers["etag"]


async def test_create_through_a_navigation_property_links_the_parent(client: httpx.AsyncClient) -> None:
    response = await client.post("Categories(2)/Products", json={"ProductName": "Syrup 2", "Discontinued": False})
    assert response.status_code == 201, response.text
    assert response.json()["CategoryID"] == 2
    assert (
        await client.post("Categories(999)/Products", json={"ProductName": "X", "Discontinued": False})
    ).status_code == 404


async def test_create_honours_select_and_expand(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "Products?$select=ProductName&$expand=Category($select=CategoryName)",
        json={"ProductName": "Tea", "Discontinued": False, "Category@odata.bind": "Categories(1)"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["ProductName"] == "Tea" and body["Category"]["CategoryName"] == "Beverages"
    assert "UnitPrice" not in body


async def test_deep_insert_three_levels_in_one_request(client: httpx.AsyncClient) -> None:
    orders_before = await count(client, "Orders")
    document = {
        "CustomerID": "DEEP1",
        "CompanyName": "Deep Insert Ltd",
        "Orders": [
            {
                "Freight": 1.5,
                "Employee@odata.bind": "Employees(1)",
                "Order_Details": [
                    {"UnitPrice": 2, "Quantity": 3, "Discount": 0, "Product@odata.bind": "Products(1)"},
                    {"UnitPrice": 4, "Quantity": 5, "Discount": 0, "Product": {"@id": "Products(2)"}},
                ],
            },
            {"Freight": 2},
        ],
    }
    response = await client.post("Customers", json=document)
    assert response.status_code == 201, response.text
    # The response shows what was inserted, expanded as deep as the request (Protocol §11.4.2.2).
    body = response.json()
    assert body["@context"] == f"{ROOT}$metadata#Customers(Orders(Order_Details()))/$entity"
    assert sorted(len(order["Order_Details"]) for order in body["Orders"]) == [0, 2]
    customer = (await client.get("Customers('DEEP1')?$expand=Orders($expand=Order_Details)")).json()
    assert len(customer["Orders"]) == 2
    details = next(order for order in customer["Orders"] if order["Order_Details"])["Order_Details"]
    assert sorted((d["ProductID"], d["Quantity"]) for d in details) == [(1, 3), (2, 5)]
    assert await count(client, "Orders") == orders_before + 2


async def test_deep_insert_of_a_single_valued_navigation_creates_the_target_first(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "Products", json={"ProductName": "Gadget", "Discontinued": False, "Category": {"CategoryName": "Gadgets"}}
    )
    assert response.status_code == 201, response.text
    category = (await client.get(f"{response.headers['location']}/Category")).json()
    assert category["CategoryName"] == "Gadgets"
    assert response.json()["CategoryID"] == category["CategoryID"]


async def test_a_failing_deep_insert_writes_nothing(client: httpx.AsyncClient) -> None:
    categories, products = await count(client, "Categories"), await count(client, "Products")
    document = {
        "CategoryName": "Half",
        "Products": [{"ProductName": "Fine", "Discontinued": False}, {"ProductName": "x" * 41, "Discontinued": False}],
    }
    assert_error(await client.post("Categories", json=document), 400, "Products/1/ProductName")
    assert (await count(client, "Categories"), await count(client, "Products")) == (categories, products)


async def test_bind_a_collection_moves_existing_entities(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "Categories", json={"CategoryName": "Moved", "Products@odata.bind": ["Products(3)", f"{ROOT}Products(4)"]}
    )
    assert response.status_code == 201, response.text
    products = (await client.get(f"{response.headers['location']}/Products")).json()["value"]
    assert sorted(product["ProductID"] for product in products) == [3, 4]


async def test_patch_merges_and_put_replaces(client: httpx.AsyncClient) -> None:
    location = (
        await client.post(
            "Products", json={"ProductName": "P", "UnitPrice": 5, "UnitsInStock": 7, "Discontinued": False}
        )
    ).headers["location"]
    assert (await client.patch(location, json={"UnitPrice": 6.25})).status_code == 204
    patched = (await client.get(location)).json()
    assert (patched["UnitPrice"], patched["UnitsInStock"]) == (6.25, 7)
    assert (await client.put(location, json={"ProductName": "Q", "Discontinued": True})).status_code == 204
    replaced = (await client.get(location)).json()
    assert (replaced["ProductName"], replaced["UnitPrice"], replaced["UnitsInStock"], replaced["Discontinued"]) == (
        "Q",
        None,
        None,
        True,
    )


async def test_update_with_return_representation(client: httpx.AsyncClient) -> None:
    response = await client.patch("Products(5)", json={"UnitsOnOrder": 9}, headers={"Prefer": "return=representation"})
    assert response.status_code == 200, response.text
    assert response.json()["UnitsOnOrder"] == 9
    assert response.headers["preference-applied"] == "return=representation"
    assert response.headers["etag"] == response.json()["@etag"]


async def test_update_with_return_minimal_says_it_was_applied(client: httpx.AsyncClient) -> None:
    response = await client.patch("Products(5)", json={"UnitsOnOrder": 8}, headers={"Prefer": "return=minimal"})
    assert response.status_code == 204
    assert response.headers["preference-applied"] == "return=minimal"
    assert response.headers["etag"] == (await client.get("Products(5)")).headers["etag"]


async def test_deep_update_replaces_a_nested_collection_and_applies_a_delta(client: httpx.AsyncClient) -> None:
    order = "Orders(10250)"
    detail = {"UnitPrice": 1, "Quantity": 2, "Discount": 0}
    response = await client.patch(
        order, json={"Customer@odata.bind": "Customers('ALFKI')", "Order_Details": [{"ProductID": 1, **detail}]}
    )
    assert response.status_code == 204, response.text
    body = (await client.get(f"{order}?$expand=Order_Details")).json()
    assert body["CustomerID"] == "ALFKI" and [d["ProductID"] for d in body["Order_Details"]] == [1]
    delta = [
        {"@removed": {"reason": "deleted"}, "@id": "Order_Details(OrderID=10250,ProductID=1)"},
        {"ProductID": 2, **detail},
    ]
    assert (await client.patch(order, json={"Order_Details@delta": delta})).status_code == 204
    body = (await client.get(f"{order}?$expand=Order_Details")).json()
    assert [d["ProductID"] for d in body["Order_Details"]] == [2]


async def test_upsert_creates_where_the_entity_set_allows_it(client: httpx.AsyncClient) -> None:
    created = await client.put("Customers('UPSRT')", json={"CompanyName": "Upserted"})
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"{ROOT}Customers('UPSRT')"
    assert (await client.patch("Customers('UPSRT')", json={"City": "Berlin"})).status_code == 204
    # If-Match: * updates only; Products do not allow upserts.
    assert_error(await client.patch("Customers('NONE1')", json={"City": "X"}, headers={"If-Match": "*"}), 412)
    assert_error(await client.put("Products(99999)", json={"ProductName": "X", "Discontinued": False}), 404)


async def test_delete(client: httpx.AsyncClient) -> None:
    location = (await client.post("Categories", json={"CategoryName": "Gone"})).headers["location"]
    assert (await client.delete(location)).status_code == 204
    assert_error(await client.get(location), 404)
    assert_error(await client.delete(location), 404)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "target"),
    [
        ("POST", "Products", {"ProductName": 5, "Discontinued": False}, 400, "ProductName"),
        ("POST", "Products", {"ProductName": None, "Discontinued": False}, 400, "ProductName"),
        ("POST", "Products", {"Discontinued": False}, 400, "ProductName"),
        ("POST", "Products", {"ProductName": "x" * 41, "Discontinued": False}, 400, "ProductName"),
        ("POST", "Products", {"ProductName": "P", "Discontinued": False, "UnitPrice": "1.23456"}, 400, "UnitPrice"),
        ("POST", "Products", {"ProductName": "P", "Discontinued": False, "UnitsInStock": 40000}, 400, "UnitsInStock"),
        ("POST", "Products", {"ProductName": "P", "Discontinued": False, "Colour": "red"}, 400, "Colour"),
        ("POST", "Products", {"ProductID": 1000, "ProductName": "P", "Discontinued": False}, 400, "ProductID"),
        ("POST", "Products", {"ProductName": "P", "Discontinued": "no"}, 400, "Discontinued"),
        (
            "POST",
            "Products",
            {"ProductName": "P", "Discontinued": False, "Category@odata.bind": "Suppliers(1)"},
            400,
            "Category@odata.bind",
        ),
        (
            "POST",
            "Products",
            {"ProductName": "P", "Discontinued": False, "Category@odata.bind": "Categories(999)"},
            404,
            "Category@odata.bind",
        ),
        (
            "POST",
            "Products",
            {"ProductName": "P", "Discontinued": False, "Category@odata.bind": "http://elsewhere/odata/Categories(1)"},
            400,
            "Category@odata.bind",
        ),
        ("POST", "Products", [{"ProductName": "P"}], 400, None),
        ("PATCH", "Products(1)", {"ProductID": 2}, 400, "ProductID"),
        ("PATCH", "Products(1)", {"Discontinued": None}, 400, "Discontinued"),
        ("PATCH", "Products(1)", {"Category": None, "UnitPrice": "abc"}, 400, "UnitPrice"),
        ("PUT", "Products(1)", {"ProductName": "No Discontinued"}, 400, "Discontinued"),
        ("PATCH", "Order_Details(OrderID=10248,ProductID=11)", {"OrderID": 10249}, 400, "OrderID"),
        (
            "POST",
            "Orders",
            {"Order_Details": [{"OrderID": 10248, "ProductID": 1, "UnitPrice": 1, "Quantity": 1, "Discount": 0}]},
            400,
            "Order_Details/0/OrderID",
        ),
    ],
)
async def test_invalid_payload_is_400_with_a_target(
    client: httpx.AsyncClient, method: str, path: str, body: Any, status: int, target: str | None
) -> None:
    before = (await client.get(path if method != "POST" else "Products/$count")).content
    assert_error(await client.request(method, path, json=body), status, target)
    assert (await client.get(path if method != "POST" else "Products/$count")).content == before


@pytest.mark.parametrize(
    ("headers", "content", "status", "code"),
    [
        ({"Content-Type": "application/json"}, b'{"ProductName": ', 400, "MalformedJson"),
        ({"Content-Type": "text/plain"}, b'{"ProductName": "P"}', 415, "UnsupportedMediaType"),
        ({}, b'{"ProductName": "P"}', 415, "UnsupportedMediaType"),
        ({"Content-Type": "application/json"}, b"", 400, "MalformedJson"),
    ],
)
async def test_malformed_body(
    client: httpx.AsyncClient, headers: dict[str, str], content: bytes, status: int, code: str
) -> None:
    error = assert_error(await client.post("Products", headers=headers, content=content), status)
    assert error["code"] == code


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "Customers", {"CustomerID": "ALFKI", "CompanyName": "Again"}, 409),
        ("POST", "Products", {"ProductName": "P", "Discontinued": False, "CategoryID": 999}, 400),
        ("DELETE", "Customers('ANTON')", None, 409),
        ("DELETE", "Categories(1)", None, 409),
    ],
)
async def test_integrity_errors_are_odata_errors(
    client: httpx.AsyncClient, method: str, path: str, body: Any, status: int
) -> None:
    kwargs = {"json": body} if body is not None else {}
    assert_error(await client.request(method, path, **kwargs), status)


async def test_an_oversized_body_is_413(tmp_path_factory: pytest.TempPathFactory) -> None:
    async with northwind_client(
        f"sqlite:///{tmp_path_factory.mktemp('small') / 'nw.db'}", max_request_body=64
    ) as small:
        response = await small.post("Categories", json={"CategoryName": "x" * 100})
        assert_error(response, 413)
        assert (await small.post("Categories", json={"CategoryName": "ok"})).status_code == 201


async def test_a_delta_removal_unlinks_or_deletes_as_its_reason_says(client: httpx.AsyncClient) -> None:
    products = [{"ProductName": name, "Discontinued": False} for name in ("Kept", "Dropped")]
    created = await client.post("Categories?$expand=Products", json={"CategoryName": "Delta", "Products": products})
    category = created.headers["location"]
    kept, dropped = (f"Products({product['ProductID']})" for product in created.json()["Products"])
    delta = [{"@removed": {"reason": "changed"}, "@id": kept}]
    assert (await client.patch(category, json={"Products@delta": delta})).status_code == 204
    assert (await client.get(kept)).json()["CategoryID"] is None  # unlinked, still there
    delta = [{"@removed": {"reason": "deleted"}, "@id": dropped}]
    assert (await client.patch(category, json={"Products@delta": delta})).status_code == 204
    assert_error(await client.get(dropped), 404)


@pytest.mark.parametrize(
    ("path", "delta", "status"),
    [
        # An order line cannot exist without its order: "changed" cannot unlink it.
        (
            "Orders(10251)",
            {
                "Order_Details@delta": [
                    {"@removed": {"reason": "changed"}, "@id": "Order_Details(OrderID=10251,ProductID=22)"}
                ]
            },
            400,
        ),
        # Only related entities can be removed.
        (
            "Orders(10251)",
            {
                "Order_Details@delta": [
                    {"@removed": {"reason": "deleted"}, "@id": "Order_Details(OrderID=10248,ProductID=11)"}
                ]
            },
            404,
        ),
        ("Orders(10251)", {"Order_Details@delta": {"not": "an array"}}, 400),
        ("Orders(10251)", {"Customer@delta": []}, 400),
    ],
)
async def test_invalid_deltas_change_nothing(
    client: httpx.AsyncClient, path: str, delta: dict[str, Any], status: int
) -> None:
    before = (await client.get(f"{path}?$expand=Order_Details")).json()
    assert_error(await client.patch(path, json=delta), status)
    assert (await client.get(f"{path}?$expand=Order_Details")).json() == before
    assert (await client.get("Order_Details(OrderID=10248,ProductID=11)")).status_code == 200


async def test_a_nested_entity_keyed_by_its_parent_may_leave_that_part_of_its_key_out(
    client: httpx.AsyncClient,
) -> None:
    lines = "Orders(10252)/Order_Details"
    before = [line["ProductID"] for line in (await client.get(lines)).json()["value"]]
    patch = {"Order_Details@delta": [{"ProductID": 20, "Quantity": 99}]}
    assert (await client.patch("Orders(10252)", json=patch)).status_code == 204
    after = (await client.get(lines)).json()["value"]
    assert [line["ProductID"] for line in after] == before  # updated in place, not added
    assert next(line for line in after if line["ProductID"] == 20)["Quantity"] == 99


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "target"),
    [
        # An id that names nothing is a 404 wherever it is bound.
        (
            "POST",
            "Categories",
            {"CategoryName": "B", "Products@odata.bind": ["Products(1)", "Products(9999)"]},
            404,
            "Products@odata.bind/1",
        ),
        ("PATCH", "Categories(1)", {"Products@odata.bind": ["Products(9999)"]}, 404, "Products@odata.bind/0"),
        (
            "POST",
            "Employees",
            {"LastName": "L", "FirstName": "F", "Territories@odata.bind": ["Territories('99999')"]},
            404,
            "Territories@odata.bind/0",
        ),
        # An order line's key holds its order: it cannot move to another order.
        (
            "POST",
            "Orders",
            {"Order_Details": [{"@id": "Order_Details(OrderID=10248,ProductID=11)"}]},
            400,
            "Order_Details",
        ),
        (
            "POST",
            "Orders(10249)/Order_Details/$ref",
            {"@id": "Order_Details(OrderID=10248,ProductID=42)"},
            400,
            "Order_Details",
        ),
        ("PUT", "Order_Details(OrderID=10248,ProductID=72)/Order/$ref", {"@id": "Orders(10250)"}, 400, "Order"),
    ],
)
async def test_links_that_cannot_be_made_change_nothing(
    client: httpx.AsyncClient, method: str, path: str, body: Any, status: int, target: str
) -> None:
    counted = ("Categories", "Employees", "Orders", "Order_Details")
    before = [await count(client, name) for name in counted]
    assert_error(await client.request(method, path, json=body), status, target)
    assert [await count(client, name) for name in counted] == before
    assert (await client.get("Order_Details(OrderID=10248,ProductID=72)")).status_code == 200
    assert (await client.get("Products(1)")).json()["CategoryID"] == 1


async def test_relinking_an_order_line_to_its_own_order_is_allowed(client: httpx.AsyncClient) -> None:
    line = "Order_Details(OrderID=10248,ProductID=72)"
    assert (await client.put(f"{line}/Order/$ref", json={"@id": "Orders(10248)"})).status_code == 204
    assert (await client.get(line)).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "target"),
    [
        ("POST", "Categories?$filter=CategoryID eq 1", "$filter"),
        ("POST", "Categories?$top=1", "$top"),
        ("DELETE", "Categories(1)?$select=CategoryName", "$select"),
        ("POST", "Categories(1)/Products/$ref?$top=1", "$top"),
    ],
)
async def test_query_options_a_change_cannot_use_are_400(
    client: httpx.AsyncClient, method: str, path: str, target: str
) -> None:
    before = await count(client, "Categories")
    body = {"@id": "Products(1)"} if path.endswith("$ref?$top=1") else {"CategoryName": "Options"}
    response = await client.request(method, path, json=body if method == "POST" else None)
    assert_error(response, 400, target)
    assert await count(client, "Categories") == before
