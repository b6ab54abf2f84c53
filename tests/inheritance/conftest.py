"""Fixtures of the inheritance tests: the Trippin service on a database of each test module's own,
on SQLite and PostgreSQL, and a record of the SQL statements a request runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from odata_server import ODataService
from tests.conftest import app_client
from tests.inheritance.trippin import fill, trippin_service


@pytest.fixture(scope="module")
async def service(database_url: str) -> ODataService:
    """The Trippin service, its tables created and filled."""
    service = trippin_service(database_url)
    await fill(service)
    return service


@pytest.fixture(scope="module")
async def trippin(service: ODataService) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the Trippin service."""
    app = FastAPI()
    service.mount(app, "/odata")
    async with app_client(app) as client:
        yield client


@contextmanager
def statements(service: ODataService) -> Iterator[list[str]]:
    """The SQL statements the service runs meanwhile."""
    seen: list[str] = []

    def record(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(service.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(service.engine.sync_engine, "before_cursor_execute", record)
