"""Arithmetic on points in time and durations in SQL, per database (URL Conventions §5.1.1.2).

``OrderDate add duration'P7D'``, ``ShippedDate sub OrderDate``, ``duration'PT1H' mul 3``:
the binder types them (:func:`odata_server.uri.functions.temporal_result`); here they
become SQL.

PostgreSQL has the arithmetic built in: ``timestamptz + interval``, ``timestamptz -
timestamptz`` and ``interval * number``. Two forms differ from OData: ``date + interval``
is a timestamp, made a date again by dropping the time (as the spec says: today minus an
hour is yesterday), and ``date - date`` is a number of days, so both dates are read as
timestamps first.

SQLite has no such types. SQLAlchemy keeps a point in time there as text
(``2024-01-31 12:00:00.000000``), a date as ``2024-01-31``, and a duration as the point in
time that far from 1970-01-01. Each operand becomes a number of days (``julianday``), the
arithmetic is done on numbers, and the result is written back in the form SQLAlchemy keeps
its type in, so that it compares with stored values and reads back as one. SQLite counts
time in milliseconds: finer fractions of a second are lost in the arithmetic.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import ColumnElement

from odata_server.edm.types import PrimitiveType as P

SqlExpression = ColumnElement[Any]

#: The Julian day number of 1970-01-01T00:00:00, where SQLAlchemy counts a duration from on SQLite.
_UNIX_EPOCH = 2440587.5


def temporal_arithmetic(
    operator: str,
    left: tuple[SqlExpression, P | None],
    right: tuple[SqlExpression, P | None],
    result: tuple[P, sa.types.TypeEngine[Any]],
    dialect: str,
) -> SqlExpression:
    """``left operator right`` where an operand is a point in time or a duration.

    Each operand comes with its Edm type (None for null), the result with its Edm type
    and the SQL type it reads back as; ``operator`` is add, sub, mul, div or divby.
    """
    (left_value, left_type), (right_value, right_type) = left, right
    result_type, sql_type = result
    if left_type is None or right_type is None:
        return sa.type_coerce(sa.null(), sql_type)  # null in arithmetic gives null (§5.1.1.2)
    if dialect == "sqlite":
        days = _operate(operator, _sqlite_days(left_value, left_type), _sqlite_days(right_value, right_type))
        return _sqlite_value(days, result_type, sql_type)
    if (left_type, right_type) == (P.DATE, P.DATE):
        left_value, right_value = sa.cast(left_value, sa.DateTime), sa.cast(right_value, sa.DateTime)
    value = _operate(operator, left_value, right_value)
    return sa.type_coerce(sa.cast(value, sa.Date) if result_type is P.DATE else value, sql_type)


def negated_duration(value: SqlExpression, sql_type: sa.types.TypeEngine[Any], dialect: str) -> SqlExpression:
    """``-duration``: the same length of time the other way."""
    if dialect == "sqlite":
        return _sqlite_value(-_sqlite_days(value, P.DURATION), P.DURATION, sql_type)
    return sa.type_coerce(-sa.type_coerce(value, sa.Float()), sql_type)  # SQLAlchemy's Interval has no -


def _operate(operator: str, left: SqlExpression, right: SqlExpression) -> SqlExpression:
    if operator == "add":
        return left + right
    if operator == "sub":
        return left - right
    # SQLAlchemy has no * or / for its Interval type; the SQL is the same on numbers.
    left, right = sa.type_coerce(left, sa.Float()), sa.type_coerce(right, sa.Float())
    if operator == "mul":
        return left * right
    return left / sa.func.nullif(right, 0)  # a duration divided by zero is null, as numbers are


def _sqlite_days(value: SqlExpression, edm_type: P) -> SqlExpression:
    """A point in time or a date as its Julian day number, a duration as its length in
    days; a number as it is (what a duration is multiplied or divided by)."""
    if edm_type is P.DURATION:
        return sa.func.julianday(value, type_=sa.Float) - _UNIX_EPOCH
    if edm_type in (P.DATE_TIME_OFFSET, P.DATE):
        return sa.func.julianday(value, type_=sa.Float)
    return value


def _sqlite_value(days: SqlExpression, edm_type: P, sql_type: sa.types.TypeEngine[Any]) -> SqlExpression:
    """A number of days as a value of ``edm_type`` in the form SQLAlchemy keeps it on SQLite:
    a date drops the time of day, a point in time or a duration is written to the
    microsecond (SQLite gives milliseconds)."""
    if edm_type is P.DATE:
        return sa.type_coerce(sa.func.date(days), sql_type)
    if edm_type is P.DURATION:
        days = days + _UNIX_EPOCH
    return sa.type_coerce(sa.func.strftime("%Y-%m-%d %H:%M:%f", days).op("||")("000"), sql_type)


__all__ = ["negated_duration", "temporal_arithmetic"]
