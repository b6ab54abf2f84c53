"""Arithmetic with a column of ``Edm.Duration`` (URL Conventions §5.1.1.2): TripPin's plan items
last from ``StartsAt`` to ``EndsAt``, and their ``Duration`` holds the difference, so
expressions mixing the three are checked against the points in time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import read_all

HOUR = dt.timedelta(hours=1)

#: $filter → which plan items it keeps, by their length of time.
CASES: list[tuple[str, Callable[[dt.timedelta], bool]]] = [
    ("StartsAt add Duration eq EndsAt", lambda length: True),
    ("EndsAt sub StartsAt eq Duration", lambda length: True),
    ("EndsAt sub Duration eq StartsAt", lambda length: True),
    ("Duration mul 2 ge duration'PT16H'", lambda length: length >= 8 * HOUR),
    ("Duration add duration'PT30M' gt duration'PT3H'", lambda length: length > 2.5 * HOUR),
    ("-Duration lt duration'-PT3H'", lambda length: length > 3 * HOUR),
    ("Duration div 2 eq duration'PT1H30M'", lambda length: length == 3 * HOUR),
    ("totalseconds(Duration sub duration'PT1H') gt 3600", lambda length: length > 2 * HOUR),
]


@pytest.fixture(scope="module")
async def trips(trippin: httpx.AsyncClient) -> dict[str, list[dict[str, object]]]:
    """Each trip's path → its plan items, for the trips that have some."""
    people = await read_all(trippin, "People?$select=UserName&$expand=Trips($select=TripId;$expand=PlanItems)")
    return {
        f"People('{person['UserName']}')/Trips({trip['TripId']})": trip["PlanItems"]
        for person in people
        for trip in person["Trips"]  # type: ignore[attr-defined]
        if trip["PlanItems"]
    }


@pytest.mark.parametrize(("expression", "keeps"), CASES, ids=[expression for expression, _ in CASES])
async def test_duration_column_in_arithmetic(
    trippin: httpx.AsyncClient,
    trips: dict[str, list[dict[str, str]]],
    expression: str,
    keeps: Callable[[dt.timedelta], bool],
) -> None:
    assert trips
    for path, items in trips.items():
        found = await read_all(trippin, f"{path}/PlanItems?$filter={expression}&$select=PlanItemId")
        expected = [
            item["PlanItemId"]
            for item in items
            if keeps(dt.datetime.fromisoformat(item["EndsAt"]) - dt.datetime.fromisoformat(item["StartsAt"]))
        ]
        assert sorted(item["PlanItemId"] for item in found) == sorted(expected), path  # type: ignore[type-var]
