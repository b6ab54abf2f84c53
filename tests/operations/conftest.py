"""Fixtures of the operation tests: the travel service on a database of each test module's own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.operations.trippin import trippin_client


@pytest.fixture(scope="module")
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The travel service on the module's database."""
    async with trippin_client(database_url) as client:
        yield client
