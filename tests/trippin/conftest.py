"""Fixtures of the TripPin tests: the example app on a database of each test module's own,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import app_client, read_all


@pytest.fixture(scope="module")
async def trippin(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The TripPin example app, its sample data loaded."""
    from examples.trippin.app import create_app

    async with app_client(create_app(database_url)) as client:
        yield client


@pytest.fixture(scope="module")
async def people(trippin: httpx.AsyncClient) -> list[dict[str, object]]:
    """Every person as ``GET People`` shows them: the facts the queries are checked against."""
    return await read_all(trippin, "People")
