"""``$apply=groupby(...)`` and ``rollup``, on SQLite and PostgreSQL.

Expected groups are computed in Python from the Northwind CSV files
(``northwind_facts``). Per Data Aggregation Extension 4.0 (CS03):

- section 3.2.3 "Transformation groupby": one instance per distinct combination of
  the grouping properties (null is a value like any other); a grouping path through a
  navigation property is written as a nested object (``{"Category": {"CategoryName":
  "Beverages"}, ...}``) holding only the grouped properties (a navigation property
  itself groups by the related entity, expanded); the transformations of the second
  parameter run on each group, so a ``filter`` or ``search`` there may leave a group
  empty, and ``aggregate`` still gives that group its instance (``$count`` 0), and
  ``orderby(...)/top(1)`` there gives the first entity of each group; the order between
  groups is not defined, so groups are compared sorted;
- section 3.1.1: the context URL's select-list names the grouping properties and the
  aliases (``$metadata#Products(Category(CategoryName),Avg)``, as in the spec's
  examples: grouping properties first, then aliases, in request order);
- ``compute`` before ``groupby`` makes a property to group by (sales per category and year);
- section 3.2.3.2 "Grouping with rollup": ``groupby((rollup(A,B)),T)`` is
  ``concat(groupby((A,B),T),groupby((A),T))``: no grand total, every finer instance
  before the coarser ones, and a rolled-up property is **absent** from its subtotal
  instances (not ``null``: "the absence of one or more properties of the output
  structure ... allows distinguishing rollup entities from other entities"), so it is
  not in the context URL either; a grouping value that is really null stays ``null``.

Every aggregated instance must be transient (no ``@id``/``@etag``; nested projections
included); counts and sums of integers are JSON integers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.apply.northwind_facts import (
    ABSENT,
    PRODUCT_PROPERTIES,
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
    order,
    orders,
    product,
    product_entity,
    products,
    sales,
    sort_key,
    supplier_country,
    total,
    year_of,
)
from tests.northwind_csv import northwind_table

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


def _customers_rollup() -> Rows:
    detail = [
        {"Country": country, "Region": region, "N": len(rows)}
        for (country, region), rows in groups(customers(), lambda c: (c["Country"], c["Region"])).items()
    ]
    subtotal = [
        {"Country": country, "Region": ABSENT, "N": len(rows)}
        for country, rows in groups(customers(), lambda c: c["Country"]).items()
    ]
    return detail + subtotal


def _products_rollup() -> Rows:
    detail = [
        {"CategoryID": c, "SupplierID": s, "N": len(rows), "Total": total(p["UnitPrice"] for p in rows)}
        for (c, s), rows in groups(products(), lambda p: (p["CategoryID"], p["SupplierID"])).items()
    ]
    subtotal = [
        {"CategoryID": c, "SupplierID": ABSENT, "N": len(rows), "Total": total(p["UnitPrice"] for p in rows)}
        for c, rows in groups(products(), lambda p: p["CategoryID"]).items()
    ]
    return detail + subtotal


def _three_level_rollup() -> Rows:
    def rows_of(key: Callable[[dict[str, Any]], Any], names: tuple[str, ...]) -> Rows:
        result = []
        for values, rows in groups(details(), key).items():
            row: dict[str, Any] = {"Product": {"CategoryID": values[0]}, "Year": ABSENT, "ProductID": ABSENT}
            row.update(dict(zip(names[1:], values[1:], strict=True)))
            row["Q"] = total(d["Quantity"] for d in rows)
            result.append(row)
        return result

    category = lambda d: product(d["ProductID"])["CategoryID"]  # noqa: E731
    return (
        rows_of(lambda d: (category(d), year_of(d), d["ProductID"]), ("Category", "Year", "ProductID"))
        + rows_of(lambda d: (category(d), year_of(d)), ("Category", "Year"))
        + rows_of(lambda d: (category(d),), ("Category",))
    )


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
    # A search inside groupby may leave a group empty: it still gives its instance, with 0.
    (
        "Products?$apply=groupby((Discontinued),search(sauce OR syrup OR bottles)/aggregate($count as N))",
        "Discontinued,N",
        ("Discontinued",),
        lambda: [
            {
                "Discontinued": d,
                "N": sum(
                    1
                    for p in rows
                    if any(
                        w in (p["ProductName"] + " " + p["QuantityPerUnit"]).lower()
                        for w in ("sauce", "syrup", "bottles")
                    )
                ),
            }
            for d, rows in groups(products(), lambda p: p["Discontinued"]).items()
        ],
    ),
    # Each order once per category, not once per line (section 3.2.1.1).
    (
        "Order_Details?$apply=groupby((Product/CategoryID),aggregate(Order/Freight with sum as Freight))",
        "Product(CategoryID),Freight",
        ("Product/CategoryID",),
        lambda: [
            {"Product": {"CategoryID": c}, "Freight": total(order(o)["Freight"] for o in {d["OrderID"] for d in rows})}
            for c, rows in groups(details(), lambda d: product(d["ProductID"])["CategoryID"]).items()
        ],
    ),
    # A filter inside groupby runs on each group: Seafood-free categories still get their instance, with 0.
    (
        "Products?$apply=groupby((CategoryID),filter(UnitPrice gt 40)/aggregate($count as N))",
        "CategoryID,N",
        ("CategoryID",),
        lambda: per_category(lambda rows: {"N": sum(1 for p in rows if p["UnitPrice"] > 40)}),
    ),
    # rollup: per (category, supplier), then per category; no grand total.
    (
        "Products?$apply=groupby((rollup(CategoryID,SupplierID)),aggregate($count as N,UnitPrice with sum as Total))",
        "CategoryID,N,Total",
        ("CategoryID", "SupplierID"),
        _products_rollup,
    ),
    # A real null (Region) stays null; a rolled-up Region is absent.
    (
        "Customers?$apply=groupby((rollup(Country,Region)),aggregate($count as N))",
        "Country,N",
        ("Country", "Region"),
        _customers_rollup,
    ),
    (
        "Order_Details?$apply=compute(year(Order/OrderDate) as Year)"
        "/groupby((rollup(Product/CategoryID,Year,ProductID)),aggregate(Quantity with sum as Q))",
        "Product(CategoryID),Q",
        ("Product/CategoryID", "Year", "ProductID"),
        _three_level_rollup,
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


ROLLUP_ORDER = [
    (
        "Products?$apply=groupby((rollup(CategoryID,SupplierID)),aggregate($count as N))",
        ["SupplierID"],
    ),
    (
        "Order_Details?$apply=compute(year(Order/OrderDate) as Year)"
        "/groupby((rollup(Product/CategoryID,Year,ProductID)),aggregate(Quantity with sum as Q))",
        ["ProductID", "Year"],
    ),
]


@pytest.mark.parametrize(("url", "levels"), ROLLUP_ORDER, ids=[case[0] for case in ROLLUP_ORDER])
async def test_rollup_levels_come_in_concat_order(northwind: httpx.AsyncClient, url: str, levels: list[str]) -> None:
    """rollup is defined as concat (section 3.2.3.2), and concat keeps the order of its parameters
    (section 3.2.2): every finer instance comes before every instance of the next coarser level.

    A level is told by the properties rolled up: absent, as the spec writes them, or null (these
    grouping properties are never null in the data), so this test holds apart from that question."""
    got = (await get_json(northwind, url))["value"]
    depth = [sum(1 for name in levels if row.get(name) is None) for row in got]
    assert depth == sorted(depth), depth


async def test_groupby_navigation_property_expands_it(northwind: httpx.AsyncClient) -> None:
    """Grouping by a navigation property groups by the related entity and expands it by default
    (section 3.2.3.1; the spec's ``groupby((Customer))`` example has context ``Sales(Customer())``)."""
    body = await get_json(northwind, "Products?$apply=groupby((Category),aggregate($count as N))")
    assert body["@context"] == context("Category(),N")
    expected = [
        {
            "Category": {
                "CategoryID": c["CategoryID"],
                "CategoryName": c["CategoryName"],
                "Description": c["Description"],
            },
            "N": sum(1 for p in products() if p["CategoryID"] == c["CategoryID"]),
        }
        for c in northwind_table("Categories")
    ]
    got = sorted(body["value"], key=sort_key(("Category/CategoryID",)))
    for row in got:
        assert not [name for name in row if name.startswith("@")], row
        row["Category"].pop("Picture", None)  # binary, not in the CSV this compares with
    problems = mismatches(got, sorted(expected, key=sort_key(("Category/CategoryID",))))
    assert not problems, "\n".join(problems)


async def test_top_per_group(northwind: httpx.AsyncClient) -> None:
    """``groupby((CategoryID),orderby(UnitPrice desc)/top(1))``: the dearest product of each category.

    The transformations inside groupby keep the entities as they are (sections 3.2.3.1
    and 3.3), so each instance is a whole product."""
    body = await get_json(northwind, "Products?$apply=groupby((CategoryID),orderby(UnitPrice desc)/top(1))")
    assert body["@context"] in (context(None), context(",".join(PRODUCT_PROPERTIES)))
    expected = []
    for rows in groups(products(), lambda p: p["CategoryID"]).values():
        ranked = sorted(rows, key=lambda p: p["UnitPrice"], reverse=True)
        assert ranked[0]["UnitPrice"] != ranked[1]["UnitPrice"]
        expected.append(product_entity(ranked[0]))
    key = sort_key(("ProductID",))
    problems = mismatches(sorted(body["value"], key=key), sorted(expected, key=key))
    assert not problems, "\n".join(problems)
