"""Primitive values → their OData representations: JSON values, URL literals, raw text.

orjson writes most Python values the way OData JSON wants them (int, str, bool,
None, date, time, UUID; datetimes with ``Z``). The converters here cover the rest:
Decimal and Int64 as strings when ``IEEE754Compatible=true``, NaN and infinities
as ``"NaN"``/``"INF"``/``"-INF"``, Single at float32 precision, Binary as
base64url, Duration as an ISO 8601 duration.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import math
import struct
import uuid
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import quote

import orjson

from odata_server.edm.enums import enum_text
from odata_server.edm.model import ComplexType, EnumType
from odata_server.edm.types import PrimitiveType, duration_text

Converter = Callable[[object], object]

#: orjson options for every OData JSON body: naive datetimes are UTC, written with ``Z``.
JSON_OPTIONS = orjson.OPT_NAIVE_UTC | orjson.OPT_UTC_Z


def base64url(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).decode("ascii")


def _float_text(value: float) -> str | float:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    return value


def _single(value: object) -> object:
    """A float32 read into a Python float, rounded to the shortest text that is the same float32."""
    assert isinstance(value, float)
    special = _float_text(value)
    if isinstance(special, str):
        return special
    packed = struct.pack("<f", value)
    for digits in range(6, 10):
        candidate = float(f"{value:.{digits}g}")
        if struct.pack("<f", candidate) == packed:
            return candidate
    return value


def _time_text(value: object) -> str:
    assert isinstance(value, dt.time)
    return value.isoformat()


def _json_default(value: object) -> object:
    """orjson's fallback for the types it does not write itself."""
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value))
    if isinstance(value, bytes | bytearray | memoryview):
        return base64url(bytes(value))
    if isinstance(value, dt.timedelta):
        return duration_text(value)
    if isinstance(value, uuid.UUID):  # asyncpg's UUID subclass, which orjson does not write itself
        return str(value)
    raise TypeError(f"no OData JSON representation for {type(value).__name__}")


def dumps(value: object) -> bytes:
    """One JSON value or document as OData JSON bytes."""
    return orjson.dumps(value, default=_json_default, option=JSON_OPTIONS)


def json_converter(
    edm_type: PrimitiveType | EnumType | ComplexType, *, ieee754_compatible: bool, collection: bool = False
) -> Converter | None:
    """The conversion a non-null value of ``edm_type`` needs before :func:`dumps`, if any.

    Complex values and collections are stored as OData JSON already (``JsonValue``); a
    complex type made by ``$select`` cuts them down to its members."""
    if isinstance(edm_type, ComplexType):
        if not edm_type.partial:
            return None
        project = _projection(edm_type)
        return (lambda values: [project(value) for value in values]) if collection else project  # type: ignore[attr-defined]
    if collection:
        return None
    if isinstance(edm_type, EnumType):
        return functools.partial(enum_text, edm_type)
    if edm_type in (PrimitiveType.DOUBLE,):
        return _float_text  # type: ignore[return-value]
    if edm_type is PrimitiveType.SINGLE:
        return _single
    if edm_type is PrimitiveType.TIME_OF_DAY:
        # orjson drops the leading zero of 10000-99999 microseconds ("00:00:00.10000" for 0.01 s).
        return _time_text
    if ieee754_compatible and edm_type in (PrimitiveType.INT64, PrimitiveType.DECIMAL):
        return str
    return None


def _projection(complex_type: ComplexType) -> Converter:
    """Cuts a complex value (a dict) down to the members of a partial complex type."""
    members = [
        (name, _projection(prop.type) if isinstance(prop.type, ComplexType) and prop.type.partial else None, prop)
        for name, prop in complex_type.properties.items()
    ]

    def project(value: object) -> object:
        if not isinstance(value, dict):
            return value
        projected = {}
        for name, inner, prop in members:
            item = value.get(name)
            if inner is not None and item is not None:
                item = [inner(element) for element in item] if prop.collection else inner(item)
            projected[name] = item
        return projected

    return project


def raw_text(value: object, edm_type: PrimitiveType | EnumType) -> str:
    """The ``$value`` text of a non-binary primitive or enumeration value (OData ABNF primitiveValue forms)."""
    if isinstance(edm_type, EnumType):
        return enum_text(edm_type, value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_text(value)
    if isinstance(value, float):
        converted = _single(value) if edm_type is PrimitiveType.SINGLE else _float_text(value)
        return str(converted)
    return str(value)


# Characters left as they are in a key literal inside a URL path (RFC 3986 pchar minus "/").
_PATH_SAFE = "!$&'()*+,;=:@-._~"


def key_literal(value: object, edm_type: PrimitiveType) -> str:
    """A key value as a URL literal: ``1``, ``'ALFKI'``, ``2020-01-01``, ``binary'AQI'``."""
    if edm_type is PrimitiveType.STRING:
        assert isinstance(value, str)
        return quote("'" + value.replace("'", "''") + "'", safe=_PATH_SAFE)
    if edm_type is PrimitiveType.BINARY:
        assert isinstance(value, bytes)
        return f"binary'{base64url(value)}'"
    if edm_type is PrimitiveType.DURATION:
        assert isinstance(value, dt.timedelta)
        return f"duration'{duration_text(value)}'"
    return quote(raw_text(value, edm_type), safe=_PATH_SAFE)


__all__ = [
    "JSON_OPTIONS",
    "Converter",
    "base64url",
    "dumps",
    "duration_text",
    "json_converter",
    "key_literal",
    "raw_text",
]
