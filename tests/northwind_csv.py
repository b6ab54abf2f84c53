"""The Northwind tables read from the CSV files the example loads, for expected results.

Tests compute what the service must answer in plain Python from these rows, so the
SQL it generates is checked against an independent evaluation: nothing here uses the
server's or the example's code. Values are typed as the example's columns hold them:
integers, ``Decimal`` for money and discounts (the numbers as the files write them,
so a line's amount is exact), timezone-aware UTC datetimes, booleans, and ``None``
for an empty field (NULL). Codes made of digits (postal codes, phone extensions,
territory IDs) stay strings.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from functools import cache
from typing import Any

from tests.conftest import NORTHWIND_CSV

Row = dict[str, Any]

_INTEGERS = frozenset(
    {
        "CategoryID",
        "ProductID",
        "SupplierID",
        "OrderID",
        "EmployeeID",
        "ShipVia",
        "UnitsInStock",
        "UnitsOnOrder",
        "ReorderLevel",
        "Quantity",
        "ShipperID",
        "RegionID",
        "ReportsTo",
    }
)
_DECIMALS = frozenset({"UnitPrice", "Freight", "Discount"})


@cache
def northwind_table(name: str) -> tuple[Row, ...]:
    """The rows of the Northwind table whose CSV file is ``<name>.csv`` (``Order_Details`` for ``Order Details``)."""
    with (NORTHWIND_CSV / f"{name}.csv").open(newline="", encoding="utf-8") as file:
        return tuple(
            {column: _value(column, text) for column, text in record.items()} for record in csv.DictReader(file)
        )


def _value(column: str, text: str) -> Any:
    if text == "":
        return None
    if column in _INTEGERS:
        return int(text)
    if column in _DECIMALS:
        return Decimal(text)
    if column.endswith("Date"):
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    if column == "Discontinued":
        return text == "1"
    return text


__all__ = ["Row", "northwind_table"]
