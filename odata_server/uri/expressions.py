"""Binding expressions: syntax nodes → typed semantic nodes (URL Conventions §5.1.1).

Names resolve against the entity type being queried (``$it``) and lambda variables;
operators and canonical functions check their operand types; literals and
parameter aliases become typed constants. Type errors are 400s whose target names
the query option.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from odata_server.edm.enums import enum_value
from odata_server.edm.model import ComplexType, EntityType, EnumType, Model, Property
from odata_server.edm.types import PrimitiveType
from odata_server.errors import BadRequestError, FeatureNotImplementedError
from odata_server.uri import nodes, syntax
from odata_server.uri.functions import NOT_YET, NUMERIC_ORDER, SIGNATURES, promotes_to, temporal_result, wider
from odata_server.uri.literals import LiteralTypeError, enum_literal_parts, expression_value, literal_type
from odata_server.uri.nodes import BOOLEAN, NULL_TYPE, ExprType, Node, primitive, type_of
from odata_server.uri.parser import parse, parse_literal

P = PrimitiveType

_COMPARISONS = frozenset({"eq", "ne", "lt", "le", "gt", "ge"})
_ARITHMETIC = frozenset({"add", "sub", "mul", "div", "divby", "mod"})
_LOGICAL = frozenset({"and", "or"})


class ExpressionBinder:
    """Binds the expressions of one query option against one entity type.

    Args:
        model: the service model.
        entity_type: the type of ``$it``.
        aliases: parameter alias (``@p``) → its text in the query string.
        option: the query option being bound (``$filter``), the target of errors.
        max_nodes: the most semantic nodes one expression may have.
        computed: the properties ``$compute`` defined, by alias, usable like properties.
        type_casts: whether paths may hold type casts (``NS.Flight/FlightNumber``) and
            ``isof``/``cast`` may name entity types; where they may not, they answer 501.
        slots: the literals of the option's query shape by position (``uri/shapes.py``):
            a literal found there becomes a constant numbered with its slot.
    """

    def __init__(
        self,
        model: Model,
        entity_type: EntityType,
        aliases: Mapping[str, str],
        *,
        option: str,
        max_nodes: int,
        computed: Mapping[str, Node] | None = None,
        type_casts: bool = True,
        slots: Mapping[int, tuple[int, syntax.Literal]] | None = None,
    ) -> None:
        self.model = model
        self.slots = slots or {}
        self.type_casts = type_casts
        self.computed = computed or {}
        self.aliases = aliases
        self.option = option
        self.max_nodes = max_nodes
        self.nodes = 0
        # A lambda variable ranges over entities, or over the elements of a collection property.
        self.scope: dict[str, EntityType | Property] = {"$it": entity_type}
        # What a property name alone, and $this, refers to: $it, or inside a $filter(...)
        # segment the members of the collection it filters.
        self.implicit = "$it"
        self.resolving: set[str] = set()

    # -- entry points

    def bind(self, expression: syntax.Expr) -> Node:
        node = self._bind(expression)
        if isinstance(node, nodes.EntityAccess) or node.type.collection or node.type.complex_type is not None:
            raise self._error(f"{node.type.describe()} is not a value {self.option} can use")
        return node

    def bind_any(self, expression: syntax.Expr) -> Node:
        """Bind an expression that may also be an entity or a collection (as ``$apply``'s
        ``countdistinct`` and ``groupby`` paths may)."""
        return self._bind(expression)

    def bind_boolean(self, expression: syntax.Expr) -> Node:
        """Bind a ``$filter`` or lambda predicate, which must be Boolean."""
        node = self.bind(expression)
        if node.type not in (BOOLEAN, NULL_TYPE):
            raise self._error(f"{self.option} needs a Boolean expression, not one of type {node.type.describe()}")
        return node

    # -- dispatch

    def _bind(self, expression: syntax.Expr) -> Node:
        self._count()
        if isinstance(expression, syntax.Literal):
            return self._literal(expression)
        if isinstance(expression, syntax.BinaryExpr):
            return self._binary(expression)
        if isinstance(expression, syntax.UnaryExpr):
            return self._unary(expression)
        if isinstance(expression, syntax.MemberExpr):
            return self._member(expression)
        if isinstance(expression, syntax.Alias):
            return self._alias(expression)
        if isinstance(expression, syntax.ListExpr):
            raise self._error("A parenthesized list can only follow the in operator")
        raise FeatureNotImplementedError(f"JSON values in {self.option} are not supported yet", target=self.option)

    def _count(self) -> None:
        """Count one more node of the expression, within the most it may have."""
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise self._error(f"The expression has more than {self.max_nodes} parts, the most this service accepts")

    def _error(self, message: str) -> BadRequestError:
        return BadRequestError(message, target=self.option, code="InvalidExpression")

    # -- literals and aliases

    def _literal(self, literal: syntax.Literal) -> nodes.Constant:
        if literal.kind == "null":
            return nodes.Constant(None, NULL_TYPE)
        if literal.kind == "enum":
            return self._enum_literal(literal.text)
        if literal.kind == "geo":
            raise FeatureNotImplementedError(
                "Geography and geometry literals are not supported yet", target=self.option
            )
        edm_type = literal_type(literal)
        try:
            value = expression_value(literal, edm_type)
        except LiteralTypeError as error:
            raise self._error(str(error)) from None
        return nodes.Constant(value, primitive(edm_type), self._slot(literal))

    def _slot(self, literal: syntax.Literal) -> int | None:
        """The slot of the query shape ``literal`` fills, if the shape cut it out of the
        option's own text (an alias's text is another text, with positions of its own)."""
        if self.resolving or literal.position not in self.slots:
            return None
        slot, cut = self.slots[literal.position]
        return slot if cut == literal else None

    def _enum_literal(self, text: str) -> nodes.Constant:
        """``Namespace.Type'Member'`` or ``Namespace.Type'Member1,Member2'`` (URL Conventions §5.1.1.6.1)."""
        type_name, members = enum_literal_parts(text)
        enum_type = self.model.enum_types.get(type_name)
        if enum_type is None:
            raise BadRequestError(
                f"{type_name} is not an enumeration type of this service", target=self.option, code="UnknownType"
            )
        return self._enum_constant(enum_type, members)

    def _enum_constant(self, enum_type: EnumType, members: str) -> nodes.Constant:
        try:
            return nodes.Constant(enum_value(enum_type, members), type_of(enum_type))
        except ValueError as error:
            raise self._error(str(error)) from None

    def _as_enum(self, node: Node, other: Node) -> Node:
        """A string literal compared with an enumeration value names members (URL Conventions §5.1.1.6.1)."""
        enum_type = other.type.enum_type
        if enum_type is not None and isinstance(node, nodes.Constant) and node.type.primitive is P.STRING:
            return self._enum_constant(enum_type, str(node.value))
        return node

    def _alias(self, alias: syntax.Alias) -> Node:
        return self._resolve(alias, self._bind)

    def _resolve(self, alias: syntax.Alias, bind: Callable[[syntax.Expr], Node]) -> Node:
        """Bind the value of a parameter alias with ``bind``: its text parsed as an expression,
        or null when the alias has no value (URL Conventions §5.1.1.13)."""
        text = self.aliases.get(alias.name)
        if text is None:
            return bind(syntax.Literal("null", "null"))
        if alias.name in self.resolving:
            raise self._error(f"Parameter alias {alias.name} refers to itself")
        self.resolving.add(alias.name)
        try:
            return bind(parse(text, "filter", where=alias.name))
        finally:
            self.resolving.discard(alias.name)

    # -- operators

    def _binary(self, expression: syntax.BinaryExpr) -> Node:
        operator = expression.operator
        left = self._bind(expression.left)
        if operator == "in":
            return self._in(left, expression.right)
        right = self._bind(expression.right)
        left, right = self._as_enum(left, right), self._as_enum(right, left)
        if operator == "has":
            return self._has(left, right)
        if operator in _LOGICAL:
            for operand in (left, right):
                self._require(operand, {P.BOOLEAN}, operator)
            return nodes.BinaryOperation(operator, left, right, BOOLEAN)
        if operator in _COMPARISONS:
            self._comparable(left, right, operator)
            return nodes.BinaryOperation(operator, left, right, BOOLEAN)
        if operator in _ARITHMETIC:
            return nodes.BinaryOperation(operator, left, right, self._arithmetic_type(left, right, operator))
        raise self._error(f"Unknown operator {operator}")

    def _has(self, left: Node, right: Node) -> Node:
        """``Features has Trippin.Feature'Wifi'``: whether the flags of ``right`` are all set in ``left``."""
        enum_type = left.type.enum_type
        if enum_type is None or left.type.collection:
            raise self._error(f"The has operator needs an enumeration value on its left, not {left.type.describe()}")
        if not isinstance(right, nodes.Constant) or right.type.enum_type != enum_type:
            raise self._error(f"The has operator needs a {enum_type.name} literal on its right")
        return nodes.BinaryOperation("has", left, right, BOOLEAN)

    def _unary(self, expression: syntax.UnaryExpr) -> Node:
        operand = self._bind(expression.operand)
        if expression.operator == "not":
            self._require(operand, {P.BOOLEAN}, "not")
            return nodes.UnaryOperation("not", operand, BOOLEAN)
        if operand.type.primitive not in (*NUMERIC_ORDER, P.DURATION, None):
            raise self._error(f"Cannot negate a value of type {operand.type.describe()}")
        return nodes.UnaryOperation("-", operand, operand.type)

    def _in(self, left: Node, right: syntax.Expr) -> Node:
        """``x in (a,b)``, ``x in ["a","b"]``, ``x in @list``, ``x in CollectionProperty``
        (URL Conventions §5.1.1.1.11)."""
        if isinstance(right, syntax.Alias):
            return self._resolve(right, lambda value: self._in(left, value))
        if isinstance(right, syntax.JsonValue) and isinstance(right.value, list):
            items = tuple(self._json_member(member, left) for member in right.value)
        elif isinstance(right, syntax.ListExpr):
            items = tuple(self._bind(item) for item in right.items)
        else:
            operand = self._bind(right)
            if isinstance(operand, nodes.PropertyAccess) and operand.leaf.collection:
                return self._in_collection(left, operand)
            items = (operand,)
        bound = tuple(self._as_enum(item, left) for item in items)
        for item in bound:
            self._comparable(left, item, "in")
        return nodes.InList(left, bound)

    def _in_collection(self, left: Node, collection: nodes.PropertyAccess) -> Node:
        """``'x' in Emails``: whether an element of a collection-valued property equals ``left``,
        as ``Emails/any(e: e eq 'x')``. The lambda variable is named with the node count,
        which no other variable of the expression can have (nor an OData identifier)."""
        variable = f"$in{self.nodes}"
        element = nodes.ElementAccess(variable, collection.leaf)
        value = self._as_enum(left, element)
        self._comparable(value, element, "in")
        return nodes.ValueLambda("any", variable, collection, nodes.BinaryOperation("eq", element, value, BOOLEAN))

    def _json_member(self, member: object, left: Node) -> Node:
        """A member of a JSON array right of ``in``: a value of the left operand's type as the
        OData JSON format writes it (JSON Format §7.1): ``"2024-01-31"`` for an Edm.Date,
        ``"Red"`` for an enumeration member. A member the parser kept as an expression
        (``2024-01-31`` unquoted) is bound as one."""
        if not isinstance(member, _JSON_VALUES):
            return self._bind(member)  # type: ignore[arg-type]
        self._count()
        try:
            return self._json_constant(member, left.type)
        except LiteralTypeError:
            shown = _JSON_STRUCTURES.get(type(member)) or json.dumps(member, ensure_ascii=False)
            raise self._error(
                f"{shown} in the JSON array right of in is not a value of type {left.type.describe()}"
            ) from None

    def _json_constant(self, value: object, expected: ExprType) -> nodes.Constant:
        """A JSON value as a constant of the ``expected`` type; of its own type if none is expected (``null``).

        Raises:
            LiteralTypeError: the value is no value of that type.
        """
        if value is None:
            return nodes.Constant(None, NULL_TYPE)
        if isinstance(value, list | dict) or (expected.enum_type is not None and not isinstance(value, str)):
            raise LiteralTypeError(value)
        if expected.enum_type is not None:
            return self._enum_constant(expected.enum_type, value)  # type: ignore[arg-type]
        literal = _json_literal(value, expected.primitive or P.STRING)  # type: ignore[arg-type]
        edm_type = expected.primitive or literal_type(literal)
        return nodes.Constant(expression_value(literal, edm_type), primitive(edm_type))

    def _require(self, operand: Node, allowed: set[PrimitiveType], operator: str) -> None:
        if operand.type.primitive not in allowed and not operand.type.is_null:
            names = " or ".join(sorted(t.value for t in allowed))
            raise self._error(f"The {operator} operator needs {names} operands, not {operand.type.describe()}")

    def _comparable(self, left: Node, right: Node, operator: str) -> None:
        if isinstance(left, nodes.EntityAccess) or isinstance(right, nodes.EntityAccess):
            if operator in ("eq", "ne") and (left.type.is_null or right.type.is_null):
                return
            raise self._error("A navigation property can only be compared with null")
        if left.type.is_null or right.type.is_null:
            return
        for operand in (left, right):
            if operand.type.collection or operand.type.complex_type is not None:
                raise self._error(f"Cannot compare {operand.type.describe()} values using {operator}")
        if left.type.enum_type is not None or right.type.enum_type is not None:
            if left.type.enum_type == right.type.enum_type:
                return
        else:
            a, b = left.type.primitive, right.type.primitive
            if a is b or (a in NUMERIC_ORDER and b in NUMERIC_ORDER):
                return
        raise self._error(f"Cannot compare {left.type.describe()} with {right.type.describe()} using {operator}")

    def _arithmetic_type(self, left: Node, right: Node, operator: str) -> ExprType:
        a, b = left.type.primitive, right.type.primitive
        if a is None and b is None:
            return NULL_TYPE
        if (a in NUMERIC_ORDER or a is None) and (b in NUMERIC_ORDER or b is None):
            if operator == "divby":
                return primitive(P.DOUBLE if P.DOUBLE in (a, b) else P.DECIMAL)
            return primitive(wider(a or b, b or a))  # type: ignore[arg-type]
        temporal = temporal_result(operator, a, b)
        if temporal is not None:
            return primitive(temporal)
        raise self._error(
            f"The {operator} operator needs numeric operands, or points in time and durations as URL "
            f"Conventions §5.1.1.2 combines them, not {left.type.describe()} and {right.type.describe()}"
        )

    # -- member paths, functions, lambdas

    def _member(self, expression: syntax.MemberExpr) -> Node:
        steps = list(expression.steps)
        first = steps[0]
        if isinstance(first, syntax.NameStep) and first.arguments is not None and len(steps) == 1:
            if first.name not in self.scope:
                return self._function(first)
        variable = self.implicit
        if isinstance(first, syntax.VariableStep):
            if first.name == "$root":
                return self._root(steps[1:])
            if first.name == "$these":
                raise FeatureNotImplementedError("$these in expressions is not supported yet", target=self.option)
            if first.name == "$it":
                variable = "$it"
            steps.pop(0)
        elif isinstance(first, syntax.NameStep) and first.name in self.scope and first.arguments is None:
            variable = first.name
            steps.pop(0)
        return self._path(variable, steps)

    def _path(self, variable: str, steps: list[syntax.MemberStep]) -> Node:
        ranged = self.scope[variable]
        if isinstance(ranged, Property):
            return self._element_path(variable, ranged, steps)
        entity_type = ranged
        first = steps[0] if steps else None
        if variable == "$it" and len(steps) == 1 and isinstance(first, syntax.NameStep) and first.name in self.computed:
            return self.computed[first.name]
        navigation: list[nodes.PathStep] = []
        if not steps:
            if variable in ("$it", "$this"):
                raise self._error(f"{variable} alone is an entity, not a value")
            raise self._error(f"The lambda variable {variable} alone is an entity, not a value")
        cast_before = False
        for index, step in enumerate(steps):
            rest = steps[index + 1 :]
            if not isinstance(step, syntax.NameStep):
                raise self._error("$count can only follow a collection-valued navigation property")
            if step.arguments is not None and step.name not in ("any", "all"):
                raise FeatureNotImplementedError(
                    f"Keys and function calls inside a path ({step.name}(...)) are not supported yet",
                    target=self.option,
                )
            cast = self._type_cast(step.name, entity_type, cast_before)
            if cast is not None:
                if cast is not entity_type:
                    navigation.append(nodes.TypeCast(cast))
                entity_type, cast_before = cast, True
                if not rest:
                    return nodes.EntityAccess(variable, tuple(navigation), ExprType(entity_type=entity_type))
                continue
            cast_before = False
            prop = entity_type.properties.get(step.name)
            if prop is not None:
                members, rest = self._members(prop, rest)
                access = nodes.PropertyAccess(variable, tuple(navigation), prop, members)
                if rest:
                    return self._value_lambda(access, rest)
                return access
            nav = entity_type.navigation_properties.get(step.name)
            if nav is None:
                if "." in step.name:
                    raise FeatureNotImplementedError(
                        f"Bound functions ({step.name}) are not supported yet", target=self.option
                    )
                raise BadRequestError(
                    f"Entity type {entity_type.name} has no property {step.name!r}",
                    target=self.option,
                    code="UnknownProperty",
                )
            navigation.append(nav)
            entity_type = self.model.entity_type(nav.target_type)
            if nav.collection:
                return self._collection_end(variable, tuple(navigation), entity_type, rest)
        return nodes.EntityAccess(variable, tuple(navigation), ExprType(entity_type=entity_type))

    def _root(self, steps: list[syntax.MemberStep]) -> Node:
        """``$root/Products(1)/UnitPrice``: a value of the entity of an entity set with a key,
        bound as a path from the range variable ``$root`` (URL Conventions §5.1.1.14.5)."""
        first = steps[0] if steps else None
        if not isinstance(first, syntax.NameStep):
            raise self._error("$root must be followed by an entity set and a key, as in $root/Products(1)/UnitPrice")
        if first.name in self.model.singletons or first.name in self.model.operation_imports:
            raise FeatureNotImplementedError(
                f"Singletons and function imports after $root ($root/{first.name}) are not supported yet",
                target=self.option,
            )
        entity_set = self.model.entity_sets.get(first.name)
        if entity_set is None:
            raise BadRequestError(
                f"The service has no entity set named {first.name!r} ($root/{first.name})",
                target=self.option,
                code="UnknownEntitySet",
            )
        if first.arguments is None:
            raise FeatureNotImplementedError(
                f"$root/{first.name} without a key (a collection) is not supported yet", target=self.option
            )
        entity_type = entity_set.entity_type
        key = self._root_key(entity_type, first.name, first.arguments)
        if len(steps) == 1:
            raise self._error(f"$root/{first.name}(...) is an entity, not a value; follow it with a property")
        with self._ranging("$root", entity_type):
            value = self._path("$root", steps[1:])
        if isinstance(value, nodes.EntityAccess):
            raise self._error(f"A $root/{first.name}(...) path must end with a value, not with an entity")
        return nodes.RootValue(entity_type, key, value)

    def _root_key(
        self, entity_type: EntityType, name: str, arguments: tuple[syntax.Argument, ...]
    ) -> tuple[tuple[Property, nodes.Constant], ...]:
        """The key of ``$root/Products(1)`` or ``$root/Order_Details(OrderID=1,ProductID=2)``:
        each key property with its value as a constant of the property's type."""
        key_properties = entity_type.key_properties
        example = f"$root/{name}({','.join(f'{key}=...' for key in entity_type.key)})"
        if len(arguments) == 1 and not isinstance(arguments[0], syntax.NamedArgument):
            if len(key_properties) != 1:
                raise self._key_error(
                    f"{entity_type.name} has a key of {len(key_properties)} properties; name each of them: {example}"
                )
            return ((key_properties[0], self._key_value(key_properties[0], arguments[0])),)
        given = {argument.name: argument.value for argument in arguments if isinstance(argument, syntax.NamedArgument)}
        if len(given) != len(arguments) or set(given) != set(entity_type.key):
            raise self._key_error(f"The key of {entity_type.name} is ({', '.join(entity_type.key)}); write {example}")
        return tuple((prop, self._key_value(prop, given[prop.name])) for prop in key_properties)

    def _key_value(self, prop: Property, argument: syntax.Argument) -> nodes.Constant:
        """A key value: a literal, which fills its slot of the query shape, or a parameter alias."""
        literal = argument
        if isinstance(argument, syntax.Alias):
            text = self.aliases.get(argument.name)
            if text is None:
                raise self._key_error(f"Key property {prop.name} is given by {argument.name}, which has no value")
            literal = parse(text, "filter", where=argument.name)
        if not isinstance(literal, syntax.Literal):
            raise self._key_error(f"The value of key property {prop.name} must be a literal or a parameter alias")
        try:
            value = expression_value(literal, prop.type)  # type: ignore[arg-type]  # keys are primitive (the model checks)
        except LiteralTypeError as error:
            raise self._key_error(f"Invalid value for key property {prop.name}: {error}") from None
        if value is None:
            raise self._key_error(f"Key property {prop.name} cannot be null")
        slot = self._slot(literal) if literal is argument else None
        return nodes.Constant(value, type_of(prop.type), slot)

    def _key_error(self, message: str) -> BadRequestError:
        return BadRequestError(message, target=self.option, code="InvalidKey")

    def _type_cast(self, name: str, entity_type: EntityType, cast_before: bool = False) -> EntityType | None:
        """The type a path step casts to (``NS.Flight``): ``entity_type`` itself for a cast to it or
        to a base type of it; None when the step names no entity type (URL Conventions §4.11)."""
        target = self.model.entity_types.get(name) if "." in name else None
        if target is None:
            return None
        if not self.type_casts:
            raise FeatureNotImplementedError(
                f"Type casts ({name}) in {self.option} are not supported yet", target=self.option
            )
        if cast_before:
            raise self._error(f"Two type casts in a row ({name} follows another)")
        lineage = self.model.lineage(target)
        if entity_type.qualified_name in lineage:
            return target
        if name in self.model.lineage(entity_type):
            return entity_type
        raise BadRequestError(
            f"{name} is not derived from {entity_type.qualified_name}", target=self.option, code="InvalidTypeCast"
        )

    def _members(
        self, prop: Property, rest: list[syntax.MemberStep]
    ) -> tuple[tuple[Property, ...], list[syntax.MemberStep]]:
        """The properties a path walks inside complex ``prop`` (``HomeAddress/City/Region``),
        and the steps after them."""
        members: list[Property] = []
        current = prop
        while rest and isinstance(current.type, ComplexType) and not current.collection:
            step = rest[0]
            if not isinstance(step, syntax.NameStep) or step.arguments is not None:
                raise self._error(f"{current.name} is a complex value; a property of it may follow, not {step}")
            member = current.type.properties.get(step.name)
            if member is None:
                raise BadRequestError(
                    f"Complex type {current.type.name} has no property {step.name!r}",
                    target=self.option,
                    code="UnknownProperty",
                )
            members.append(member)
            current = member
            rest = rest[1:]
        return tuple(members), rest

    def _value_lambda(self, collection: nodes.PropertyAccess, rest: list[syntax.MemberStep]) -> Node:
        """``Emails/any(e: ...)``, ``AddressInfo/all(a: ...)`` over a collection-valued property."""
        leaf = collection.leaf
        step = rest[0] if len(rest) == 1 else None
        if not leaf.collection:
            raise self._error(f"{leaf.name} is a single value; nothing can follow it in a path")
        if isinstance(step, syntax.CountStep):
            return nodes.ValueCount(collection)
        if not isinstance(step, syntax.NameStep) or step.name not in ("any", "all") or step.arguments is None:
            raise self._error(f"{leaf.name} is a collection; follow it with /$count, /any(...) or /all(...)")
        arguments = step.arguments
        if not arguments and step.name == "any":
            return nodes.ValueLambda("any", "", collection, None)
        if len(arguments) != 1 or not isinstance(arguments[0], syntax.LambdaArgument):
            raise self._error(f"{step.name} takes one argument: variable: predicate")
        variable = arguments[0].variable
        if variable in self.scope:
            raise self._error(f"The lambda variable {variable} is already in use")
        with self._ranging(variable, leaf):
            predicate = self.bind_boolean(arguments[0].predicate)
        return nodes.ValueLambda(step.name, variable, collection, predicate)

    def _element_path(self, variable: str, element: Property, steps: list[syntax.MemberStep]) -> Node:
        """A lambda variable over a collection property: the element itself, or a path into it."""
        if not steps:
            if isinstance(element.type, ComplexType):
                raise self._error(f"The lambda variable {variable} alone is a complex value, not a primitive one")
            return nodes.ElementAccess(variable, element)
        first = steps[0]
        if not isinstance(first, syntax.NameStep) or not isinstance(element.type, ComplexType):
            raise self._error(f"The lambda variable {variable} is a primitive value; nothing can follow it")
        prop = element.type.properties.get(first.name)
        if prop is None:
            raise BadRequestError(
                f"Complex type {element.type.name} has no property {first.name!r}",
                target=self.option,
                code="UnknownProperty",
            )
        members, rest = self._members(prop, steps[1:])
        if rest:
            raise FeatureNotImplementedError(
                "Collections nested in the elements of a collection are not supported in expressions yet",
                target=self.option,
            )
        return nodes.ElementAccess(variable, element, (prop, *members))

    def _collection_end(
        self,
        variable: str,
        navigation: tuple[nodes.PathStep, ...],
        entity_type: EntityType,
        rest: list[syntax.MemberStep],
    ) -> Node:
        """What follows a collection-valued navigation property: ``/$count``, ``/any(...)``, ``/all(...)``,
        each perhaps after a type cast (``PlanItems/NS.Flight/$count``) and ``$filter(...)``
        segments (``Orders/$filter(Freight gt 100)/$count``, which the parser also makes of
        ``Orders/$count($filter=Freight gt 100)``)."""
        name = navigation[-1].name  # type: ignore[union-attr]
        first = rest[0] if rest else None
        if isinstance(first, syntax.NameStep) and first.arguments is None:
            cast = self._type_cast(first.name, entity_type)
            if cast is not None:
                if cast is not entity_type:
                    navigation = (*navigation, nodes.TypeCast(cast))
                entity_type, rest = cast, rest[1:]
        filters: list[Node] = []
        while rest and isinstance(rest[0], syntax.NameStep) and rest[0].name in ("$filter", "$search"):
            step, rest = rest[0], rest[1:]
            if step.name == "$search":
                raise FeatureNotImplementedError(
                    f"$search in {name}/$count(...) is not supported yet", target=self.option
                )
            filters.append(self._segment_filter(entity_type, step.arguments[0]))  # type: ignore[index, arg-type]
        if len(rest) == 1 and isinstance(rest[0], syntax.CountStep):
            return nodes.CollectionCount(variable, navigation, tuple(filters))
        step = rest[0] if len(rest) == 1 else None
        if isinstance(step, syntax.NameStep) and step.name == "aggregate" and step.arguments is not None:
            raise FeatureNotImplementedError(
                f"{name}/aggregate(...) (Data Aggregation Extension) in expressions is not supported yet",
                target=self.option,
            )
        if not isinstance(step, syntax.NameStep) or step.name not in ("any", "all") or step.arguments is None:
            raise self._error(f"{name} is a collection; follow it with /$count, /any(...) or /all(...)")
        arguments = step.arguments
        if not arguments and step.name == "any":
            return nodes.Lambda("any", "", variable, navigation, None, tuple(filters))
        if len(arguments) != 1 or not isinstance(arguments[0], syntax.LambdaArgument):
            raise self._error(f"{step.name} takes one argument: variable: predicate")
        lambda_variable = arguments[0].variable
        if lambda_variable in self.scope:
            raise self._error(f"The lambda variable {lambda_variable} is already in use")
        with self._ranging(lambda_variable, entity_type):
            predicate = self.bind_boolean(arguments[0].predicate)
        return nodes.Lambda(step.name, lambda_variable, variable, navigation, predicate, tuple(filters))

    def _segment_filter(self, entity_type: EntityType, expression: syntax.Expr) -> Node:
        """The predicate of a ``$filter(...)`` segment, over the members of the collection it
        follows: there a property name alone, and ``$this``, name a member (``$it`` is still
        the entity the whole expression is about)."""
        outer_implicit, self.implicit = self.implicit, "$this"
        try:
            with self._ranging("$this", entity_type):
                return self.bind_boolean(expression)
        finally:
            self.implicit = outer_implicit

    @contextmanager
    def _ranging(self, name: str, ranged: EntityType | Property) -> Iterator[None]:
        """``name`` ranges over ``ranged`` in what is bound inside; after, over what it did
        before (a ``$this`` or ``$root`` may be nested in another), or over nothing."""
        outer = self.scope.get(name)
        self.scope[name] = ranged
        try:
            yield
        finally:
            if outer is None:
                del self.scope[name]
            else:
                self.scope[name] = outer

    def _function(self, call: syntax.NameStep) -> Node:
        name = call.name.lower()
        arguments = call.arguments or ()
        if name in ("cast", "isof"):
            return self._cast_or_isof(name, arguments)
        if name == "case":
            return self._case(arguments)
        if name in NOT_YET:
            raise FeatureNotImplementedError(f"The function {call.name} is not supported yet", target=self.option)
        signatures = SIGNATURES.get(name)
        if signatures is None and any(op.qualified_name == call.name for op in self.model.operations):
            raise FeatureNotImplementedError(
                f"Functions of the service in expressions ({call.name}) are not supported yet", target=self.option
            )
        if signatures is None:
            raise BadRequestError(
                f"{call.name} is not a canonical function", target=self.option, code="UnknownFunction"
            )
        if any(isinstance(argument, syntax.NamedArgument | syntax.LambdaArgument) for argument in arguments):
            raise self._error(f"{call.name} takes plain values as arguments, not name=value or x: pairs")
        bound = tuple(self._bind(argument) for argument in arguments)  # type: ignore[arg-type]
        for parameters, result in signatures:
            if len(parameters) == len(bound) and all(
                argument.type.is_null or (argument.type.primitive and promotes_to(argument.type.primitive, parameter))
                for argument, parameter in zip(bound, parameters)
            ):
                return nodes.FunctionCall(name, bound, primitive(result))
        given = ", ".join(argument.type.describe() for argument in bound)
        expected = " or ".join(f"({', '.join(p.value for p in parameters)})" for parameters, _ in signatures)
        raise self._error(f"{call.name}({given}) does not match {call.name}{expected}")

    def _case(self, arguments: tuple[syntax.Argument, ...]) -> Node:
        """``case(condition:value, ...)``: the value of the first true condition, else null (§5.1.1.12)."""
        branches = []
        for argument in arguments:
            if isinstance(argument, syntax.LambdaArgument):  # a bare name before ':' parses as a lambda variable
                condition: syntax.Expr = syntax.MemberExpr((syntax.NameStep(argument.variable),))
                value = argument.predicate
            elif isinstance(argument, syntax.BinaryExpr) and argument.operator == ":":
                condition, value = argument.left, argument.right
            else:
                raise self._error("case takes condition:value pairs")
            branches.append((self.bind_boolean(condition), self.bind(value)))
        if not branches:
            raise self._error("case needs at least one condition:value pair")
        result = NULL_TYPE
        for _, value in branches:
            if value.type.is_null:
                continue
            if result.is_null:
                result = value.type
            elif result.primitive in NUMERIC_ORDER and value.type.primitive in NUMERIC_ORDER:
                result = primitive(wider(result.primitive, value.type.primitive))  # type: ignore[arg-type]
            elif result != value.type:
                raise self._error(f"case values must share a type, not {result.describe()} and {value.type.describe()}")
        return nodes.Case(tuple(branches), result)

    def _cast_or_isof(self, name: str, arguments: tuple[syntax.Argument, ...]) -> Node:
        type_name = _type_name(arguments[-1]) if arguments else None
        if type_name is not None and len(arguments) in (1, 2) and "." in type_name:
            target = self.model.entity_types.get(type_name)
            if target is not None:
                return self._entity_cast_or_isof(name, arguments[0] if len(arguments) == 2 else None, target)
        if len(arguments) not in (1, 2) or type_name is None:
            raise self._error(f"{name} takes a value (by default the current instance) and a type name")
        if len(arguments) == 1:
            raise FeatureNotImplementedError(
                f"{name} of the current instance to a primitive type is not supported yet", target=self.option
            )
        try:
            target_primitive = PrimitiveType(type_name if "." in type_name else f"Edm.{type_name}")
        except ValueError:
            raise FeatureNotImplementedError(
                f"{name} to {type_name} is not supported yet", target=self.option
            ) from None
        operand = self._bind(arguments[0])  # type: ignore[arg-type]
        if name == "isof":
            same = operand.type.primitive is target_primitive
            return nodes.Constant(same, BOOLEAN)
        return nodes.Cast(operand, primitive(target_primitive))

    def _entity_cast_or_isof(self, name: str, argument: syntax.Argument | None, target: EntityType) -> Node:
        """``isof(NS.Flight)``, ``isof(Trip, NS.Flight)``, ``cast($it, NS.Flight)``: an entity is
        assignable to its own type and its base types (URL Conventions §5.1.1.11). ``cast``
        gives the entity, null when it is not of ``target``; ``isof`` whether it is."""
        if not self.type_casts:
            raise FeatureNotImplementedError(
                f"{name} with an entity type in {self.option} is not supported yet", target=self.option
            )
        operand = self._entity_operand(argument)
        if operand is None:  # not an entity: never assignable to an entity type
            return nodes.Constant(False, BOOLEAN) if name == "isof" else nodes.Constant(None, NULL_TYPE)
        source = operand.type.entity_type
        assert source is not None
        if source.qualified_name in self.model.lineage(target):
            if target is not source:
                operand = nodes.EntityAccess(
                    operand.variable, (*operand.navigation, nodes.TypeCast(target)), ExprType(entity_type=target)
                )
        elif target.qualified_name not in self.model.lineage(source):
            return nodes.Constant(False, BOOLEAN) if name == "isof" else nodes.Constant(None, NULL_TYPE)
        if name == "cast":
            return operand
        if not operand.navigation:  # the range variable itself, of the type or one derived from it
            return nodes.Constant(True, BOOLEAN)
        return nodes.BinaryOperation("ne", operand, nodes.Constant(None, NULL_TYPE), BOOLEAN)

    def _entity_operand(self, argument: syntax.Argument | None) -> nodes.EntityAccess | None:
        """The entity ``isof``/``cast`` look at: ``$it`` when there is no argument, a range
        variable, or a single-valued navigation path; None for any other value."""
        if argument is None:
            return nodes.EntityAccess("$it", (), ExprType(entity_type=self.scope["$it"]))  # type: ignore[arg-type]
        if isinstance(argument, syntax.MemberExpr) and len(argument.steps) == 1:
            step = argument.steps[0]
            variable = step.name if isinstance(step, syntax.VariableStep | syntax.NameStep) else None
            ranged = self.scope.get(variable or "")
            if isinstance(ranged, EntityType) and not (isinstance(step, syntax.NameStep) and step.arguments):
                return nodes.EntityAccess(variable, (), ExprType(entity_type=ranged))  # type: ignore[arg-type]
        node = self._bind(argument)  # type: ignore[arg-type]
        return node if isinstance(node, nodes.EntityAccess) else None


# What a member of a JSON array is once parsed, unless an expression (uri/parser.py ``_json_value``).
_JSON_VALUES = (str, bool, int, float, type(None), list, dict)
_JSON_STRUCTURES: dict[type, str] = {list: "An array", dict: "An object"}

# How the URL literal of each primitive type is written around the text of its JSON string
# (JSON Format §7.1): a duration and binary data with their prefix, the others as they are.
# A type left out is a JSON number or Boolean; Int64, Decimal, Double and Single may be
# strings too (IEEE754Compatible, and NaN, INF, -INF).
_JSON_STRING_LITERALS = {
    P.DURATION: "duration'{}'",
    P.BINARY: "binary'{}'",
    **dict.fromkeys((P.DATE, P.DATE_TIME_OFFSET, P.TIME_OF_DAY, P.GUID, P.INT64, P.DECIMAL, P.DOUBLE, P.SINGLE), "{}"),
}


def _json_literal(value: str | bool | int | float, edm_type: PrimitiveType) -> syntax.Literal:
    """The URL literal a primitive JSON value stands for as a value of ``edm_type``.

    Raises:
        LiteralTypeError: a JSON string where ``edm_type`` is written as a number or Boolean,
            or one that is not the text of a ``edm_type`` literal.
    """
    if isinstance(value, bool):
        return syntax.Literal("boolean", "true" if value else "false")
    if isinstance(value, int):
        return syntax.Literal("integer", str(value))
    if not isinstance(value, str):
        return syntax.Literal("decimal", str(value))
    if edm_type is P.STRING:
        return syntax.Literal("string", "'" + value.replace("'", "''") + "'")
    written = _JSON_STRING_LITERALS.get(edm_type)
    if written is None:
        raise LiteralTypeError(value)
    try:
        return parse_literal(written.format(value), where="JSON string")
    except BadRequestError:
        raise LiteralTypeError(value) from None


def _type_name(argument: syntax.Argument) -> str | None:
    if isinstance(argument, syntax.MemberExpr) and len(argument.steps) == 1:
        step = argument.steps[0]
        if isinstance(step, syntax.NameStep) and step.arguments is None:
            return step.name
    return None


__all__ = ["ExpressionBinder"]
