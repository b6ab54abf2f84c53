"""Semantic expression nodes → SQLAlchemy column expressions.

``$filter=UnitPrice gt 5 and Category/CategoryName eq 'Beverages'`` becomes
``products.unit_price > :p1 AND (SELECT c.name FROM ... ) = :p2``: every value a
bound parameter. Navigation is compiled to correlated subqueries, so an expression
keeps its meaning wherever it is used ($filter, $orderby, $compute) and a missing
related entity reads as null, as OData says.

Null semantics (URL Conventions §5.1.1.1): ``eq``/``ne`` treat null as a value
(``null eq null`` is true, ``null ne 5`` is true); other comparisons with null are
false, so ``not`` of one is true (SQL's unknown is turned into false first).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import AliasedClass

from odata_server.edm.model import EntityType, Model, NavigationProperty
from odata_server.edm.storage import EntityStorage, Storage
from odata_server.edm.types import PrimitiveType as P
from odata_server.query import sql_functions
from odata_server.uri import nodes

Entity = type | AliasedClass[Any]
SqlExpression = sa.ColumnElement[Any]

_SQL_TYPES: dict[P, Callable[[], sa.types.TypeEngine[Any]]] = {
    P.BOOLEAN: sa.Boolean,
    P.BYTE: sa.SmallInteger,
    P.SBYTE: sa.SmallInteger,
    P.INT16: sa.SmallInteger,
    P.INT32: sa.Integer,
    P.INT64: sa.BigInteger,
    P.DECIMAL: sa.Numeric,
    P.SINGLE: sa.Float,
    P.DOUBLE: sa.Float,
    P.STRING: sa.String,
    P.DATE: sa.Date,
    P.DATE_TIME_OFFSET: lambda: sa.DateTime(timezone=True),
    P.TIME_OF_DAY: sa.Time,
    P.DURATION: sa.Interval,
    P.GUID: sa.Uuid,
    P.BINARY: sa.LargeBinary,
}


def sql_type(edm_type: P) -> sa.types.TypeEngine[Any]:
    return _SQL_TYPES[edm_type]()


@dataclass(frozen=True, slots=True)
class RangeVariable:
    """An entity an expression refers to by name (``$it``, a lambda variable), in the FROM clause."""

    entity: Entity
    entity_type: EntityType
    storage: EntityStorage


class ExpressionCompiler:
    """Compiles the nodes of one query against ``$it`` (and lambda variables)."""

    def __init__(self, model: Model, storage: Storage, it: RangeVariable, dialect: str) -> None:
        self.model = model
        self.storage = storage
        self.dialect = dialect
        self.ranges: dict[str, RangeVariable] = {"$it": it}

    def compile(self, node: nodes.Node) -> SqlExpression:
        method = getattr(self, f"_{type(node).__name__}")
        return method(node)  # type: ignore[no-any-return]

    def condition(self, node: nodes.Node) -> SqlExpression:
        """A Boolean node as a WHERE condition: a null result counts as false."""
        if isinstance(node, nodes.Constant):
            return sa.true() if node.value is True else sa.false()
        return self.compile(node)

    # -- leaves

    def _Constant(self, node: nodes.Constant) -> SqlExpression:
        if node.type.primitive is None:
            return sa.null()
        return sa.literal(node.value, sql_type(node.type.primitive))

    def _PropertyAccess(self, node: nodes.PropertyAccess) -> SqlExpression:
        variable = self.ranges[node.variable]
        if not node.navigation:
            return getattr(variable.entity, variable.storage.columns[node.property.name])  # type: ignore[no-any-return]
        target, target_storage, statement = self._navigate(variable, node.navigation)
        column = getattr(target, target_storage.columns[node.property.name])
        return statement.add_columns(column).limit(1).scalar_subquery()

    def _EntityAccess(self, node: nodes.EntityAccess) -> SqlExpression:
        variable = self.ranges[node.variable]
        _, _, statement = self._navigate(variable, node.navigation)
        return sa.exists(statement.add_columns(sa.literal(1)))

    def _CollectionCount(self, node: nodes.CollectionCount) -> SqlExpression:
        variable = self.ranges[node.variable]
        _, _, statement = self._navigate(variable, node.navigation)
        return statement.add_columns(sa.func.count()).scalar_subquery()

    def _Lambda(self, node: nodes.Lambda) -> SqlExpression:
        outer = self.ranges[node.outer_variable]
        target, target_storage, statement = self._navigate(outer, node.navigation)
        if node.predicate is None:
            return sa.exists(statement.add_columns(sa.literal(1)))
        target_type = self.model.entity_type(node.navigation[-1].target_type)
        self.ranges[node.variable] = RangeVariable(target, target_type, target_storage)
        try:
            predicate = self.condition(node.predicate)
        finally:
            del self.ranges[node.variable]
        if node.operator == "any":
            return sa.exists(statement.add_columns(sa.literal(1)).where(predicate))
        # all: no related entity for which the predicate is not true (null counts as not true)
        return ~sa.exists(statement.add_columns(sa.literal(1)).where(~sa.func.coalesce(predicate, sa.false())))

    def _navigate(
        self, variable: RangeVariable, navigation: tuple[NavigationProperty, ...]
    ) -> tuple[Entity, EntityStorage, sa.Select[Any]]:
        """A correlated SELECT (without columns) of the entities at the end of ``navigation``.

        It joins a second copy of the variable's table, matched on the key, along each
        navigation property: this follows any relationship SQLAlchemy knows,
        many-to-many included, without knowing its columns.
        """
        source_storage = variable.storage
        copy = aliased(source_storage.mapped_class)
        statement = sa.select().select_from(copy)
        current: Entity = copy
        current_storage = source_storage
        for nav in navigation:
            relationship = getattr(current, current_storage.relationships[nav.name])
            current_storage = self.storage[nav.target_type]
            target = aliased(current_storage.mapped_class)
            statement = statement.join(relationship.of_type(target))
            current = target
        key_matches = [
            getattr(copy, source_storage.columns[name]) == getattr(variable.entity, source_storage.columns[name])
            for name in source_storage.key
        ]
        return current, current_storage, statement.where(*key_matches)

    # -- operators

    def _BinaryOperation(self, node: nodes.BinaryOperation) -> SqlExpression:
        operator = node.operator
        if operator in ("and", "or"):
            left, right = self.condition(node.left), self.condition(node.right)
            return sa.and_(left, right) if operator == "and" else sa.or_(left, right)
        left, right = self.compile(node.left), self.compile(node.right)
        if operator in ("eq", "ne"):
            return self._equality(node, left, right)
        if operator in _ORDERING:
            if _is_null(node.left) or _is_null(node.right):
                return sa.false()  # null is not less or greater than anything (§5.1.1.1)
            return _ORDERING[operator](left, right)  # type: ignore[no-any-return]
        return self._arithmetic(node, left, right)

    def _equality(self, node: nodes.BinaryOperation, left: SqlExpression, right: SqlExpression) -> SqlExpression:
        equal = node.operator == "eq"
        if isinstance(node.left, nodes.EntityAccess) or isinstance(node.right, nodes.EntityAccess):
            exists = left if isinstance(node.left, nodes.EntityAccess) else right  # the binder allows only null
            return ~exists if equal else exists
        if _is_null(node.left) or _is_null(node.right):
            value = right if _is_null(node.left) else left
            return value.is_(None) if equal else value.is_not(None)
        left_has_value, right_has_value = _never_null(node.left), _never_null(node.right)
        if left_has_value and right_has_value:
            return left == right if equal else left != right
        if left_has_value or right_has_value:
            # Plain = stays index-friendly (null = 5 is not true, as in OData); <> must let null through.
            if equal:
                return left == right
            return sa.or_(left != right, (right if left_has_value else left).is_(None))
        return left.is_not_distinct_from(right) if equal else left.is_distinct_from(right)

    def _arithmetic(self, node: nodes.BinaryOperation, left: SqlExpression, right: SqlExpression) -> SqlExpression:
        operator = node.operator
        if operator == "add":
            return left + right
        if operator == "sub":
            return left - right
        if operator == "mul":
            return left * right
        if operator == "mod":
            return left % sa.func.nullif(right, 0)
        integer = node.type.primitive in (P.BYTE, P.SBYTE, P.INT16, P.INT32, P.INT64)
        if operator == "div" and integer:
            return sql_functions.IntegerDivision(left, right)
        # Division by zero gives null rather than a database error.
        return sa.cast(left, sa.Float if node.type.primitive is P.DOUBLE else sa.Numeric) / sa.func.nullif(right, 0)

    def _UnaryOperation(self, node: nodes.UnaryOperation) -> SqlExpression:
        if node.operator == "not":
            return ~sa.func.coalesce(self.condition(node.operand), sa.false())
        return -self.compile(node.operand)

    def _InList(self, node: nodes.InList) -> SqlExpression:
        if all(isinstance(item, nodes.Constant) and item.value is not None for item in node.items):
            return self.compile(node.operand).in_([item.value for item in node.items])  # type: ignore[union-attr]
        return sa.or_(
            *(self.compile(nodes.BinaryOperation("eq", node.operand, item, nodes.BOOLEAN)) for item in node.items)
        )

    def _FunctionCall(self, node: nodes.FunctionCall) -> SqlExpression:
        arguments = [self.compile(argument) for argument in node.arguments]
        return sql_functions.canonical(node.name, arguments, [a.type.primitive for a in node.arguments], self.dialect)

    def _Case(self, node: nodes.Case) -> SqlExpression:
        return sa.case(*((self.condition(condition), self.compile(value)) for condition, value in node.branches))

    def _Cast(self, node: nodes.Cast) -> SqlExpression:
        assert node.type.primitive is not None
        return sa.cast(self.compile(node.operand), sql_type(node.type.primitive))


_ORDERING: Mapping[str, Callable[[Any, Any], SqlExpression]] = {
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


def _is_null(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Constant) and node.value is None


def _never_null(node: nodes.Node) -> bool:
    """Whether SQL can never see null here: a non-null constant or a non-nullable column of $it."""
    if isinstance(node, nodes.Constant):
        return node.value is not None
    if isinstance(node, nodes.PropertyAccess):
        return not node.navigation and not node.property.nullable
    return isinstance(node, nodes.CollectionCount)


__all__ = ["ExpressionCompiler", "RangeVariable", "sql_type"]
