"""Fixtures of the containment tests: the trips service on a database of its own, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from odata_server import ODataService, ServiceConfig
from tests.conftest import private_database
from tests.containment.trips import reset, trips_client


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A new database for the test module, named after it."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    async with private_database(request.param, name, tmp_path_factory.mktemp(name)) as url:
        yield url


@pytest.fixture(scope="module")
async def served(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[httpx.AsyncClient, ODataService]]:
    config = ServiceConfig(async_disk=str(tmp_path_factory.mktemp("jobs")))
    async with trips_client(database_url, config) as served:
        yield served


@pytest.fixture
async def trips(served: tuple[httpx.AsyncClient, ODataService]) -> httpx.AsyncClient:
    """The trips service, its data as ``trips.py`` writes it (tests may change it)."""
    client, service = served
    await reset(service.engine)
    return client
