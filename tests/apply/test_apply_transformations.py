"""The transformations of ``$apply`` besides aggregate/groupby, on SQLite and PostgreSQL.

Expected results come from the Northwind CSV files (``northwind_facts``). What the
Data Aggregation Extension 4.0 (CS03) says, and what is asserted:

- ``identity``, ``filter``, ``search``, ``orderby``, ``top``, ``skip`` and the
  top/bottom family keep the entities as they are (section 3.3): the context URL is
  ``$metadata#Products`` and each instance is the whole product (compared with the CSV
  row; control information such as ``@etag`` is not compared).
- ``orderby(...)``, then ``top``/``skip``: the order is asserted. ``filter``,
  ``search`` and top/bottom define no order of their own ("the total order ... is
  completely chosen by the service" for top/bottom, step 1 of section 3.3.1), so their
  results are compared as sets of keys. The counts and limits chosen here have no tie
  at the cut (checked in ``northwind_facts``).
- ``topcount(c,v)``: the ``c`` instances with the highest ``v``; ``topsum(s,v)``:
  instances by descending ``v`` until their sum reaches ``s``; ``toppercent(p,v)``: until
  their sum reaches ``p`` percent of the whole; ``bottom...`` likewise ascending.
- ``compute`` adds a dynamic property to every instance (section 3.4.1.2).
- ``concat`` (section 3.2.2): the outputs of its parameters, each made from the same
  input, one after the other in parameter order; its context URL's select-list names
  only the properties present in every instance, and is ``@Core.AnyStructure`` when
  there is none (section 3.1.1).
- entities ``$apply`` keeps answer like the same request without ``$apply``: the same
  values and, as they are not transient, the same ``@id``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.apply.northwind_facts import (
    PRODUCT_PROPERTIES,
    context,
    control_problems,
    data,
    details,
    get_json,
    groups,
    mismatches,
    product_entity,
    products,
    ranked,
    sort_key,
    take_count,
    take_percent,
    take_sum,
    total,
)

Rows = list[dict[str, Any]]


def price(p: dict[str, Any]) -> Decimal:
    return p["UnitPrice"]


def by_id(rows: Rows) -> Rows:
    return sorted(rows, key=lambda p: p["ProductID"])


def searched(*words: str) -> Rows:
    """Products whose ProductName or QuantityPerUnit (their string properties) contain one of ``words``."""
    return [
        p
        for p in products()
        if any(w in (p["ProductName"] or "").lower() or w in (p["QuantityPerUnit"] or "").lower() for w in words)
    ]


SubsetCase = tuple[str, Callable[[], Rows]]

SUBSETS: list[SubsetCase] = [
    ("identity", lambda: list(products())),
    ("identity/identity", lambda: list(products())),
    ("filter(CategoryID eq 1)", lambda: [p for p in products() if p["CategoryID"] == 1]),
    (
        "filter(UnitPrice gt 20)/filter(Discontinued)",
        lambda: [p for p in products() if p["UnitPrice"] > 20 and p["Discontinued"]],
    ),
    ("filter(Category/CategoryName eq 'Seafood')", lambda: [p for p in products() if p["CategoryID"] == 8]),
    (
        "filter(Order_Details/any(d:d/Quantity ge 100))",
        lambda: [
            p for p in products() if any(d["Quantity"] >= 100 for d in details() if d["ProductID"] == p["ProductID"])
        ],
    ),
    ("search(sauce OR syrup)", lambda: searched("sauce", "syrup")),
    ("search(bottles)/filter(UnitPrice lt 10)", lambda: [p for p in searched("bottles") if p["UnitPrice"] < 10]),
    ("topcount(5,UnitPrice)", lambda: take_count(ranked(products(), price, top=True), price, 5)),
    ("bottomcount(3,UnitPrice)", lambda: take_count(ranked(products(), price, top=False), price, 3)),
    (
        "filter(CategoryID eq 1)/topcount(2,UnitsInStock)",
        lambda: take_count(
            ranked([p for p in products() if p["CategoryID"] == 1], lambda p: p["UnitsInStock"], top=True),
            lambda p: p["UnitsInStock"],
            2,
        ),
    ),
    (
        "topcount(4,UnitPrice mul UnitsInStock)",
        lambda: take_count(
            ranked(products(), lambda p: p["UnitPrice"] * p["UnitsInStock"], top=True),
            lambda p: p["UnitPrice"] * p["UnitsInStock"],
            4,
        ),
    ),
    ("topsum(500,UnitPrice)", lambda: take_sum(ranked(products(), price, top=True), price, Decimal(500))),
    ("bottomsum(50,UnitPrice)", lambda: take_sum(ranked(products(), price, top=False), price, Decimal(50))),
    ("toppercent(30,UnitPrice)", lambda: take_percent(ranked(products(), price, top=True), price, Decimal(30))),
    ("bottompercent(8,UnitPrice)", lambda: take_percent(ranked(products(), price, top=False), price, Decimal(8))),
]


@pytest.mark.parametrize(("apply", "expected"), SUBSETS, ids=[case[0] for case in SUBSETS])
async def test_subset(northwind: httpx.AsyncClient, apply: str, expected: Callable[[], Rows]) -> None:
    """Transformations that keep entities as they are: the same products, whole."""
    body = await get_json(northwind, f"Products?$apply={apply}")
    assert body["@context"] == context(None)
    assert "@nextLink" not in body, "the cases are smaller than a page"
    problems = mismatches(by_id(body["value"]), [product_entity(p) for p in by_id(expected())])
    assert not problems, "\n".join(problems)


OrderedCase = tuple[str, Callable[[], Rows]]

ORDERED: list[OrderedCase] = [
    (
        "orderby(UnitPrice desc)/top(5)",
        lambda: sorted(products(), key=price, reverse=True)[:5],
    ),
    ("orderby(ProductID)/skip(70)", lambda: by_id(list(products()))[70:]),
    ("orderby(ProductID desc)/skip(3)/top(4)", lambda: by_id(list(products()))[::-1][3:7]),
    (
        "filter(CategoryID eq 2)/orderby(UnitsInStock desc,ProductName)",
        lambda: sorted(
            sorted((p for p in products() if p["CategoryID"] == 2), key=lambda p: p["ProductName"]),
            key=lambda p: p["UnitsInStock"],
            reverse=True,
        ),
    ),
    ("orderby(UnitPrice)/top(0)", lambda: []),
    (
        "orderby(UnitPrice desc)/topcount(3,UnitsInStock)/orderby(UnitsInStock)",
        lambda: sorted(
            take_count(ranked(products(), lambda p: p["UnitsInStock"], top=True), lambda p: p["UnitsInStock"], 3),
            key=lambda p: p["UnitsInStock"],
        ),
    ),
]


@pytest.mark.parametrize(("apply", "expected"), ORDERED, ids=[case[0] for case in ORDERED])
async def test_ordered(northwind: httpx.AsyncClient, apply: str, expected: Callable[[], Rows]) -> None:
    """``orderby`` sorts (stable), ``top``/``skip`` cut in that order: the order is asserted."""
    body = await get_json(northwind, f"Products?$apply={apply}")
    assert body["@context"] == context(None)
    problems = mismatches(body["value"], [product_entity(p) for p in expected()])
    assert not problems, "\n".join(problems)


def _quantities() -> Rows:
    return [
        {"ProductID": p, "Q": total(d["Quantity"] for d in rows)}
        for p, rows in groups(details(), lambda d: d["ProductID"]).items()
    ]


def _q(row: dict[str, Any]) -> int:
    return row["Q"]


AGGREGATED: list[tuple[str, str, Callable[[], Rows]]] = [
    (
        "Order_Details?$apply=groupby((ProductID),aggregate(Quantity with sum as Q))/topcount(5,Q)",
        "ProductID,Q",
        lambda: take_count(ranked(_quantities(), _q, top=True), _q, 5),
    ),
    (
        "Order_Details?$apply=groupby((ProductID),aggregate(Quantity with sum as Q))/bottomcount(4,Q)",
        "ProductID,Q",
        lambda: take_count(ranked(_quantities(), _q, top=False), _q, 4),
    ),
    (
        "Order_Details?$apply=groupby((ProductID),aggregate(Quantity with sum as Q))/topsum(5000,Q)",
        "ProductID,Q",
        lambda: take_sum(ranked(_quantities(), _q, top=True), _q, Decimal(5000)),
    ),
    (
        "Order_Details?$apply=groupby((ProductID),aggregate(Quantity with sum as Q))/toppercent(20,Q)",
        "ProductID,Q",
        lambda: take_percent(ranked(_quantities(), _q, top=True), _q, Decimal(20)),
    ),
    (
        "Order_Details?$apply=groupby((ProductID),aggregate(Quantity with sum as Q))/bottompercent(5,Q)",
        "ProductID,Q",
        lambda: take_percent(ranked(_quantities(), _q, top=False), _q, Decimal(5)),
    ),
]


@pytest.mark.parametrize(("url", "select", "expected"), AGGREGATED, ids=[case[0] for case in AGGREGATED])
async def test_top_bottom_of_groups(
    northwind: httpx.AsyncClient, url: str, select: str, expected: Callable[[], Rows]
) -> None:
    """The best and worst sellers: top/bottom transformations over aggregated instances."""
    body = await get_json(northwind, url)
    assert body["@context"] == context(select, "Order_Details")
    got = body["value"]
    problems = [problem for index, row in enumerate(got) for problem in control_problems(row, f"value[{index}]")]
    assert not problems, "\n".join(problems)
    key = sort_key(("ProductID",))
    problems = mismatches(sorted(got, key=key), sorted(expected(), key=key))
    assert not problems, "\n".join(problems)


async def test_compute(northwind: httpx.AsyncClient) -> None:
    """``compute`` adds its aliases to every product, which keeps all its properties."""
    body = await get_json(
        northwind,
        "Products?$apply=compute(UnitPrice mul UnitsInStock as StockValue,UnitsInStock add UnitsOnOrder as Pipeline)",
    )
    # Without $select the select-list may stay empty (all declared properties are present),
    # name the computed properties after a * (the spec's example) or name every property.
    assert body["@context"] in (
        context(None),
        context("*,StockValue,Pipeline"),
        context(",".join((*PRODUCT_PROPERTIES, "StockValue", "Pipeline"))),
    )
    expected = [
        {
            **product_entity(p),
            "StockValue": p["UnitPrice"] * p["UnitsInStock"],
            "Pipeline": p["UnitsInStock"] + p["UnitsOnOrder"],
        }
        for p in by_id(list(products()))
    ]
    problems = mismatches(by_id(body["value"]), expected)
    assert not problems, "\n".join(problems)


def category_totals() -> Rows:
    return [
        {"CategoryID": c, "Total": total(p["UnitPrice"] for p in rows)}
        for c, rows in groups(products(), lambda p: p["CategoryID"]).items()
    ]


def _rollup_totals() -> Rows:
    pairs = [
        {"CategoryID": c, "SupplierID": s, "Total": total(p["UnitPrice"] for p in rows)}
        for (c, s), rows in groups(products(), lambda p: (p["CategoryID"], p["SupplierID"])).items()
    ]
    return pairs + category_totals()


CONCATS: list[tuple[str, str, tuple[str, ...], Callable[[], list[Rows]]]] = [
    # A total row after the per-group rows.
    (
        "concat(groupby((CategoryID),aggregate(UnitPrice with sum as Total)),aggregate(UnitPrice with sum as Total))",
        "Total",
        ("CategoryID",),
        lambda: [category_totals(), [{"Total": total(p["UnitPrice"] for p in products())}]],
    ),
    (
        "concat(groupby((CategoryID),aggregate($count as N)),groupby((Discontinued),aggregate($count as N)))",
        "N",
        ("CategoryID", "Discontinued"),
        lambda: [
            [{"CategoryID": c, "N": len(rows)} for c, rows in groups(products(), lambda p: p["CategoryID"]).items()],
            [
                {"Discontinued": d, "N": len(rows)}
                for d, rows in groups(products(), lambda p: p["Discontinued"]).items()
            ],
        ],
    ),
    # rollup has no grand total of its own: concat adds it.
    (
        "concat(groupby((rollup(CategoryID,SupplierID)),aggregate(UnitPrice with sum as Total)),"
        "aggregate(UnitPrice with sum as Total))",
        "Total",
        ("CategoryID", "SupplierID"),
        lambda: [_rollup_totals(), [{"Total": total(p["UnitPrice"] for p in products())}]],
    ),
    (
        "filter(CategoryID eq 3)/concat(aggregate(UnitPrice with max as Price),aggregate(UnitPrice with min as Price))",
        "Price",
        (),
        lambda: [
            [{"Price": max(p["UnitPrice"] for p in products() if p["CategoryID"] == 3)}],
            [{"Price": min(p["UnitPrice"] for p in products() if p["CategoryID"] == 3)}],
        ],
    ),
]


async def check_concat(
    client: httpx.AsyncClient, apply: str, select: str, paths: tuple[str, ...], parts: Callable[[], list[Rows]]
) -> None:
    """``Products?$apply=apply`` answers each part of ``parts()`` in turn (within a part, groups in any order)."""
    body = await get_json(client, f"Products?$apply={apply}")
    assert body["@context"] == context(select)
    got = body["value"]
    problems = [problem for index, row in enumerate(got) for problem in control_problems(row, f"value[{index}]")]
    assert not problems, "\n".join(problems)
    key = sort_key(paths)
    start = 0
    for number, part in enumerate(parts()):
        piece = got[start : start + len(part)]
        start += len(part)
        problems = mismatches(sorted(piece, key=key), sorted(part, key=key), f"part {number + 1}")
        assert not problems, "\n".join(problems)
    assert start == len(got), f"{len(got) - start} instances more than expected: {got[start:]}"


@pytest.mark.parametrize(("apply", "select", "paths", "parts"), CONCATS, ids=[case[0] for case in CONCATS])
async def test_concat(
    northwind: httpx.AsyncClient, apply: str, select: str, paths: tuple[str, ...], parts: Callable[[], list[Rows]]
) -> None:
    """``concat``: each parameter's output, in parameter order."""
    await check_concat(northwind, apply, select, paths, parts)


async def test_concat_branches_start_from_the_same_input(northwind: httpx.AsyncClient) -> None:
    """Each parameter of ``concat`` transforms the whole input: a ``filter`` in the first one
    does not narrow the second (section 3.2.2)."""
    body = await get_json(
        northwind, "Products?$apply=concat(filter(CategoryID eq 6)/aggregate($count as N),aggregate($count as N))"
    )
    assert body["@context"] == context("N")
    problems = mismatches(
        body["value"], [{"N": sum(1 for p in products() if p["CategoryID"] == 6)}, {"N": len(products())}]
    )
    assert not problems, "\n".join(problems)


async def test_concat_of_entities_and_a_total(northwind: httpx.AsyncClient) -> None:
    """``filter(...)/concat(identity,aggregate(...))``: the products, then their total (the spec's
    "Add a grand total row" example, section 3.4.1.1).

    No property is present in every instance, so the select-list is just the
    ``Core.AnyStructure`` annotation (section 3.1.1, the spec's example ``Products(@Core.AnyStructure)``;
    ``$metadata`` includes the Core vocabulary with the alias ``Core``)."""
    body = await get_json(
        northwind, "Products?$apply=filter(CategoryID eq 6)/concat(identity,aggregate(UnitPrice with sum as Total))"
    )
    assert body["@context"] in (context("@Core.AnyStructure"), context("@Org.OData.Core.V1.AnyStructure"))
    meat = [p for p in products() if p["CategoryID"] == 6]
    *entities, last = body["value"]
    problems = mismatches(by_id(entities), [product_entity(p) for p in by_id(meat)])
    problems += mismatches(last, {"Total": total(p["UnitPrice"] for p in meat)}, "total")
    problems += control_problems(last, "total")
    assert not problems, "\n".join(problems)


async def check_same_entities(client: httpx.AsyncClient, applied: str, plain: str) -> None:
    """``applied`` (an ``$apply`` that keeps the entities) answers the same entities as ``plain``
    (the same request with ``$filter``/``$orderby``/``$top``/``$search``), with the same ``@id``
    control information: the entities are not transient, so when ``$select`` leaves their key
    out, ``@id`` must be written (OData JSON 4.01 §4.5.8)."""
    ours, theirs = await get_json(client, applied), await get_json(client, plain)
    assert ours["@context"] == theirs["@context"]
    assert [row.get("@id") for row in ours["value"]] == [row.get("@id") for row in theirs["value"]]
    problems = mismatches(ours["value"], data(theirs["value"]))
    assert not problems, "\n".join(problems)


SAME_ENTITIES = [
    (
        "Products?$apply=filter(CategoryID eq 1)&$orderby=ProductID",
        "Products?$filter=CategoryID eq 1&$orderby=ProductID",
    ),
    (
        "Products?$apply=orderby(UnitPrice desc)/top(3)&$select=ProductID,UnitPrice",
        "Products?$orderby=UnitPrice desc&$top=3&$select=ProductID,UnitPrice",
    ),
]


@pytest.mark.parametrize(("applied", "plain"), SAME_ENTITIES, ids=[case[0] for case in SAME_ENTITIES])
async def test_same_entities_as_without_apply(northwind: httpx.AsyncClient, applied: str, plain: str) -> None:
    await check_same_entities(northwind, applied, plain)
