"""What the benchmarks share: the command line of those on the Northwind example, timing
requests one after another, and writing decimals as JSON."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx
import orjson


async def paired_rates(
    ours: Callable[[int], Awaitable[httpx.Response]],
    theirs: Callable[[int], Awaitable[httpx.Response]],
    count: int,
    *,
    status: int = 200,
    warmup: int = 20,
    rounds: int = 5,
) -> tuple[float, float]:
    """Requests per second of ``ours(n)`` and ``theirs(n)`` for n in 0..count-1, one at a time.

    Each first answers ``warmup`` calls, which must answer ``status``. The two are then
    timed in alternating rounds, so that a slow spell of the machine (two cores, shared)
    falls on both alike rather than on whichever ran during it.
    """
    for call in (ours, theirs):
        for n in range(warmup):
            response = await call(-1 - n)
            assert response.status_code == status, response.text
    spent = [0.0, 0.0]
    per_round = max(count // rounds, 1)
    for start in range(0, per_round * rounds, per_round):
        for side, call in enumerate((ours, theirs)):
            started = time.perf_counter()
            for n in range(start, start + per_round):
                await call(n)
            spent[side] += time.perf_counter() - started
    done = per_round * rounds
    return done / spent[0], done / spent[1]


def northwind_benchmark(
    description: str,
    make_app: Callable[..., Any],
    measure: Callable[[Any, str, int], Awaitable[None]],
    *,
    requests: int = 1000,
    csv: bool = False,
) -> None:
    """Run ``measure(app, database_url, requests)`` on the Northwind example app, with the
    options ``--requests``, ``--database`` (default: a new SQLite file) and, when the app
    loads CSV files, ``--csv``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--database", help="a SQLAlchemy URL; default: a new SQLite file with Northwind data")
    if csv:
        parser.add_argument(
            "--csv", help="a folder of Northwind CSV files to load; default: generated data of the same shape"
        )
    arguments = parser.parse_args()

    async def run() -> None:
        with tempfile.TemporaryDirectory() as folder:
            database_url = arguments.database or f"sqlite:///{folder}/northwind.db"
            app = make_app(database_url, arguments.csv) if csv else make_app(database_url)
            async with app.router.lifespan_context(app):
                await measure(app, database_url, arguments.requests)

    asyncio.run(run())


def decimal_json(value: object) -> object:
    """orjson's ``default`` for the hand-written endpoints: a Decimal as its exact digits."""
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))
    raise TypeError
