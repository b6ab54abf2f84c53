"""Database sessions: how every connection of a service is set up, and how writes begin.

PostgreSQL sessions run in UTC. SQLite files use write-ahead logging, so that a long
read (a streamed collection, an asynchronous job reading it) does not lock out the
writes that meanwhile record other jobs' progress; SQLite enforces foreign keys, so a
write that breaks one fails like it would on any other database.

A write transaction on SQLite begins with ``BEGIN IMMEDIATE``: it takes the write lock
before its first read, so two requests that read and then update one row wait for
each other instead of failing with ``database is locked`` when the second upgrades
its read lock (pysqlite's own deferred ``BEGIN`` cannot wait there). A request that
only reads (:func:`read_connection`) runs without ``BEGIN`` and ``ROLLBACK`` on
SQLite, as pysqlite always ran reads: two round trips fewer. Any other use of the
engine gets a plain ``BEGIN``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

#: The execution options that mark a connection whose transaction will write, or only read.
_WRITE = "odata_write"
_READ = "odata_read"


def prepare_sessions(engine: AsyncEngine) -> None:
    """Set up every new connection of ``engine`` (see the module docstring)."""
    dialect = engine.dialect.name
    statements = {
        "postgresql": ["SET TIME ZONE 'UTC'"],
        "sqlite": ["PRAGMA foreign_keys=ON"]
        + ([] if engine.url.database in (None, "", ":memory:") else ["PRAGMA journal_mode=WAL"]),
    }.get(dialect, [])

    @event.listens_for(engine.sync_engine, "connect")
    def _prepare(dbapi_connection: Any, _record: Any) -> None:
        if dialect == "sqlite":
            # SQLAlchemy then emits BEGIN itself (below) instead of pysqlite.
            dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for statement in statements:
            cursor.execute(statement)
        cursor.close()

    if dialect == "sqlite":

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(connection: Connection) -> None:
            options = connection.get_execution_options()
            if options.get(_WRITE, False):
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            elif not options.get(_READ, False):
                connection.exec_driver_sql("BEGIN")


@asynccontextmanager
async def write_transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in a transaction that will write: committed at the end of the block,
    rolled back if it raises."""
    async with engine.connect() as connection:
        await connection.execution_options(**{_WRITE: True})
        async with connection.begin():
            yield connection


@asynccontextmanager
async def read_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for a request that only reads."""
    async with engine.connect() as connection:
        await connection.execution_options(**{_READ: True})
        yield connection


async def open_read_connection(engine: AsyncEngine) -> AsyncConnection:
    """:func:`read_connection` for a caller that closes it itself (a streamed response body)."""
    connection = await engine.connect()
    await connection.execution_options(**{_READ: True})
    return connection


__all__ = ["open_read_connection", "prepare_sessions", "read_connection", "write_transaction"]
