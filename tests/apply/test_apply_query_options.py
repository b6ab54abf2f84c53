"""``$apply`` with the other system query options, paging, ``/$count``, and how values are written.

Data Aggregation Extension 4.0 (CS03), section 3: "The system query option $apply is
evaluated first, then the other system query options are evaluated, if applicable, on
the result of $apply"; on a path ending in ``/$count`` the result is the number of
instances ``$apply`` gives. So here ``$filter``, ``$orderby``, ``$top``, ``$skip``,
``$count=true`` and ``$select`` work on the aggregated instances and may name their
aliases; ``@count`` counts after ``$filter`` and before ``$top``/``$skip``; and
server-driven paging pages the aggregated instances.

How values are written (OData JSON Format 4.01):

- §4.5.3: a dynamic property whose type is numeric but not ``Edm.Double`` (or is
  ``Edm.DateTimeOffset``) carries ``<alias>@type`` at ``metadata=minimal``. Asserted types:
  ``$count`` and ``countdistinct`` Int64 (the service's choice) or Decimal (CS03 says ``Edm.Decimal``
  with scale 0); ``sum`` of integers Int32 or Int64; ``sum``/``min``/``max``/``average``
  of Edm.Decimal Decimal; ``min``/``max`` keep the input type (Int16, Single,
  DateTimeOffset); ``average`` of integers Double (no annotation needed); ``year()`` Int32.
- §3.2 ``IEEE754Compatible=true`` writes Int64 and Decimal values as strings; by default
  they are JSON numbers.
- §4.5.8: a transient instance needs no ``id`` in 4.01 payloads, but in 4.0 payloads
  (``OData-MaxVersion: 4.0``) it MUST have ``"@odata.id": null``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.apply.northwind_facts import (
    average,
    category_name,
    context,
    control_problems,
    details,
    get_json,
    groups,
    mismatches,
    product_entity,
    products,
    sales,
    sort_key,
    total,
    year_of,
)
from tests.conftest import read_all

Rows = list[dict[str, Any]]

GROUPED = "Products?$apply=groupby((CategoryID),aggregate(UnitPrice with sum as Total,$count as N))"


def category_totals() -> Rows:
    return [
        {"CategoryID": c, "Total": total(p["UnitPrice"] for p in rows), "N": len(rows)}
        for c, rows in groups(products(), lambda p: p["CategoryID"]).items()
    ]


def by(*names: str) -> Callable[[dict[str, Any]], Any]:
    return lambda row: tuple(row[name] for name in names)


def _descending_total_then_id(rows: Rows) -> Rows:
    return sorted(sorted(rows, key=by("CategoryID")), key=by("Total"), reverse=True)


def _per_category_name() -> Rows:
    return [
        {"Category": {"CategoryName": category_name(c)}, "Avg": average(p["UnitPrice"] for p in rows)}
        for c, rows in groups(products(), lambda p: p["CategoryID"]).items()
    ]


def _quantities() -> Rows:
    return [
        {"ProductID": p, "Q": total(d["Quantity"] for d in rows)}
        for p, rows in groups(details(), lambda d: d["ProductID"]).items()
    ]


def _only(rows: Rows, *names: str) -> Rows:
    return [{name: row[name] for name in names} for row in rows]


Case = tuple[str, str | None, str, Callable[[], Rows], tuple[str, ...] | None, int | None]
"""(request, context select-list, entity set, expected instances, paths to sort by (None: the order
is asserted), expected @count (None: no @count))."""

CASES: list[Case] = [
    (
        GROUPED + "&$filter=Total gt 300",
        "CategoryID,Total,N",
        "Products",
        lambda: [row for row in category_totals() if row["Total"] > 300],
        ("CategoryID",),
        None,
    ),
    (
        GROUPED + "&$filter=N ge 12 and CategoryID ne 8&$count=true",
        "CategoryID,Total,N",
        "Products",
        lambda: [row for row in category_totals() if row["N"] >= 12 and row["CategoryID"] != 8],
        ("CategoryID",),
        sum(1 for row in category_totals() if row["N"] >= 12 and row["CategoryID"] != 8),
    ),
    (
        GROUPED + "&$orderby=Total desc",
        "CategoryID,Total,N",
        "Products",
        lambda: _descending_total_then_id(category_totals()),
        None,
        None,
    ),
    (
        GROUPED + "&$orderby=Total desc&$top=3",
        "CategoryID,Total,N",
        "Products",
        lambda: _descending_total_then_id(category_totals())[:3],
        None,
        None,
    ),
    (
        GROUPED + "&$orderby=CategoryID&$skip=2&$top=3",
        "CategoryID,Total,N",
        "Products",
        lambda: sorted(category_totals(), key=by("CategoryID"))[2:5],
        None,
        None,
    ),
    (
        GROUPED + "&$count=true",
        "CategoryID,Total,N",
        "Products",
        category_totals,
        ("CategoryID",),
        8,
    ),
    (
        GROUPED + "&$count=true&$orderby=N desc,CategoryID&$top=2",
        "CategoryID,Total,N",
        "Products",
        lambda: sorted(sorted(category_totals(), key=by("CategoryID")), key=by("N"), reverse=True)[:2],
        None,
        8,
    ),
    (GROUPED + "&$skip=100&$count=true", "CategoryID,Total,N", "Products", lambda: [], None, 8),
    (
        GROUPED + "&$select=Total",
        "Total",
        "Products",
        lambda: _only(category_totals(), "Total"),
        ("Total",),
        None,
    ),
    (
        GROUPED + "&$select=CategoryID,N&$orderby=N desc,CategoryID",
        "CategoryID,N",
        "Products",
        lambda: _only(
            sorted(sorted(category_totals(), key=by("CategoryID")), key=by("N"), reverse=True), "CategoryID", "N"
        ),
        None,
        None,
    ),
    (
        "Products?$apply=groupby((CategoryID),aggregate($count as N))&$filter=CategoryID in (1,2)",
        "CategoryID,N",
        "Products",
        lambda: _only([row for row in category_totals() if row["CategoryID"] in (1, 2)], "CategoryID", "N"),
        ("CategoryID",),
        None,
    ),
    (
        "Products?$apply=groupby((Category/CategoryName),aggregate(UnitPrice with average as Avg))"
        "&$orderby=Category/CategoryName desc",
        "Category(CategoryName),Avg",
        "Products",
        lambda: sorted(_per_category_name(), key=lambda row: row["Category"]["CategoryName"], reverse=True),
        None,
        None,
    ),
    (
        "Products?$apply=groupby((Category/CategoryName),aggregate(UnitPrice with average as Avg))"
        "&$filter=Category/CategoryName ne 'Beverages' and Avg gt 20",
        "Category(CategoryName),Avg",
        "Products",
        lambda: [
            row for row in _per_category_name() if row["Category"]["CategoryName"] != "Beverages" and row["Avg"] > 20
        ],
        ("Category/CategoryName",),
        None,
    ),
    (
        "Order_Details?$apply=groupby((ProductID),aggregate(Quantity with sum as Q))&$orderby=Q desc,ProductID&$skip=5&$top=5",
        "ProductID,Q",
        "Order_Details",
        lambda: sorted(sorted(_quantities(), key=by("ProductID")), key=by("Q"), reverse=True)[5:10],
        None,
        None,
    ),
    (
        "Order_Details?$apply=compute(year(Order/OrderDate) as Year)"
        "/groupby((Year),aggregate(UnitPrice mul Quantity mul (1 sub Discount) with sum as Sales))&$orderby=Year",
        "Year,Sales",
        "Order_Details",
        lambda: sorted(
            ({"Year": y, "Sales": total(sales(d) for d in rows)} for y, rows in groups(details(), year_of).items()),
            key=by("Year"),
        ),
        None,
        None,
    ),
    # Entities out of $apply, then the options.
    (
        "Products?$apply=filter(Discontinued)&$orderby=ProductID&$top=3",
        None,
        "Products",
        lambda: [product_entity(p) for p in sorted(products(), key=by("ProductID")) if p["Discontinued"]][:3],
        None,
        None,
    ),
    (
        "Products?$apply=filter(CategoryID eq 1)&$filter=UnitPrice gt 20&$count=true",
        None,
        "Products",
        lambda: [product_entity(p) for p in products() if p["CategoryID"] == 1 and p["UnitPrice"] > 20],
        ("ProductID",),
        sum(1 for p in products() if p["CategoryID"] == 1 and p["UnitPrice"] > 20),
    ),
    (
        "Products?$apply=filter(CategoryID eq 1)&$select=ProductName,UnitPrice&$orderby=UnitPrice desc&$top=2",
        "ProductName,UnitPrice",
        "Products",
        lambda: _only(
            sorted((p for p in products() if p["CategoryID"] == 1), key=by("UnitPrice"), reverse=True)[:2],
            "ProductName",
            "UnitPrice",
        ),
        None,
        None,
    ),
    (
        "Products?$apply=orderby(UnitPrice desc)/top(10)&$orderby=ProductID&$skip=8",
        None,
        "Products",
        lambda: [
            product_entity(p)
            for p in sorted(sorted(products(), key=by("UnitPrice"), reverse=True)[:10], key=by("ProductID"))
        ][8:],
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("url", "select", "entity_set", "expected", "paths", "count"), CASES, ids=[case[0] for case in CASES]
)
async def test_options_after_apply(
    northwind: httpx.AsyncClient,
    url: str,
    select: str | None,
    entity_set: str,
    expected: Callable[[], Rows],
    paths: tuple[str, ...] | None,
    count: int | None,
) -> None:
    body = await get_json(northwind, url)
    assert body["@context"] == context(select, entity_set)
    if count is None:
        assert "@count" not in body
    else:
        assert body["@count"] == count and type(body["@count"]) is int, body.get("@count")
    got = body["value"]
    wanted = expected()
    if paths is not None:
        got, wanted = sorted(got, key=sort_key(paths)), sorted(wanted, key=sort_key(paths))
    problems = mismatches(got, wanted)
    assert not problems, "\n".join(problems)
    if "groupby" in url:
        problems = [problem for index, row in enumerate(got) for problem in control_problems(row, f"value[{index}]")]
        assert not problems, "\n".join(problems)


PAGED = [
    (GROUPED, ("CategoryID",), category_totals),
    (GROUPED + "&$orderby=Total desc", None, lambda: _descending_total_then_id(category_totals())),
    (
        "Order_Details?$apply=groupby((ProductID),aggregate(Quantity with sum as Q))",
        ("ProductID",),
        _quantities,
    ),
    (
        "Order_Details?$apply=groupby((ProductID),aggregate(Quantity with sum as Q))&$orderby=Q,ProductID",
        None,
        lambda: sorted(sorted(_quantities(), key=by("ProductID")), key=by("Q")),
    ),
]


@pytest.mark.parametrize(("url", "paths", "expected"), PAGED, ids=[case[0] for case in PAGED])
async def test_paging(
    northwind: httpx.AsyncClient, url: str, paths: tuple[str, ...] | None, expected: Callable[[], Rows]
) -> None:
    """``Prefer: odata.maxpagesize=3``: pages of at most 3 instances, linked by ``@nextLink``, that
    together hold every instance once."""
    prefer = {"Prefer": "odata.maxpagesize=3"}
    first = await northwind.get(url, headers=prefer)
    assert first.status_code == 200, first.text
    assert len(first.json()["value"]) == 3
    assert "@nextLink" in first.json()
    got = await read_all(northwind, url, headers=prefer)
    wanted = expected()
    if paths is not None:
        got, wanted = sorted(got, key=sort_key(paths)), sorted(wanted, key=sort_key(paths))
    problems = mismatches(got, wanted)
    assert not problems, "\n".join(problems)


TYPES: list[tuple[str, dict[str, set[str]]]] = [
    (
        "Products?$apply=aggregate($count as N,CategoryID with countdistinct as Categories,UnitsInStock with sum as Stock,"
        "UnitPrice with sum as Total,UnitPrice with average as AvgPrice,UnitPrice with min as Lo,"
        "UnitsInStock with max as MaxStock,UnitsInStock with average as AvgStock)",
        {
            "N": {"Int64", "Decimal"},
            "Categories": {"Int64", "Decimal"},
            "Stock": {"Int32", "Int64"},
            "Total": {"Decimal"},
            "AvgPrice": {"Decimal"},
            "Lo": {"Decimal"},
            "MaxStock": {"Int16"},
            "AvgStock": {"Double"},
        },
    ),
    (
        "Order_Details?$apply=aggregate(Discount with max as MaxDiscount,Quantity with sum as Q,"
        "Quantity with average as AvgQ)",
        {"MaxDiscount": {"Single"}, "Q": {"Int32", "Int64"}, "AvgQ": {"Double"}},
    ),
    ("Orders?$apply=aggregate(OrderDate with min as First)", {"First": {"DateTimeOffset"}}),
    (
        "Order_Details?$apply=compute(year(Order/OrderDate) as Year)/groupby((Year),aggregate(Quantity with sum as Q))",
        {"Year": {"Int32"}, "Q": {"Int32", "Int64"}},
    ),
    (
        "Products?$apply=groupby((CategoryID),aggregate(Order_Details/$count as Lines,"
        "Order_Details/Quantity with sum as Q,Order_Details/UnitPrice with average as AvgPrice))",
        {"Lines": {"Int64", "Decimal"}, "Q": {"Int32", "Int64"}, "AvgPrice": {"Decimal"}},
    ),
]


@pytest.mark.parametrize(("url", "types"), TYPES, ids=[case[0] for case in TYPES])
async def test_dynamic_property_types(northwind: httpx.AsyncClient, url: str, types: dict[str, set[str]]) -> None:
    """Each aggregated value is a JSON number (a string for DateTimeOffset) with the type
    annotation JSON Format 4.01 §4.5.3 requires for a dynamic property that is not Edm.Double."""
    body = await get_json(northwind, url)
    problems = []
    for index, row in enumerate(body["value"]):
        for alias, allowed in types.items():
            value = row.get(alias)
            annotation = row.get(f"{alias}@type", row.get(f"{alias}@odata.type"))
            written = None if annotation is None else annotation.lstrip("#").removeprefix("Edm.")
            if allowed == {"DateTimeOffset"}:
                if not isinstance(value, str):
                    problems.append(f"value[{index}].{alias}: not a string: {value!r}")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append(f"value[{index}].{alias}: not a JSON number: {value!r}")
            if written is None and allowed != {"Double"}:
                problems.append(f"value[{index}].{alias}: no {alias}@type (expected one of {sorted(allowed)})")
            elif written is not None and written not in allowed:
                problems.append(f"value[{index}].{alias}@type is {annotation!r}, expected one of {sorted(allowed)}")
    assert not problems, "\n".join(problems)


async def test_ieee754_compatible(northwind: httpx.AsyncClient) -> None:
    """With ``IEEE754Compatible=true``, Int64 and Decimal aggregates are strings; Double stays a number."""
    body = await get_json(
        northwind,
        "Products?$apply=aggregate($count as N,UnitPrice with sum as Total,UnitsInStock with average as AvgStock)",
        headers={"Accept": "application/json;IEEE754Compatible=true"},
    )
    row = body["value"][0]
    assert row["N"] == "77", row
    assert isinstance(row["Total"], str) and Decimal(row["Total"]) == total(p["UnitPrice"] for p in products()), row
    assert isinstance(row["AvgStock"], float | int) and not isinstance(row["AvgStock"], bool), row


COUNTS = [
    ("Products/$count?$apply=groupby((CategoryID))", lambda: len({p["CategoryID"] for p in products()})),
    ("Products/$count?$apply=filter(UnitPrice gt 50)", lambda: sum(1 for p in products() if p["UnitPrice"] > 50)),
    ("Order_Details/$count?$apply=groupby((OrderID))", lambda: len({d["OrderID"] for d in details()})),
    ("Products/$count?$apply=aggregate($count as N)", lambda: 1),
    (
        "Categories(1)/Products/$count?$apply=groupby((SupplierID))",
        lambda: len({p["SupplierID"] for p in products() if p["CategoryID"] == 1}),
    ),
]


@pytest.mark.parametrize(("url", "expected"), COUNTS, ids=[case[0] for case in COUNTS])
async def test_count_segment(northwind: httpx.AsyncClient, url: str, expected: Callable[[], int]) -> None:
    """``/$count`` with ``$apply``: the number of instances ``$apply`` gives, as plain text."""
    response = await northwind.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == str(expected())


TRANSIENT_40 = [
    ("Products?$apply=aggregate($count as N)", []),
    ("Products?$apply=groupby((CategoryID),aggregate($count as N))", []),
    ("Products?$apply=groupby((Category/CategoryName),aggregate($count as N))", ["Category"]),
]


@pytest.mark.parametrize(("url", "nested"), TRANSIENT_40, ids=[case[0] for case in TRANSIENT_40])
async def test_odata_40_payload_marks_transient_instances(
    northwind: httpx.AsyncClient, url: str, nested: list[str]
) -> None:
    """An OData 4.0 payload writes ``"@odata.id": null`` on every transient instance (JSON Format §4.5.8),
    the nested projections of grouping properties included."""
    body = await get_json(northwind, url, headers={"OData-MaxVersion": "4.0"})
    assert body["@odata.context"].startswith(f"{context(None)}(")
    assert "@context" not in body
    for row in body["value"]:
        assert "@odata.id" in row and row["@odata.id"] is None, row
        for name in nested:
            assert "@odata.id" in row[name] and row[name]["@odata.id"] is None, row
