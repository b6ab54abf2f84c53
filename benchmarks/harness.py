"""What the benchmarks share: timing requests one after another, and writing decimals as JSON."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from decimal import Decimal

import httpx
import orjson


async def requests_per_second(
    call: Callable[[int], Awaitable[httpx.Response]], count: int, *, status: int = 200, warmup: int = 20
) -> float:
    """``call(n)`` for n in 0..count-1, one at a time, after ``warmup`` calls that must answer ``status``."""
    for n in range(warmup):
        response = await call(-1 - n)
        assert response.status_code == status, response.text
    started = time.perf_counter()
    for n in range(count):
        await call(n)
    return count / (time.perf_counter() - started)


def decimal_json(value: object) -> object:
    """orjson's ``default`` for the hand-written endpoints: a Decimal as its exact digits."""
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))
    raise TypeError
