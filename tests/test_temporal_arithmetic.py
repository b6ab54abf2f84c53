"""Arithmetic on points in time and durations (URL Conventions §5.1.1.2) over HTTP, on SQLite and PostgreSQL.

``add``, ``sub``, ``mul``, ``div``, ``divby`` and negation with ``Edm.DateTimeOffset``,
``Edm.Date`` and ``Edm.Duration`` operands, in ``$filter``, ``$compute`` and ``$orderby``.
Expected results are computed in Python from the Northwind CSV files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import assert_error, read_all
from tests.northwind_csv import Row, northwind_table

DAY = dt.timedelta(days=1)


def orders(where: Callable[[Row], bool]) -> list[int]:
    return sorted(o["OrderID"] for o in northwind_table("Orders") if where(o))


def shipped(where: Callable[[Row, dt.timedelta], bool]) -> list[int]:
    """The orders shipped, ``where`` their lag (shipped less ordered) says so."""
    return orders(lambda o: o["ShippedDate"] is not None and where(o, o["ShippedDate"] - o["OrderDate"]))


def day(value: dt.datetime) -> dt.date:
    return value.date()


FILTERS: list[tuple[str, Callable[[], list[int]]]] = [
    ("OrderDate add duration'P7D' gt ShippedDate", lambda: shipped(lambda o, lag: lag < 7 * DAY)),
    ("ShippedDate sub OrderDate gt duration'P30D'", lambda: shipped(lambda o, lag: lag > 30 * DAY)),
    ("ShippedDate sub duration'PT12H' lt OrderDate add duration'P1D'", lambda: shipped(lambda o, lag: lag < 1.5 * DAY)),
    (
        "OrderDate sub duration'P1DT12H' lt 1996-07-03T00:00:00Z",
        lambda: orders(lambda o: o["OrderDate"] < dt.datetime(1996, 7, 4, 12, tzinfo=dt.UTC)),
    ),
    ("OrderDate add duration'PT0.5S' gt OrderDate", lambda: orders(lambda o: True)),
    ("OrderDate lt now() sub duration'P3650D'", lambda: orders(lambda o: True)),
    ("(OrderDate add null) eq null", lambda: orders(lambda o: True)),
    ("ShippedDate sub OrderDate eq null", lambda: orders(lambda o: o["ShippedDate"] is None)),
    ("date(ShippedDate) sub date(OrderDate) eq duration'P7D'", lambda: shipped(lambda o, lag: lag == 7 * DAY)),
    # A date less a part of a day is the day before (§5.1.1.2.1).
    (
        "date(OrderDate) sub duration'PT1H' eq 1996-07-03",
        lambda: orders(lambda o: day(o["OrderDate"]) == dt.date(1996, 7, 4)),
    ),
    (
        "date(OrderDate) add duration'P1DT23H' eq 1996-07-05",
        lambda: orders(lambda o: day(o["OrderDate"]) == dt.date(1996, 7, 4)),
    ),
    ("(ShippedDate sub OrderDate) mul 2 gt duration'P50D'", lambda: shipped(lambda o, lag: lag > 25 * DAY)),
    ("3 mul (ShippedDate sub OrderDate) le duration'P3D'", lambda: shipped(lambda o, lag: lag <= DAY)),
    ("(ShippedDate sub OrderDate) div 2 lt duration'PT36H'", lambda: shipped(lambda o, lag: lag < 3 * DAY)),
    ("(ShippedDate sub OrderDate) divby 4.0 ge duration'P7D'", lambda: shipped(lambda o, lag: lag >= 28 * DAY)),
    ("(ShippedDate sub OrderDate) div 0 eq null", lambda: orders(lambda o: True)),
    ("-(ShippedDate sub OrderDate) lt duration'-P30D'", lambda: shipped(lambda o, lag: lag > 30 * DAY)),
    ("duration'P1D' add duration'PT12H' eq duration'P1DT12H'", lambda: orders(lambda o: True)),
    ("totalseconds(ShippedDate sub OrderDate) eq 86400", lambda: shipped(lambda o, lag: lag == DAY)),
]


@pytest.mark.parametrize(("expression", "expected"), FILTERS, ids=[expression for expression, _ in FILTERS])
async def test_filter(northwind: httpx.AsyncClient, expression: str, expected: Callable[[], list[int]]) -> None:
    entities = await read_all(northwind, f"Orders?$filter={expression}&$select=OrderID")
    assert sorted(e["OrderID"] for e in entities) == expected()


def _duration(text: str | None) -> dt.timedelta | None:
    """An ``Edm.Duration`` as the service writes it, ``P4D`` or ``-P1DT2H30M`` (days to seconds)."""
    if text is None:
        return None
    sign = -1 if text.startswith("-") else 1
    days, _, time = text.lstrip("-")[1:].partition("T")
    value = dt.timedelta(days=int(days[:-1]) if days else 0)
    for unit, seconds in (("H", 3600), ("M", 60), ("S", 1)):
        if unit in time:
            amount, time = time.split(unit, 1)
            value += dt.timedelta(seconds=float(amount) * seconds)
    return sign * value


async def test_computed_values_read_back_as_their_types(northwind: httpx.AsyncClient) -> None:
    compute = (
        "ShippedDate sub OrderDate as Lag,"
        "OrderDate add duration'P1DT2H3M4.5S' as Later,"
        "date(OrderDate) sub duration'PT1H' as DayBefore,"
        "-(ShippedDate sub OrderDate) mul 2 as Back"
    )
    entities = await read_all(northwind, f"Orders?$compute={compute}&$select=OrderID,Lag,Later,DayBefore,Back")
    facts = {o["OrderID"]: o for o in northwind_table("Orders")}
    for entity in entities:
        order = facts[entity["OrderID"]]
        lag = order["ShippedDate"] - order["OrderDate"] if order["ShippedDate"] else None
        assert _duration(entity["Lag"]) == lag
        assert _duration(entity["Back"]) == (None if lag is None else -2 * lag)
        later = order["OrderDate"] + dt.timedelta(days=1, hours=2, minutes=3, seconds=4.5)
        assert dt.datetime.fromisoformat(entity["Later"]) == later
        assert entity["DayBefore"] == (day(order["OrderDate"]) - DAY).isoformat()


async def test_orderby_a_duration_pages_in_its_order(northwind: httpx.AsyncClient) -> None:
    entities = await read_all(
        northwind,
        "Orders?$filter=ShippedDate ne null&$orderby=ShippedDate sub OrderDate desc,OrderID&$select=OrderID",
        headers={"Prefer": "odata.maxpagesize=100"},
    )
    shipped_orders = [o for o in northwind_table("Orders") if o["ShippedDate"] is not None]
    expected = sorted(shipped_orders, key=lambda o: (o["OrderDate"] - o["ShippedDate"], o["OrderID"]))
    assert [e["OrderID"] for e in entities] == [o["OrderID"] for o in expected]


@pytest.mark.parametrize(
    "expression",
    [
        "OrderDate add OrderDate gt OrderDate",
        "OrderDate add 1 gt OrderDate",
        "duration'P1D' sub OrderDate eq null",
        "OrderDate mul 2 eq null",
        "duration'P1D' mul duration'P1D' eq null",
        "1 div duration'P1D' eq null",
        "duration'P1D' mod 2 eq null",
        "date(OrderDate) sub OrderDate eq null",
        "-OrderDate eq null",
    ],
)
async def test_arithmetic_the_spec_does_not_define_is_400(northwind: httpx.AsyncClient, expression: str) -> None:
    assert_error(await northwind.get(f"Orders?$filter={expression}"), 400, "$filter")
