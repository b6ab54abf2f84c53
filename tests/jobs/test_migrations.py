"""The Alembic migrations create the job table as ``SqlJobStore.create_tables`` does."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from odata_server import async_engine
from odata_server.jobs.migrate import upgrade
from odata_server.jobs.model import Job
from odata_server.jobs.store import SqlJobStore


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


async def _tables(database: Path) -> dict[str, Any]:
    engine = async_engine(f"sqlite:///{database}")
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_describe_tables)
    finally:
        await engine.dispose()


async def _versions(database: Path) -> list[str]:
    engine = async_engine(f"sqlite:///{database}")
    try:
        async with engine.connect() as connection:
            result = await connection.exec_driver_sql("SELECT version_num FROM odata_jobs_alembic_version")
            return [row[0] for row in result]
    finally:
        await engine.dispose()


async def test_migration_creates_the_table_of_create_tables(tmp_path: Path) -> None:
    migrated, created = tmp_path / "migrated.db", tmp_path / "created.db"
    await asyncio.to_thread(upgrade, f"sqlite:///{migrated}")
    engine = async_engine(f"sqlite:///{created}")
    try:
        await SqlJobStore(engine).create_tables()
    finally:
        await engine.dispose()

    tables = await _tables(migrated)
    assert tables.pop("odata_jobs_alembic_version")
    assert tables == await _tables(created)
    assert [name for name, *_ in tables["odata_jobs"]["columns"]][:3] == ["id", "state", "request"]


async def test_migrating_twice_is_harmless(tmp_path: Path) -> None:
    database = tmp_path / "jobs.db"
    await asyncio.to_thread(upgrade, f"sqlite:///{database}")
    engine = async_engine(f"sqlite:///{database}")
    try:
        job = Job(request={"url": "Products"})
        await SqlJobStore(engine).add(job)
        await asyncio.to_thread(upgrade, f"sqlite:///{database}")
        assert await SqlJobStore(engine).get(job.id) == job
    finally:
        await engine.dispose()
    assert await _versions(database) == ["0001"]


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
    assert await _versions(tmp_path / expected) == ["0001"]
