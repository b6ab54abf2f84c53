"""``$apply`` → SQL: every transformation pushed down to the database, nothing aggregated in Python.

The rows move through the transformations in one of two forms:

- **entities** (:class:`Entities`): the entity set's rows, narrowed by predicates that
  compile against any alias of the entity (so ``top(5)`` becomes
  ``key IN (SELECT key ... ORDER BY ... LIMIT 5)`` over an alias of its own), with the
  ``compute`` aliases as expressions;
- **aggregated** (:class:`_Table`): a subquery whose columns are the flat properties of
  the shape (``Category/CategoryName``, ``Total``).

``aggregate`` and ``groupby`` compute the values per input row in an inner SELECT,
then group them (``GROUP BY``); a value reached through a collection-valued navigation
property (``Order_Details/Quantity with sum``) is aggregated in a SELECT of its own over
the join, joined to the groups on their grouping values. ``rollup`` is a ``UNION ALL``
of one grouping per level, ``concat`` a ``UNION ALL`` of the branches (with columns
telling them apart and keeping each one's order), and
``topcount``/``toppercent``/``topsum`` (and bottom) use window functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from odata_server.edm.model import EntityType, Model
from odata_server.edm.storage import EntityStorage, Storage
from odata_server.edm.types import PrimitiveType
from odata_server.query.expressions import Entity, ExpressionCompiler, RangeVariable, sql_type
from odata_server.query.search import search_condition
from odata_server.uri import apply, nodes
from odata_server.uri.nodes import Node

Select = sa.Select[Any]
Column = sa.ColumnElement[Any]
Ordering = tuple[tuple[Node, bool], ...]

#: The columns of a result that tell which ``concat`` branch a row comes from, and its place there.
BRANCH = "__branch"
POSITION = "__position"


@dataclass(frozen=True, slots=True)
class ApplyPlan:
    """The statements of a request with ``$apply``.

    Attributes:
        statement: the rows: one column per name in ``columns``, then :data:`BRANCH`.
        count: the number of rows before ``$top``/``$skip``, when asked.
        columns: (flat name, Edm type) of each column.
        branches: for each branch (one without ``concat``), the names its rows have.
    """

    statement: Select
    count: Select | None
    columns: tuple[tuple[str, PrimitiveType], ...]
    branches: tuple[Branch, ...]


@dataclass(frozen=True, slots=True)
class Branch:
    """The rows of one ``concat`` branch (or of the whole result): the names they have,
    and whether they are entities of the set (kept by ``filter``, ``top`` ...) rather
    than aggregated instances."""

    names: tuple[str, ...]
    entities: bool


@dataclass(frozen=True, slots=True)
class _Alias:
    """An alias of the entity in a FROM clause, with the compiler of expressions on it."""

    entity: Entity
    compiler: ExpressionCompiler


Predicate = Callable[[_Alias], Column]


@dataclass(frozen=True)
class Entities:
    """Rows that are still entities of one type."""

    entity_type: EntityType
    predicates: tuple[Predicate, ...] = ()
    computed: tuple[tuple[str, Node], ...] = ()
    order: Ordering = ()


@dataclass(frozen=True)
class _Table:
    """Aggregated rows: a subquery with one column per property of ``shape``."""

    subquery: sa.Subquery
    shape: apply.Shape
    order: Ordering = ()


Rows = Entities | _Table


class ApplyCompiler:
    """Compiles the steps of one ``$apply`` (and the options after it) for one dialect."""

    def __init__(self, model: Model, storage: Storage, dialect: str) -> None:
        self.model = model
        self.storage = storage
        self.dialect = dialect

    def plan(
        self,
        start: Entities,
        steps: Sequence[apply.Step],
        *,
        top: int | None,
        skip: int | None,
        count: bool,
        limit: int,
    ) -> ApplyPlan:
        """The rows after ``steps``, then ``$skip``/``$top``, at most ``limit`` of them."""
        rows: Rows = start
        branches: tuple[Branch, ...] | None = None
        for step in steps:
            if isinstance(step, apply.Concat):
                rows, branches = self._concat(rows, step)
                continue
            rows = self._step(rows, step)
            if isinstance(step, apply.Aggregate | apply.GroupBy | apply.Compute):
                branches = None  # new rows, all of one structure
        alias = self._alias(rows)
        columns = self._columns(rows, alias)
        statement = self._from(rows, alias).add_columns(*(column.label(name) for name, column, _ in columns))
        if isinstance(rows, _Table) and branches is not None:
            statement = statement.add_columns(rows.subquery.c[BRANCH])
            concatenated = [rows.subquery.c[BRANCH], rows.subquery.c[POSITION]]
            order = self._order(rows, alias) if rows.order else concatenated
        else:
            statement = statement.add_columns(sa.literal(0).label(BRANCH))
            order = self._order(rows, alias)
        counted = sa.select(sa.func.count()).select_from(statement.subquery()) if count else None
        statement = statement.order_by(*order)
        if skip:
            statement = statement.offset(skip)
        statement = statement.limit(limit if top is None else min(limit, top))
        names = tuple(name for name, _, _ in columns)
        branches = branches or (Branch(names, isinstance(rows, Entities)),)
        return ApplyPlan(statement, counted, tuple((name, kind) for name, _, kind in columns), branches)

    # -- one step

    def _step(self, rows: Rows, step: apply.Step) -> Rows:
        if isinstance(step, apply.Filter):
            return self._filter(rows, step.condition)
        if isinstance(step, apply.Search):
            return self._search(rows, step)
        if isinstance(step, apply.Compute):
            return self._compute(rows, step)
        if isinstance(step, apply.OrderBy):
            return replace(rows, order=step.items)
        if isinstance(step, apply.Top | apply.Skip | apply.TopBottom):
            return self._cut(rows, step)
        if isinstance(step, apply.Aggregate):
            return self._grouped(rows, rows, (), step.items, step.shape)
        if isinstance(step, apply.PerGroup):
            return self._per_group(rows, step)
        assert isinstance(step, apply.GroupBy)
        prepared = rows
        for inner in step.prepare:
            prepared = self._step(prepared, inner)
        return self._grouped(rows, prepared, step.grouping, step.aggregate, step.shape)

    def _filter(self, rows: Rows, condition: Node) -> Rows:
        if isinstance(rows, Entities):
            return replace(rows, predicates=(*rows.predicates, lambda alias: alias.compiler.condition(condition)))
        where = self._table_compiler(rows).condition(condition)
        return replace(rows, subquery=sa.select(*rows.subquery.c).where(where).subquery())

    def _search(self, rows: Rows, step: apply.Search) -> Rows:
        assert isinstance(rows, Entities)
        storage = self.storage[rows.entity_type.qualified_name]

        def predicate(alias: _Alias) -> Column:
            columns = [getattr(alias.entity, storage.columns[name]) for name in step.properties]
            return search_condition(step.expression, columns)

        return replace(rows, predicates=(*rows.predicates, predicate))

    def _compute(self, rows: Rows, step: apply.Compute) -> Rows:
        if isinstance(rows, Entities):
            return replace(rows, computed=(*rows.computed, *step.items))
        compiler = self._table_compiler(rows)
        extra = [compiler.compile(node).label(alias) for alias, node in step.items]
        return _Table(sa.select(*rows.subquery.c, *extra).subquery(), step.shape, rows.order)

    def _per_group(self, rows: Rows, step: apply.PerGroup) -> Rows:
        """Transformations within each group that keep entities: cuts are partitioned by
        the grouping values; the entities come group by group."""
        assert isinstance(rows, Entities)
        for inner in step.steps:
            if isinstance(inner, apply.Top | apply.Skip | apply.TopBottom):
                rows = self._cut(rows, inner, partition=step.grouping)
            else:
                rows = self._step(rows, inner)
        grouped = tuple((prop.expression, False) for prop in step.grouping)
        return replace(rows, order=(*grouped, *rows.order))

    def _cut(
        self,
        rows: Rows,
        step: apply.Top | apply.Skip | apply.TopBottom,
        partition: Sequence[apply.GroupingProperty] = (),
    ) -> Rows:
        """``top``, ``skip``, ``topcount`` and kin: keep some rows (within each partition);
        their order goes on."""
        order = _value_order(step) or rows.order
        if isinstance(rows, Entities):
            inner = self._alias(rows)
            assert inner is not None
            keys = self._keys(rows.entity_type, inner.entity)
            statement = self._from(rows, inner).add_columns(*keys)
            if partition:
                parts = [inner.compiler.compile(prop.expression) for prop in partition]
                chosen = self._kept_per_group(statement, step, inner.compiler, rows.order, keys, parts)
            else:
                chosen = self._kept(statement, step, inner.compiler, rows.order, keys)

            def predicate(alias: _Alias) -> Column:
                own = self._keys(rows.entity_type, alias.entity)
                return (own[0] if len(own) == 1 else sa.tuple_(*own)).in_(chosen)

            return replace(rows, predicates=(*rows.predicates, predicate), order=order)
        columns = list(rows.subquery.c)
        kept = self._kept(sa.select(*columns), step, self._table_compiler(rows), rows.order, columns)
        return replace(rows, subquery=kept.subquery(), order=order)

    def _kept(
        self,
        statement: Select,
        step: apply.Top | apply.Skip | apply.TopBottom,
        compiler: ExpressionCompiler,
        order: Ordering,
        tiebreak: Sequence[Column],
    ) -> Select:
        """``statement`` narrowed to the rows ``step`` keeps (``tiebreak`` makes the order total)."""
        ordering = [_sorted(compiler.compile(node), descending) for node, descending in order] + list(tiebreak)
        if isinstance(step, apply.Top):
            return statement.order_by(*ordering).limit(step.count)
        if isinstance(step, apply.Skip):
            return statement.order_by(*ordering).offset(step.count)
        value = compiler.compile(step.value)
        ranked = [_sorted(value, step.kind.startswith("top")), *tiebreak]
        statement = statement.where(value.is_not(None))
        if step.kind.endswith("count"):
            return statement.order_by(*ranked).limit(int(step.limit))
        # The fewest rows, best first, whose values reach the sum (or the percentage of the total).
        running = sa.func.sum(value).over(order_by=ranked, rows=(None, 0))
        windowed = statement.add_columns(
            value.label("_value"), running.label("_running"), sa.func.sum(value).over().label("_total")
        ).subquery()
        threshold: Any = windowed.c._total * (step.limit / 100) if step.kind.endswith("percent") else step.limit
        names = [column.name for column in statement.selected_columns]
        return sa.select(*(windowed.c[name] for name in names)).where(
            windowed.c._running - windowed.c._value < threshold
        )

    def _kept_per_group(
        self,
        statement: Select,
        step: apply.Top | apply.Skip | apply.TopBottom,
        compiler: ExpressionCompiler,
        order: Ordering,
        keys: Sequence[Column],
        partition: Sequence[Column],
    ) -> Select:
        """The keys ``step`` keeps within each group: by rank (``row_number``) or by running sum."""
        if isinstance(step, apply.TopBottom):
            value = compiler.compile(step.value)
            ranked = [_sorted(value, step.kind.startswith("top")), *keys]
            statement = statement.where(value.is_not(None))
        else:
            value = None
            ranked = [_sorted(compiler.compile(node), descending) for node, descending in order] + list(keys)
        position = sa.func.row_number().over(partition_by=partition, order_by=ranked)
        extra = [position.label("_position")]
        if value is not None and not step.kind.endswith("count"):
            running = sa.func.sum(value).over(partition_by=partition, order_by=ranked, rows=(None, 0))
            total = sa.func.sum(value).over(partition_by=partition)
            extra += [value.label("_value"), running.label("_running"), total.label("_total")]
        windowed = statement.add_columns(*extra).subquery()
        names = [column.name for column in statement.selected_columns]
        if isinstance(step, apply.Top):
            kept = windowed.c._position <= step.count
        elif isinstance(step, apply.Skip):
            kept = windowed.c._position > step.count
        elif step.kind.endswith("count"):
            kept = windowed.c._position <= int(step.limit)
        else:
            threshold: Any = windowed.c._total * (step.limit / 100) if step.kind.endswith("percent") else step.limit
            kept = windowed.c._running - windowed.c._value < threshold
        return sa.select(*(windowed.c[name] for name in names)).where(kept)

    # -- aggregate and groupby

    def _grouped(
        self,
        rows: Rows,
        prepared: Rows,
        grouping: Sequence[apply.GroupingProperty],
        items: Sequence[apply.AggregateItem],
        shape: apply.Shape,
    ) -> _Table:
        """The groups of ``rows`` with the values aggregated over ``prepared`` (the rows
        left in each group once filtered within it); groups come in the order of their
        grouping values unless an ``orderby`` says otherwise."""
        direct = [item for item in items if not item.navigation and not item.from_]
        values = self._values(prepared, grouping, direct)
        group_columns = [values.c[f"g{slot}"] for slot in range(len(grouping))]
        aggregated = [
            _aggregate(item, values.c[f"a{index}"] if item.expression is not None else None).label(f"x{index}")
            for index, item in enumerate(direct)
        ]
        if not group_columns and not aggregated:  # one row, to join the values aggregated through navigation to
            aggregated = [sa.func.count().label("_rows")]
        main = sa.select(*group_columns, *aggregated).select_from(values).group_by(*group_columns).subquery()
        results = {item.alias: main.c[f"x{index}"] for index, item in enumerate(direct)}
        groups: Any = main
        joined: Any = main
        if prepared is not rows and grouping:  # every group of the input, with or without rows left
            every = self._values(rows, grouping, ())
            groups = sa.select(*(every.c[f"g{slot}"] for slot in range(len(grouping)))).distinct().subquery()
            joined = groups.outerjoin(main, _same_groups(groups, main, len(grouping)))
            results = {alias: _counted(column, items, alias) for alias, column in results.items()}
        for index, item in enumerate(items):
            if item.navigation or item.from_:
                compute = self._related if item.navigation else self._aggregated_from
                related = compute(prepared, grouping, item, index)
                joined = joined.outerjoin(related, _same_groups(groups, related, len(grouping)))
                results[item.alias] = _counted(related.c[f"x{index}"], items, item.alias)
        outer = [groups.c[f"g{slot}"].label(prop.name) for slot, prop in enumerate(grouping)]
        typed = [sa.type_coerce(results[item.alias], sql_type(item.type)).label(item.alias) for item in items]
        statement = sa.select(*outer, *typed).select_from(joined)
        order = tuple(
            (nodes.PropertyAccess("$it", (), shape.entity_type.properties[prop.name]), False) for prop in grouping
        )
        return _Table(statement.subquery(), shape, order)

    def _values(
        self, rows: Rows, groups: Sequence[apply.GroupingProperty], items: Sequence[apply.AggregateItem]
    ) -> sa.Subquery:
        """Per input row: the grouping values (g0, g1 ...) and the values to aggregate (a0 ...).

        A value reached through single-valued navigation (``Product/CategoryID``) comes
        from a LEFT JOIN, one per path, rather than a subquery per row."""
        alias = self._alias(rows)
        if alias is None:
            compiler: ExpressionCompiler = self._table_compiler(rows)  # type: ignore[arg-type]
        else:
            assert isinstance(rows, Entities)
            storage = self.storage[rows.entity_type.qualified_name]
            variable = RangeVariable(alias.entity, rows.entity_type, storage)
            compiler = _JoiningCompiler(self.model, self.storage, variable, self.dialect)
        columns = [compiler.compile(prop.expression).label(f"g{slot}") for slot, prop in enumerate(groups)]
        columns += [
            compiler.compile(item.expression).label(f"a{index}")
            for index, item in enumerate(items)
            if item.expression is not None
        ]
        statement = self._from(rows, alias)
        for join in getattr(compiler, "joins", ()):
            statement = statement.outerjoin(join)
        return statement.add_columns(*(columns or [sa.literal(1).label("_row")])).subquery()

    def _related(
        self, rows: Rows, groups: Sequence[apply.GroupingProperty], item: apply.AggregateItem, index: int
    ) -> sa.Subquery:
        """A value aggregated through navigation, per group: over the distinct related entities."""
        assert isinstance(rows, Entities)
        alias = self._alias(rows)
        assert alias is not None
        statement = self._from(rows, alias)
        current, storage = alias.entity, self.storage[rows.entity_type.qualified_name]
        for navigation in item.navigation:
            relationship = getattr(current, storage.relationships[navigation.name])
            storage = self.storage[navigation.target_type]
            target = aliased(storage.mapped_class)
            statement = statement.join(relationship.of_type(target))
            current = target
        target_type = self.model.entity_type(item.navigation[-1].target_type)
        if item.expression is None:  # Nav/$count: the related entities
            value = self._keys(target_type, current)[0]
        else:
            variable = RangeVariable(current, target_type, storage)
            value = ExpressionCompiler(self.model, self.storage, variable, self.dialect).compile(item.expression)
        grouped = [alias.compiler.compile(prop.expression).label(f"g{slot}") for slot, prop in enumerate(groups)]
        # Each related entity counts once per group, however many rows reach it.
        reached = [key.label(f"k{slot}") for slot, key in enumerate(self._keys(target_type, current))]
        values = statement.add_columns(*grouped, *reached, value.label("v")).distinct().subquery()
        group_columns = [values.c[f"g{slot}"] for slot in range(len(groups))]
        aggregated = _aggregate(item, values.c.v).label(f"x{index}")
        return sa.select(*group_columns, aggregated).select_from(values).group_by(*group_columns).subquery()

    def _aggregated_from(
        self, rows: Rows, grouping: Sequence[apply.GroupingProperty], item: apply.AggregateItem, index: int
    ) -> sa.Subquery:
        """``A from P1 with g1 from P2 with g2``, per group: A per group of (groups, P1, P2),
        then g1 over P1, then g2 over P2."""
        base = replace(item, from_=())
        paths = [prop for props, _ in item.from_ for prop in props]
        values = self._values(rows, [*grouping, *paths], [base] if base.expression is not None else [])
        kept = list(range(len(grouping) + len(paths)))
        columns = [values.c[f"g{slot}"] for slot in kept]
        value = _aggregate(base, values.c.a0 if base.expression is not None else None)
        table = sa.select(*columns, value.label("x")).select_from(values).group_by(*columns).subquery()
        start = len(grouping)
        for props, method in item.from_:
            dropped = set(range(start, start + len(props)))
            start += len(props)
            kept = [slot for slot in kept if slot not in dropped]
            columns = [table.c[f"g{slot}"] for slot in kept]
            value = _method(method, table.c.x)
            table = sa.select(*columns, value.label("x")).select_from(table).group_by(*columns).subquery()
        return sa.select(*(table.c[f"g{slot}"] for slot in kept), table.c.x.label(f"x{index}")).subquery()

    # -- concat

    def _concat(self, rows: Rows, step: apply.Concat) -> tuple[_Table, tuple[Branch, ...]]:
        """Each branch's rows after one another; the names each branch's rows have."""
        ends: list[Rows] = []
        for branch in step.branches:
            end = rows
            for inner in branch:
                end = self._step(end, inner)
            ends.append(end)
        union: dict[str, PrimitiveType] = {}
        branch_names: list[Branch] = []
        selects = []
        for index, end in enumerate(ends):
            alias = self._alias(end)
            columns = self._columns(end, alias)
            branch_names.append(Branch(tuple(name for name, _, _ in columns), isinstance(end, Entities)))
            for name, _, kind in columns:
                union.setdefault(name, kind)
            selects.append((end, alias, {name: column for name, column, _ in columns}, index))
        statements = []
        for end, alias, have, index in selects:
            labelled = [
                (have[name] if name in have else sa.cast(sa.null(), sql_type(kind))).label(name)
                for name, kind in union.items()
            ]
            position = sa.func.row_number().over(order_by=self._order(end, alias) or None)
            statements.append(
                self._from(end, alias).add_columns(*labelled, sa.literal(index).label(BRANCH), position.label(POSITION))
            )
        shape = apply.aggregated_shape(step.shape.entity_type, union)
        table = _Table(sa.union_all(*statements).subquery(), shape)
        return table, tuple(branch_names)

    # -- rows to SQL

    def _alias(self, rows: Rows) -> _Alias | None:
        """A new alias of the entity (entities), or None (aggregated rows)."""
        if isinstance(rows, _Table):
            return None
        storage = self.storage[rows.entity_type.qualified_name]
        entity = aliased(storage.mapped_class)
        variable = RangeVariable(entity, rows.entity_type, storage)
        return _Alias(entity, ExpressionCompiler(self.model, self.storage, variable, self.dialect))

    def _from(self, rows: Rows, alias: _Alias | None) -> Select:
        """A SELECT without columns yet over ``rows``."""
        if isinstance(rows, _Table):
            return sa.select().select_from(rows.subquery)
        assert alias is not None
        return sa.select().select_from(alias.entity).where(*(predicate(alias) for predicate in rows.predicates))

    def _table_compiler(self, rows: _Table) -> ExpressionCompiler:
        names = rows.shape.entity_type.properties
        storage = EntityStorage(
            mapped_class=object,
            columns={name: name for name in names},
            relationships={},
            key=rows.shape.entity_type.key,
        )
        variable = RangeVariable(rows.subquery.c, rows.shape.entity_type, storage)  # type: ignore[arg-type]
        return ExpressionCompiler(self.model, self.storage, variable, self.dialect)

    def _keys(self, entity_type: EntityType, entity: Entity) -> list[Column]:
        storage = self.storage[entity_type.qualified_name]
        return [getattr(entity, storage.columns[name]) for name in storage.key]

    def _columns(self, rows: Rows, alias: _Alias | None) -> list[tuple[str, Column, PrimitiveType]]:
        """(name, SQL expression, Edm type) of the properties of each row."""
        if isinstance(rows, _Table):
            return [
                (name, rows.subquery.c[name], prop.type) for name, prop in rows.shape.entity_type.properties.items()
            ]
        assert alias is not None
        storage = self.storage[rows.entity_type.qualified_name]
        columns = [
            (name, getattr(alias.entity, storage.columns[name]), prop.type)
            for name, prop in rows.entity_type.properties.items()
        ]
        columns += [
            (name, alias.compiler.compile(node), node.type.primitive or PrimitiveType.STRING)
            for name, node in rows.computed
        ]
        return columns

    def _order(self, rows: Rows, alias: _Alias | None) -> list[Column]:
        """The pending order, made total (entities by their key)."""
        if isinstance(rows, _Table):
            compiler = self._table_compiler(rows)
            return [_sorted(compiler.compile(node), descending) for node, descending in rows.order]
        assert alias is not None
        ordered = [_sorted(alias.compiler.compile(node), descending) for node, descending in rows.order]
        return ordered + self._keys(rows.entity_type, alias.entity)


class _JoiningCompiler(ExpressionCompiler):
    """Compiles ``$it``'s single-valued navigation paths to LEFT JOINs (collected in
    ``joins``, one per path) instead of correlated subqueries: the same values (null
    where nothing is related), read once per query rather than once per row."""

    def __init__(self, model: Model, storage: Storage, it: RangeVariable, dialect: str) -> None:
        super().__init__(model, storage, it, dialect)
        self.joins: list[Any] = []
        self._targets: dict[tuple[str, ...], tuple[Entity, EntityStorage]] = {}

    def _PropertyAccess(self, node: nodes.PropertyAccess) -> Column:
        if node.variable != "$it" or not node.navigation or any(nav.collection for nav in node.navigation):
            return super()._PropertyAccess(node)
        variable = self.ranges["$it"]
        current, storage = variable.entity, variable.storage
        path: tuple[str, ...] = ()
        for navigation in node.navigation:
            path += (navigation.name,)
            if path not in self._targets:
                relationship = getattr(current, storage.relationships[navigation.name])
                target_storage = self.storage[navigation.target_type]
                target = aliased(target_storage.mapped_class)
                self.joins.append(relationship.of_type(target))
                self._targets[path] = (target, target_storage)
            current, storage = self._targets[path]
        return getattr(current, storage.columns[node.property.name])  # type: ignore[no-any-return]


def entities_with_keys(storage: Storage, entity_type: EntityType, keys: Select) -> Entities:
    """The entities whose key ``keys`` selects (those a path with navigation reaches)."""
    entity_storage = storage[entity_type.qualified_name]
    chosen = keys.subquery()

    def predicate(alias: _Alias) -> Column:
        own = [getattr(alias.entity, entity_storage.columns[name]) for name in entity_storage.key]
        return (own[0] if len(own) == 1 else sa.tuple_(*own)).in_(sa.select(*chosen.c))

    return Entities(entity_type, (predicate,))


def _same_groups(left: Any, right: Any, count: int) -> Column:
    """The join of two grouped subqueries on their grouping values (null equal to null)."""
    return sa.and_(sa.true(), *(left.c[f"g{slot}"].is_not_distinct_from(right.c[f"g{slot}"]) for slot in range(count)))


def _counted(column: Column, items: Sequence[apply.AggregateItem], alias: str) -> Column:
    """A count of a group nothing joined to is 0, not null."""
    (item,) = [item for item in items if item.alias == alias]
    counts = item.method in (None, "countdistinct")
    return sa.func.coalesce(column, 0) if counts else column


def _sorted(column: Column, descending: bool) -> Column:
    """Nulls first ascending, last descending, as OData orders them."""
    return column.desc().nulls_last() if descending else column.asc().nulls_first()


def _value_order(step: apply.Step) -> Ordering:
    if isinstance(step, apply.TopBottom):
        return ((step.value, step.kind.startswith("top")),)
    return ()


def _aggregate(item: apply.AggregateItem, value: Column | None) -> Column:
    if item.method is None:
        return sa.func.count() if value is None else sa.func.count(value)
    assert value is not None
    return _method(item.method, value)


def _method(method: str, value: Column) -> Column:
    """An aggregation method of the extension as SQL."""
    if method == "countdistinct":
        return sa.func.count(sa.distinct(value))
    if method == "average":
        return sa.func.avg(value)
    return getattr(sa.func, method)(value)  # type: ignore[no-any-return]


__all__ = ["BRANCH", "ApplyCompiler", "ApplyPlan", "Branch", "Entities", "entities_with_keys"]
