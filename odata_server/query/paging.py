"""Sorting and server-driven paging by keyset (URL Conventions §5.1.1.x $orderby, Protocol §11.2.6.7).

A page ends with ``@nextLink`` carrying an opaque ``$skiptoken``: the sort values of
the last entity sent, and how many entities were sent so far. The next page
continues *after* those values (``WHERE (sort keys) > (last values)``), not at an
OFFSET, so rows written meanwhile neither shift the pages nor repeat an entity.

Sorting follows OData: null sorts before any value in ascending order (after any
value in descending order); the key properties end every ordering, which makes it
total.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
import sqlalchemy as sa

from odata_server.edm.types import PrimitiveType as P
from odata_server.errors import BadRequestError

SqlExpression = sa.ColumnElement[Any]


@dataclass(frozen=True, slots=True)
class SortKey:
    """One ORDER BY term: an expression, its direction, and the Edm type of its values."""

    expression: SqlExpression
    descending: bool
    edm_type: P


def token_column(key: SortKey, dialect: str) -> SqlExpression:
    """The sort value as selected for the ``$skiptoken``: exactly as the database compares it.

    SQLite keeps decimals as floating point and SQLAlchemy rounds them to the column's
    scale on reading; the rounded value would not equal the stored one, and a page
    would start again at its own last row. So SQLite's decimals are read as floats.
    """
    if dialect == "sqlite" and key.edm_type is P.DECIMAL:
        return sa.type_coerce(key.expression, sa.Float())
    return key.expression


def order_by(keys: Sequence[SortKey]) -> list[sa.UnaryExpression[Any]]:
    return [
        key.expression.desc().nulls_last() if key.descending else key.expression.asc().nulls_first() for key in keys
    ]


def after(keys: Sequence[SortKey], nulls: Sequence[bool]) -> SqlExpression:
    """Rows that sort after the values of :func:`after_parameters`, of which those marked in
    ``nulls`` are null: the OR of 'equal up to key i, beyond at key i'."""
    values = [
        None if null else sa.bindparam(_after_name(index), type_=key.expression.type)
        for index, (key, null) in enumerate(zip(keys, nulls))
    ]
    alternatives = []
    for index, (key, value) in enumerate(zip(keys, values)):
        equal_before = [_equal(k.expression, v) for k, v in zip(keys[:index], values[:index])]
        alternatives.append(sa.and_(*equal_before, _beyond(key, value)))
    return sa.or_(*alternatives)


def after_parameters(values: Sequence[object]) -> dict[str, object]:
    """The parameters of :func:`after` for sort values (the nulls are in its condition)."""
    return {_after_name(index): value for index, value in enumerate(values) if value is not None}


def _after_name(index: int) -> str:
    return f"odata_after_{index}"


def _equal(expression: SqlExpression, value: SqlExpression | None) -> SqlExpression:
    return expression.is_(None) if value is None else expression == value


def _beyond(key: SortKey, value: SqlExpression | None) -> SqlExpression:
    if key.descending:  # values fall, then nulls
        return sa.false() if value is None else sa.or_(key.expression < value, key.expression.is_(None))
    return key.expression.is_not(None) if value is None else key.expression > value


# -- the $skiptoken

_TO_JSON: dict[P, Callable[[Any], object]] = {
    P.DECIMAL: str,
    P.DATE: lambda value: value.isoformat(),
    P.DATE_TIME_OFFSET: lambda value: value.isoformat(),
    P.TIME_OF_DAY: lambda value: value.isoformat(),
    P.DURATION: lambda value: value.total_seconds(),
    P.GUID: str,
    P.BINARY: lambda value: base64.urlsafe_b64encode(bytes(value)).decode("ascii"),
}
_FROM_JSON: dict[P, Callable[[Any], object]] = {
    P.DECIMAL: Decimal,
    P.DATE: dt.date.fromisoformat,
    P.DATE_TIME_OFFSET: dt.datetime.fromisoformat,
    P.TIME_OF_DAY: dt.time.fromisoformat,
    P.DURATION: lambda seconds: dt.timedelta(seconds=seconds),
    P.GUID: uuid.UUID,
    P.BINARY: base64.urlsafe_b64decode,
}


@dataclass(frozen=True, slots=True)
class SkipToken:
    """Where the next page starts: after ``values`` (one per sort key), ``sent`` entities in."""

    values: tuple[object, ...]
    sent: int

    def encode(self, keys: Sequence[SortKey]) -> str:
        values = [
            None if value is None else _TO_JSON.get(key.edm_type, _same)(value) for key, value in zip(keys, self.values)
        ]
        payload = orjson.dumps({"v": values, "n": self.sent})
        return base64.urlsafe_b64encode(payload).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, token: str, keys: Sequence[SortKey]) -> SkipToken:
        try:
            data = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            values = data["v"]
            sent = data["n"]
            if len(values) != len(keys) or not isinstance(sent, int) or sent < 0:
                raise ValueError("wrong shape")
            return cls(
                tuple(
                    None if value is None else _FROM_JSON.get(key.edm_type, _same)(value)
                    for key, value in zip(keys, values)
                ),
                sent,
            )
        except (ValueError, TypeError, KeyError, InvalidOperation, binascii.Error, orjson.JSONDecodeError):
            raise BadRequestError(
                "$skiptoken is not one this service issued for this request; follow @nextLink as given",
                target="$skiptoken",
            ) from None


def _same(value: object) -> object:
    return value


__all__ = ["SkipToken", "SortKey", "after", "after_parameters", "order_by", "token_column"]
