"""The Alembic migrations create the job table as ``SqlJobStore.create_tables`` does, and carry jobs
from one revision to the next, up and down, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from odata_server import async_engine
from odata_server.jobs.migrate import alembic_config, upgrade
from odata_server.jobs.model import Job, JobState, utcnow
from odata_server.jobs.store import SqlJobStore, jobs_table
from tests.conftest import private_database

HEAD = "0002"
VERSION_TABLE = "odata_jobs_alembic_version"

#: The job table as revision 0001 made it: without the lease.
JOBS_0001 = sa.Table(
    jobs_table.name, sa.MetaData(), *(column._copy() for column in jobs_table.columns if column.name != "lease_until")
)


def _describe_tables(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    return {
        table: {
            "columns": [
                (column["name"], str(column["type"]), column["nullable"], column.get("default"))
                for column in inspector.get_columns(table)
            ],
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (index["name"], index["column_names"], index["unique"]) for index in inspector.get_indexes(table)
            ),
        }
        for table in inspector.get_table_names()
    }


async def _tables(url: str) -> dict[str, Any]:
    """The tables of the database but the version table: their columns, primary keys and indexes."""
    engine = async_engine(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(_describe_tables)
    finally:
        await engine.dispose()
    tables.pop(VERSION_TABLE, None)
    return tables


async def _versions(url: str) -> list[str]:
    engine = async_engine(url)
    try:
        async with engine.connect() as connection:
            result = await connection.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}")
            return [row[0] for row in result]
    finally:
        await engine.dispose()


async def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    """``alembic upgrade`` (or ``downgrade``) to ``revision``, in a thread: the migrations run their own loop."""
    step = command.downgrade if down else command.upgrade
    await asyncio.to_thread(step, alembic_config(url), revision)


async def _created_tables(url: str) -> None:
    engine = async_engine(url)
    try:
        await SqlJobStore(engine).create_tables()
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def database(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of each kind."""
    async with private_database(kind, "job_migrations", tmp_path) as url:
        yield url


@pytest.fixture
async def engine(database: str) -> AsyncIterator[AsyncEngine]:
    engine = async_engine(database)
    yield engine
    await engine.dispose()


@pytest.fixture
def store(engine: AsyncEngine) -> SqlJobStore:
    """A store on ``database``, whose tables the test creates."""
    return SqlJobStore(engine)


async def _add_0001(engine: AsyncEngine, *jobs: Job) -> None:
    """Store jobs in a table of revision 0001, as the release before the lease did."""
    rows = []
    for job in jobs:
        row = {field.name: getattr(job, field.name) for field in dataclasses.fields(job) if field.name != "lease_until"}
        rows.append({**row, "state": job.state.value})
    async with engine.begin() as connection:
        await connection.execute(JOBS_0001.insert(), rows)


def _jobs_0001() -> tuple[Job, Job]:
    """A queued job and a job left running, as a release before the lease stored them."""
    request = {"method": "GET", "url": "Products"}
    return Job(request=request), Job(request=request, state=JobState.RUNNING, started_at=utcnow(), attempts=1)


async def test_migration_creates_the_table_of_create_tables(kind: str, tmp_path: Path) -> None:
    async with (
        private_database(kind, "job_migrated", tmp_path) as migrated,
        private_database(kind, "job_created", tmp_path) as created,
    ):
        await asyncio.to_thread(upgrade, migrated)
        await _created_tables(created)
        tables = await _tables(migrated)
        assert tables == await _tables(created)
        assert [name for name, *_ in tables["odata_jobs"]["columns"]][:3] == ["id", "state", "request"]
        assert await _versions(migrated) == [HEAD]


async def test_migrating_twice_is_harmless(database: str, store: SqlJobStore) -> None:
    await asyncio.to_thread(upgrade, database)
    job = Job(request={"url": "Products"})
    await store.add(job)
    await asyncio.to_thread(upgrade, database)
    assert await store.get(job.id) == job
    assert await _versions(database) == [HEAD]


async def test_the_lease_migration_keeps_the_jobs_of_0001_and_they_carry_on(
    database: str, engine: AsyncEngine, store: SqlJobStore
) -> None:
    """0001 → 0002: the jobs have no lease, which counts as lapsed: the sweep sends the queued
    one again, and a worker may take over the one left running."""
    await _migrate(database, "0001")
    queued, running = _jobs_0001()
    await _add_0001(engine, queued, running)
    await _migrate(database, HEAD)

    assert await store.get(queued.id) == queued and await store.get(running.id) == running
    assert queued.lease_until is None
    taken = await store.claim(running.id, lease=60)
    assert taken is not None and taken.attempts == 2 and taken.lease_until is not None
    assert await store.requeue_stale(lease=60) == [queued.id]


async def test_the_lease_migration_goes_down_to_the_table_of_0001(
    database: str, engine: AsyncEngine, store: SqlJobStore
) -> None:
    await _migrate(database, "0001")
    before = await _tables(database)
    await _migrate(database, HEAD)
    job = Job(request={"url": "Products"})
    await store.add(job)
    await _migrate(database, "0001", down=True)

    assert await _tables(database) == before
    assert await _versions(database) == ["0001"]
    async with engine.connect() as connection:
        rows = (await connection.execute(JOBS_0001.select())).all()
    assert [(row.id, row.state) for row in rows] == [(job.id, "queued")]


async def test_create_tables_brings_a_table_of_0001_up_to_date(kind: str, tmp_path: Path) -> None:
    """The embedded mode on a job table of the release before the lease: its jobs carry on."""
    async with (
        private_database(kind, "job_migrated", tmp_path) as migrated,
        private_database(kind, "job_upgraded", tmp_path) as upgraded,
    ):
        await asyncio.to_thread(upgrade, migrated)
        await _migrate(upgraded, "0001")
        engine = async_engine(upgraded)
        try:
            store = SqlJobStore(engine)
            queued, running = _jobs_0001()
            await _add_0001(engine, queued, running)
            await store.create_tables()
            assert await _tables(upgraded) == await _tables(migrated)
            assert await store.get(queued.id) == queued
            assert await store.claim(running.id, lease=60) is not None
            await store.create_tables()
            assert await _tables(upgraded) == await _tables(migrated)
        finally:
            await engine.dispose()


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"ODATA_JOBS_DATABASE_URL": "sqlite:///jobs.db", "DATABASE_URL": "sqlite:///app.db"}, "jobs.db"),
        ({"DATABASE_URL": "sqlite:///app.db"}, "app.db"),
        ({}, "odata.db"),
    ],
)
async def test_the_database_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: str
) -> None:
    """Run from a directory without alembic.ini: the migrations beside the package are found."""
    monkeypatch.delenv("ODATA_JOBS_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    await asyncio.to_thread(upgrade)
    assert sorted(path.name for path in tmp_path.iterdir()) == [expected]
    assert await _versions(f"sqlite:///{tmp_path / expected}") == [HEAD]
