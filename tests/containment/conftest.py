"""Fixtures of the containment tests: the trips service on a database of its own, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from odata_server import ODataService, ServiceConfig
from tests.containment.trips import reset, trips_client


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
