"""Fixtures of the write tests: each module writes to a database of its own, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import northwind_client
from tests.writes.gadgets import gadgets_client


@pytest.fixture(scope="module")
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The Northwind example on the module's database."""
    async with northwind_client(database_url) as client:
        yield client


@pytest.fixture(scope="module")
async def gadgets(database_url: str, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The gadget service, in the same database (created after Northwind, which fills an empty database only)."""
    async with gadgets_client(database_url) as gadgets:
        yield gadgets
