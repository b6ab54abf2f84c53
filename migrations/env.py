"""The Alembic environment of the job store: migrations of the ``odata_jobs`` table.

The database is, first found: the ``database_url`` that :func:`odata_server.jobs.migrate.upgrade`
passes in ``config.attributes``, ``ODATA_JOBS_DATABASE_URL``, ``DATABASE_URL``, or
``sqlite:///odata.db``. Plain ``sqlite://`` and ``postgresql://`` URLs get their async
driver; migrations run on the async engine through ``connection.run_sync``.

The version table is ``odata_jobs_alembic_version``, and autogenerate looks at the job
table only, so the jobs may share a database with an application that has its own
Alembic history.
"""

from __future__ import annotations

import asyncio
import logging
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection, make_url

from odata_server.jobs.store import metadata
from odata_server.service import async_engine

VERSION_TABLE = "odata_jobs_alembic_version"
DEFAULT_DATABASE_URL = "sqlite:///odata.db"


def database_url() -> str:
    """The URL of the job database."""
    return (
        context.config.attributes.get("database_url")
        or os.environ.get("ODATA_JOBS_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or DEFAULT_DATABASE_URL
    )


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Compare only the job store's tables, not an application's sharing the database."""
    return type_ != "table" or name in metadata.tables


def configure_logging() -> None:
    """Log as alembic.ini says, unless the host program already configured logging."""
    config_file = context.config.config_file_name
    if config_file is not None and not logging.getLogger().handlers:
        fileConfig(config_file, disable_existing_loggers=False)


def run_offline() -> None:
    """Print the SQL of the migrations (``alembic upgrade head --sql``)."""
    context.configure(
        url=make_url(database_url()),
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_name=include_name,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    """Run the migrations on the database, through an async engine."""
    engine = async_engine(database_url(), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on)
    finally:
        await engine.dispose()


configure_logging()
if context.is_offline_mode():
    run_offline()
else:
    asyncio.run(run_online())
