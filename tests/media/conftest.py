"""Fixtures of the media tests: each module has the photo service on a database of its own, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import private_database
from tests.media.photos import Photos, photos_service


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def photos(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Photos]:
    """The photo service, on a new database named after the test module."""
    name = f"media_{request.module.__name__.rsplit('.', 1)[-1]}"
    folder = tmp_path_factory.mktemp(name)
    async with private_database(request.param, name, folder) as url:
        async with photos_service(url, folder) as service:
            yield service


@pytest.fixture(scope="module")
def client(photos: Photos) -> httpx.AsyncClient:
    return photos.client
