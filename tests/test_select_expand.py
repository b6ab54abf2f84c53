"""$select and $expand over HTTP, on SQLite and PostgreSQL, checked against the CSV data.

Also: expansion costs a fixed number of queries however many parents there are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from tests.conftest import ROOT, assert_error, northwind_client, read_all
from tests.northwind_csv import northwind_table
from tests.test_query_options import orders_of


@pytest.mark.parametrize(
    ("path", "context", "names"),
    [
        (
            "Products?$select=ProductName,UnitPrice&$top=2",
            "Products(ProductName,UnitPrice)",
            ["@id", "ProductName", "UnitPrice"],
        ),
        (
            "Products?$select=ProductID,ProductName&$top=2",
            "Products(ProductID,ProductName)",
            ["ProductID", "ProductName"],
        ),
        ("Products?$select=*&$top=2", "Products", None),
        ("Products?$select=ProductName,*&$top=2", "Products", None),
        ("Products?$select=Category,ProductName&$top=2", "Products(ProductName)", ["@id", "ProductName"]),
        ("Order_Details?$select=Quantity&$top=2", "Order_Details(Quantity)", ["@id", "Quantity"]),
    ],
)
async def test_select(northwind: httpx.AsyncClient, path: str, context: str, names: list[str] | None) -> None:
    body = (await northwind.get(path)).json()
    assert body["@context"] == f"{ROOT}$metadata#{context}"
    expected = names or list(northwind_table("Products")[0])
    # Products carry an ETag: control information besides the properties.
    assert all([name for name in entity if name != "@etag"] == expected for entity in body["value"])


async def test_select_on_an_entity(northwind: httpx.AsyncClient) -> None:
    response = await northwind.get("Products(1)?$select=ProductName")
    assert response.json() == {
        "@context": f"{ROOT}$metadata#Products(ProductName)/$entity",
        "@id": f"{ROOT}Products(1)",
        "@etag": response.headers["etag"],  # made from every property, selected or not
        "ProductName": "Chai",
    }


async def test_expand_a_collection_on_every_parent(northwind: httpx.AsyncClient) -> None:
    categories = await read_all(northwind, "Categories?$expand=Products($select=ProductID)&$select=CategoryID")
    for category in categories:
        expected = [p["ProductID"] for p in northwind_table("Products") if p["CategoryID"] == category["CategoryID"]]
        assert [p["ProductID"] for p in category["Products"]] == expected


async def test_expand_single_valued_navigation(northwind: httpx.AsyncClient) -> None:
    employees = await read_all(northwind, "Employees?$expand=Employee1($select=LastName)&$select=EmployeeID")
    managers = {e["EmployeeID"]: e["Employee1"] for e in employees}
    assert managers[2] is None
    assert managers[1] == {"@id": f"{ROOT}Employees(2)", "LastName": "Fuller"}


async def test_expand_with_nested_options(northwind: httpx.AsyncClient) -> None:
    query = "$expand=Orders($filter=Freight gt 20;$orderby=OrderDate desc;$top=2;$skip=1;$select=OrderID;$count=true)"
    body = (await northwind.get(f"Customers?{query}&$select=CustomerID")).json()
    for customer in body["value"]:
        orders = [o for o in orders_of(customer["CustomerID"]) if o["Freight"] > 20]
        expected = [o["OrderID"] for o in sorted(orders, key=lambda o: (o["OrderDate"], -o["OrderID"]), reverse=True)]
        assert [o["OrderID"] for o in customer["Orders"]] == expected[1:3]
        assert customer["Orders@count"] == len(orders)
        assert list(customer).index("Orders@count") < list(customer).index("Orders")


async def test_expand_nested_levels_of_navigation(northwind: httpx.AsyncClient) -> None:
    path = "Customers('ALFKI')?$select=CustomerID&$expand=Orders($select=OrderID;$expand=Order_Details($select=Quantity;$expand=Product($select=ProductName)))"
    body = (await northwind.get(path)).json()
    assert body["@context"] == (
        f"{ROOT}$metadata#Customers(CustomerID,Orders(OrderID,Order_Details(Quantity,Product(ProductName))))/$entity"
    )
    order = next(o for o in body["Orders"] if o["OrderID"] == 10643)
    assert {(d["Product"]["ProductName"], d["Quantity"]) for d in order["Order_Details"]} == {
        ("Rössle Sauerkraut", 15), ("Chartreuse verte", 21), ("Spegesild", 2)
    }  # fmt: skip


@pytest.mark.parametrize(("levels", "depth"), [("1", 1), ("2", 2), ("max", 2)])
async def test_expand_levels(northwind: httpx.AsyncClient, levels: str, depth: int) -> None:
    body = (
        await northwind.get(f"Employees(2)?$select=EmployeeID&$expand=Employees1($levels={levels};$select=EmployeeID)")
    ).json()

    def reports(employee: dict[str, Any], level: int) -> set[int]:
        found = set()
        for report in employee.get("Employees1", []):
            found.add(report["EmployeeID"])
            found |= reports(report, level + 1)
        return found

    expected = {1, 3, 4, 5, 8} | ({6, 7, 9} if depth >= 2 else set())
    assert reports(body, 1) == expected


async def test_expand_references_and_counts(northwind: httpx.AsyncClient) -> None:
    refs = (await northwind.get("Categories(1)?$select=CategoryID&$expand=Products/$ref($top=2)")).json()
    assert refs["Products"] == [{"@id": f"{ROOT}Products(1)"}, {"@id": f"{ROOT}Products(2)"}]
    counts = (
        await northwind.get("Categories?$select=CategoryID&$expand=Products/$count($filter=UnitPrice gt 30)")
    ).json()
    for category in counts["value"]:
        expected = sum(
            p["CategoryID"] == category["CategoryID"] and p["UnitPrice"] > 30 for p in northwind_table("Products")
        )
        assert category["Products@count"] == expected
        assert "Products" not in category


async def test_expand_a_single_valued_reference(northwind: httpx.AsyncClient) -> None:
    body = (await northwind.get("Products(1)?$select=ProductID&$expand=Category/$ref")).json()
    assert body["Category"] == {"@id": f"{ROOT}Categories(1)"}


async def test_expand_star(northwind: httpx.AsyncClient) -> None:
    order = (await northwind.get("Orders(10248)?$expand=*")).json()
    assert order["Customer"]["CustomerID"] == "VINET"
    assert order["Shipper"]["ShipperID"] == 3
    assert len(order["Order_Details"]) == 3


@pytest.mark.parametrize(
    "nested",
    [
        "$select=OrderID",
        "$select=OrderID;$orderby=Freight desc",
        "$select=OrderID;$filter=Freight gt 10;$top=12",
        "$select=OrderID;$skip=2",
    ],
)
async def test_expanded_collections_are_paged_with_next_links(northwind: httpx.AsyncClient, nested: str) -> None:
    prefer = {"Prefer": "odata.maxpagesize=7"}
    customers = await read_all(northwind, f"Customers?$select=CustomerID&$expand=Orders({nested})", headers=prefer)
    assert len(customers) == 91
    for customer in customers:
        orders = [o["OrderID"] for o in customer["Orders"]]
        assert len(orders) <= 7
        if "Orders@nextLink" in customer:
            orders += [o["OrderID"] for o in await read_all(northwind, customer["Orders@nextLink"], headers=prefer)]
        expected = [
            o
            for o in sorted(
                orders_of(customer["CustomerID"]),
                key=lambda o: (-o["Freight"], o["OrderID"]) if "desc" in nested else o["OrderID"],
            )
            if "Freight gt 10" not in nested or o["Freight"] > 10
        ]
        expected = expected[2:] if "$skip=2" in nested else expected[:12] if "$top=12" in nested else expected
        assert orders == [o["OrderID"] for o in expected], customer["CustomerID"]


async def test_next_links_of_expanded_collections_repeat_a_json_array(northwind: httpx.AsyncClient) -> None:
    prefer = {"Prefer": "odata.maxpagesize=2"}
    nested = '$select=OrderID;$filter=ShipVia in [1,3] and ShipRegion in ["RJ","Québec","it\'s",null]'
    customers = await read_all(northwind, f"Customers?$select=CustomerID&$expand=Orders({nested})", headers=prefer)
    assert any("Orders@nextLink" in customer for customer in customers)
    for customer in customers:
        orders = [o["OrderID"] for o in customer["Orders"]]
        if "Orders@nextLink" in customer:
            orders += [o["OrderID"] for o in await read_all(northwind, customer["Orders@nextLink"], headers=prefer)]
        expected = [
            o["OrderID"]
            for o in orders_of(customer["CustomerID"])
            if o["ShipVia"] in (1, 3) and o["ShipRegion"] in ("RJ", "Québec", None)
        ]
        assert orders == sorted(expected), customer["CustomerID"]


@pytest.mark.parametrize(
    ("query", "target"),
    [
        ("$expand=Nope", "$expand"),
        ("$expand=ProductName", "$expand"),
        ("$expand=Category($top=1)", "$expand"),
        ("$expand=Category,Category", "$expand"),
        ("$expand=Order_Details($filter=Nope eq 1)", "$filter"),
        ("$expand=Order_Details($top=x)", "$expand"),
        ("$expand=Order_Details($levels=0)", "$expand"),
        (
            "$expand=Category($expand=Products($expand=Category($expand=Products($expand=Category($expand=Products)))))",
            "$expand",
        ),
        ("$select=Nope", "$select"),
        ("$select=ProductName($top=1)", "$select"),
    ],
)
async def test_bad_select_and_expand_are_400(northwind: httpx.AsyncClient, query: str, target: str) -> None:
    assert_error(await northwind.get(f"Products?{query}"), 400, target)


@pytest.fixture(scope="module")
async def counted(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[httpx.AsyncClient, list[str]]]:
    """A Northwind app on SQLite that records every SQL statement it runs."""
    statements: list[str] = []
    async with northwind_client(f"sqlite:///{tmp_path_factory.mktemp('count') / 'nw.db'}") as client:
        engine = client._transport.app.state.odata.engine  # type: ignore[attr-defined]
        event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        yield client, statements


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("Customers?$expand=Orders", 2),
        ("Customers?$expand=Orders($expand=Order_Details($expand=Product))", 4),
        ("Customers?$expand=Orders($count=true;$top=1)", 3),
        ("Orders?$expand=Customer,Employee,Shipper&$top=500", 4),
    ],
)
async def test_expand_costs_a_fixed_number_of_queries(
    counted: tuple[httpx.AsyncClient, list[str]], path: str, queries: int
) -> None:
    client, statements = counted
    statements.clear()
    response = await client.get(path)
    assert response.status_code == 200
    assert len(statements) == queries, statements
