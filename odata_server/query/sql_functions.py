"""The canonical functions in SQL, per database (URL Conventions §5.1.1.5-§5.1.1.11).

Each function is written for PostgreSQL and SQLite, with a portable fallback for other
dialects. Where a database's built-in behaves differently from OData it is avoided:
SQLite's LIKE ignores case, so ``contains`` uses ``instr``; OData indexes strings from
0, SQL from 1.

PostgreSQL sessions run in UTC (see :mod:`odata_server.query.sessions`), so date parts of an
``Edm.DateTimeOffset`` are those of its UTC value, the value the service writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement

from odata_server.edm.types import PrimitiveType as P

SqlExpression = ColumnElement[Any]
Builder = Callable[[Sequence[SqlExpression], Sequence[P | None], str], SqlExpression]

_UTC = dt.timezone.utc


class IntegerDivision(ColumnElement[int]):
    """``a div b`` on integers: truncated, and null (not an error) when ``b`` is 0."""

    inherit_cache = True

    def __init__(self, left: SqlExpression, right: SqlExpression) -> None:
        self.left, self.right = left, right
        self.type = sa.Integer()


@compiles(IntegerDivision)
def _integer_division(element: IntegerDivision, compiler: SQLCompiler, **kw: Any) -> str:
    left = compiler.process(element.left, **kw)
    right = compiler.process(element.right, **kw)
    return f"(CAST({left} AS INTEGER) / NULLIF({right}, 0))"


def _by_dialect(**implementations: Builder) -> Builder:
    def build(arguments: Sequence[SqlExpression], types: Sequence[P | None], dialect: str) -> SqlExpression:
        return implementations.get(dialect, implementations["default"])(arguments, types, dialect)

    return build


def _date_part(field: str, sqlite_format: str) -> Builder:
    def sqlite(arguments: Sequence[SqlExpression], types: Sequence[P | None], dialect: str) -> SqlExpression:
        return sa.cast(sa.func.strftime(sqlite_format, arguments[0]), sa.Integer)

    def default(arguments: Sequence[SqlExpression], types: Sequence[P | None], dialect: str) -> SqlExpression:
        return sa.cast(sa.func.floor(sa.extract(field, arguments[0])), sa.Integer)

    return _by_dialect(sqlite=sqlite, default=default)


def _integer_part(value: SqlExpression) -> SqlExpression:
    return sa.cast(value, sa.Integer)


def _sqlite_floor(value: SqlExpression) -> SqlExpression:
    # Portable: SQLite's floor() exists only when built with its math functions.
    truncated = _integer_part(value)
    return truncated - sa.case((value < truncated, 1), else_=0)


def _sqlite_ceiling(value: SqlExpression) -> SqlExpression:
    truncated = _integer_part(value)
    return truncated + sa.case((value > truncated, 1), else_=0)


def _constant(value: dt.datetime) -> Builder:
    return lambda arguments, types, dialect: sa.literal(value, sa.DateTime(timezone=True))


_FUNCTIONS: dict[str, Builder] = {
    "contains": _by_dialect(
        sqlite=lambda a, t, d: sa.func.instr(a[0], a[1]) > 0,
        postgresql=lambda a, t, d: sa.func.strpos(a[0], a[1]) > 0,
        default=lambda a, t, d: a[0].contains(a[1]),
    ),
    "startswith": _by_dialect(
        sqlite=lambda a, t, d: sa.func.substr(a[0], 1, sa.func.length(a[1])) == a[1],
        postgresql=lambda a, t, d: sa.func.left(a[0], sa.func.length(a[1])) == a[1],
        default=lambda a, t, d: a[0].startswith(a[1]),
    ),
    "endswith": _by_dialect(
        sqlite=lambda a, t, d: sa.or_(sa.func.length(a[1]) == 0, sa.func.substr(a[0], -sa.func.length(a[1])) == a[1]),
        postgresql=lambda a, t, d: sa.func.right(a[0], sa.func.length(a[1])) == a[1],
        default=lambda a, t, d: a[0].endswith(a[1]),
    ),
    "length": lambda a, t, d: sa.func.length(a[0], type_=sa.Integer),
    "indexof": _by_dialect(
        sqlite=lambda a, t, d: sa.func.instr(a[0], a[1]) - 1,
        postgresql=lambda a, t, d: sa.func.strpos(a[0], a[1]) - 1,
        default=lambda a, t, d: sa.func.position(a[1].op("IN")(a[0])) - 1,
    ),
    "substring": lambda a, t, d: sa.func.substr(a[0], a[1] + 1, *a[2:], type_=sa.String),
    "tolower": lambda a, t, d: sa.func.lower(a[0], type_=sa.String),
    "toupper": lambda a, t, d: sa.func.upper(a[0], type_=sa.String),
    "trim": lambda a, t, d: sa.func.trim(a[0], type_=sa.String),
    "concat": lambda a, t, d: a[0].concat(a[1]),
    "matchespattern": lambda a, t, d: a[0].regexp_match(a[1]),
    "year": _date_part("year", "%Y"),
    "month": _date_part("month", "%m"),
    "day": _date_part("day", "%d"),
    "hour": _date_part("hour", "%H"),
    "minute": _date_part("minute", "%M"),
    "second": _date_part("second", "%S"),
    "fractionalseconds": _by_dialect(
        sqlite=lambda a, t, d: (
            sa.cast(sa.func.strftime("%f", a[0]), sa.Numeric) - sa.cast(sa.func.strftime("%S", a[0]), sa.Numeric)
        ),
        default=lambda a, t, d: sa.extract("second", a[0]) - sa.func.floor(sa.extract("second", a[0])),
    ),
    "date": _by_dialect(
        sqlite=lambda a, t, d: sa.func.date(a[0], type_=sa.Date),
        default=lambda a, t, d: sa.cast(a[0], sa.Date),
    ),
    "time": _by_dialect(
        # SQLAlchemy keeps a Time on SQLite as HH:MM:SS.ffffff; time() gives HH:MM:SS.
        sqlite=lambda a, t, d: sa.type_coerce(
            sa.func.strftime("%H:%M:%S", a[0])
            .op("||")(sa.func.substr(sa.func.strftime("%f", a[0]), 3))
            .op("||")("000"),
            sa.Time(),
        ),
        default=lambda a, t, d: sa.cast(a[0], sa.Time),
    ),
    # Values are stored and compared in UTC, so the offset of every value is 0.
    "totaloffsetminutes": lambda a, t, d: sa.literal(0, sa.Integer),
    "totalseconds": _by_dialect(
        # SQLAlchemy keeps an Interval on SQLite as a datetime counted from 1970-01-01.
        sqlite=lambda a, t, d: (
            sa.cast(sa.func.strftime("%s", a[0]), sa.Numeric)
            + sa.cast(sa.func.strftime("%f", a[0]), sa.Numeric)
            - sa.cast(sa.func.strftime("%S", a[0]), sa.Numeric)
        ),
        default=lambda a, t, d: sa.extract("epoch", a[0]),
    ),
    # The database's clock (UTC on both: SQLite's CURRENT_TIMESTAMP, PostgreSQL in UTC
    # sessions), so that a statement does not hold a time and may be reused.
    "now": lambda a, t, d: sa.func.now(type_=sa.DateTime(timezone=True)),
    "mindatetime": _constant(dt.datetime(1, 1, 1, tzinfo=_UTC)),
    "maxdatetime": _constant(dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=_UTC)),
    "round": lambda a, t, d: sa.func.round(a[0], type_=a[0].type),
    "floor": _by_dialect(sqlite=lambda a, t, d: _sqlite_floor(a[0]), default=lambda a, t, d: sa.func.floor(a[0])),
    "ceiling": _by_dialect(sqlite=lambda a, t, d: _sqlite_ceiling(a[0]), default=lambda a, t, d: sa.func.ceiling(a[0])),
}


def canonical(name: str, arguments: Sequence[SqlExpression], types: Sequence[P | None], dialect: str) -> SqlExpression:
    """The SQL of canonical function ``name`` (lower case) on ``dialect``."""
    return _FUNCTIONS[name](arguments, types, dialect)


__all__ = ["IntegerDivision", "canonical"]
