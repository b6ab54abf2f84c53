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

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm.util import AliasedClass

from odata_server.edm.enums import enum_number, enum_text
from odata_server.edm.model import ComplexType, EntityType, Model, NavigationProperty, Property
from odata_server.edm.storage import EntityStorage, Storage
from odata_server.edm.types import PrimitiveType as P
from odata_server.query import polymorphic, sql_functions
from odata_server.query.temporal import negated_duration, temporal_arithmetic
from odata_server.uri import nodes
from odata_server.uri.functions import TEMPORAL
from odata_server.uri.shapes import parameter_name

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

    def __init__(
        self,
        model: Model,
        storage: Storage,
        it: RangeVariable,
        dialect: str,
        aliases: polymorphic.Aliases | None = None,
    ) -> None:
        self.model = model
        self.storage = storage
        self.dialect = dialect
        # Those of the statement the expressions go into; without them, each alias is new.
        self.aliases = aliases
        self.ranges: dict[str, RangeVariable] = {"$it": it}
        # The lambda variables over collection properties: the element's value column.
        self.elements: dict[str, SqlExpression] = {}

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
        if node.type.enum_type is not None and node.value is not None:
            return sa.literal(enum_text(node.type.enum_type, node.value), sa.String())
        if node.type.primitive is None:
            return sa.null()
        if node.slot is not None:  # a literal of a query shape: requests of that shape give its value
            return sa.bindparam(parameter_name(node.slot), node.value, sql_type(node.type.primitive))
        return sa.literal(node.value, sql_type(node.type.primitive))

    def _PropertyAccess(self, node: nodes.PropertyAccess) -> SqlExpression:
        variable = self.ranges[node.variable]
        if all(isinstance(step, nodes.TypeCast) for step in node.navigation):
            cast = _last_cast(node.navigation)
            value = self._column(variable, node.property.name, cast)
            if node.members:
                value = json_member(value, node.members)
            if cast is None:
                return value
            return polymorphic.only_of(value, self.storage, variable.entity, variable.entity_type, cast)
        target, target_type, statement = self._navigate(variable, node.navigation)
        value = polymorphic.column(self.model, self.storage, target, target_type, node.property.name)
        if node.members:
            value = json_member(value, node.members)
        return statement.add_columns(value).limit(1).scalar_subquery()

    def _column(self, variable: RangeVariable, name: str, of_type: EntityType | None = None) -> SqlExpression:
        if of_type is None and name in variable.entity_type.properties:
            return getattr(variable.entity, variable.storage.columns[name])  # type: ignore[no-any-return]
        return polymorphic.column(self.model, self.storage, variable.entity, variable.entity_type, name, of_type)

    def _ElementAccess(self, node: nodes.ElementAccess) -> SqlExpression:
        value = self.elements[node.variable]
        return json_member(value, node.members) if node.members else value

    def _ValueCount(self, node: nodes.ValueCount) -> SqlExpression:
        length = sa.func.jsonb_array_length if self.dialect == "postgresql" else sa.func.json_array_length
        return sa.func.coalesce(length(self.compile(node.collection)), 0)

    def _ValueLambda(self, node: nodes.ValueLambda) -> SqlExpression:
        """EXISTS over the elements of a JSON array (SQLite ``json_each``, PostgreSQL ``jsonb_array_elements``)."""
        elements = json_elements(self.compile(node.collection), node.collection.leaf.type, self.dialect)
        statement = sa.select(sa.literal(1)).select_from(elements).correlate_except(elements)
        if node.predicate is None:
            return sa.exists(statement)
        self.elements[node.variable] = element_value(elements, node.collection.leaf.type, self.dialect)
        try:
            predicate = self.condition(node.predicate)
        finally:
            del self.elements[node.variable]
        if node.operator == "any":
            return sa.exists(statement.where(predicate))
        return ~sa.exists(statement.where(~sa.func.coalesce(predicate, sa.false())))

    def _EntityAccess(self, node: nodes.EntityAccess) -> SqlExpression:
        variable = self.ranges[node.variable]
        if all(isinstance(step, nodes.TypeCast) for step in node.navigation):  # cast($it, NS.Flight)
            cast = _last_cast(node.navigation)
            if cast is None:
                return sa.true()
            return polymorphic.is_of(self.storage, variable.entity, variable.entity_type, cast)
        _, _, statement = self._navigate(variable, node.navigation)
        return sa.exists(statement.add_columns(sa.literal(1)))

    def _CollectionCount(self, node: nodes.CollectionCount) -> SqlExpression:
        variable = self.ranges[node.variable]
        statement = self._filtered(*self._navigate(variable, node.navigation), node.filters)
        return statement.add_columns(sa.func.count()).scalar_subquery()

    def _Lambda(self, node: nodes.Lambda) -> SqlExpression:
        outer = self.ranges[node.outer_variable]
        target, target_type, statement = self._navigate(outer, node.navigation)
        statement = self._filtered(target, target_type, statement, node.filters)
        if node.predicate is None:
            return sa.exists(statement.add_columns(sa.literal(1)))
        with self._ranging(node.variable, RangeVariable(target, target_type, self.storage[target_type.qualified_name])):
            predicate = self.condition(node.predicate)
        if node.operator == "any":
            return sa.exists(statement.add_columns(sa.literal(1)).where(predicate))
        # all: no related entity for which the predicate is not true (null counts as not true)
        return ~sa.exists(statement.add_columns(sa.literal(1)).where(~sa.func.coalesce(predicate, sa.false())))

    def _filtered(
        self, target: Entity, target_type: EntityType, statement: sa.Select[Any], filters: tuple[nodes.Node, ...]
    ) -> sa.Select[Any]:
        """``statement`` of the entities of a navigation path, with the predicates of its
        ``$filter(...)`` segments, which name those entities ``$this``."""
        if not filters:
            return statement
        with self._ranging("$this", RangeVariable(target, target_type, self.storage[target_type.qualified_name])):
            return statement.where(*(self.condition(predicate) for predicate in filters))

    def _RootValue(self, node: nodes.RootValue) -> SqlExpression:
        """A scalar subquery of the one entity with the key, whose FROM is its own: it depends
        on no row of the query around it (null when no entity has the key)."""
        storage = self.storage[node.entity_type.qualified_name]
        entity = self._alias(node.entity_type, derived=True)
        with self._ranging("$root", RangeVariable(entity, node.entity_type, storage)):
            value = self.compile(node.value)
        key = [getattr(entity, storage.columns[prop.name]) == self.compile(constant) for prop, constant in node.key]
        return sa.select(value).select_from(entity).where(*key).correlate_except(entity).scalar_subquery()

    @contextmanager
    def _ranging(self, name: str, variable: RangeVariable) -> Iterator[None]:
        """``name`` stands for ``variable`` in what is compiled inside; after, for what it
        stood for before (a ``$this`` or ``$root`` may be nested in another)."""
        outer = self.ranges.get(name)
        self.ranges[name] = variable
        try:
            yield
        finally:
            if outer is None:
                del self.ranges[name]
            else:
                self.ranges[name] = outer

    def _navigate(
        self, variable: RangeVariable, steps: tuple[nodes.PathStep, ...]
    ) -> tuple[Entity, EntityType, sa.Select[Any]]:
        """A correlated SELECT (without columns) of the entities at the end of ``steps``, and their type.

        It joins a second copy of the variable's table, matched on the key, along each
        navigation property: this follows any relationship SQLAlchemy knows,
        many-to-many included, without knowing its columns. A type cast joins only the
        rows of its type (its class's); the entities at the end come with the columns
        of their derived types.
        """
        casts: dict[int, EntityType] = {}  # index of the navigation property a cast comes before → the cast
        navigation: list[NavigationProperty] = []
        for step in steps:
            if isinstance(step, nodes.TypeCast):
                casts[len(navigation)] = step.entity_type
            else:
                navigation.append(step)
        current_type = casts.get(0, variable.entity_type)
        copy = self._alias(current_type, derived=False)
        statement = sa.select().select_from(copy)
        current: Entity = copy
        entities = [copy]
        for index, nav in enumerate(navigation, start=1):
            relationship = polymorphic.relationship(self.storage, current, current_type, nav.name)
            current_type = casts.get(index, self.model.entity_type(nav.target_type))
            target = self._alias(current_type, derived=index == len(navigation))
            statement = statement.join(relationship.of_type(target))
            current = target
            entities.append(target)
        key_matches = [
            getattr(copy, variable.storage.columns[name]) == self._column(variable, name)
            for name in variable.storage.key
        ]
        # Every other entity it names ($it, a lambda variable) is one of the queries around it,
        # however deep it sits (SQLAlchemy on its own looks one query out only).
        return current, current_type, statement.where(*key_matches).correlate_except(*entities)

    def _alias(self, entity_type: EntityType, *, derived: bool) -> Entity:
        if self.aliases is None:
            return polymorphic.type_entity(self.model, self.storage, entity_type, derived=derived)
        return self.aliases.of(self.model, self.storage, entity_type, derived=derived)

    # -- operators

    def _BinaryOperation(self, node: nodes.BinaryOperation) -> SqlExpression:
        operator = node.operator
        if operator in ("and", "or"):
            left, right = self.condition(node.left), self.condition(node.right)
            return sa.and_(left, right) if operator == "and" else sa.or_(left, right)
        left, right = self._operands(node.left, node.right)
        if operator == "has":
            return _has(node, left)
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
        types = node.left.type.primitive, node.right.type.primitive
        if TEMPORAL & {*types, node.type.primitive}:
            result = node.type.primitive
            assert result is not None
            return temporal_arithmetic(
                operator, (left, types[0]), (right, types[1]), (result, sql_type(result)), self.dialect
            )
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
        if node.type.primitive is P.DURATION:
            return negated_duration(self.compile(node.operand), sql_type(P.DURATION), self.dialect)
        return -self.compile(node.operand)

    def _operands(self, left: nodes.Node, right: nodes.Node) -> tuple[SqlExpression, SqlExpression]:
        """Both operands; an enumeration literal takes the form of what it is compared with."""
        if _enum_constant(right):
            compiled = self.compile(left)
            return compiled, _enum_literal(right, left, compiled)  # type: ignore[arg-type]
        if _enum_constant(left):
            compiled = self.compile(right)
            return _enum_literal(left, right, compiled), compiled  # type: ignore[arg-type]
        return self.compile(left), self.compile(right)

    def _InList(self, node: nodes.InList) -> SqlExpression:
        if all(isinstance(item, nodes.Constant) and item.value is not None for item in node.items):
            operand = self.compile(node.operand)
            values = [
                _enum_literal(item, node.operand, operand) if _enum_constant(item) else self.compile(item)  # type: ignore[arg-type]
                for item in node.items
            ]
            return operand.in_(values)
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


def json_member(document: SqlExpression, members: tuple[Property, ...]) -> SqlExpression:
    """The value at a path inside a JSON document, as SQL of the leaf's type.

    Enumeration members are stored by name, so they are read as text; temporal values
    are ISO 8601 text and compare as text.
    """
    element = document[tuple(member.name for member in members)]
    leaf = members[-1]
    if leaf.collection or isinstance(leaf.type, ComplexType):
        return element  # type: ignore[no-any-return]
    if leaf.type is P.BOOLEAN:
        return element.as_boolean()  # type: ignore[no-any-return]
    if leaf.type in _JSON_INTEGERS:
        return element.as_integer()  # type: ignore[no-any-return]
    if leaf.type in _JSON_NUMBERS:
        return element.as_float()  # type: ignore[no-any-return]
    return element.as_string()  # type: ignore[no-any-return]


_JSON_INTEGERS = frozenset({P.BYTE, P.SBYTE, P.INT16, P.INT32, P.INT64})
_JSON_NUMBERS = frozenset({P.SINGLE, P.DOUBLE, P.DECIMAL})


def json_elements(array: SqlExpression, item_type: object, dialect: str) -> sa.TableValuedAlias:
    """The elements of a JSON array as a table with one column, ``value``."""
    complex_items = isinstance(item_type, ComplexType)
    if dialect == "postgresql":
        if complex_items:
            function = sa.func.jsonb_array_elements(array)
            return function.table_valued(sa.column("value", JSONB)).alias()  # type: ignore[no-any-return]
        return sa.func.jsonb_array_elements_text(array).table_valued(sa.column("value", sa.Text)).alias()  # type: ignore[no-any-return]
    value_type = sa.JSON() if complex_items else _element_sql_type(item_type)
    return sa.func.json_each(array).table_valued(sa.column("value", value_type)).alias()  # type: ignore[no-any-return]


def element_value(elements: sa.TableValuedAlias, item_type: object, dialect: str) -> SqlExpression:
    """One element of :func:`json_elements`: a JSON document for complex items, else a typed value."""
    value = elements.c.value
    if dialect == "postgresql" and isinstance(item_type, P) and item_type is not P.STRING:
        return sa.cast(value, _element_sql_type(item_type))
    return value  # type: ignore[no-any-return]


def _element_sql_type(item_type: object) -> sa.types.TypeEngine[Any]:
    # Enumeration members and temporal values are stored as text.
    if isinstance(item_type, P) and item_type in (*_JSON_INTEGERS, *_JSON_NUMBERS, P.BOOLEAN):
        return sql_type(item_type)
    return sa.String()


def _enum_constant(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Constant) and node.type.enum_type is not None and node.value is not None


def _enum_literal(constant: nodes.Constant, other: nodes.Node, other_sql: SqlExpression) -> SqlExpression:
    """An enumeration value as what it is compared with holds it: a member for an enumeration
    column, member names for a value inside JSON."""
    assert constant.type.enum_type is not None
    if isinstance(other, nodes.PropertyAccess) and not other.members:
        return sa.literal(constant.value, other_sql.type)
    return sa.literal(enum_text(constant.type.enum_type, constant.value), sa.String())


def _has(node: nodes.BinaryOperation, left: SqlExpression) -> SqlExpression:
    """``x has Flags'A,B'``: every member of the right side is set on the left."""
    right = node.right
    assert isinstance(right, nodes.Constant) and right.type.enum_type is not None
    enum_type = right.type.enum_type
    in_column = isinstance(node.left, nodes.PropertyAccess) and not node.left.members
    if not enum_type.is_flags:
        return left == (sa.literal(right.value, left.type) if in_column else enum_text(enum_type, right.value))
    if in_column:
        number = enum_number(enum_type, right.value)
        return left.op("&")(number) == number
    names = enum_text(enum_type, right.value).split(",")
    padded = sa.literal(",") + sa.func.replace(left, " ", "") + sa.literal(",")
    return sa.and_(*(padded.like(f"%,{name},%") for name in names))


_ORDERING: Mapping[str, Callable[[Any, Any], SqlExpression]] = {
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


def _last_cast(steps: tuple[nodes.PathStep, ...]) -> EntityType | None:
    casts = [step.entity_type for step in steps if isinstance(step, nodes.TypeCast)]
    return casts[-1] if casts else None


def _is_null(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Constant) and node.value is None


def _never_null(node: nodes.Node) -> bool:
    """Whether SQL can never see null here: a non-null constant or a non-nullable column of $it."""
    if isinstance(node, nodes.Constant):
        return node.value is not None
    if isinstance(node, nodes.PropertyAccess):
        return not node.navigation and not node.property.nullable
    return isinstance(node, nodes.CollectionCount | nodes.ValueCount)


__all__ = ["ExpressionCompiler", "RangeVariable", "json_member", "sql_type"]
