"""Request payload values → the Python values written to the database (OData JSON Format §7.1).

The opposite direction of :mod:`odata_server.format.values`. Each value is checked
against its property's type and facets (Nullable, MaxLength, Precision, Scale); a
value that does not fit is a ``BadRequestError`` naming the property, the expected
type and the value given, with one of the codes ``NullNotAllowed``, ``InvalidValue``,
``ValueOutOfRange``, ``ValueTooLong`` and ``PrecisionExceeded``.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
import struct
import uuid
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal

from odata_server.edm.enums import enum_value
from odata_server.edm.model import ComplexType, EnumType, Property
from odata_server.edm.types import INTEGER_RANGES, PrimitiveType
from odata_server.errors import BadRequestError
from odata_server.uri.literals import parse_date_time_offset, parse_duration, parse_time_of_day

Decoder = Callable[[object, Property], object]

# The literal forms of OData ABNF §7, years limited to the 0001-9999 Python keeps. The
# fromisoformat and uuid.UUID parsers alone would also take forms OData does not have
# (20240131, 2024-W05-3, {GUID}, a time of day with an offset).
_DATE_TEXT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME_TEXT = r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,12})?)?"
_DATE = re.compile(_DATE_TEXT)
_TIME_OF_DAY = re.compile(_TIME_TEXT)
_DATE_TIME_OFFSET = re.compile(rf"{_DATE_TEXT}[Tt]{_TIME_TEXT}(?:[Zz]|[+-][0-9]{{2}}:[0-9]{{2}})")
_GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_SPECIAL_FLOATS = frozenset({"NaN", "INF", "-INF"})
_TO_STANDARD_BASE64 = str.maketrans("-_", "+/")
_SHOWN_CHARACTERS = 40


@dataclass
class _Rejected(Exception):
    """A decoder's verdict: the value cannot be stored; :func:`_rejections` says so to the client."""

    code: str


def decode_json_value(value: object, prop: Property, *, target: str) -> object:
    """A value from a JSON request body as the Python value for ``prop``'s column.

    The body is parsed with ``json.loads(text, parse_float=Decimal)``: numbers with a
    fraction or exponent arrive as Decimal, integers as int.

    Raises:
        BadRequestError: the value does not fit the property; ``target`` is its target.
    """
    if value is None:
        if prop.nullable and not prop.collection:
            return None
        raise BadRequestError(f"{prop.name} ({prop.type_name}) cannot be null", target=target, code="NullNotAllowed")
    if prop.collection:
        return _collection(value, prop, target)
    if isinstance(prop.type, ComplexType):
        return _complex(value, prop.type, target)
    if isinstance(prop.type, EnumType):
        return _enum(value, prop.type, target)
    with _rejections(prop, target, value):
        return _DECODERS[prop.type][0](value, prop)


def _collection(value: object, prop: Property, target: str) -> list[object]:
    """A JSON array whose items each fit ``prop``'s type; Nullable says whether items may be null."""
    if not isinstance(value, list):
        raise BadRequestError(
            f"{prop.name} must be a collection ({prop.type_name}): a JSON array; got {_shown(value)}",
            target=target,
            code="InvalidValue",
        )
    item = replace(prop, collection=False)
    return [decode_json_value(element, item, target=f"{target}/{index}") for index, element in enumerate(value)]


def _complex(value: object, complex_type: ComplexType, target: str) -> dict[str, object]:
    """A complex value to store: every property of the type, null where left out."""
    return complex_members(
        value,
        complex_type,
        target,
        member=lambda member_value, prop, member_target: decode_json_value(member_value, prop, target=member_target),
        unknown="UnknownProperty",
    )


MemberDecoder = Callable[[object, Property, str], object]
"""Decodes a member of a complex value: its JSON value (None when null or left out), property and target."""


def complex_members(
    value: object,
    complex_type: ComplexType,
    target: str,
    *,
    member: MemberDecoder,
    unknown: str,
    defaulted: Container[str] = frozenset(),
) -> dict[str, object]:
    """The members of a JSON object holding a ``complex_type`` value, each decoded by ``member``.

    The one walk of a complex value for entity bodies (:func:`decode_json_value`) and for
    operation arguments (:mod:`odata_server.format.arguments`). They differ in how a member
    is decoded (into a stored value, or the value an implementation gets), in ``unknown``,
    the error code for a member the type does not have, and in ``defaulted``: the members
    the caller has a default for, which may be left out and are then missing from the
    result. Any other member left out is decoded as null. Annotations are ignored, but
    ``@odata.type`` must name ``complex_type``.
    """
    if not isinstance(value, dict):
        raise BadRequestError(
            f"{target} must be a {complex_type.qualified_name} value: a JSON object; got {_shown(value)}",
            target=target,
            code="InvalidValue",
        )
    for name, member_value in value.items():
        if "@" in name:
            if name in ("@odata.type", "@type") and member_value not in (
                f"#{complex_type.qualified_name}",
                complex_type.qualified_name,
            ):
                raise BadRequestError(
                    f"{target} is a {complex_type.qualified_name}, not a {member_value}",
                    target=f"{target}/{name}",
                    code="InvalidValue",
                )
        elif name not in complex_type.properties:
            raise BadRequestError(
                f"Complex type {complex_type.name} has no property {name!r}",
                target=f"{target}/{name}",
                code=unknown,
            )
    return {
        name: member(value.get(name), prop, f"{target}/{name}")
        for name, prop in complex_type.properties.items()
        if name in value or name not in defaulted
    }


def _enum(value: object, enum_type: EnumType, target: str) -> object:
    """Member names (``"Female"``, ``"Wifi,Meals"``), or the integer value."""
    if isinstance(value, int | str) and not isinstance(value, bool):
        try:
            return enum_value(enum_type, str(value))
        except ValueError as error:
            raise BadRequestError(f"{target}: {error}", target=target, code="InvalidValue") from None
    raise BadRequestError(
        f"{target} must be a {enum_type.qualified_name} member name; got {_shown(value)}",
        target=target,
        code="InvalidValue",
    )


def decode_raw_value(body: bytes, prop: Property, *, target: str) -> object:
    """The body of ``PUT .../Property/$value`` as the Python value for ``prop``'s column.

    The body is the raw value as ``GET .../$value`` writes it (:func:`format.values.raw_text`):
    UTF-8 text in the primitive literal form, or the bytes themselves for Edm.Binary. It is
    never null; the caller handles ``DELETE .../$value``.

    Raises:
        BadRequestError: the value does not fit the property; ``target`` is its target.
    """
    if prop.type is PrimitiveType.BINARY:
        with _rejections(prop, target, body):
            return _binary(body, prop)
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise BadRequestError(
            f"The raw value of {prop.name} ({prop.type_name}) is not UTF-8 text", target=target, code="InvalidValue"
        ) from None
    if isinstance(prop.type, EnumType):
        return _enum(text, prop.type, target)
    assert isinstance(prop.type, PrimitiveType)
    with _rejections(prop, target, text):
        return _DECODERS[prop.type][0](_json_form(text, prop.type), prop)


def _json_form(text: str, edm_type: PrimitiveType) -> object:
    """Raw text as the JSON value of the same meaning, so one decoder per type serves both."""
    if edm_type is PrimitiveType.BOOLEAN:
        return {"true": True, "false": False}.get(text.lower(), text)
    if edm_type in INTEGER_RANGES and _INTEGER.fullmatch(text):
        return int(text)
    if edm_type in (PrimitiveType.DOUBLE, PrimitiveType.SINGLE) and _NUMBER.fullmatch(text):
        return Decimal(text)
    return text  # Decimal takes number strings, as IEEE754Compatible JSON writes them


@contextmanager
def _rejections(prop: Property, target: str, given: object) -> Iterator[None]:
    """Turns a rejected value into the BadRequestError for the client.

    Besides :class:`_Rejected`, the parsers reused here say "not a valid value" with
    ValueError (fromisoformat, uuid.UUID, base64, parse_duration, int() beyond its
    digit limit) and "beyond what can be stored" with an ArithmeticError: OverflowError
    (struct's float32, a date and time before year 1 in UTC) or decimal.InvalidOperation
    (an exponent beyond Decimal's range).
    """
    try:
        yield
    except _Rejected as rejected:
        code = rejected.code
    except ValueError:
        code = "InvalidValue"
    except ArithmeticError:
        code = "ValueOutOfRange"
    else:
        return
    raise BadRequestError(
        f"{prop.name} must be {prop.type.value}: {_expected(prop)}; got {_shown(given)}", target=target, code=code
    ) from None


def _expected(prop: Property) -> str:
    """What a value of ``prop`` looks like: its type's description and facets."""
    text = _DECODERS[prop.type][1]
    if prop.type in INTEGER_RANGES:
        text += " from {} to {}".format(*INTEGER_RANGES[prop.type])
    if prop.max_length is not None:
        text += f" of at most {prop.max_length} {'bytes' if prop.type is PrimitiveType.BINARY else 'characters'}"
    if prop.type is PrimitiveType.DECIMAL and prop.precision is not None:
        text += f" of at most {prop.precision} digits"
    if prop.type is PrimitiveType.DECIMAL and prop.scale is not None:
        text += f" with at most {prop.scale} digits after the decimal point"
    return text


def _shown(value: object) -> str:
    """The value given, written as in JSON and cut short: an error message never echoes a megabyte."""
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    if isinstance(value, list | dict):
        return "an array" if isinstance(value, list) else "an object"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    shown = f"{text[:_SHOWN_CHARACTERS]}…" if len(text) > _SHOWN_CHARACTERS else text
    if isinstance(value, str):
        shown = json.dumps(shown, ensure_ascii=False)
    return shown + (f" ({len(text)} characters)" if len(text) > _SHOWN_CHARACTERS else "")


# ---------------------------------------------------------------- decoders


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _Rejected("InvalidValue")
    return value


def _matching(pattern: re.Pattern[str], value: object) -> str:
    text = _text(value)
    if not pattern.fullmatch(text):
        raise _Rejected("InvalidValue")
    return text


def _check_length(value: str | bytes, prop: Property) -> None:
    if prop.max_length is not None and len(value) > prop.max_length:
        raise _Rejected("ValueTooLong")


def _number(value: object) -> Decimal:
    """A JSON number: an int, or a Decimal when written with a fraction or exponent (never a bool)."""
    if type(value) is int:
        return Decimal(value)
    if not isinstance(value, Decimal):
        raise _Rejected("InvalidValue")
    return value


def _string(value: object, prop: Property) -> str:
    text = _text(value)
    _check_length(text, prop)
    return text


def _boolean(value: object, prop: Property) -> bool:
    if not isinstance(value, bool):
        raise _Rejected("InvalidValue")
    return value


def _integer(value: object, prop: Property) -> int:
    """A JSON integer; an Int64 also as a string, as IEEE754Compatible clients send it to keep all digits."""
    if prop.type is PrimitiveType.INT64 and isinstance(value, str) and _INTEGER.fullmatch(value):
        value = int(value)
    if type(value) is not int:  # 1.0 and true are not integers
        raise _Rejected("InvalidValue")
    low, high = INTEGER_RANGES[prop.type]
    if not low <= value <= high:
        raise _Rejected("ValueOutOfRange")
    return value


def _decimal(value: object, prop: Property) -> Decimal:
    """A number, or a string holding one (IEEE754Compatible); never rounded to the scale."""
    number = Decimal(value) if isinstance(value, str) and _NUMBER.fullmatch(value) else _number(value)
    before, after = _digits(number)
    scale = after if prop.scale is None else prop.scale
    if after > scale or (prop.precision is not None and before + scale > prop.precision):
        raise _Rejected("PrecisionExceeded")
    return number


def _digits(number: Decimal) -> tuple[int, int]:
    """The digits ``number`` needs before and after the decimal point: 12.50 → (2, 1), 0.05 → (0, 2)."""
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int), "finite numbers only"
    coefficient = "".join(map(str, digits)).lstrip("0")
    if not coefficient:
        return 0, 0
    significant = coefficient.rstrip("0")
    exponent += len(coefficient) - len(significant)
    return max(0, len(significant) + exponent), max(0, -exponent)


def _double(value: object, prop: Property) -> float:
    if isinstance(value, str) and value in _SPECIAL_FLOATS:
        return float(value)
    result = float(_number(value))
    if math.isinf(result):
        raise _Rejected("ValueOutOfRange")
    return result


def _single(value: object, prop: Property) -> float:
    """The nearest float32, which is what a Single column keeps (struct raises OverflowError beyond its range)."""
    return struct.unpack("<f", struct.pack("<f", _double(value, prop)))[0]


def _date(value: object, prop: Property) -> dt.date:
    return dt.date.fromisoformat(_matching(_DATE, value))


def _time_of_day(value: object, prop: Property) -> dt.time:
    return parse_time_of_day(_matching(_TIME_OF_DAY, value))


def _date_time_offset(value: object, prop: Property) -> dt.datetime:
    return parse_date_time_offset(_matching(_DATE_TIME_OFFSET, value)).astimezone(dt.timezone.utc)


def _duration(value: object, prop: Property) -> dt.timedelta:
    return parse_duration(_text(value))


def _guid(value: object, prop: Property) -> uuid.UUID:
    return uuid.UUID(_matching(_GUID, value))


def _binary(value: object, prop: Property) -> bytes:
    """base64url in JSON (standard base64, padded or not, is taken too); the bytes themselves from a raw body."""
    if isinstance(value, str):
        value = base64.b64decode(value.translate(_TO_STANDARD_BASE64) + "=" * (-len(value) % 4), validate=True)
    if not isinstance(value, bytes):
        raise _Rejected("InvalidValue")
    _check_length(value, prop)
    return value


#: For each type: its decoder and what its values look like, for error messages.
_DECODERS: dict[PrimitiveType, tuple[Decoder, str]] = {
    PrimitiveType.BINARY: (_binary, "base64url-encoded data"),
    PrimitiveType.BOOLEAN: (_boolean, "true or false"),
    PrimitiveType.BYTE: (_integer, "an integer"),
    PrimitiveType.DATE: (_date, "a date such as 2024-01-31"),
    PrimitiveType.DATE_TIME_OFFSET: (
        _date_time_offset,
        "a date and time with a time zone, such as 2024-01-31T12:00:00Z",
    ),
    PrimitiveType.DECIMAL: (_decimal, "a decimal number"),
    PrimitiveType.DOUBLE: (_double, "a number, NaN, INF or -INF"),
    PrimitiveType.DURATION: (_duration, "a duration in days, hours, minutes and seconds such as P1DT2H30M"),
    PrimitiveType.GUID: (_guid, "a GUID such as 01234567-89ab-cdef-0123-456789abcdef"),
    PrimitiveType.INT16: (_integer, "an integer"),
    PrimitiveType.INT32: (_integer, "an integer"),
    PrimitiveType.INT64: (_integer, "an integer"),
    PrimitiveType.SBYTE: (_integer, "an integer"),
    PrimitiveType.SINGLE: (_single, "a number within ±3.4e38, NaN, INF or -INF"),
    PrimitiveType.STRING: (_string, "a string"),
    PrimitiveType.TIME_OF_DAY: (_time_of_day, "a time of day such as 13:45:00"),
}

__all__ = ["MemberDecoder", "complex_members", "decode_json_value", "decode_raw_value"]
