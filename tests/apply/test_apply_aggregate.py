"""``$apply=aggregate(...)``: one instance of aggregated values, on SQLite and PostgreSQL.

Each case is a request, the context URL's select-list and the single instance the
Data Aggregation Extension 4.0 (CS03, section 3.2.1 "Transformation aggregate")
makes of the Northwind data, computed in Python from the CSV files
(``northwind_facts``). What is asserted for every case:

- status 200, ``@context`` exactly ``$metadata#<set>(<aliases>)``;
- ``value`` holds one instance with exactly the aliases as properties;
- the instance is transient: no ``@id``, ``@etag``, ``@editLink``; only
  ``<alias>@type`` annotations may accompany the values;
- counts (``$count as``, ``countdistinct``, ``.../$count as``) and sums of integer
  properties are JSON integers, exactly equal; every other number is a JSON number
  (not a string) within a relative 1e-6; the sum of no values is ``null``.

``A from p with g`` (section 3.2.1.5) is ``groupby((p),aggregate(A as X))/aggregate(X with g)``.

Aggregation through a navigation path follows the algorithm of section 3.2.1.1: the
entities reached through the path's navigation part are taken once each, so
``Order_Details?$apply=aggregate(Order/Freight with sum as F)`` adds up the freight
of the 830 orders, not of the 2155 lines.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.apply.northwind_facts import (
    average,
    context,
    control_problems,
    customers,
    details,
    distinct,
    get_json,
    gross,
    groups,
    maximum,
    minimum,
    mismatches,
    order,
    orders,
    product,
    products,
    sales,
    total,
)

Case = tuple[str, str, str, Callable[[], dict[str, Any]]]
"""(entity set or path, $apply, context select-list, the expected instance)."""


def freight_of_orders_with(category: int | None = None) -> Any:
    """The freight of the orders with a line (of a product of ``category``), each order once."""
    reached = {d["OrderID"] for d in details() if category is None or product(d["ProductID"])["CategoryID"] == category}
    return total(order(o)["Freight"] for o in reached)


def test_expectations_are_not_trivial() -> None:
    """The data behind the navigation cases differs from the naive join, so the cases can tell them apart."""
    assert freight_of_orders_with() != total(order(d["OrderID"])["Freight"] for d in details())
    naive_list_prices = total(product(d["ProductID"])["UnitPrice"] for d in details())
    assert total(product(p)["UnitPrice"] for p in {d["ProductID"] for d in details()}) != naive_list_prices
    assert Decimal(0) < freight_of_orders_with(1) < freight_of_orders_with()


CASES: list[Case] = [
    ("Products", "aggregate($count as N)", "N", lambda: {"N": len(products())}),
    (
        "Products",
        "aggregate(UnitPrice with sum as Total,UnitPrice with min as Lo,UnitPrice with max as Hi,"
        "UnitPrice with average as Avg)",
        "Total,Lo,Hi,Avg",
        lambda: {
            "Total": total(p["UnitPrice"] for p in products()),
            "Lo": minimum(p["UnitPrice"] for p in products()),
            "Hi": maximum(p["UnitPrice"] for p in products()),
            "Avg": average(p["UnitPrice"] for p in products()),
        },
    ),
    (
        "Products",
        "aggregate(UnitsInStock with sum as Stock,UnitsInStock with max as MaxStock,UnitsInStock with average as AvgStock)",
        "Stock,MaxStock,AvgStock",
        lambda: {
            "Stock": total(p["UnitsInStock"] for p in products()),
            "MaxStock": maximum(p["UnitsInStock"] for p in products()),
            "AvgStock": average(p["UnitsInStock"] for p in products()),
        },
    ),
    (
        "Products",
        "aggregate(CategoryID with countdistinct as Categories,SupplierID with countdistinct as Suppliers)",
        "Categories,Suppliers",
        lambda: {
            "Categories": distinct(p["CategoryID"] for p in products()),
            "Suppliers": distinct(p["SupplierID"] for p in products()),
        },
    ),
    (
        "Products",
        "aggregate(Category with countdistinct as Categories)",
        "Categories",
        lambda: {"Categories": distinct(p["CategoryID"] for p in products())},
    ),
    (
        "Products",
        "aggregate(UnitPrice mul UnitsInStock with sum as StockValue)",
        "StockValue",
        lambda: {"StockValue": total(p["UnitPrice"] * p["UnitsInStock"] for p in products())},
    ),
    (
        "Order_Details",
        "aggregate(ProductID with countdistinct as DistinctProducts,OrderID with countdistinct as DistinctOrders,"
        "$count as Lines)",
        "DistinctProducts,DistinctOrders,Lines",
        lambda: {
            "DistinctProducts": distinct(d["ProductID"] for d in details()),
            "DistinctOrders": distinct(d["OrderID"] for d in details()),
            "Lines": len(details()),
        },
    ),
    (
        "Order_Details",
        "aggregate(Quantity with sum as TotalQuantity,Quantity with min as Fewest,Quantity with average as AvgQuantity)",
        "TotalQuantity,Fewest,AvgQuantity",
        lambda: {
            "TotalQuantity": total(d["Quantity"] for d in details()),
            "Fewest": minimum(d["Quantity"] for d in details()),
            "AvgQuantity": average(d["Quantity"] for d in details()),
        },
    ),
    (
        "Order_Details",
        "aggregate(UnitPrice mul Quantity with sum as Gross,UnitPrice mul Quantity mul (1 sub Discount) with sum as Net)",
        "Gross,Net",
        lambda: {"Gross": total(gross(d) for d in details()), "Net": total(sales(d) for d in details())},
    ),
    (
        "Order_Details",
        "aggregate(Discount with max as MaxDiscount,Discount with average as AvgDiscount)",
        "MaxDiscount,AvgDiscount",
        lambda: {
            "MaxDiscount": maximum(d["Discount"] for d in details()),
            "AvgDiscount": average(d["Discount"] for d in details()),
        },
    ),
    (
        "Order_Details",
        "aggregate(Product with countdistinct as DistinctProducts)",
        "DistinctProducts",
        lambda: {"DistinctProducts": distinct(d["ProductID"] for d in details())},
    ),
    # Through a single-valued navigation property: each related entity once (section 3.2.1.1).
    (
        "Order_Details",
        "aggregate(Order/Freight with sum as TotalFreight)",
        "TotalFreight",
        lambda: {"TotalFreight": freight_of_orders_with()},
    ),
    (
        "Order_Details",
        "aggregate(Product/UnitPrice with sum as ListPrices,Product/$count as ProductCount)",
        "ListPrices,ProductCount",
        lambda: {
            "ListPrices": total(product(p)["UnitPrice"] for p in {d["ProductID"] for d in details()}),
            "ProductCount": len({d["ProductID"] for d in details()}),
        },
    ),
    (
        "Products",
        "aggregate(Order_Details/Quantity with sum as TotalQuantity,Order_Details/$count as Lines)",
        "TotalQuantity,Lines",
        lambda: {"TotalQuantity": total(d["Quantity"] for d in details()), "Lines": len(details())},
    ),
    (
        "Categories",
        "aggregate(Products/UnitPrice with average as AvgPrice,Products/$count as ProductCount)",
        "AvgPrice,ProductCount",
        lambda: {"AvgPrice": average(p["UnitPrice"] for p in products()), "ProductCount": len(products())},
    ),
    # Through a collection-valued navigation property.
    (
        "Customers",
        "aggregate(Orders/Freight with sum as TotalFreight,Orders/$count as OrderCount,$count as CustomerCount)",
        "TotalFreight,OrderCount,CustomerCount",
        lambda: {
            "TotalFreight": total(o["Freight"] for o in orders()),
            "OrderCount": len(orders()),
            "CustomerCount": len(customers()),
        },
    ),
    (
        "Categories(1)/Products",
        "aggregate($count as N,UnitPrice with sum as Total)",
        "N,Total",
        lambda: {
            "N": sum(1 for p in products() if p["CategoryID"] == 1),
            "Total": total(p["UnitPrice"] for p in products() if p["CategoryID"] == 1),
        },
    ),
    (
        "Orders",
        "aggregate(OrderDate with min as First,OrderDate with max as Last,Freight with sum as TotalFreight)",
        "First,Last,TotalFreight",
        lambda: {
            "First": minimum(o["OrderDate"] for o in orders()),
            "Last": maximum(o["OrderDate"] for o in orders()),
            "TotalFreight": total(o["Freight"] for o in orders()),
        },
    ),
    # from (section 3.2.1.5): group first, then aggregate the groups.
    (
        "Products",
        "aggregate(UnitPrice with sum from CategoryID with average as AvgCategoryTotal)",
        "AvgCategoryTotal",
        lambda: {
            "AvgCategoryTotal": average(
                total(p["UnitPrice"] for p in rows) for rows in groups(products(), lambda p: p["CategoryID"]).values()
            )
        },
    ),
    (
        "Products",
        "aggregate($count from CategoryID with max as Largest)",
        "Largest",
        lambda: {"Largest": max(len(rows) for rows in groups(products(), lambda p: p["CategoryID"]).values())},
    ),
    (
        "Order_Details",
        "aggregate(Quantity with sum from ProductID with max as BestSeller)",
        "BestSeller",
        lambda: {
            "BestSeller": max(
                total(d["Quantity"] for d in rows) for rows in groups(details(), lambda d: d["ProductID"]).values()
            )
        },
    ),
    (
        "Order_Details",
        "aggregate(Quantity with sum from Order/CustomerID with average as PerCustomer)",
        "PerCustomer",
        lambda: {
            "PerCustomer": average(
                total(d["Quantity"] for d in rows)
                for rows in groups(details(), lambda d: order(d["OrderID"])["CustomerID"]).values()
            )
        },
    ),
    (
        "Order_Details",
        "aggregate(UnitPrice mul Quantity with sum from Order/EmployeeID with min as WeakestSeller)",
        "WeakestSeller",
        lambda: {
            "WeakestSeller": min(
                total(gross(d) for d in rows)
                for rows in groups(details(), lambda d: order(d["OrderID"])["EmployeeID"]).values()
            )
        },
    ),
    # No input: $count is 0, every aggregation method gives null.
    (
        "Products",
        "filter(UnitPrice gt 1000)/aggregate($count as N,UnitPrice with sum as Total,UnitPrice with max as Hi,"
        "UnitPrice with average as Avg,UnitPrice with countdistinct as Prices)",
        "N,Total,Hi,Avg,Prices",
        lambda: {"N": 0, "Total": None, "Hi": None, "Avg": None, "Prices": 0},
    ),
    # Aggregating the output of an aggregate.
    (
        "Products",
        "aggregate(UnitPrice with sum as Total)/aggregate(Total with max as Same)",
        "Same",
        lambda: {"Same": total(p["UnitPrice"] for p in products())},
    ),
    # compute, then aggregate the computed property.
    (
        "Order_Details",
        "compute(UnitPrice mul Quantity as Gross)/aggregate(Gross with sum as Total,Gross with max as Biggest)",
        "Total,Biggest",
        lambda: {"Total": total(gross(d) for d in details()), "Biggest": maximum(gross(d) for d in details())},
    ),
]


async def check_aggregate(
    client: httpx.AsyncClient, resource: str, apply: str, select: str, expected: Callable[[], dict[str, Any]]
) -> None:
    """``resource?$apply=apply`` answers one transient instance equal to ``expected()``."""
    body = await get_json(client, f"{resource}?$apply={apply}")
    entity_set = {"Categories(1)/Products": "Products"}.get(resource, resource)
    assert body["@context"] == context(select, entity_set)
    assert len(body["value"]) == 1, body
    instance = body["value"][0]
    assert not control_problems(instance), control_problems(instance)
    problems = mismatches(instance, expected())
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("resource", "apply", "select", "expected"), CASES, ids=[case[1] for case in CASES])
async def test_aggregate(
    northwind: httpx.AsyncClient,
    resource: str,
    apply: str,
    select: str,
    expected: Callable[[], dict[str, Any]],
) -> None:
    await check_aggregate(northwind, resource, apply, select, expected)
