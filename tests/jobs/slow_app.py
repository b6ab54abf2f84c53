"""A test-only service whose one collection takes seconds to read, for killing a worker mid-job.

Every SELECT from ``slow_items`` sleeps first; the listener is on SQLAlchemy's Engine
class, so it applies to the engines a worker process creates for itself too. On an
async engine it sleeps without blocking the event loop, as a slow database would, so
the worker's heartbeat keeps renewing its lease meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from fastapi import FastAPI
from sqlalchemy import String, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.util.concurrency import await_only, in_greenlet

from odata_server import ODataService

SECONDS = float(os.environ.get("SLOW_APP_SECONDS", "3"))


class Base(DeclarativeBase):
    pass


class SlowItem(Base):
    __tablename__ = "slow_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


@event.listens_for(Engine, "before_cursor_execute")
def _slow(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    if statement.lstrip().upper().startswith("SELECT") and "slow_items" in statement:
        if in_greenlet():  # run by an async engine, on its event loop
            await_only(asyncio.sleep(SECONDS))
        else:
            time.sleep(SECONDS)


service = ODataService(os.environ["DATABASE_URL"]).add(SlowItem)
app = FastAPI()
service.mount(app, "/odata")
app.state.odata = service
