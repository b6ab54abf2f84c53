"""Fixtures of the operation tests: the travel service on a database of each test module's own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import private_database
from tests.operations.trippin import trippin_client


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A new database for the test module, named after it."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    async with private_database(request.param, name, tmp_path_factory.mktemp(name)) as url:
        yield url


@pytest.fixture(scope="module")
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The travel service on the module's database."""
    async with trippin_client(database_url) as client:
        yield client
