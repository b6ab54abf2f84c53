"""The Edm primitive types (OData CSDL §4.4)."""

from __future__ import annotations

import datetime as dt
from enum import Enum


class PrimitiveType(Enum):
    """An Edm primitive type; the value is its qualified name."""

    BINARY = "Edm.Binary"
    BOOLEAN = "Edm.Boolean"
    BYTE = "Edm.Byte"
    DATE = "Edm.Date"
    DATE_TIME_OFFSET = "Edm.DateTimeOffset"
    DECIMAL = "Edm.Decimal"
    DOUBLE = "Edm.Double"
    DURATION = "Edm.Duration"
    GUID = "Edm.Guid"
    INT16 = "Edm.Int16"
    INT32 = "Edm.Int32"
    INT64 = "Edm.Int64"
    SBYTE = "Edm.SByte"
    SINGLE = "Edm.Single"
    STREAM = "Edm.Stream"
    """A stream property's type (CSDL §4.4): its value is read and written at its own URL, never inline."""
    STRING = "Edm.String"
    TIME_OF_DAY = "Edm.TimeOfDay"

    @property
    def short_name(self) -> str:
        """The name without the ``Edm.`` namespace, as in ``@odata.type: "#Decimal"``."""
        return self.value[4:]


#: The inclusive value range of each integer type.
INTEGER_RANGES: dict[PrimitiveType, tuple[int, int]] = {
    PrimitiveType.BYTE: (0, 255),
    PrimitiveType.SBYTE: (-128, 127),
    PrimitiveType.INT16: (-(2**15), 2**15 - 1),
    PrimitiveType.INT32: (-(2**31), 2**31 - 1),
    PrimitiveType.INT64: (-(2**63), 2**63 - 1),
}


def duration_text(value: dt.timedelta) -> str:
    """``timedelta(days=1, hours=2)`` → ``P1DT2H``; xsd:dayTimeDuration."""
    sign = "-" if value < dt.timedelta(0) else ""
    value = abs(value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}P"
    if value.days:
        text += f"{value.days}D"
    time = ""
    if hours:
        time += f"{hours}H"
    if minutes:
        time += f"{minutes}M"
    if seconds or value.microseconds or not (value.days or time):
        fraction = f".{value.microseconds:06d}".rstrip("0") if value.microseconds else ""
        time += f"{seconds}{fraction}S"
    return text + (f"T{time}" if time else "")


__all__ = ["INTEGER_RANGES", "PrimitiveType", "duration_text"]
