"""SQLAlchemy column types for the Edm types that SQLAlchemy has no generic type for.

Use them in models like any SQLAlchemy type: ``mapped_column(Byte)`` is stored as a
SMALLINT and exposed as ``Edm.Byte``; ``mapped_column(JsonValue(list[Location]))``
holds a collection of complex values as JSON; ``mapped_column(FlagEnum(Feature))``
holds a combination of :class:`enum.Flag` members as an integer.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, SmallInteger
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from odata_server.edm.types import duration_text


class Byte(TypeDecorator[int]):
    """An unsigned 8-bit integer (``Edm.Byte``, 0..255), stored as SMALLINT."""

    impl = SmallInteger
    cache_ok = True


class SByte(TypeDecorator[int]):
    """A signed 8-bit integer (``Edm.SByte``, -128..127), stored as SMALLINT."""

    impl = SmallInteger
    cache_ok = True


class JsonValue(TypeDecorator[Any]):
    """A complex value, a collection of complex values or a collection of primitives, stored as JSON.

    ``annotation`` says what the column holds, the way :mod:`odata_server.edm.python_types`
    reads it: ``Location`` (a dataclass), ``list[Location]``, ``list[str]``. The JSON
    holds the OData JSON form of the value (property names as the dataclass fields,
    enumeration members by name, dates as ISO 8601 text), so ``$filter`` and
    ``$orderby`` reach into it with the database's JSON functions. Dataclass
    instances, dicts and lists may be written; reading gives dicts and lists.
    PostgreSQL stores it as JSONB.
    """

    impl = JSON
    cache_ok = True

    def __init__(self, annotation: object) -> None:
        super().__init__()
        self.annotation = annotation

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        # None is SQL NULL, not the JSON text null, so "HomeAddress eq null" finds it.
        json_type = JSONB(none_as_null=True) if dialect.name == "postgresql" else JSON(none_as_null=True)
        return dialect.type_descriptor(json_type)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json_native(value)


class FlagEnum(TypeDecorator[enum.Flag]):
    """A combination of the members of an :class:`enum.Flag` (an Edm enumeration type with
    ``IsFlags``), stored as its integer value."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, flag_class: type[enum.Flag]) -> None:
        super().__init__()
        self.flag_class = flag_class

    def process_bind_param(self, value: enum.Flag | int | None, dialect: Dialect) -> int | None:
        return None if value is None else int(self.flag_class(value).value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> enum.Flag | None:
        return None if value is None else self.flag_class(value)


def json_native(value: Any) -> Any:
    """``value`` as JSON-native data in its OData JSON form: what :class:`JsonValue` stores."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: json_native(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): json_native(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_native(item) for item in value]
    if isinstance(value, enum.Flag):
        # As OData JSON writes flags: the names of the members set, or "0" for none.
        return ",".join(member.name or "" for member in type(value) if member in value and member.value) or "0"
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        # UTC as Z, as OData JSON writes it, so stored values compare as text in one form.
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_text(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return base64.urlsafe_b64encode(value).decode()
    raise TypeError(f"{type(value).__qualname__} cannot be stored in a JsonValue column")


__all__ = ["Byte", "FlagEnum", "JsonValue", "SByte", "json_native"]
