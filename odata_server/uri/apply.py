"""Binding ``$apply`` (OData Data Aggregation Extension 4.0): transformations → typed steps.

Each transformation is bound against the shape of its input set and gives the shape
of its output set (:class:`Shape`):

- until the first ``aggregate`` or ``groupby``, the rows are entities of the entity
  set (with the properties ``compute`` added), so expressions may navigate;
- after it, the rows are aggregated instances: the grouping properties (a path such
  as ``Category/CategoryName`` is one flat property named by the path) and the
  aggregate aliases. Expressions then name those properties; a grouping path is
  written as the path it was grouped by.

Transformations the server does not run (``nest``, ``join``, hierarchies, custom
aggregates and functions) are refused with 501 here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from odata_server.edm.model import EntitySet, EntityType, Model, NavigationProperty, Property
from odata_server.edm.types import INTEGER_RANGES, PrimitiveType
from odata_server.errors import BadRequestError, FeatureNotImplementedError
from odata_server.uri import nodes, syntax
from odata_server.uri.expressions import ExpressionBinder
from odata_server.uri.nodes import Node

P = PrimitiveType
TARGET = "$apply"

_NUMERIC = frozenset({*INTEGER_RANGES, P.DECIMAL, P.DOUBLE, P.SINGLE})
_ORDERED = _NUMERIC | {P.STRING, P.DATE, P.DATE_TIME_OFFSET, P.TIME_OF_DAY, P.DURATION, P.BOOLEAN, P.GUID}
_METHODS = frozenset({"sum", "min", "max", "average", "countdistinct"})


@dataclass(frozen=True, slots=True)
class Shape:
    """The rows between two transformations.

    Attributes:
        entity_type: the entity type (entities) or a synthetic type holding the flat
            properties of aggregated instances.
        aggregated: whether the rows are aggregated instances rather than entities.
        computed: the properties ``compute`` added to entities, by alias.
    """

    entity_type: EntityType
    aggregated: bool = False
    computed: Mapping[str, Node] = field(default_factory=lambda: MappingProxyType({}))
    entities: tuple[str, ...] = ()
    """Grouping paths that are whole related entities (``groupby((Category))``)."""

    @property
    def names(self) -> tuple[str, ...]:
        """The properties of each row, in order."""
        return (*self.entity_type.properties, *self.computed)


@dataclass(frozen=True, slots=True)
class AggregateItem:
    """One aggregated value.

    ``navigation`` holds the navigation properties a path reaches its values through
    (``Order_Details`` in ``Order_Details/Quantity with sum``, ``Order`` in
    ``Order/Freight with sum``); the ``expression`` is then bound against their target
    type, and each entity reached counts once (Data Aggregation §3.2.1.1). ``method``
    None counts.
    """

    alias: str
    method: str | None
    expression: Node | None
    navigation: tuple[NavigationProperty, ...]
    type: PrimitiveType
    from_: tuple[tuple[tuple[GroupingProperty, ...], str], ...] = ()
    """``from P1 with g1 from P2 with g2``: the value is first aggregated per the groups of
    every ``from`` path, then with each method over its paths, in order (§3.2.1.5)."""


@dataclass(frozen=True, slots=True)
class GroupingProperty:
    """A property grouped by: its flat name (``Category/CategoryName``) and its value."""

    name: str
    expression: Node
    type: PrimitiveType


@dataclass(frozen=True, slots=True)
class Aggregate:
    items: tuple[AggregateItem, ...]
    shape: Shape


@dataclass(frozen=True, slots=True)
class GroupBy:
    """``groupby``: the groups come from the input rows, the aggregated values from the
    rows ``prepare`` leaves in each group (so a group may aggregate nothing)."""

    grouping: tuple[GroupingProperty, ...]
    prepare: tuple[Step, ...]
    aggregate: tuple[AggregateItem, ...]
    shape: Shape


@dataclass(frozen=True, slots=True)
class PerGroup:
    """``groupby((CategoryID),orderby(UnitPrice desc)/top(1))``: transformations that keep
    the entities, run within each group; the result is the entities they keep."""

    grouping: tuple[GroupingProperty, ...]
    steps: tuple[Step, ...]
    shape: Shape


@dataclass(frozen=True, slots=True)
class Filter:
    condition: Node
    shape: Shape


@dataclass(frozen=True, slots=True)
class Search:
    """``search``: over ``properties``, the entity set's searchable string properties."""

    expression: syntax.SearchExpr
    properties: tuple[str, ...]
    shape: Shape


@dataclass(frozen=True, slots=True)
class Compute:
    items: tuple[tuple[str, Node], ...]
    shape: Shape


@dataclass(frozen=True, slots=True)
class OrderBy:
    items: tuple[tuple[Node, bool], ...]
    """(expression, descending)."""
    shape: Shape


@dataclass(frozen=True, slots=True)
class Top:
    count: int
    shape: Shape


@dataclass(frozen=True, slots=True)
class Skip:
    count: int
    shape: Shape


@dataclass(frozen=True, slots=True)
class TopBottom:
    """``topcount(n,value)`` and kin: ``kind`` names it; ``limit`` is the count, percentage or sum."""

    kind: str
    limit: float
    value: Node
    shape: Shape


@dataclass(frozen=True, slots=True)
class Concat:
    branches: tuple[tuple[Step, ...], ...]
    shape: Shape


Step = Aggregate | GroupBy | PerGroup | Filter | Search | Compute | OrderBy | Top | Skip | TopBottom | Concat


def output_shape(steps: tuple[Step, ...], start: Shape) -> Shape:
    return steps[-1].shape if steps else start


class ApplyBinder:
    """Binds the transformations of one ``$apply`` against an entity set."""

    def __init__(self, model: Model, entity_set: EntitySet, aliases: Mapping[str, str], max_nodes: int) -> None:
        self.model = model
        self.entity_set = entity_set
        self.aliases = aliases
        self.max_nodes = max_nodes

    def bind(self, transformations: tuple[syntax.Transformation, ...]) -> tuple[Step, ...]:
        return self._sequence(transformations, Shape(self.entity_set.entity_type))

    def after(
        self,
        shape: Shape,
        *,
        filter: syntax.Expr | None,
        orderby: tuple[syntax.OrderByItem, ...] | None,
    ) -> tuple[Step, ...]:
        """``$filter`` and ``$orderby`` of a request with ``$apply``: on its output."""
        steps: list[Step] = []
        if filter is not None:
            binder = self.expressions(shape)
            steps.append(Filter(binder.bind_boolean(_flatten(filter, shape)), shape))
        if orderby:
            steps.append(self._step(syntax.OrderByTrafo(orderby), shape))  # type: ignore[arg-type]
        return tuple(steps)

    def _sequence(self, transformations: tuple[syntax.Transformation, ...], shape: Shape) -> tuple[Step, ...]:
        steps: list[Step] = []
        for transformation in transformations:
            step = self._step(transformation, shape)
            if step is None:  # identity
                continue
            steps.append(step)
            shape = step.shape
        return tuple(steps)

    def expressions(self, shape: Shape) -> ExpressionBinder:
        return ExpressionBinder(
            self.model,
            shape.entity_type,
            self.aliases,
            option=TARGET,
            max_nodes=self.max_nodes,
            computed=shape.computed,
            type_casts=False,
        )

    def _step(self, transformation: syntax.Transformation, shape: Shape) -> Step | None:
        if isinstance(transformation, syntax.Identity):
            return None
        if isinstance(transformation, syntax.FilterTrafo):
            return Filter(self.expressions(shape).bind_boolean(_flatten(transformation.expression, shape)), shape)
        if isinstance(transformation, syntax.SearchTrafo):
            if shape.aggregated:
                raise _error("search applies to entities, not to aggregated instances")
            return Search(transformation.expression, self.entity_set.search_properties, shape)
        if isinstance(transformation, syntax.ComputeTrafo):
            return self._compute(transformation, shape)
        if isinstance(transformation, syntax.OrderByTrafo):
            binder = self.expressions(shape)
            items = tuple(
                (binder.bind(_flatten(item.expression, shape)), item.descending) for item in transformation.items
            )
            return OrderBy(items, shape)
        if isinstance(transformation, syntax.TopTrafo):
            return Top(transformation.count, shape)
        if isinstance(transformation, syntax.SkipTrafo):
            return Skip(transformation.count, shape)
        if isinstance(transformation, syntax.TopBottom):
            return self._top_bottom(transformation, shape)
        if isinstance(transformation, syntax.Aggregate):
            items = self._aggregate_items(transformation.items, shape, taken=())
            return Aggregate(items, _aggregated_shape(shape, (), items))
        if isinstance(transformation, syntax.GroupBy):
            return self._groupby(transformation, shape)
        if isinstance(transformation, syntax.Concat):
            branches = tuple(
                flat for branch in transformation.branches for flat in _flat_branches(self._sequence(branch, shape))
            )
            return Concat(branches, _concat_shape(branches, shape))
        assert isinstance(transformation, syntax.OtherTrafo)
        raise FeatureNotImplementedError(
            f"The transformation {transformation.name} is not supported", target=TARGET, code="NotImplemented"
        )

    def _compute(self, transformation: syntax.ComputeTrafo, shape: Shape) -> Compute:
        items: list[tuple[str, Node]] = []
        for item in transformation.items:
            if item.alias in shape.names or item.alias in shape.entity_type.navigation_properties:
                raise _error(f"compute alias {item.alias} is already a property name")
            node = self.expressions(shape).bind(_flatten(item.expression, shape))
            if node.type.primitive is None:
                raise _error(f"compute {item.alias} must compute a value, not null")
            items.append((item.alias, node))
            shape = _with_property(shape, item.alias, node)
        return Compute(tuple(items), shape)

    def _top_bottom(self, transformation: syntax.TopBottom, shape: Shape) -> TopBottom:
        binder = self.expressions(shape)
        limit = binder.bind(transformation.limit)
        if not isinstance(limit, nodes.Constant) or not isinstance(limit.value, int | float) or limit.value < 0:
            raise _error(f"The first parameter of {transformation.kind} must be a non-negative number")
        if transformation.kind.endswith("count") and (not isinstance(limit.value, int) or limit.value < 1):
            raise _error(f"{transformation.kind} takes a positive whole number of instances")
        if transformation.kind.endswith("percent") and limit.value > 100:
            raise _error(f"{transformation.kind} takes a percentage from 0 to 100")
        value = binder.bind(_flatten(transformation.value, shape))
        if value.type.primitive not in _NUMERIC:
            raise _error(f"{transformation.kind} ranks by a number, not by {value.type.describe()}")
        return TopBottom(transformation.kind, float(limit.value), value, shape)

    # -- aggregate and groupby

    def _aggregate_items(
        self, items: tuple[syntax.AggregateExpr, ...], shape: Shape, taken: tuple[str, ...]
    ) -> tuple[AggregateItem, ...]:
        bound: list[AggregateItem] = []
        for item in items:
            if item.custom and self._names_a_property(item.expression, shape):
                raise _error("An aggregated property needs a method: Property with sum as Alias")
            if item.custom or (item.method is not None and item.method not in _METHODS):
                what = "Custom aggregates" if item.custom else f"The aggregation method {item.method}"
                raise FeatureNotImplementedError(f"{what} are not supported", target=TARGET)
            if item.alias is None:
                raise _error("An aggregate expression needs an alias (as ...)")
            names = {*shape.names, *shape.entity_type.navigation_properties, *taken, *(b.alias for b in bound)}
            if item.alias in names:
                raise _error(f"The alias {item.alias} is already a property name")
            bound.append(self._with_from(self._aggregate_item(item, shape), item.from_, shape))
        return tuple(bound)

    def _with_from(self, item: AggregateItem, clauses: tuple[syntax.AggregateFrom, ...], shape: Shape) -> AggregateItem:
        if not clauses:
            return item
        if item.navigation:
            raise FeatureNotImplementedError("from after a path through navigation is not supported yet", target=TARGET)
        kind = item.type
        bound = []
        for clause in clauses:
            if clause.method is None or clause.method not in _METHODS:
                raise _error("Each from names the standard method its groups are aggregated with")
            grouping = tuple(prop for path in clause.grouping for prop in self._grouping_properties(path, shape))
            if clause.method in ("sum", "average") and kind not in _NUMERIC:
                raise _error(f"{clause.method} aggregates numbers, not values of type {kind.value}")
            kind = P.INT64 if clause.method == "countdistinct" else _result_type(clause.method, kind)
            bound.append((grouping, clause.method))
        return replace(item, type=kind, from_=tuple(bound))

    @staticmethod
    def _names_a_property(expression: syntax.Expr | None, shape: Shape) -> bool:
        """Whether what reads like a custom aggregate (``aggregate(UnitPrice)``) is a property."""
        if not isinstance(expression, syntax.MemberExpr) or not expression.steps:
            return False
        first = expression.steps[0]
        return isinstance(first, syntax.NameStep) and (
            first.name in shape.names or first.name in shape.entity_type.navigation_properties
        )

    def _aggregate_item(self, item: syntax.AggregateExpr, shape: Shape) -> AggregateItem:
        assert item.alias is not None
        navigation, remainder, target_type = self._collection_prefix(item.expression, shape)
        if item.count:
            return AggregateItem(item.alias, None, None, navigation, P.INT64)
        assert item.method is not None
        if remainder is None:  # a related entity: its instances can only be counted
            if item.method != "countdistinct":
                raise _error(f"{item.method} aggregates values; an entity can only be counted (countdistinct)")
            return AggregateItem(item.alias, None, None, navigation, P.INT64)
        item_shape = shape if not navigation else Shape(target_type)
        if item.method == "countdistinct":
            node = self._countdistinct_operand(remainder, item_shape)
            return AggregateItem(item.alias, "countdistinct", node, navigation, P.INT64)
        node = self.expressions(item_shape).bind(_flatten(remainder, item_shape))
        operand = node.type.primitive
        if item.method in ("sum", "average") and operand not in _NUMERIC:
            raise _error(f"{item.method} aggregates numbers, not values of type {node.type.describe()}")
        if item.method in ("min", "max") and operand not in _ORDERED:
            raise _error(f"{item.method} needs values that can be ordered, not {node.type.describe()}")
        assert operand is not None
        return AggregateItem(item.alias, item.method, node, navigation, _result_type(item.method, operand))

    def _countdistinct_operand(self, expression: syntax.Expr, shape: Shape) -> Node:
        """``countdistinct`` of a value, or of an entity reached by a single-valued path (counted by key)."""
        binder = self.expressions(shape)
        node = binder.bind_any(_flatten(expression, shape))
        if isinstance(node, nodes.EntityAccess):
            assert node.type.entity_type is not None
            key = node.type.entity_type.key_properties
            if len(key) != 1:
                raise FeatureNotImplementedError(
                    "countdistinct of entities with a composite key is not supported yet", target=TARGET
                )
            return nodes.PropertyAccess(node.variable, node.navigation, key[0])
        if node.type.collection:
            raise _error("countdistinct needs a single value per instance")
        return node

    def _collection_prefix(
        self, expression: syntax.Expr | None, shape: Shape
    ) -> tuple[tuple[NavigationProperty, ...], syntax.Expr | None, EntityType]:
        """Split a path such as ``Order_Details/Quantity`` into the navigation it goes
        through and the rest; for ``$count`` and ``Nav/$count``, the rest is None. An
        expression that is not a path keeps its navigation inside (evaluated per row)."""
        entity_type = shape.entity_type
        if not isinstance(expression, syntax.MemberExpr) or shape.aggregated:
            return (), expression, entity_type
        navigation: list[NavigationProperty] = []
        steps = list(expression.steps)
        while steps and isinstance(steps[0], syntax.NameStep) and steps[0].arguments is None:
            nav = entity_type.navigation_properties.get(steps[0].name)  # type: ignore[union-attr]
            if nav is None:
                break
            navigation.append(nav)
            entity_type = self.model.entity_type(nav.target_type)
            steps.pop(0)
        if not navigation:
            return (), expression, shape.entity_type
        rest = syntax.MemberExpr(tuple(steps)) if steps else None
        return tuple(navigation), rest, entity_type

    def _groupby(self, transformation: syntax.GroupBy, shape: Shape) -> GroupBy | Concat:
        """``groupby``; with ``rollup(A,B)`` the ``concat`` of ``groupby((A,B),...)`` and
        ``groupby((A),...)`` (Data Aggregation §3.2.3.2): a subtotal lacks the properties
        rolled up."""
        rollups = [element for element in transformation.grouping if isinstance(element, syntax.Rollup)]
        if not rollups:
            return self._simple_groupby(transformation.grouping, transformation.apply, shape)  # type: ignore[arg-type]
        if len(rollups) > 1:
            raise FeatureNotImplementedError("More than one rollup in a groupby is not supported yet", target=TARGET)
        (rollup,) = rollups
        if rollup.hierarchy is not None:
            raise FeatureNotImplementedError("Named hierarchies in rollup are not supported", target=TARGET)
        levels = []
        for kept in range(len(rollup.paths), 0, -1):
            grouping: list[syntax.Path] = []
            for element in transformation.grouping:
                grouping.extend(rollup.paths[:kept] if element is rollup else (element,))  # type: ignore[arg-type]
            levels.append((self._simple_groupby(tuple(grouping), transformation.apply, shape),))
        branches = tuple(levels)
        return Concat(branches, _concat_shape(branches, shape))

    def _simple_groupby(
        self, elements: tuple[syntax.Path, ...], apply: tuple[syntax.Transformation, ...], shape: Shape
    ) -> GroupBy | PerGroup:
        grouping: list[GroupingProperty] = []
        entities: list[str] = []
        for element in elements:
            if not isinstance(element, tuple):
                raise FeatureNotImplementedError("rolluprecursive is not supported", target=TARGET)
            properties = self._grouping_properties(element, shape)
            if len(properties) > 1 or properties[0].name != "/".join(element):
                entities.append("/".join(element))
            grouping.extend(properties)
        if len({prop.name for prop in grouping}) != len(grouping):
            raise _error("groupby names a property twice")
        names = tuple(p.name for p in grouping)
        prepare: tuple[Step, ...] = ()
        aggregate: tuple[AggregateItem, ...] = ()
        if apply and isinstance(apply[-1], syntax.Aggregate):
            prepare = self._sequence(apply[:-1], shape)
            _within(prepare, Filter | Search | Compute, "before aggregate")
            aggregate = self._aggregate_items(apply[-1].items, output_shape(prepare, shape), taken=names)
        elif apply:
            # Without aggregate, each group's result is the entities its transformations keep.
            steps = self._sequence(apply, shape)
            _within(steps, Filter | Search | Compute | OrderBy | Top | Skip | TopBottom, "without aggregate")
            if shape.aggregated:
                raise FeatureNotImplementedError("groupby of aggregated instances needs aggregate", target=TARGET)
            return PerGroup(tuple(grouping), steps, output_shape(steps, shape))
        result = _aggregated_shape(shape, tuple(grouping), aggregate)
        return GroupBy(tuple(grouping), prepare, aggregate, replace(result, entities=tuple(entities)))

    def _grouping_properties(self, path: syntax.Path, shape: Shape) -> list[GroupingProperty]:
        """The property a grouping path names; for a related entity (``Category``), each of its properties."""
        name = "/".join(path)
        if shape.aggregated:
            prop = shape.entity_type.properties.get(name)
            if prop is None:
                raise _error(f"groupby names {name}, which the input of groupby does not have")
            return [GroupingProperty(name, nodes.PropertyAccess("$it", (), prop), prop.type)]
        expression = syntax.MemberExpr(tuple(syntax.NameStep(step) for step in path))
        node = self.expressions(shape).bind_any(expression)
        if isinstance(node, nodes.EntityAccess):
            target = node.type.entity_type
            assert target is not None
            return [
                GroupingProperty(
                    f"{name}/{prop.name}", nodes.PropertyAccess(node.variable, node.navigation, prop), prop.type
                )
                for prop in target.properties.values()
            ]
        if node.type.collection or node.type.primitive is None:
            raise _error(f"groupby needs single-valued properties; {name} is not one")
        return [GroupingProperty(name, node, node.type.primitive)]


def _result_type(method: str, operand: PrimitiveType) -> PrimitiveType:
    """The type of an aggregated value (Data Aggregation §3.2.1.4)."""
    if method in ("min", "max"):
        return operand
    if operand in INTEGER_RANGES:
        return P.INT64 if method == "sum" else P.DOUBLE
    if operand is P.DECIMAL:
        return P.DECIMAL
    return P.DOUBLE


def _synthetic(base: EntityType, properties: Mapping[str, Property]) -> EntityType:
    return EntityType(name=base.name, namespace=base.namespace, key=(), properties=MappingProxyType(dict(properties)))


def aggregated_shape(base: EntityType, types: Mapping[str, PrimitiveType]) -> Shape:
    """The shape of aggregated instances with these flat properties."""
    return Shape(_synthetic(base, {name: Property(name, kind) for name, kind in types.items()}), aggregated=True)


def _aggregated_shape(shape: Shape, grouping: tuple[GroupingProperty, ...], items: tuple[AggregateItem, ...]) -> Shape:
    types = {prop.name: prop.type for prop in grouping} | {item.alias: item.type for item in items}
    return aggregated_shape(shape.entity_type, types)


def _with_property(shape: Shape, alias: str, node: Node) -> Shape:
    assert node.type.primitive is not None
    if shape.aggregated:
        properties = {**shape.entity_type.properties, alias: Property(alias, node.type.primitive)}
        return replace(shape, entity_type=_synthetic(shape.entity_type, properties))
    return replace(shape, computed=MappingProxyType({**shape.computed, alias: node}))


def _within(steps: tuple[Step, ...], allowed: Any, where: str) -> None:
    for step in steps:
        if not isinstance(step, allowed):
            raise FeatureNotImplementedError(
                f"Within groupby {where}, the transformation {type(step).__name__.lower()} is not supported",
                target=TARGET,
            )


def _flat_branches(steps: tuple[Step, ...]) -> tuple[tuple[Step, ...], ...]:
    """A branch that ends in a concat (a rollup) is one branch per branch of it."""
    if steps and isinstance(steps[-1], Concat):
        *before, last = steps
        return tuple((*before, *branch) for branch in last.branches)
    if any(isinstance(step, Concat) for step in steps):
        raise FeatureNotImplementedError(
            "A concat (or rollup) followed by other transformations inside concat is not supported", target=TARGET
        )
    return (steps,)


def _concat_shape(branches: tuple[tuple[Step, ...], ...], shape: Shape) -> Shape:
    """All the properties any branch gives (a branch's rows have only its own)."""
    shapes = [output_shape(branch, shape) for branch in branches]
    if not any(branch_shape.aggregated for branch_shape in shapes):
        return shape
    types: dict[str, PrimitiveType] = {}
    for branch_shape in shapes:
        types.update({name: prop.type for name, prop in branch_shape.entity_type.properties.items()})
        types.update({alias: node.type.primitive or P.STRING for alias, node in branch_shape.computed.items()})
    entities = tuple(dict.fromkeys(name for branch_shape in shapes for name in branch_shape.entities))
    return replace(aggregated_shape(shape.entity_type, types), entities=entities)


def _flatten(expression: syntax.Expr, shape: Shape) -> syntax.Expr:
    """On aggregated instances, a path grouped by (``Category/CategoryName``) names one flat property."""
    if not shape.aggregated:
        return expression
    if isinstance(expression, syntax.MemberExpr):
        names = [step.name for step in expression.steps if isinstance(step, syntax.NameStep) and step.arguments is None]
        if len(names) == len(expression.steps) > 1 and "/".join(names) in shape.entity_type.properties:
            return syntax.MemberExpr((syntax.NameStep("/".join(names)),))
        steps = tuple(
            replace(step, arguments=tuple(_flatten_argument(argument, shape) for argument in step.arguments))
            if isinstance(step, syntax.NameStep) and step.arguments
            else step
            for step in expression.steps
        )
        return syntax.MemberExpr(steps)
    if isinstance(expression, syntax.BinaryExpr):
        return replace(expression, left=_flatten(expression.left, shape), right=_flatten(expression.right, shape))
    if isinstance(expression, syntax.UnaryExpr):
        return replace(expression, operand=_flatten(expression.operand, shape))
    if isinstance(expression, syntax.ListExpr):
        return syntax.ListExpr(tuple(_flatten(item, shape) for item in expression.items))
    return expression


def _flatten_argument(argument: syntax.Argument, shape: Shape) -> syntax.Argument:
    if isinstance(argument, syntax.NamedArgument):
        return replace(argument, value=_flatten(argument.value, shape))
    if isinstance(argument, syntax.LambdaArgument):
        return argument
    return _flatten(argument, shape)


def _error(message: str) -> BadRequestError:
    return BadRequestError(message, target=TARGET, code="InvalidApply")


__all__ = [
    "Aggregate",
    "AggregateItem",
    "ApplyBinder",
    "Compute",
    "Concat",
    "Filter",
    "GroupBy",
    "GroupingProperty",
    "OrderBy",
    "PerGroup",
    "Search",
    "Shape",
    "Skip",
    "Step",
    "Top",
    "TopBottom",
    "aggregated_shape",
    "output_shape",
]
