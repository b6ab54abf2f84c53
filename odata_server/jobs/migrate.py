"""``odata-server db upgrade``: bring the job table to the latest Alembic revision.

The migrations are the project's ``alembic.ini`` and ``migrations/``, looked for in the
current directory, then beside the ``odata_server`` package (a source checkout or an
editable install).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

#: A file only the job store's migrations have: tells them from an application's own.
_FIRST_REVISION = Path("migrations", "versions", "0001_job_table.py")


def project_root() -> Path:
    """The directory holding ``alembic.ini`` and the job store's ``migrations/``."""
    candidates = (Path.cwd(), Path(__file__).resolve().parents[2])
    for directory in candidates:
        if (directory / "alembic.ini").is_file() and (directory / _FIRST_REVISION).is_file():
            return directory
    searched = ", ".join(str(directory) for directory in candidates)
    raise FileNotFoundError(f"No alembic.ini with the job store's migrations/ in {searched}")


def alembic_config(database_url: str | None = None) -> Config:
    """The Alembic configuration of the job store; ``database_url`` overrides the environment."""
    root = project_root()
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations").replace("%", "%%"))
    if database_url is not None:
        config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str | None = None) -> None:
    """Run ``alembic upgrade head`` on the job database.

    Args:
        database_url: the job database; by default ``ODATA_JOBS_DATABASE_URL``, else
            ``DATABASE_URL``, else ``sqlite:///odata.db``.

    The migrations run their own event loop: from async code, call this in a thread
    (``await asyncio.to_thread(upgrade, url)``).
    """
    command.upgrade(alembic_config(database_url), "head")


__all__ = ["alembic_config", "project_root", "upgrade"]
