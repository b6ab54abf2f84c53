"""Which database transaction a request runs in, and the work outside the database bound to it.

A standalone request that writes runs in a transaction of its own: everything it
writes is committed together, or nothing is. The requests of a ``$batch`` change set
(an atomicity group) share one transaction, which the batch opens with
:func:`change_set`; the operations find it here, so the pipeline runs unchanged
inside or outside a batch.

Some writes are not in the database (a stream kept in a file). They follow the
transaction through its :class:`Transaction` hooks: work that must be done before the
commit (a new file put in place), after it (an old file removed), or instead of it
(a file staged for a change that was rolled back, removed).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from odata_server.query.sessions import read_connection, write_transaction

logger = logging.getLogger("odata_server")

Action = Callable[[], Awaitable[None]]
_T = TypeVar("_T")


class Transaction:
    """One write transaction: its connection, and what must happen when it ends.

    Hooks run in the order they were added. A failing hook before the commit fails the
    transaction (it is rolled back); failures after the end are logged, since the
    outcome is decided by then.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self._before_commit: list[Action] = []
        self._after_commit: list[Action] = []
        self._after_rollback: list[Action] = []
        self._parts: dict[object, Any] = {}

    def before_commit(self, action: Action) -> None:
        self._before_commit.append(action)

    def after_commit(self, action: Action) -> None:
        self._after_commit.append(action)

    def after_rollback(self, action: Action) -> None:
        self._after_rollback.append(action)

    def part(self, key: object, create: Callable[[Transaction], _T]) -> _T:
        """The one object kept under ``key`` for this transaction, made by ``create`` on first use
        (such as the record of the files its requests change)."""
        if key not in self._parts:
            self._parts[key] = create(self)
        return self._parts[key]  # type: ignore[no-any-return]

    async def _committing(self) -> None:
        for action in self._before_commit:
            await action()

    async def _ended(self, committed: bool) -> None:
        for action in self._after_commit if committed else self._after_rollback:
            try:
                await action()
            except Exception:
                logger.exception("Work after the %s of a transaction failed", "commit" if committed else "rollback")


_current: ContextVar[Transaction | None] = ContextVar("odata_transaction", default=None)
_change_set: ContextVar[Transaction | None] = ContextVar("odata_change_set", default=None)


@asynccontextmanager
async def _transaction(engine: AsyncEngine) -> AsyncIterator[Transaction]:
    """A write transaction with its hooks: committed (and its hooks run) at the end of the
    block, rolled back if the block or a hook before the commit raises."""
    transaction: Transaction | None = None
    try:
        async with write_transaction(engine) as connection:
            transaction = Transaction(connection)
            token = _current.set(transaction)
            try:
                yield transaction
                await transaction._committing()
            finally:
                _current.reset(token)
    except BaseException:
        if transaction is not None:
            await transaction._ended(committed=False)
        raise
    await transaction._ended(committed=True)


def atomic(engine: AsyncEngine) -> AbstractAsyncContextManager[AsyncConnection]:
    """The connection a write runs on: the change set's, or a transaction of its own.

    A transaction of its own commits when the block ends and rolls back if it raises;
    a change set's is committed or rolled back by the batch.
    """
    return _in_change_set_or(lambda: _own_connection(engine))


@asynccontextmanager
async def _own_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with _transaction(engine) as transaction:
        yield transaction.connection


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
        yield shared.connection
        return
    async with own() as connection:
        yield connection


def shared_connection() -> AsyncConnection | None:
    """The transaction of the change set this request belongs to, if any: reads inside a
    change set see what its earlier requests wrote."""
    shared = _change_set.get()
    return None if shared is None else shared.connection


def current_transaction() -> Transaction:
    """The write transaction the running request is in (inside :func:`atomic`)."""
    transaction = _current.get()
    if transaction is None:
        raise RuntimeError("current_transaction() is only available inside a write transaction")
    return transaction


@asynccontextmanager
async def change_set(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """Run the requests awaited inside the block in one transaction, on the connection it yields.

    Committed when the block ends; rolled back if it raises, so a batch makes a
    change set fail by raising.
    """
    async with _transaction(engine) as transaction:
        token = _change_set.set(transaction)
        try:
            yield transaction.connection
        finally:
            _change_set.reset(token)


__all__ = ["Transaction", "acting", "atomic", "change_set", "current_transaction", "reading", "shared_connection"]
