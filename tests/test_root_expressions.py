"""``$root/EntitySet(key)/...`` in expressions (URL Conventions §5.1.1.15.2), over HTTP on SQLite
and PostgreSQL: a value of one entity the service holds, compared with, ordered by and computed
from the entities queried. Expected results are computed from the Northwind CSV files.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.conftest import assert_error, read_all
from tests.northwind_csv import Row, northwind_table


def row(table: str, **key: object) -> Row:
    return next(r for r in northwind_table(table) if all(r[name] == value for name, value in key.items()))


def product(product_id: int) -> Row:
    return row("Products", ProductID=product_id)


def category_name(category_id: int) -> str:
    return row("Categories", CategoryID=category_id)["CategoryName"]  # type: ignore[no-any-return]


def keys(table: str, key: str, where: Callable[[Row], bool]) -> list[Any]:
    return sorted(r[key] for r in northwind_table(table) if where(r))


def order_count(customer_id: str) -> int:
    return sum(o["CustomerID"] == customer_id for o in northwind_table("Orders"))


def ships_to(customer_id: str) -> set[str]:
    return {o["ShipCountry"] for o in northwind_table("Orders") if o["CustomerID"] == customer_id}


FILTERS: list[tuple[str, str, str, Callable[[], list[Any]]]] = [
    (
        "Products",
        "$root/Products(1)/UnitPrice lt UnitPrice",
        "ProductID",
        lambda: keys("Products", "ProductID", lambda p: p["UnitPrice"] > product(1)["UnitPrice"]),
    ),
    (
        "Products",
        "UnitPrice gt $root/Products(ProductID=1)/UnitPrice",
        "ProductID",
        lambda: keys("Products", "ProductID", lambda p: p["UnitPrice"] > product(1)["UnitPrice"]),
    ),
    (
        "Products",
        "UnitPrice gt $root/Products(@k)/UnitPrice",
        "ProductID",
        lambda: keys("Products", "ProductID", lambda p: p["UnitPrice"] > product(2)["UnitPrice"]),
    ),
    (
        "Orders",
        "CustomerID eq $root/Orders(10248)/CustomerID",
        "OrderID",
        lambda: keys("Orders", "OrderID", lambda o: o["CustomerID"] == row("Orders", OrderID=10248)["CustomerID"]),
    ),
    (
        "Order_Details",
        "Quantity eq $root/Order_Details(OrderID=10248,ProductID=11)/Quantity",
        "OrderID",
        lambda: keys(
            "Order_Details",
            "OrderID",
            lambda d: d["Quantity"] == row("Order_Details", OrderID=10248, ProductID=11)["Quantity"],
        ),
    ),
    (
        "Products",
        "UnitsInStock lt $root/Order_Details(ProductID=11,OrderID=10248)/Quantity",
        "ProductID",
        lambda: keys(
            "Products",
            "ProductID",
            lambda p: p["UnitsInStock"] < row("Order_Details", OrderID=10248, ProductID=11)["Quantity"],
        ),
    ),
    (
        "Customers",
        "Country eq $root/Customers('ALFKI')/Country",
        "CustomerID",
        lambda: keys("Customers", "CustomerID", lambda c: c["Country"] == "Germany"),
    ),
    (
        "Products",
        "Category/CategoryName eq $root/Products(10)/Category/CategoryName",
        "ProductID",
        lambda: keys(
            "Products",
            "ProductID",
            lambda p: category_name(p["CategoryID"]) == category_name(product(10)["CategoryID"]),
        ),
    ),
    (
        "Products",
        "ProductID ne $root/Products(1)/ProductID and SupplierID eq $root/Products(1)/SupplierID",
        "ProductID",
        lambda: keys(
            "Products", "ProductID", lambda p: p["ProductID"] != 1 and p["SupplierID"] == product(1)["SupplierID"]
        ),
    ),
    # a key that matches no entity: its values are null
    ("Products", "$root/Products(999)/UnitPrice lt UnitPrice", "ProductID", lambda: []),
    ("Products", "not ($root/Products(999)/UnitPrice lt UnitPrice)", "ProductID", lambda: list(range(1, 78))),
    ("Products", "$root/Products(999)/UnitPrice eq null", "ProductID", lambda: list(range(1, 78))),
    ("Products", "$root/Products(999)/UnitPrice eq UnitPrice", "ProductID", lambda: []),
    # collection-valued navigation after the key, and lambdas
    (
        "Customers",
        "$root/Customers('ALFKI')/Orders/$count lt Orders/$count",
        "CustomerID",
        lambda: keys("Customers", "CustomerID", lambda c: order_count(c["CustomerID"]) > order_count("ALFKI")),
    ),
    (
        "Customers",
        "$root/Customers('ALFKI')/Orders/any(o: o/ShipCountry eq Country)",
        "CustomerID",
        lambda: keys("Customers", "CustomerID", lambda c: c["Country"] in ships_to("ALFKI")),
    ),
    (
        "Customers",
        "$root/Customers('QUICK')/Orders/any(o: o/Freight gt $root/Orders(10248)/Freight) and CustomerID eq 'QUICK'",
        "CustomerID",
        lambda: ["QUICK"],
    ),
    (
        "Categories",
        "Products/any(p: p/UnitPrice gt $root/Products(43)/UnitPrice)",
        "CategoryID",
        lambda: sorted(
            {p["CategoryID"] for p in northwind_table("Products") if p["UnitPrice"] > product(43)["UnitPrice"]}
        ),
    ),
    (
        "Categories",
        "Products/all(p: p/UnitPrice lt $root/Products(1)/UnitPrice)",
        "CategoryID",
        lambda: keys(
            "Categories",
            "CategoryID",
            lambda c: all(
                p["UnitPrice"] < product(1)["UnitPrice"]
                for p in northwind_table("Products")
                if p["CategoryID"] == c["CategoryID"]
            ),
        ),
    ),
]


@pytest.mark.parametrize(("entity_set", "expression", "key", "expected"), FILTERS, ids=[f[1] for f in FILTERS])
async def test_filter(
    northwind: httpx.AsyncClient, entity_set: str, expression: str, key: str, expected: Callable[[], list[Any]]
) -> None:
    entities = await read_all(northwind, rf"{entity_set}?$filter={expression}&@k=2")
    assert sorted(e[key] for e in entities) == expected()


async def test_orderby(northwind: httpx.AsyncClient) -> None:
    body = (
        await northwind.get(r"Products?$orderby=$root/Products(1)/UnitPrice sub UnitPrice,ProductID&$select=ProductID")
    ).json()
    ranked = sorted(
        northwind_table("Products"), key=lambda p: (product(1)["UnitPrice"] - p["UnitPrice"], p["ProductID"])
    )
    assert [e["ProductID"] for e in body["value"]] == [p["ProductID"] for p in ranked]


async def test_compute(northwind: httpx.AsyncClient) -> None:
    query = (
        r"Products?$compute=UnitPrice sub $root/Products(1)/UnitPrice as Dearer"
        r"&$filter=Dearer gt 0&$select=ProductID,Dearer"
    )
    entities = await read_all(northwind, query)
    expected = {
        p["ProductID"]: p["UnitPrice"] - product(1)["UnitPrice"]
        for p in northwind_table("Products")
        if p["UnitPrice"] > product(1)["UnitPrice"]
    }
    assert {e["ProductID"]: Decimal(str(e["Dearer"])) for e in entities} == expected


async def test_filter_inside_expand(northwind: httpx.AsyncClient) -> None:
    query = (
        r"Categories?$select=CategoryID"
        r"&$expand=Products($filter=UnitPrice lt $root/Products(1)/UnitPrice;$select=ProductID)"
    )
    categories = await read_all(northwind, query)
    found = {c["CategoryID"]: sorted(p["ProductID"] for p in c["Products"]) for c in categories}
    expected: dict[int, list[int]] = {c["CategoryID"]: [] for c in northwind_table("Categories")}
    for p in northwind_table("Products"):
        if p["UnitPrice"] < product(1)["UnitPrice"]:
            expected[p["CategoryID"]].append(p["ProductID"])
    assert found == expected


async def test_apply_filter_and_compute(northwind: httpx.AsyncClient) -> None:
    query = (
        r"Products?$apply=compute(UnitPrice sub $root/Products(1)/UnitPrice as Dearer)"
        r"/filter(Dearer gt 0 and $root/Products(1)/CategoryID eq CategoryID)/aggregate($count as N)"
    )
    body = (await northwind.get(query)).json()
    assert body["value"][0]["N"] == sum(
        p["UnitPrice"] > product(1)["UnitPrice"] and p["CategoryID"] == product(1)["CategoryID"]
        for p in northwind_table("Products")
    )


@pytest.mark.parametrize(
    ("query", "target", "code"),
    [
        (r"$filter=$root/Nope(1)/UnitPrice lt UnitPrice", "$filter", "UnknownEntitySet"),
        (r"$filter=$root/Products('x')/UnitPrice lt UnitPrice", "$filter", "InvalidKey"),
        (r"$filter=$root/Products(1.5)/UnitPrice lt UnitPrice", "$filter", "InvalidKey"),
        (r"$filter=$root/Products(null)/UnitPrice lt UnitPrice", "$filter", "InvalidKey"),
        (r"$filter=$root/Products(@missing)/UnitPrice lt UnitPrice", "$filter", "InvalidKey"),
        (r"$filter=$root/Products(ProductID)/UnitPrice lt UnitPrice", "$filter", "InvalidKey"),
        (r"$filter=$root/Products(1 add 1)/UnitPrice lt UnitPrice", "$filter", "InvalidKey"),
        (r"$filter=$root/Products(Nope=1)/UnitPrice lt UnitPrice", "$filter", "InvalidKey"),
        (r"$filter=$root/Products(ProductID=1,ProductID=2)/UnitPrice lt UnitPrice", "$filter", "InvalidKey"),
        (r"$filter=$root/Order_Details(10248)/Quantity lt UnitsInStock", "$filter", "InvalidKey"),
        (r"$filter=$root/Order_Details(OrderID=10248)/Quantity lt UnitsInStock", "$filter", "InvalidKey"),
        (r"$filter=$root/Order_Details(10248,11)/Quantity lt UnitsInStock", "$filter", "InvalidKey"),
        (r"$filter=$root/Products(1)/Nope lt UnitPrice", "$filter", "UnknownProperty"),
        (r"$filter=$root/Products(1)/Category/Nope eq 'x'", "$filter", "UnknownProperty"),
        (r"$filter=$root/Products(1) eq null", "$filter", "InvalidExpression"),
        (r"$filter=$root/Products(1)/Category eq null", "$filter", "InvalidExpression"),
        (r"$filter=$root/Products(1)/ProductName lt UnitPrice", "$filter", "InvalidExpression"),
        (r"$filter=$root/Products(1)/UnitPrice", "$filter", "InvalidExpression"),
        (r"$filter=$root eq 1", "$filter", "InvalidExpression"),
        (r"$orderby=$root/Products(1)", "$orderby", "InvalidExpression"),
        (r"$orderby=$root/Products(1)/Order_Details", "$orderby", "InvalidExpression"),
        (r"$compute=$root/Products('x')/UnitPrice as X", "$compute", "InvalidKey"),
    ],
)
async def test_bad_root_paths_are_400(northwind: httpx.AsyncClient, query: str, target: str, code: str) -> None:
    error = assert_error(await northwind.get(f"Products?{query}"), 400, target)
    assert error["code"] == code


async def test_an_entity_set_without_a_key_is_501(northwind: httpx.AsyncClient) -> None:
    assert_error(await northwind.get(r"Products?$filter=$root/Products/$count gt 1"), 501, "$filter")
