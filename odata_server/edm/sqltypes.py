"""SQLAlchemy column types for the Edm primitive types that SQLAlchemy has no generic type for.

Use them in models like any SQLAlchemy type: ``mapped_column(Byte)`` is stored as a
SMALLINT and exposed as ``Edm.Byte``.
"""

from __future__ import annotations

from sqlalchemy import SmallInteger
from sqlalchemy.types import TypeDecorator


class Byte(TypeDecorator[int]):
    """An unsigned 8-bit integer (``Edm.Byte``, 0..255), stored as SMALLINT."""

    impl = SmallInteger
    cache_ok = True


class SByte(TypeDecorator[int]):
    """A signed 8-bit integer (``Edm.SByte``, -128..127), stored as SMALLINT."""

    impl = SmallInteger
    cache_ok = True


__all__ = ["Byte", "SByte"]
