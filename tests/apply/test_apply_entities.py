"""Rows that ``$apply`` keeps as entities stay entities, on SQLite and PostgreSQL.

- entities that ``filter``, ``identity``, ``search`` or ``topcount`` keep are not
  transient: with ``$select`` leaving their key out they carry ``@id`` (OData JSON 4.01
  §4.5.8), as the same request without ``$apply`` does;
- ``groupby((CategoryID),filter(...))`` without ``aggregate`` gives the entities the
  transformations keep in each group (Data Aggregation §3.2.3.1, steps 3 to 5), not one
  instance per group.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.apply.northwind_facts import (
    PRODUCT_PROPERTIES,
    context,
    get_json,
    groups,
    mismatches,
    product_entity,
    products,
    sort_key,
)
from tests.apply.test_apply_transformations import check_same_entities


def dearest_per_category() -> list[int]:
    return sorted(
        max(rows, key=lambda p: p["UnitPrice"])["ProductID"]
        for rows in groups(products(), lambda p: p["CategoryID"]).values()
    )


# Entities out of $apply are not transient: with their key left out by $select they need @id.
SAME_ENTITIES = [
    (
        "Products?$apply=filter(CategoryID eq 1)&$select=ProductName&$orderby=ProductID",
        "Products?$filter=CategoryID eq 1&$select=ProductName&$orderby=ProductID",
    ),
    (
        "Products?$apply=identity&$select=ProductName,UnitPrice&$orderby=ProductID&$top=5",
        "Products?$select=ProductName,UnitPrice&$orderby=ProductID&$top=5",
    ),
    (
        "Products?$apply=search(sauce)&$select=ProductName&$orderby=ProductName",
        "Products?$search=sauce&$select=ProductName&$orderby=ProductName",
    ),
    (
        "Products?$apply=groupby((CategoryID),orderby(UnitPrice desc)/top(1))&$select=ProductName&$orderby=ProductName",
        f"Products?$filter=ProductID in ({','.join(map(str, dearest_per_category()))})&$select=ProductName&$orderby=ProductName",
    ),
    (
        "Products?$apply=topcount(3,UnitPrice)&$select=ProductName,UnitPrice&$orderby=UnitPrice desc",
        "Products?$orderby=UnitPrice desc&$top=3&$select=ProductName,UnitPrice",
    ),
]


@pytest.mark.parametrize(("applied", "plain"), SAME_ENTITIES, ids=[case[0] for case in SAME_ENTITIES])
async def test_same_entities_as_without_apply(northwind: httpx.AsyncClient, applied: str, plain: str) -> None:
    await check_same_entities(northwind, applied, plain)


# groupby whose second parameter has no aggregate gives what those transformations give
# for each group (section 3.2.3.1, steps 3 to 5): here entities, not one instance per group.
KEEPING = [
    (
        "Products?$apply=groupby((CategoryID),filter(UnitPrice gt 200))",
        lambda: [product_entity(p) for p in products() if p["UnitPrice"] > 200],
    ),
    (
        "Products?$apply=groupby((CategoryID),compute(UnitPrice mul 2 as Twice))&$filter=CategoryID eq 2",
        lambda: [{**product_entity(p), "Twice": p["UnitPrice"] * 2} for p in products() if p["CategoryID"] == 2],
    ),
]


@pytest.mark.parametrize(("url", "expected"), KEEPING, ids=[case[0] for case in KEEPING])
async def test_groupby_without_aggregate_keeps_what_its_transformations_give(
    northwind: httpx.AsyncClient, url: str, expected: Callable[[], list[dict[str, Any]]]
) -> None:
    body = await get_json(northwind, url)
    assert body["@context"] in (
        context(None),
        context("*,Twice"),
        context(",".join(PRODUCT_PROPERTIES)),
        context(",".join((*PRODUCT_PROPERTIES, "Twice"))),
    )
    key = sort_key(("ProductID",))
    problems = mismatches(sorted(body["value"], key=key), sorted(expected(), key=key))
    assert not problems, "\n".join(problems)


def _without_etags(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _without_etags(item) for name, item in value.items() if not name.endswith("etag")}
    if isinstance(value, list):
        return [_without_etags(item) for item in value]
    return value


EXPANDED = [
    ("filter(UnitPrice gt 100)", "$filter=UnitPrice gt 100", "$expand=Category&$orderby=ProductID"),
    (
        "filter(CategoryID eq 2)",
        "$filter=CategoryID eq 2",
        "$expand=Order_Details($top=2;$select=Quantity)&$select=ProductName&$orderby=ProductID",
    ),
    ("orderby(UnitPrice desc)/top(3)", "$orderby=UnitPrice desc&$top=3", "$expand=Supplier($select=CompanyName)"),
]


@pytest.mark.parametrize(("applied", "plain", "rest"), EXPANDED, ids=[case[0] for case in EXPANDED])
async def test_expand_after_apply_expands_the_entities_it_keeps(
    northwind: httpx.AsyncClient, applied: str, plain: str, rest: str
) -> None:
    with_apply = await get_json(northwind, f"Products?$apply={applied}&{rest}")
    without = await get_json(northwind, f"Products?{plain}&{rest}")
    assert _without_etags(with_apply["value"]) == _without_etags(without["value"])


async def test_expand_of_aggregated_instances_is_501(northwind: httpx.AsyncClient) -> None:
    response = await northwind.get("Products?$apply=groupby((CategoryID))&$expand=Category")
    assert response.status_code == 501
    assert response.json()["error"]["target"] == "$expand"
