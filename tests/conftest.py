"""Shared fixtures: the Northwind example on SQLite and PostgreSQL, and an HTTP client for it.

The Northwind CSV data comes from ``../shared/northwind`` beside the checkout. Tests
that need PostgreSQL skip when it cannot be reached, except under CI (``CI=true``),
where a missing service is a failure.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from odata_server import async_engine

SHARED = Path(__file__).resolve().parents[2] / "shared"
NORTHWIND_CSV = SHARED / "northwind"
#: The service root of the apps the tests talk to (app_client).
ROOT = "http://testserver/odata/"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


async def read_all(client: httpx.AsyncClient, path: str, **kwargs: object) -> list[dict[str, object]]:
    """Every entity of a collection, following ``@nextLink`` from page to page."""
    entities: list[dict[str, object]] = []
    url: str | None = path
    while url is not None:
        response = await client.get(url, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        body = response.json()
        entities.extend(body["value"])
        url = body.get("@nextLink") or body.get("@odata.nextLink")
    return entities


UNCHECKED = object()
"""The target of a case that does not pin it."""


def assert_error(response: httpx.Response, status: int, target: object = UNCHECKED) -> dict[str, Any]:
    """Assert ``response`` is an OData error with ``status``; return its ``error`` object."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["odata-version"] in ("4.0", "4.01")
    assert "Traceback" not in response.text
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if target is not UNCHECKED:
        assert error.get("target") == target, error
    return error


def require_service(reason: str) -> None:
    """Skip the test for a missing service, or fail it under CI."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: a missing service is a failure)")
    pytest.skip(reason)


async def _reachable(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(5):
            async with engine.connect():
                return True
    except (OSError, TimeoutError, Exception):  # noqa: BLE001 - any failure means "not reachable"
        return False


async def reset_northwind(database_url: str) -> None:
    """Drop the Northwind tables, so the example loads them afresh."""
    from examples.northwind.models import Base

    engine = async_engine(database_url)
    try:
        if not await _reachable(engine):
            require_service(f"PostgreSQL is not reachable at {database_url}")
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
    finally:
        await engine.dispose()


async def finished(client: httpx.AsyncClient, monitor: str, *, attempts: int = 200, **kwargs: Any) -> httpx.Response:
    """Poll an asynchronous request's status monitor until it stops answering 202 (each 202
    with its Location and Retry-After), every 50 ms, at most ``attempts`` times."""
    for _ in range(attempts):
        response = await client.get(monitor, **kwargs)
        if response.status_code != 202:
            return response
        assert response.headers["location"] == monitor
        assert response.headers["retry-after"].isdigit()
        await asyncio.sleep(0.05)
    raise AssertionError("the job never finished")


@st.composite
def mutated(draw: st.DrawFn, texts: list[str], characters: str) -> str:
    """One of ``texts`` with one to four of ``characters`` inserted, deleted or replaced."""
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        character = draw(st.sampled_from(characters))
        if action == "insert":
            text = text[:position] + character + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + 1 :]
        else:
            text = text[:position] + character + text[position + 1 :]
    return text


@asynccontextmanager
async def private_database(kind: str, name: str, folder: Path) -> AsyncIterator[str]:
    """The URL of a new, empty database for tests that write, dropped afterwards.

    ``kind`` is "sqlite" (a file in ``folder``) or "postgresql" (a database named
    ``<test database>_<name>`` on the local server, so other tests' data stays as it
    is, and test runs against different ``TEST_POSTGRES_URL`` databases do not meet).
    """
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{name}.db'}"
        return
    admin = async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    database = f"{POSTGRES_URL.rsplit('/', 1)[1]}_{name}"
    try:
        if not await _reachable(admin):
            require_service(f"PostgreSQL is not reachable at {POSTGRES_URL}")
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            await connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{database}"
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A new database for the test module, named after it (module basenames are unique), on
    SQLite and PostgreSQL: what tests that write start from."""
    name = request.module.__name__.rsplit(".", 1)[-1]
    async with private_database(request.param, name, tmp_path_factory.mktemp(name)) as url:
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def northwind_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database URL for the Northwind example: a new SQLite file, or the local PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('northwind') / 'northwind.db'}"
    return POSTGRES_URL


@asynccontextmanager
async def northwind_client(database_url: str, **config: int) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on a running Northwind example app, loaded from the real CSV data.

    ``config`` overrides :class:`~odata_server.ServiceConfig` settings.
    """
    from examples.northwind.app import create_app

    app = create_app(database_url, str(NORTHWIND_CSV), **config)
    async with app_client(app) as client:
        yield client


@asynccontextmanager
async def app_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on ``app`` (its lifespan running), with the OData service at ``/odata``."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=ROOT) as client:
            yield client


@pytest.fixture(scope="session")
async def northwind(northwind_database: str) -> AsyncIterator[httpx.AsyncClient]:
    """The Northwind example on each database."""
    if northwind_database.startswith("postgresql"):
        await reset_northwind(northwind_database)
    async with northwind_client(northwind_database) as client:
        yield client


@pytest.fixture(scope="session")
async def sqlite_northwind(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    """The Northwind example on SQLite only, for tests about the protocol rather than the database."""
    async with northwind_client(f"sqlite:///{tmp_path_factory.mktemp('nw') / 'nw.db'}") as client:
        yield client
