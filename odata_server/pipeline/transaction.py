"""Which database transaction a request runs in.

A standalone request that writes runs in a transaction of its own: everything it
writes is committed together, or nothing is. The requests of a ``$batch`` change set
(an atomicity group) share one transaction, which the batch opens with
:func:`change_set`; the operations find it here, so the pipeline runs unchanged
inside or outside a batch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from odata_server.query.sessions import read_connection, write_transaction

_change_set: ContextVar[AsyncConnection | None] = ContextVar("odata_change_set", default=None)


def atomic(engine: AsyncEngine) -> AbstractAsyncContextManager[AsyncConnection]:
    """The connection a write runs on: the change set's, or a transaction of its own.

    A transaction of its own commits when the block ends and rolls back if it raises;
    a change set's is committed or rolled back by the batch.
    """
    return _in_change_set_or(lambda: write_transaction(engine))


def reading(engine: AsyncEngine) -> AbstractAsyncContextManager[AsyncConnection]:
    """The connection a read runs on: the change set's (to see its writes), or one of its own."""
    return _in_change_set_or(lambda: read_connection(engine))


def acting(engine: AsyncEngine) -> AbstractAsyncContextManager[AsyncConnection]:
    """The connection an action runs on: the change set's, or a transaction of its own that
    the reads inside the block share, as in a change set (they read what it wrote)."""
    return _in_change_set_or(lambda: change_set(engine))


@asynccontextmanager
async def _in_change_set_or(
    own: Callable[[], AbstractAsyncContextManager[AsyncConnection]],
) -> AsyncIterator[AsyncConnection]:
    shared = _change_set.get()
    if shared is not None:
        yield shared
        return
    async with own() as connection:
        yield connection


def shared_connection() -> AsyncConnection | None:
    """The transaction of the change set this request belongs to, if any: reads inside a
    change set see what its earlier requests wrote."""
    return _change_set.get()


@asynccontextmanager
async def change_set(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """Run the requests awaited inside the block in one transaction, on the connection it yields.

    Committed when the block ends; rolled back if it raises, so a batch makes a
    change set fail by raising.
    """
    async with write_transaction(engine) as connection:
        token = _change_set.set(connection)
        try:
            yield connection
        finally:
            _change_set.reset(token)


__all__ = ["acting", "atomic", "change_set", "reading", "shared_connection"]
