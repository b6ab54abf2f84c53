"""What ``$apply`` must answer on Northwind, computed here in Python from the CSV files.

Nothing in this module uses the server's code or SQL: the tables are the CSV files'
rows (:func:`tests.northwind_csv.northwind_table`, money and discounts as ``Decimal``),
and every expected result is built with plain loops and dictionaries.

It also holds the comparison helpers the ``$apply`` tests share:

- :func:`mismatches` compares a response value with an expected one: integers must be
  JSON integers and equal; ``Decimal``/``float`` expectations accept any JSON number
  within :data:`REL` (the databases store ``Numeric`` as floating point on SQLite and
  ``REAL`` as 4-byte floats on PostgreSQL); ``datetime`` expectations accept the
  ISO 8601 string of the same instant; objects must have exactly the expected
  properties, ignoring control information and annotations (names with ``@``).
- :func:`control_problems` checks that an aggregated (transient) instance carries no
  control information but ``<property>@type`` annotations.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import cache
from typing import Any

import httpx

from tests.northwind_csv import Row, northwind_table

BASE = "http://testserver/odata/"
"""The service root of the test client (``tests/conftest.py``)."""

REL = 1e-6
"""Relative tolerance for non-integer numbers (Discount is a 4-byte REAL on PostgreSQL)."""

ABSENT = object()
"""An expected property that must not be in the response object (rolled-up properties)."""


def context(select: str | None, entity_set: str = "Products") -> str:
    """The context URL of a collection of ``entity_set`` with ``select`` as its select-list."""
    suffix = "" if select is None else f"({select})"
    return f"{BASE}$metadata#{entity_set}{suffix}"


# ---------------------------------------------------------------- the tables


def products() -> tuple[Row, ...]:
    return northwind_table("Products")


def details() -> tuple[Row, ...]:
    return northwind_table("Order_Details")


def orders() -> tuple[Row, ...]:
    return northwind_table("Orders")


def customers() -> tuple[Row, ...]:
    return northwind_table("Customers")


@cache
def product(product_id: int) -> Row:
    return next(p for p in products() if p["ProductID"] == product_id)


@cache
def order(order_id: int) -> Row:
    return next(o for o in orders() if o["OrderID"] == order_id)


@cache
def category_name(category_id: int) -> str:
    return next(c["CategoryName"] for c in northwind_table("Categories") if c["CategoryID"] == category_id)


@cache
def supplier_country(supplier_id: int) -> str:
    return next(s["Country"] for s in northwind_table("Suppliers") if s["SupplierID"] == supplier_id)


PRODUCT_PROPERTIES = (
    "ProductID",
    "ProductName",
    "SupplierID",
    "CategoryID",
    "QuantityPerUnit",
    "UnitPrice",
    "UnitsInStock",
    "UnitsOnOrder",
    "ReorderLevel",
    "Discontinued",
)


def product_entity(row: Row) -> Row:
    """A product as the service represents it (its declared structural properties)."""
    return {name: row[name] for name in PRODUCT_PROPERTIES}


def sales(detail: Row) -> Decimal:
    """``UnitPrice mul Quantity mul (1 sub Discount)`` of an order line."""
    return detail["UnitPrice"] * detail["Quantity"] * (1 - detail["Discount"])


def gross(detail: Row) -> Decimal:
    """``UnitPrice mul Quantity`` of an order line."""
    return detail["UnitPrice"] * detail["Quantity"]


def year_of(detail: Row) -> int:
    return order(detail["OrderID"])["OrderDate"].year


# ---------------------------------------------------------------- aggregation in Python


def groups(rows: Iterable[Row], key: Callable[[Row], Any]) -> dict[Any, list[Row]]:
    """``rows`` split by ``key``, in the order keys are first seen."""
    result: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        result[key(row)].append(row)
    return dict(result)


def total(values: Iterable[Any]) -> Any:
    """``sum`` as the Data Aggregation Extension defines it: nulls left out, null for no values."""
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def average(values: Iterable[Any]) -> Any:
    present = [v for v in values if v is not None]
    if not present:
        return None
    if all(isinstance(v, int) for v in present):
        return sum(present) / len(present)
    return sum(Decimal(v) for v in present) / len(present)


def minimum(values: Iterable[Any]) -> Any:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def maximum(values: Iterable[Any]) -> Any:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def distinct(values: Iterable[Any]) -> int:
    return len({v for v in values if v is not None})


def ranked(rows: Iterable[Row], value: Callable[[Row], Any], *, top: bool) -> list[Row]:
    """``rows`` in the order the top/bottom transformations consider them (descending for ``top``)."""
    return sorted(rows, key=value, reverse=top)


def take_count(rows: list[Row], value: Callable[[Row], Any], count: int) -> list[Row]:
    """The first ``count`` of ``rows`` (ranked); the value at the cut must not tie with the next one."""
    if len(rows) > count:
        assert value(rows[count - 1]) != value(rows[count]), "a tie at the cut: pick another count"
    return rows[:count]


def take_sum(rows: list[Row], value: Callable[[Row], Any], limit: Decimal) -> list[Row]:
    """``topsum``/``bottomsum``: ranked rows until their sum reaches ``limit`` (no tie at the cut)."""
    taken: list[Row] = []
    running = Decimal(0)
    for row in rows:
        if limit >= 0 and running >= limit:
            break
        taken.append(row)
        running += value(row)
    if len(taken) < len(rows):
        assert value(taken[-1]) != value(rows[len(taken)]), "a tie at the cut: pick another limit"
    return taken


def take_percent(rows: list[Row], value: Callable[[Row], Any], percent: Decimal) -> list[Row]:
    """``toppercent``/``bottompercent``: ranked rows until their share of the whole reaches ``percent``."""
    whole = sum(value(row) for row in rows)
    taken: list[Row] = []
    running = Decimal(0)
    for row in rows:
        if running * 100 >= percent * whole:
            break
        taken.append(row)
        running += value(row)
    if len(taken) < len(rows):
        assert value(taken[-1]) != value(rows[len(taken)]), "a tie at the cut: pick another percentage"
    return taken


# ---------------------------------------------------------------- comparing responses


def data(value: Any) -> Any:
    """``value`` without control information and annotations (names containing ``@``)."""
    if isinstance(value, dict):
        return {name: data(item) for name, item in value.items() if "@" not in name}
    if isinstance(value, list):
        return [data(item) for item in value]
    return value


def mismatches(got: Any, expected: Any, where: str = "") -> list[str]:
    """How ``got`` (a decoded JSON value) differs from ``expected``; empty when it matches."""
    here = where or "value"
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [f"{here}: expected an object, got {got!r}"]
        problems = []
        wanted = {name for name, item in expected.items() if item is not ABSENT}
        present = {name for name in got if "@" not in name}
        for name in sorted(present - wanted):
            problems.append(f"{here}: unexpected property {name!r} = {got[name]!r}")
        for name in sorted(set(expected) - wanted):
            if name in got:
                problems.append(f"{here}: {name!r} must be absent (rolled up), got {got[name]!r}")
        for name in sorted(wanted - present):
            problems.append(f"{here}: missing property {name!r} (expected {expected[name]!r})")
        for name in sorted(wanted & present):
            problems.extend(mismatches(got[name], expected[name], f"{where}/{name}" if where else name))
        return problems
    if isinstance(expected, list):
        if not isinstance(got, list):
            return [f"{here}: expected an array, got {got!r}"]
        if len(got) != len(expected):
            return [f"{here}: expected {len(expected)} items, got {len(got)}: {got!r}"]
        problems = []
        for index, (item, wanted_item) in enumerate(zip(got, expected, strict=True)):
            problems.extend(mismatches(item, wanted_item, f"{here}[{index}]"))
        return problems
    if expected is None or isinstance(expected, (bool, str)):
        if got is expected or (isinstance(expected, str) and got == expected):
            return []
        return [f"{here}: expected {expected!r}, got {got!r}"]
    if isinstance(expected, int):
        if type(got) is not int or got != expected:
            return [f"{here}: expected the JSON integer {expected}, got {got!r}"]
        return []
    if isinstance(expected, (Decimal, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)):
            return [f"{here}: expected a JSON number near {expected}, got {got!r}"]
        if float(got) != pytest_approx(expected):
            return [f"{here}: expected {expected} (relative tolerance {REL}), got {got!r}"]
        return []
    if isinstance(expected, dt.datetime):
        if not isinstance(got, str):
            return [f"{here}: expected a date-time string for {expected.isoformat()}, got {got!r}"]
        try:
            instant = dt.datetime.fromisoformat(got)
        except ValueError:
            return [f"{here}: expected a date-time string for {expected.isoformat()}, got {got!r}"]
        if instant.tzinfo is None or instant != expected:
            return [f"{here}: expected {expected.isoformat()}, got {got!r}"]
        return []
    raise TypeError(f"cannot compare with {expected!r}")


def pytest_approx(expected: Decimal | float) -> Any:
    import pytest

    return pytest.approx(float(expected), rel=REL, abs=1e-9)


def control_problems(instance: Any, where: str = "value") -> list[str]:
    """Control information an aggregated instance must not carry.

    An instance made by ``aggregate`` or ``groupby`` is transient: it has no entity-id,
    so no ``@id`` (OData JSON 4.01 §4.5.8: 4.01 payloads need not have it), no
    ``@etag``, ``@editLink`` or ``@readLink``. ``<property>@type`` (or
    ``@odata.type``) is allowed: it is how a dynamic property's type is written.
    Nested projections of grouping properties are transient too.
    """
    problems = []
    if isinstance(instance, dict):
        for name, value in instance.items():
            if name.startswith("@"):
                problems.append(f"{where}: control information {name!r} = {value!r} on a transient instance")
            elif "@" in name:
                owner, annotation = name.split("@", 1)
                if annotation not in ("type", "odata.type"):
                    problems.append(f"{where}: annotation {name!r} = {value!r}")
                elif owner not in instance:
                    problems.append(f"{where}: {name!r} annotates a property that is not there")
            elif isinstance(value, dict):
                problems.extend(control_problems(value, f"{where}/{name}"))
    return problems


async def get_json(client: httpx.AsyncClient, url: str, **kwargs: Any) -> dict[str, Any]:
    """The JSON body of a successful GET of ``url``."""
    response = await client.get(url, **kwargs)
    assert response.status_code == 200, f"GET {url}: {response.status_code} {response.text}"
    assert response.headers["content-type"].startswith("application/json"), response.headers
    return response.json()


def sort_key(paths: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A key sorting rows by the values at ``paths`` (``Category/CategoryName``), absent before null before values."""

    def key(row: Any) -> tuple[Any, ...]:
        result = []
        for path in paths:
            value: Any = row
            for segment in path.split("/"):
                value = value.get(segment, ABSENT) if isinstance(value, dict) else ABSENT
            if value is ABSENT:
                result.append((0, ""))
            elif value is None:
                result.append((1, ""))
            else:
                result.append((2, value if not isinstance(value, (int, float, Decimal)) else float(value)))
        return tuple(result)

    return key
