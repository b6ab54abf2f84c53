"""``$apply=groupby(...)``, on SQLite and PostgreSQL.

Expected groups are computed in Python from the Northwind CSV files
(``northwind_facts``). Per Data Aggregation Extension 4.0 (CS03):

- section 3.2.3 "Transformation groupby": one instance per distinct combination of
  the grouping properties (null is a value like any other); a grouping path through a
  navigation property is written as a nested object (``{"Category": {"CategoryName":
  "Beverages"}, ...}``) holding only the grouped properties; the transformations of the
  second parameter run on each group; the order between groups is not defined, so
  groups are compared sorted;
- section 3.1.1: the context URL's select-list names the grouping properties and the
  aliases (``$metadata#Products(Category(CategoryName),Avg)``, as in the spec's
  examples: grouping properties first, then aliases, in request order);
- ``compute`` before ``groupby`` makes a property to group by (sales per category and year).

Every aggregated instance must be transient (no ``@id``/``@etag``; nested projections
included); counts and sums of integers are JSON integers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.apply.northwind_facts import (
    average,
    category_name,
    context,
    control_problems,
    customers,
    details,
    get_json,
    groups,
    maximum,
    minimum,
    mismatches,
    orders,
    product,
    products,
    sales,
    sort_key,
    supplier_country,
    total,
    year_of,
)

Rows = list[dict[str, Any]]


def per_category(make: Callable[[list[dict[str, Any]]], dict[str, Any]]) -> Rows:
    return [
        {"CategoryID": category, **make(rows)}
        for category, rows in groups(products(), lambda p: p["CategoryID"]).items()
    ]


def _sales_per_category_and_year(by_name: bool) -> Rows:
    def key(d: dict[str, Any]) -> tuple[int, int]:
        return product(d["ProductID"])["CategoryID"], year_of(d)

    result = []
    for (category, year), rows in groups(details(), key).items():
        grouped = {"Category": {"CategoryName": category_name(category)}} if by_name else {"CategoryID": category}
        result.append({"Product": grouped, "Year": year, "Sales": total(sales(d) for d in rows)})
    return result


Case = tuple[str, str, tuple[str, ...], Callable[[], Rows]]
"""(request, context select-list, grouping paths (to sort by), expected instances)."""

CASES: list[Case] = [
    ("Products?$apply=groupby((CategoryID))", "CategoryID", ("CategoryID",), lambda: per_category(lambda rows: {})),
    (
        "Products?$apply=groupby((CategoryID),aggregate($count as N))",
        "CategoryID,N",
        ("CategoryID",),
        lambda: per_category(lambda rows: {"N": len(rows)}),
    ),
    (
        "Products?$apply=groupby((CategoryID),aggregate(UnitPrice with sum as Total,UnitPrice with min as Lo,"
        "UnitPrice with max as Hi,UnitPrice with average as Avg,UnitsInStock with sum as Stock))",
        "CategoryID,Total,Lo,Hi,Avg,Stock",
        ("CategoryID",),
        lambda: per_category(
            lambda rows: {
                "Total": total(p["UnitPrice"] for p in rows),
                "Lo": minimum(p["UnitPrice"] for p in rows),
                "Hi": maximum(p["UnitPrice"] for p in rows),
                "Avg": average(p["UnitPrice"] for p in rows),
                "Stock": total(p["UnitsInStock"] for p in rows),
            }
        ),
    ),
    (
        "Products?$apply=groupby((CategoryID,Discontinued),aggregate($count as N))",
        "CategoryID,Discontinued,N",
        ("CategoryID", "Discontinued"),
        lambda: [
            {"CategoryID": c, "Discontinued": d, "N": len(rows)}
            for (c, d), rows in groups(products(), lambda p: (p["CategoryID"], p["Discontinued"])).items()
        ],
    ),
    (
        "Products?$apply=groupby((Category/CategoryName),aggregate(UnitPrice with average as Avg))",
        "Category(CategoryName),Avg",
        ("Category/CategoryName",),
        lambda: [
            {"Category": {"CategoryName": category_name(c)}, "Avg": average(p["UnitPrice"] for p in rows)}
            for c, rows in groups(products(), lambda p: p["CategoryID"]).items()
        ],
    ),
    (
        "Products?$apply=groupby((Supplier/Country),aggregate($count as N,UnitsInStock with max as MaxStock))",
        "Supplier(Country),N,MaxStock",
        ("Supplier/Country",),
        lambda: [
            {"Supplier": {"Country": country}, "N": len(rows), "MaxStock": maximum(p["UnitsInStock"] for p in rows)}
            for country, rows in groups(products(), lambda p: supplier_country(p["SupplierID"])).items()
        ],
    ),
    (
        "Customers?$apply=groupby((Region),aggregate($count as N))",
        "Region,N",
        ("Region",),
        lambda: [{"Region": r, "N": len(rows)} for r, rows in groups(customers(), lambda c: c["Region"]).items()],
    ),
    (
        "Order_Details?$apply=groupby((ProductID),aggregate(Quantity with sum as Q,"
        "UnitPrice mul Quantity with sum as Gross))",
        "ProductID,Q,Gross",
        ("ProductID",),
        lambda: [
            {
                "ProductID": p,
                "Q": total(d["Quantity"] for d in rows),
                "Gross": total(d["UnitPrice"] * d["Quantity"] for d in rows),
            }
            for p, rows in groups(details(), lambda d: d["ProductID"]).items()
        ],
    ),
    # The same sums from the other side: Products, through the collection Order_Details.
    (
        "Products?$apply=groupby((ProductID),aggregate(Order_Details/Quantity with sum as Q,Order_Details/$count as Lines))",
        "ProductID,Q,Lines",
        ("ProductID",),
        lambda: [
            {
                "ProductID": p["ProductID"],
                "Q": total(d["Quantity"] for d in details() if d["ProductID"] == p["ProductID"]),
                "Lines": sum(1 for d in details() if d["ProductID"] == p["ProductID"]),
            }
            for p in products()
        ],
    ),
    # Customers without orders: $count 0, sum null (section 3.2.1.1, like the spec's "Pencil").
    (
        "Customers?$apply=groupby((CustomerID),aggregate(Orders/$count as OrderCount,Orders/Freight with sum as Freight))",
        "CustomerID,OrderCount,Freight",
        ("CustomerID",),
        lambda: [
            {
                "CustomerID": c["CustomerID"],
                "OrderCount": sum(1 for o in orders() if o["CustomerID"] == c["CustomerID"]),
                "Freight": total(o["Freight"] for o in orders() if o["CustomerID"] == c["CustomerID"]),
            }
            for c in customers()
        ],
    ),
    (
        "Order_Details?$apply=groupby((Product/CategoryID),"
        "aggregate(UnitPrice mul Quantity mul (1 sub Discount) with sum as Sales))",
        "Product(CategoryID),Sales",
        ("Product/CategoryID",),
        lambda: [
            {"Product": {"CategoryID": c}, "Sales": total(sales(d) for d in rows)}
            for c, rows in groups(details(), lambda d: product(d["ProductID"])["CategoryID"]).items()
        ],
    ),
    # Sales per category per year: compute the year, then group by a path and the computed property.
    (
        "Order_Details?$apply=compute(year(Order/OrderDate) as Year)/groupby((Product/Category/CategoryName,Year),"
        "aggregate(UnitPrice mul Quantity mul (1 sub Discount) with sum as Sales))",
        "Product(Category(CategoryName)),Year,Sales",
        ("Product/Category/CategoryName", "Year"),
        lambda: _sales_per_category_and_year(by_name=True),
    ),
    (
        "Order_Details?$apply=compute(year(Order/OrderDate) as Year,UnitPrice mul Quantity mul (1 sub Discount) as Amount)"
        "/groupby((Product/CategoryID,Year),aggregate(Amount with sum as Sales))",
        "Product(CategoryID),Year,Sales",
        ("Product/CategoryID", "Year"),
        lambda: _sales_per_category_and_year(by_name=False),
    ),
    # filter before groupby, filter after groupby.
    (
        "Products?$apply=filter(Discontinued eq false)/groupby((CategoryID),aggregate($count as N))",
        "CategoryID,N",
        ("CategoryID",),
        lambda: [
            {"CategoryID": c, "N": len(rows)}
            for c, rows in groups((p for p in products() if not p["Discontinued"]), lambda p: p["CategoryID"]).items()
        ],
    ),
    (
        "Products?$apply=groupby((CategoryID),aggregate(UnitPrice with sum as Total))/filter(Total gt 300)",
        "CategoryID,Total",
        ("CategoryID",),
        lambda: [
            row
            for row in per_category(lambda rows: {"Total": total(p["UnitPrice"] for p in rows)})
            if row["Total"] > 300
        ],
    ),
    # Transformations inside groupby run on each group (here no group ends up empty).
    (
        "Products?$apply=groupby((CategoryID),filter(UnitPrice gt 20)/aggregate($count as N,UnitPrice with min as Lo))",
        "CategoryID,N,Lo",
        ("CategoryID",),
        lambda: per_category(
            lambda rows: {
                "N": sum(1 for p in rows if p["UnitPrice"] > 20),
                "Lo": minimum(p["UnitPrice"] for p in rows if p["UnitPrice"] > 20),
            }
        ),
    ),
    (
        "Products?$apply=groupby((Discontinued),search(kg)/aggregate($count as N))",
        "Discontinued,N",
        ("Discontinued",),
        lambda: [
            {
                "Discontinued": d,
                "N": sum(
                    1
                    for p in rows
                    if any(w in (p["ProductName"] + " " + p["QuantityPerUnit"]).lower() for w in ("kg",))
                ),
            }
            for d, rows in groups(products(), lambda p: p["Discontinued"]).items()
        ],
    ),
    # groupby, then aggregate / groupby again.
    (
        "Products?$apply=groupby((CategoryID),aggregate(UnitPrice with sum as Total))"
        "/aggregate(Total with max as Biggest,Total with average as Typical)",
        "Biggest,Typical",
        (),
        lambda: [
            {
                "Biggest": maximum(
                    row["Total"] for row in per_category(lambda r: {"Total": total(p["UnitPrice"] for p in r)})
                ),
                "Typical": average(
                    row["Total"] for row in per_category(lambda r: {"Total": total(p["UnitPrice"] for p in r)})
                ),
            }
        ],
    ),
    (
        "Products?$apply=groupby((CategoryID,SupplierID),aggregate($count as N))"
        "/groupby((CategoryID),aggregate(N with max as MostFromOneSupplier,$count as Suppliers))",
        "CategoryID,MostFromOneSupplier,Suppliers",
        ("CategoryID",),
        lambda: per_category(
            lambda rows: {
                "MostFromOneSupplier": max(len(r) for r in groups(rows, lambda p: p["SupplierID"]).values()),
                "Suppliers": len(groups(rows, lambda p: p["SupplierID"])),
            }
        ),
    ),
]


async def check_groupby(
    client: httpx.AsyncClient, url: str, select: str, paths: tuple[str, ...], expected: Callable[[], Rows]
) -> None:
    """``url`` answers the transient instances ``expected()``, in any order (sorted by ``paths``)."""
    body = await get_json(client, url)
    entity_set = url.split("?", 1)[0]
    assert body["@context"] == context(select, entity_set)
    got = body["value"]
    problems = [problem for index, row in enumerate(got) for problem in control_problems(row, f"value[{index}]")]
    assert not problems, "\n".join(problems)
    key = sort_key(paths)
    problems = mismatches(sorted(got, key=key), sorted(expected(), key=key))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("url", "select", "paths", "expected"), CASES, ids=[case[0] for case in CASES])
async def test_groupby(
    northwind: httpx.AsyncClient, url: str, select: str, paths: tuple[str, ...], expected: Callable[[], Rows]
) -> None:
    await check_groupby(northwind, url, select, paths, expected)
