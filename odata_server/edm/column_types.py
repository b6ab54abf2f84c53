"""SQLAlchemy column types → Edm types and facets.

Primitive types come from the column's SQLAlchemy type (``String(40)`` → ``Edm.String``
with MaxLength 40); enumeration types from ``sa.Enum(PythonEnum)`` and
:class:`~odata_server.edm.sqltypes.FlagEnum`; complex values and collections from
:class:`~odata_server.edm.sqltypes.JsonValue` columns, whose Python annotation
:class:`~odata_server.edm.python_types.PythonTypes` reads.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import ColumnProperty
from sqlalchemy.sql import sqltypes
from sqlalchemy.types import TypeDecorator, TypeEngine

from odata_server.edm.annotations import Annotation
from odata_server.edm.model import ComplexType, EntityType, EnumType, Property
from odata_server.edm.python_types import PythonTypes
from odata_server.edm.sqltypes import Byte, FlagEnum, JsonValue, SByte
from odata_server.edm.types import PrimitiveType
from odata_server.errors import ModelError

COMPUTED = Annotation("Core.Computed", True)


def column_property(attribute: ColumnProperty[object], name: str, where: str, python_types: PythonTypes) -> Property:
    """The property of a mapped column: its type and facets, Nullable, and Core.Computed for
    values the database makes (identity, autoincrement, computed columns)."""
    expression = attribute.columns[0]
    column = expression if isinstance(expression, sa.Column) else None
    try:
        edm_type, facets = _type_of(expression.type, python_types, f"{where}.{attribute.key}")
    except ModelError as error:
        raise ModelError(f"{where}.{attribute.key}: {error}") from None

    computed = column is None or column.computed is not None or column.identity is not None
    if column is not None and column.table is not None:
        computed = computed or column.table.autoincrement_column is column
    nullable = facets.pop("nullable", True if column is None else bool(column.nullable))
    return Property(
        name=name,
        type=edm_type,
        nullable=nullable,  # type: ignore[arg-type]
        annotations=(COMPUTED,) if computed else (),
        **facets,
    )


def _type_of(
    sql_type: TypeEngine[object], python_types: PythonTypes, where: str
) -> tuple[PrimitiveType | EnumType | ComplexType, dict[str, object]]:
    """The Edm type and facets of a column: enumeration and JSON columns, or a primitive type."""
    if isinstance(sql_type, JsonValue):
        use = python_types.use(sql_type.annotation, where)
        if isinstance(use.type, EntityType):
            raise ModelError("a JsonValue column cannot hold entities; use a relationship")
        if not use.collection and not isinstance(use.type, ComplexType):
            raise ModelError("a JsonValue column holds a complex value or a collection, not a single primitive")
        facets: dict[str, object] = {"collection": use.collection}
        if use.collection:
            facets["nullable"] = use.nullable
        return use.type, facets
    if isinstance(sql_type, FlagEnum):
        return python_types.enum_type(sql_type.flag_class), {}
    if isinstance(sql_type, sa.Enum) and sql_type.enum_class is not None:
        if issubclass(sql_type.enum_class, enum.Flag):
            raise ModelError("sa.Enum stores one member; a Flag whose members combine needs FlagEnum")
        return python_types.enum_type(sql_type.enum_class), {}
    return edm_type_of(sql_type)


def edm_type_of(sql_type: TypeEngine[object]) -> tuple[PrimitiveType, dict[str, int | None]]:
    """The Edm primitive type and facets (MaxLength, Precision, Scale) of a SQLAlchemy type."""
    if isinstance(sql_type, Byte):
        return PrimitiveType.BYTE, {}
    if isinstance(sql_type, SByte):
        return PrimitiveType.SBYTE, {}
    if isinstance(sql_type, sqltypes._AbstractInterval):  # before TypeDecorator: Interval decorates DateTime
        return PrimitiveType.DURATION, {}
    if isinstance(sql_type, sa.PickleType):
        raise ModelError("PickleType holds arbitrary Python objects, which OData cannot describe; exclude it")
    if isinstance(sql_type, TypeDecorator):
        return edm_type_of(sql_type.impl_instance)
    if isinstance(sql_type, sa.Boolean):
        return PrimitiveType.BOOLEAN, {}
    if isinstance(sql_type, sa.SmallInteger):
        return PrimitiveType.INT16, {}
    if isinstance(sql_type, sa.BigInteger):
        return PrimitiveType.INT64, {}
    if isinstance(sql_type, sa.Integer):
        return PrimitiveType.INT32, {}
    if isinstance(sql_type, sa.Float):
        if isinstance(sql_type, sa.REAL) or (sql_type.precision is not None and sql_type.precision <= 24):
            return PrimitiveType.SINGLE, {}
        return PrimitiveType.DOUBLE, {}
    if isinstance(sql_type, sa.Numeric):
        if not sql_type.asdecimal:
            return PrimitiveType.DOUBLE, {}
        # NUMERIC(p) has scale 0 in SQL; a NUMERIC without precision has a variable scale (None).
        scale = 0 if sql_type.scale is None and sql_type.precision is not None else sql_type.scale
        return PrimitiveType.DECIMAL, {"precision": sql_type.precision, "scale": scale}
    if isinstance(sql_type, sa.String):
        return PrimitiveType.STRING, {"max_length": sql_type.length}
    if isinstance(sql_type, sa.DateTime):
        return PrimitiveType.DATE_TIME_OFFSET, {}
    if isinstance(sql_type, sa.Date):
        return PrimitiveType.DATE, {}
    if isinstance(sql_type, sa.Time):
        return PrimitiveType.TIME_OF_DAY, {}
    if isinstance(sql_type, sa.Uuid):
        return PrimitiveType.GUID, {}
    if isinstance(sql_type, sa.LargeBinary | sa.types._Binary):
        return PrimitiveType.BINARY, {"max_length": sql_type.length}
    raise ModelError(
        f"column type {sql_type!r} has no OData equivalent yet; exclude the attribute "
        "(service.add(..., exclude=[...])) or use a supported type"
    )


__all__ = ["COMPUTED", "column_property", "edm_type_of"]
