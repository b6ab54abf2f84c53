"""The job store: jobs in a SQL table, changed by atomic conditional statements.

Every method is one short transaction. A state change is a single conditional
``UPDATE ... WHERE id = :id AND state = :expected`` (or a ``DELETE`` alike) whose
row count or ``RETURNING`` row says whether it happened, never a read followed by
an unconditional write. So two workers claiming the same job, or two monitor
requests taking the same result, cannot both win, on SQLite as on PostgreSQL.

A running job is held by a lease (``lease_until``) that its worker renews; only once
the lease lapsed may another worker take the job over, and the worker's later writes
(progress, outcome) count only while the job is still its attempt (``attempts`` as
claimed). A queued job's lease is its broker message's: once lapsed, the message
counts as lost and :meth:`SqlJobStore.requeue_stale` hands the job out to be sent again.
Lease times are the clock of the process that writes or compares them, so the clocks
of the machines sharing the job table must agree to well within a lease.

The store needs ``UPDATE/DELETE ... RETURNING``: PostgreSQL, or SQLite 3.35 and later.

The table is :data:`jobs_table` on its own :data:`metadata`: :meth:`SqlJobStore.create_tables`
creates it (or adds what a table of an earlier release lacks) for the embedded mode,
the Alembic migrations in ``migrations/`` for the others.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection, Dialect, Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from odata_server.jobs.model import Job, JobState, utcnow
from odata_server.query.sessions import write_transaction

_UTC = dt.timezone.utc

#: The states a job leaves only when cancelled or taken.
_FINISHED = (JobState.SUCCEEDED, JobState.FAILED)
#: The states whose job is done with, one way or another: what expires.
_ENDED = (*_FINISHED, JobState.CANCELLED)


class UtcDateTime(sa.TypeDecorator[dt.datetime]):
    """A timezone-aware datetime, stored in UTC and read back aware, SQLite included.

    SQLite keeps no time zone: a naive value read back is UTC, since only UTC is written.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"A job time must be timezone-aware, not {value!r}")
        return value.astimezone(_UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)


metadata = sa.MetaData()

jobs_table = sa.Table(
    "odata_jobs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("request", sa.JSON, nullable=False),
    sa.Column("principal", sa.Text, nullable=True),
    sa.Column("callback_url", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=True),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Column("result_status", sa.Integer, nullable=True),
    sa.Column("result_location", sa.Text, nullable=True),
    sa.Column("progress", sa.BigInteger, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    # Columns added by a later release are nullable, so rows of earlier ones stay valid.
    sa.Column("lease_until", UtcDateTime, nullable=True),
    sa.Index("ix_odata_jobs_state", "state"),
    sa.Index("ix_odata_jobs_finished_at", "finished_at"),
    sa.Index("ix_odata_jobs_state_lease_until", "state", "lease_until"),
)

_c = jobs_table.c


def _to_row(job: Job) -> dict[str, Any]:
    row = {field.name: getattr(job, field.name) for field in dataclasses.fields(Job)}
    row["state"] = job.state.value
    return row


def _to_job(row: Row[Any]) -> Job:
    values = dict(row._mapping)
    values["state"] = JobState(values["state"])
    return Job(**values)


def _states(states: Iterable[JobState]) -> list[str]:
    return [state.value for state in states]


def _lapsed(now: dt.datetime) -> sa.ColumnElement[bool]:
    """The job's lease lapsed before ``now``; a job of an earlier release has none, which counts as lapsed."""
    return _c.lease_until.is_(None) | (_c.lease_until < now)


def _held(job_id: str, attempt: int) -> sa.ColumnElement[bool]:
    """The job is running as attempt ``attempt``: not cancelled, finished, or taken over since."""
    return (_c.id == job_id) & (_c.state == JobState.RUNNING.value) & (_c.attempts == attempt)


def _after(now: dt.datetime, seconds: float) -> dt.datetime:
    return now + dt.timedelta(seconds=seconds)


def _upgrade(connection: Connection) -> None:
    """Create the job table and its indexes, or add the columns and indexes a table of an earlier release lacks."""
    metadata.create_all(connection)
    schema = connection.schema_for_object(jobs_table)
    present = {column["name"] for column in sa.inspect(connection).get_columns(jobs_table.name, schema=schema)}
    operations = Operations(MigrationContext.configure(connection))
    for column in jobs_table.columns:
        if column.name not in present:
            added = sa.Column(column.name, column.type, nullable=column.nullable)
            operations.add_column(jobs_table.name, added, schema=schema)
    for index in jobs_table.indexes:
        index.create(connection, checkfirst=True)


class SqlJobStore:
    """Jobs in the ``odata_jobs`` table of ``engine``'s database.

    Args:
        engine: the database of the jobs; it may be the service's own database.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create_tables(self) -> None:
        """Create the job table and its indexes unless they exist (the embedded mode).

        A table created by an earlier release gets the columns and indexes it lacks, as
        the Alembic migrations would add them, so its jobs carry on.
        """
        async with write_transaction(self._engine) as connection:
            await connection.run_sync(_upgrade)

    async def add(self, job: Job) -> None:
        """Store a new job."""
        async with write_transaction(self._engine) as connection:
            await connection.execute(jobs_table.insert().values(_to_row(job)))

    async def get(self, job_id: str) -> Job | None:
        """The job ``job_id``, or None if unknown."""
        async with self._engine.connect() as connection:
            return await _select(connection, job_id)

    async def claim(self, job_id: str, *, lease: float) -> Job | None:
        """Start the job for a worker, and return it as it is now.

        A QUEUED job becomes RUNNING; a RUNNING job whose lease lapsed (its worker is
        presumed dead) is taken over. Sets ``started_at``, adds one to ``attempts`` (the
        worker's attempt from now on), resets ``progress``, since the worker writes the
        output afresh, and holds the job for the worker for ``lease`` seconds.

        One conditional UPDATE: of concurrent claims exactly one wins, since the others'
        condition is evaluated on the row as the winner left it, with a fresh lease.

        Returns:
            The running job, or None if the job is unknown, cancelled, finished, or
            held by a worker whose lease has not lapsed.
        """
        now = utcnow()
        claimable = (_c.state == JobState.QUEUED.value) | ((_c.state == JobState.RUNNING.value) & _lapsed(now))
        statement = (
            jobs_table.update()
            .where(_c.id == job_id, claimable)
            .values(
                state=JobState.RUNNING.value,
                started_at=now,
                attempts=_c.attempts + 1,
                progress=0,
                lease_until=_after(now, lease),
            )
            .returning(*_c)
        )
        async with write_transaction(self._engine) as connection:
            row = (await connection.execute(statement)).first()
        return None if row is None else _to_job(row)

    async def renew(self, job_id: str, *, attempt: int, lease: float) -> bool:
        """Hold the running job for attempt ``attempt`` for another ``lease`` seconds from now.

        A lease that lapsed is renewed too, as long as no other worker took the job over.

        Returns:
            False if the job is no longer this attempt's (cancelled, finished, taken over
            by a later attempt, or unknown): the worker then stops.
        """
        return await self._update(_held(job_id, attempt), {"lease_until": _after(utcnow(), lease)})

    async def finish(
        self,
        job_id: str,
        *,
        attempt: int,
        state: JobState,
        result_status: int | None,
        result_location: str | None,
        error: str | None = None,
    ) -> bool:
        """Record the outcome of attempt ``attempt`` of a running job: RUNNING → SUCCEEDED or FAILED.

        Returns:
            False if the job is no longer this attempt's (cancelled meanwhile, taken over
            by a later attempt) or unknown: the caller then discards its output.
        """
        if not state.finished:
            raise ValueError(f"A job finishes as succeeded or failed, not {state.value}")
        values = {
            "state": state.value,
            "finished_at": utcnow(),
            "result_status": result_status,
            "result_location": result_location,
            "error": error,
        }
        return await self._update(_held(job_id, attempt), values)

    async def cancel(self, job_id: str) -> Job | None:
        """Cancel the job, whatever its state, and return it as it was before (None if unknown).

        ``finished_at`` becomes the time of the cancellation, unless the job had finished.
        """
        async with write_transaction(self._engine) as connection:
            while (seen := await _select(connection, job_id)) is not None:
                statement = (
                    jobs_table.update()
                    .where(_c.id == job_id, _c.state == seen.state.value)
                    .values(
                        state=JobState.CANCELLED.value,
                        finished_at=sa.func.coalesce(_c.finished_at, sa.literal(utcnow(), UtcDateTime())),
                    )
                )
                if (await connection.execute(statement)).rowcount == 1:
                    return seen
        return None

    async def set_progress(self, job_id: str, written: int, *, attempt: int) -> bool:
        """Record that attempt ``attempt`` of a running job wrote ``written`` bytes.

        Returns:
            False, recording nothing, if the job is no longer this attempt's (see :meth:`renew`).
        """
        return await self._update(_held(job_id, attempt), {"progress": written})

    async def take(self, job_id: str) -> Job | None:
        """Remove a finished job and return it: of concurrent calls, exactly one gets it.

        Returns:
            The succeeded or failed job, or None if it is unknown, not finished, cancelled
            or already taken.
        """
        statement = jobs_table.delete().where(_c.id == job_id, _c.state.in_(_states(_FINISHED))).returning(*_c)
        async with write_transaction(self._engine) as connection:
            row = (await connection.execute(statement)).first()
        return None if row is None else _to_job(row)

    async def delete(self, job_id: str) -> None:
        """Remove the job, whatever its state; nothing happens if it is unknown."""
        async with write_transaction(self._engine) as connection:
            await connection.execute(jobs_table.delete().where(_c.id == job_id))

    async def expired(self, before: dt.datetime) -> list[Job]:
        """The finished or cancelled jobs that ended (or, lacking an end, were created) before ``before``."""
        ended_before = (_c.finished_at < before) | (_c.finished_at.is_(None) & (_c.created_at < before))
        statement = jobs_table.select().where(_c.state.in_(_states(_ENDED)), ended_before).order_by(_c.created_at)
        return await self._select_all(statement)

    async def unfinished(self) -> list[Job]:
        """The queued and running jobs, oldest first: what to enqueue again after a restart."""
        pending = _states((JobState.QUEUED, JobState.RUNNING))
        statement = jobs_table.select().where(_c.state.in_(pending)).order_by(_c.created_at)
        return await self._select_all(statement)

    async def requeue_stale(self, *, lease: float) -> list[str]:
        """Queue again the unfinished jobs whose lease lapsed, and return their ids, to be sent again.

        A queued job whose lease lapsed lost its broker message, or waits behind a long
        backlog; a running one lost its worker. Both become QUEUED, with their progress
        reset and a lease of ``lease`` seconds for the message the caller sends. Their
        ``attempts`` stay, so a change whose worker died is still not run twice.

        One UPDATE: of concurrent calls, one requeues each job (PostgreSQL skips the rows
        another call has locked), so one message is sent per lapse.
        """
        now = utcnow()
        unfinished = _c.state.in_(_states((JobState.QUEUED, JobState.RUNNING)))
        stale = sa.select(_c.id).where(unfinished, _lapsed(now)).with_for_update(skip_locked=True)
        statement = (
            jobs_table.update()
            .where(_c.id.in_(stale))
            .values(state=JobState.QUEUED.value, progress=0, lease_until=_after(now, lease))
            .returning(_c.id)
        )
        async with write_transaction(self._engine) as connection:
            return list((await connection.execute(statement)).scalars())

    async def _update(self, condition: sa.ColumnElement[bool], values: dict[str, Any]) -> bool:
        """``UPDATE ... WHERE condition`` of one job; whether the row changed."""
        statement = jobs_table.update().where(condition).values(values)
        async with write_transaction(self._engine) as connection:
            return (await connection.execute(statement)).rowcount == 1

    async def _select_all(self, statement: sa.Select[Any]) -> list[Job]:
        async with self._engine.connect() as connection:
            return [_to_job(row) for row in await connection.execute(statement)]


async def _select(connection: AsyncConnection, job_id: str) -> Job | None:
    row = (await connection.execute(jobs_table.select().where(_c.id == job_id))).first()
    return None if row is None else _to_job(row)


__all__ = ["SqlJobStore", "UtcDateTime", "jobs_table", "metadata"]
