"""Configured limits are enforced, each with a 400 (or 414) that names what was exceeded."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import assert_error, northwind_client


@pytest.fixture(scope="module")
async def strict(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    url = f"sqlite:///{tmp_path_factory.mktemp('limits') / 'nw.db'}"
    settings = {
        "max_top": 50, "max_expression_nodes": 12, "max_expand_depth": 2, "max_expand_width": 2,
        "max_page_size": 20, "max_url_length": 300,
    }  # fmt: skip
    async with northwind_client(url, **settings) as client:
        yield client


@pytest.mark.parametrize(
    ("query", "status", "target"),
    [
        ("$top=51", 400, "$top"),
        ("$expand=Order_Details($top=51)", 400, "$top"),
        ("$filter=" + " or ".join(f"ProductID eq {n}" for n in range(5)), 400, "$filter"),
        ("$orderby=" + " add ".join(["UnitPrice"] * 13), 400, "$orderby"),
        ("$expand=Category($expand=Products($expand=Category))", 400, "$expand"),
        ("$expand=Category,Supplier,Order_Details", 400, "$expand"),
        ("$expand=*", 400, "$expand"),
        ("$filter=" + "x" * 300, 414, None),
    ],
)
async def test_limit_exceeded(strict: httpx.AsyncClient, query: str, status: int, target: str | None) -> None:
    assert_error(await strict.get(f"Products?{query}"), status, target)


@pytest.mark.parametrize(
    "query",
    [
        "$top=50",
        "$filter=ProductID eq 1 or ProductID eq 2",
        "$expand=Category($expand=Products)",
        "$expand=Category,Supplier",
    ],
)
async def test_within_limits(strict: httpx.AsyncClient, query: str) -> None:
    assert (await strict.get(f"Products?{query}")).status_code == 200


async def test_page_size_limit_caps_the_preference(strict: httpx.AsyncClient) -> None:
    response = await strict.get("Products", headers={"Prefer": "odata.maxpagesize=100"})
    assert len(response.json()["value"]) == 20
    assert "preference-applied" not in response.headers
