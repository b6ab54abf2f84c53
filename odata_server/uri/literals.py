"""Literal text → Python value of an Edm primitive type (OData ABNF section 7).

The binder calls :func:`typed_value` once it knows the type a literal must have,
so ``(1)`` is an ``int`` for an Int32 key and a ``Decimal`` for a Decimal key.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from odata_server.edm.types import INTEGER_RANGES, PrimitiveType
from odata_server.uri.syntax import Literal


class LiteralTypeError(ValueError):
    """The literal cannot be a value of the expected type; the message says why."""


def _string(text: str) -> str:
    return text[1:-1].replace("''", "'")


def _integer(text: str, edm_type: PrimitiveType) -> int:
    value = int(text)
    low, high = INTEGER_RANGES[edm_type]
    if not low <= value <= high:
        raise LiteralTypeError(f"{text} is out of the range of {edm_type.value} ({low} to {high})")
    return value


def _decimal(text: str) -> Decimal:
    if text in ("NaN", "INF", "-INF"):
        raise LiteralTypeError(f"{text} is not a valid Edm.Decimal")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the grammar admits only numbers
        raise LiteralTypeError(f"{text} is not a number") from None


_SPECIAL_FLOATS = {"NaN": math.nan, "INF": math.inf, "-INF": -math.inf}


def _float(text: str) -> float:
    return _SPECIAL_FLOATS[text] if text in _SPECIAL_FLOATS else float(text)


_DURATION = re.compile(
    r"(?P<sign>-)?P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?\Z",
    re.ASCII,  # \d is 0-9 only: float() would read other scripts' digits too
)


def parse_duration(text: str) -> dt.timedelta:
    """``P1DT2H3M4.5S`` → timedelta; the dayTimeDuration subset of xsd:duration."""
    match = _DURATION.match(text)
    if not match or text.endswith(("P", "T")):
        raise LiteralTypeError(f"{text!r} is not a duration such as 'P1DT2H30M'")
    parts = {name: float(value) for name, value in match.groupdict().items() if value and name != "sign"}
    try:
        value = dt.timedelta(**parts)
    except OverflowError:
        raise LiteralTypeError(f"{text!r} is longer than the longest duration this server handles") from None
    return -value if match.group("sign") else value


def _binary(text: str) -> bytes:
    payload = text[text.index("'") + 1 : -1]
    try:
        return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        raise LiteralTypeError(f"{text} is not base64url-encoded binary data") from None


def parse_date_time_offset(text: str) -> dt.datetime:
    """``2024-01-31T12:00:00.5Z`` → an aware datetime, for text already in the literal form.

    Python keeps microseconds; OData allows up to 12 fractional digits, the rest is cut off.
    """
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    return dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))


def parse_time_of_day(text: str) -> dt.time:
    """``13:45:00.5`` → time, for text already in the literal form; digits beyond microseconds are cut off."""
    return dt.time.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", text))


# For each Edm type: the literal kinds it accepts and the conversion of the text.
_CONVERSIONS: dict[PrimitiveType, tuple[frozenset[str], Callable[[str], object]]] = {
    PrimitiveType.STRING: (frozenset({"string"}), _string),
    PrimitiveType.BOOLEAN: (frozenset({"boolean"}), lambda text: text.lower() == "true"),
    PrimitiveType.GUID: (frozenset({"guid"}), uuid.UUID),
    PrimitiveType.DATE: (frozenset({"date"}), dt.date.fromisoformat),
    PrimitiveType.DATE_TIME_OFFSET: (frozenset({"date_time_offset"}), parse_date_time_offset),
    PrimitiveType.TIME_OF_DAY: (frozenset({"time_of_day"}), parse_time_of_day),
    PrimitiveType.DECIMAL: (frozenset({"integer", "decimal"}), _decimal),
    PrimitiveType.DOUBLE: (frozenset({"integer", "decimal"}), _float),
    PrimitiveType.SINGLE: (frozenset({"integer", "decimal"}), _float),
    PrimitiveType.DURATION: (
        frozenset({"duration", "string"}),
        lambda text: parse_duration(text[text.index("'") + 1 : -1]),
    ),
    PrimitiveType.BINARY: (frozenset({"binary"}), _binary),
}
for _integer_type in INTEGER_RANGES:
    _CONVERSIONS[_integer_type] = (
        frozenset({"integer"}),
        lambda text, edm_type=_integer_type: _integer(text, edm_type),  # type: ignore[misc]
    )


def typed_value(literal: Literal, edm_type: PrimitiveType) -> object:
    """The value of ``literal`` as ``edm_type``; ``None`` for ``null``.

    Raises:
        LiteralTypeError: the literal is of another kind or out of range.
    """
    if literal.kind == "null":
        return None
    kinds, convert = _CONVERSIONS[edm_type]
    if literal.kind not in kinds:
        raise LiteralTypeError(f"{literal.text} is not a valid {edm_type.value} value")
    try:
        return convert(literal.text)
    except LiteralTypeError:
        raise
    except ValueError:
        raise LiteralTypeError(f"{literal.text} is not a valid {edm_type.value} value") from None


# The Edm type of each literal kind, before any promotion.
_LITERAL_TYPES = {
    "boolean": PrimitiveType.BOOLEAN,
    "guid": PrimitiveType.GUID,
    "date_time_offset": PrimitiveType.DATE_TIME_OFFSET,
    "date": PrimitiveType.DATE,
    "time_of_day": PrimitiveType.TIME_OF_DAY,
    "string": PrimitiveType.STRING,
    "duration": PrimitiveType.DURATION,
    "binary": PrimitiveType.BINARY,
}


def literal_type(literal: Literal) -> PrimitiveType:
    """The Edm type of a literal in an expression, before any promotion (a number's by its size)."""
    return _LITERAL_TYPES.get(literal.kind) or numeric_literal_type(literal.text)


def expression_value(literal: Literal, edm_type: PrimitiveType) -> object:
    """The value of ``literal`` as ``edm_type`` in an expression, where a point in time is
    compared in UTC (the database keeps them so).

    Raises:
        LiteralTypeError: the literal is of another kind or out of range.
    """
    value = typed_value(literal, edm_type)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc)
    return value


def numeric_literal_type(text: str) -> PrimitiveType:
    """An integer literal is Int32 if it fits, else Int64, else Decimal; other numbers are Decimal
    unless written with an exponent or as NaN/INF, which make them Double."""
    if text in ("NaN", "INF", "-INF") or "e" in text.lower():
        return PrimitiveType.DOUBLE
    if "." in text:
        return PrimitiveType.DECIMAL
    value = int(text)
    for edm_type in (PrimitiveType.INT32, PrimitiveType.INT64):
        low, high = INTEGER_RANGES[edm_type]
        if low <= value <= high:
            return edm_type
    return PrimitiveType.DECIMAL


def enum_literal_parts(text: str) -> tuple[str, str]:
    """The type name and the members of an enumeration literal: ``NS.Color'Red,Blue'`` →
    ``("NS.Color", "Red,Blue")`` (URL Conventions §5.1.1.6.1)."""
    type_name, _, quoted = text.partition("'")
    return type_name, quoted[:-1]


__all__ = [
    "LiteralTypeError",
    "enum_literal_parts",
    "expression_value",
    "literal_type",
    "numeric_literal_type",
    "parse_date_time_offset",
    "parse_duration",
    "parse_time_of_day",
    "typed_value",
]
