"""Resource path and query options → SQLAlchemy selects, applied in the order the spec gives.

A path such as ``Customers('ALFKI')/Orders(10643)/Order_Details`` becomes one
SELECT: the addressed entity type's columns, joined back along each navigation
property to the entity set the path starts from, filtered by each key on the way.
For a collection, the options follow (after AspNetCoreOData's
``ODataQueryOptions.ApplyTo``): ``$filter`` and ``$search``, then ``$count`` (of the filtered
collection), ``$orderby`` made total with the order a function gave its result (if
the path starts there) and the key, the ``$skiptoken`` of a next
page, ``$skip``, and ``$top`` within the page size. Rows come back as plain tuples
(no ORM objects) in the order of the properties asked for, followed by the sort
values. Every value from the URL is a bound parameter.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from odata_server.edm.model import (
    ContainedEntities,
    ContainerKey,
    EntityType,
    Model,
    NavigationProperty,
    NavigationSource,
    Property,
)
from odata_server.edm.storage import EntityStorage, Storage
from odata_server.edm.types import PrimitiveType
from odata_server.query import polymorphic
from odata_server.query.containers import container_key_column
from odata_server.query.expressions import Entity, ExpressionCompiler, RangeVariable
from odata_server.query.paging import SkipToken, SortKey, after, after_parameters, order_by, token_column
from odata_server.query.search import search_condition
from odata_server.uri.bound_options import BoundOptions, Computed, DerivedProperty, EntityTypeName, Field
from odata_server.uri.path import (
    EntitySetSegment,
    KeySegment,
    NavigationSegment,
    PathSegment,
    ResultSegment,
    TypeCastSegment,
)

Select = sa.Select[Any]


@dataclass(slots=True)
class _Hop:
    """The entities of one entity set (or function result) or navigation property of a path:
    where they are, their type (after any type cast), and the keys that pick among them."""

    source: NavigationSource
    navigation: NavigationProperty | None
    entity_type: EntityType
    keys: list[KeySegment]


def _hops(segments: Sequence[PathSegment], model: Model) -> list[_Hop]:
    hops: list[_Hop] = []
    for segment in segments:
        if isinstance(segment, ResultSegment):
            hops.append(_Hop(segment.entity_set, None, segment.entity_type or segment.entity_set.entity_type, []))
        elif isinstance(segment, EntitySetSegment):
            hops.append(_Hop(segment.entity_set, None, segment.entity_set.entity_type, []))
        elif isinstance(segment, NavigationSegment):
            target_type = model.entity_type(segment.navigation.target_type)
            hops.append(_Hop(segment.entity_set, segment.navigation, target_type, []))
        elif isinstance(segment, TypeCastSegment):
            hops[-1].entity_type = segment.entity_type
        elif isinstance(segment, KeySegment):
            hops[-1].keys.append(segment)
        else:  # pragma: no cover - callers pass entity segments only
            raise TypeError(f"not an entity segment: {segment!r}")
    return hops


class EntityQuery:
    """The FROM clause and WHERE conditions that reach the entities a path addresses.

    A path starts at an entity set, or at the entities a function returned
    (:class:`ResultSegment`): those whose key the function's query selects, joined to it
    as a subquery (``returned``). ``order`` is the order that query gave its rows, if it
    gave one. A type cast in the path reads only the rows of its type (its class's); the
    entities at the end come with the columns of the types derived from theirs.
    """

    def __init__(
        self, segments: Sequence[PathSegment], storage: Storage, model: Model, *, keys_as_parameters: bool = False
    ) -> None:
        self.model = model
        self.storage = storage
        hops = _hops(segments, model)
        self.returned: tuple[sa.Subquery, sa.ColumnElement[bool]] | None = None
        self.order: tuple[sa.ColumnElement[Any], ...] = ()
        self.joins: list[Any] = []
        self.conditions: list[sa.ColumnElement[bool]] = []
        self.aliases = polymorphic.Aliases()
        current: Entity | None = None
        current_type: EntityType | None = None
        key_numbers = itertools.count()
        for index, hop in enumerate(hops):
            # The first entities unaliased (a function's result joins their class's key), the
            # others aliased, so that a navigation back to a type already in the FROM clause
            # (Employees(1)/Employee1) joins a second copy of its table.
            derived = hop is hops[-1]
            entity = (
                self.aliases.of(model, storage, hop.entity_type, derived=derived)
                if index > 0
                else polymorphic.type_entity(model, storage, hop.entity_type, derived=derived, alias=False)
            )
            if current is None:
                self.root = entity
                first = segments[0]
                if isinstance(first, ResultSegment):
                    first_storage = storage[hop.entity_type.qualified_name]
                    names = [first_storage.columns[prop.name] for prop in hop.entity_type.key_properties]
                    self.returned, self.order = _returned_rows(
                        first.source,
                        [getattr(first_storage.mapped_class, name) for name in names],
                        [getattr(entity, name) for name in names],
                    )
            else:
                assert hop.navigation is not None and current_type is not None
                relationship = polymorphic.relationship(storage, current, current_type, hop.navigation.name)
                self.joins.append(relationship.of_type(entity))
            hop_storage = storage[hop.entity_type.qualified_name]
            for key in hop.keys:
                for prop, value in key.values:
                    column = getattr(entity, hop_storage.columns[prop.name])
                    if keys_as_parameters:  # numbered in path order, as key_parameters numbers their values
                        value = sa.bindparam(_key_parameter(next(key_numbers)), value, type_=column.type)
                    self.conditions.append(column == value)
            current, current_type = entity, hop.entity_type
        assert current is not None and current_type is not None
        self.source: NavigationSource = hops[-1].source
        """Where the addressed entities are: the last navigation's target, or the first segment's set."""
        self.target: Entity = current
        self.target_type: EntityType = current_type
        self.target_storage: EntityStorage = storage[current_type.qualified_name]

    def column(self, prop: Property, of_type: EntityType | None = None) -> sa.ColumnElement[Any]:
        """The column of a property of the addressed type, or of ``of_type`` derived from it."""
        if of_type is None:
            return getattr(self.target, self.target_storage.columns[prop.name])  # type: ignore[no-any-return]
        return polymorphic.column(self.model, self.storage, self.target, self.target_type, prop.name, of_type)

    def field(self, field: Field, compiler: ExpressionCompiler | None) -> sa.ColumnElement[Any]:
        """A property's column, a computed property's expression, a container's key, or each
        entity's type name."""
        if isinstance(field, Computed):
            assert compiler is not None
            return compiler.compile(field.expression)
        if isinstance(field, ContainerKey):
            assert isinstance(self.source, ContainedEntities)
            return container_key_column(self.storage, self.source, field, self.target)
        if isinstance(field, DerivedProperty):
            return self.column(field.property, field.entity_type)
        if isinstance(field, EntityTypeName):
            return polymorphic.type_name(self.model, self.storage, self.target, self.target_type)
        return self.column(field)

    def select(self, *columns: sa.ColumnElement[Any]) -> Select:
        statement = sa.select(*columns).select_from(self.root)
        if self.returned is not None:
            statement = statement.join(*self.returned)
        for join in self.joins:
            statement = statement.join(join)
        return statement.where(*self.conditions)


def _returned_rows(
    source: Select, keys: Sequence[Any], joined_keys: Sequence[Any]
) -> tuple[tuple[sa.Subquery, sa.ColumnElement[bool]], tuple[sa.ColumnElement[Any], ...]]:
    """A function's query as a subquery of its entities' keys (``keys``, of the mapped class),
    with the condition joining the entities to it (on ``joined_keys``, theirs in the query), and
    a row number in the order its ORDER BY gave (a subquery's own order is lost once more is
    selected from it). The entities are the mapped class itself where no derived type's
    tables join it, rather than an alias made anew at each call, which lets SQLAlchemy build
    and cache the statement several times faster. The subquery keeps the FROM clause of the
    function's query, joined tables of a derived class included."""
    ordering = tuple(source._order_by_clauses)  # no public accessor in SQLAlchemy 2
    position = (sa.func.row_number().over(order_by=ordering),) if ordering else ()
    rows = source.with_only_columns(*keys, *position, maintain_column_froms=True).subquery()
    columns = list(rows.c)
    joined = sa.and_(*(key == column for key, column in zip(joined_keys, columns)))
    return (rows, joined), tuple(columns[len(keys) :])


def path_key(segments: Sequence[PathSegment]) -> tuple[object, ...] | None:
    """What the statements of a path depend on, its key values left out (with
    ``keys_as_parameters`` they are parameters, :func:`key_parameters`): ``Categories(1)/Products``
    and ``Categories(2)/Products`` share one. None for a path from a function's result, whose
    query may be another each time. Model objects are named by identity: they live as
    long as the service."""
    key: list[object] = []
    for segment in segments:
        if isinstance(segment, ResultSegment):
            return None
        if isinstance(segment, KeySegment):
            key.append(tuple(id(prop) for prop, _ in segment.values))
        elif isinstance(segment, NavigationSegment):
            key.append((id(segment.navigation), id(segment.entity_set)))
        elif isinstance(segment, TypeCastSegment):
            key.append(id(segment.entity_type))
        else:
            key.append((type(segment), id(segment.entity_set)))
    return tuple(key)


def key_parameters(segments: Sequence[PathSegment]) -> dict[str, object]:
    """The key values of a path, as the parameters of its statements built with ``keys_as_parameters``."""
    values = [value for segment in segments if isinstance(segment, KeySegment) for _, value in segment.values]
    return {_key_parameter(index): value for index, value in enumerate(values)}


def _key_parameter(index: int) -> str:
    return f"odata_key_{index}"


def select_entities(
    segments: Sequence[PathSegment],
    storage: Storage,
    fields: Sequence[Field],
    *,
    model: Model,
    dialect: str = "",
) -> Select:
    """SELECT ``fields`` of the entities that ``segments`` address, their key values parameters
    (:func:`key_parameters`) that default to these: one statement serves a :func:`path_key`."""
    query = EntityQuery(segments, storage, model, keys_as_parameters=True)
    compiler = _compiler(query, dialect)
    return query.select(*(query.field(field, compiler) for field in fields))


def entities_exist(segments: Sequence[PathSegment], storage: Storage, model: Model) -> Select:
    """SELECT whether any entity is addressed by ``segments``."""
    return sa.select(sa.exists(EntityQuery(segments, storage, model).select(sa.literal(1))))


@dataclass(frozen=True, slots=True)
class PageStatement:
    """One page of a collection: its statement and the parameters to run it with.

    Attributes:
        statement: the fields, then one column per sort key; it asks for one row more
            than ``size`` to tell whether another page follows.
        parameters: the page's LIMIT, OFFSET and the sort values it starts after.
        size: the most rows this response holds.
        sent_before: entities sent by the previous pages.
        last: True when ``$top`` ends the collection within this page.
    """

    statement: Select
    parameters: dict[str, object]
    size: int
    sent_before: int
    last: bool


@dataclass(frozen=True, slots=True)
class CollectionPlan:
    """The statements of the pages of a collection, shared by every page: ``$top``, ``$skip``
    and ``$skiptoken`` are parameters (:meth:`page`), so paging through a collection, or
    asking for another window of it, builds nothing again.

    Attributes:
        ordered: the entities in their total order, without LIMIT.
        count: the number of entities matching ``$filter``, when ``$count=true``.
        sort_keys: the total ordering, to write and read the ``$skiptoken``.
        max_page_size: the most rows one page holds.
    """

    ordered: Select
    count: Select | None
    sort_keys: tuple[SortKey, ...]
    max_page_size: int
    _statements: dict[tuple[bool, ...] | None, Select] = field(default_factory=dict, compare=False, repr=False)
    """The statements made so far: from the start, and after a token by which of its values are null."""

    def page(self, top: int | None, skip: int | None, skiptoken: str | None) -> PageStatement:
        """The page ``$top``, ``$skip`` and ``$skiptoken`` ask for (a ``$skiptoken`` continues
        after the sort values it carries, and ``$skip`` no longer applies)."""
        parameters: dict[str, object] = {}
        sent_before = 0
        if skiptoken is not None:
            token = SkipToken.decode(skiptoken, self.sort_keys)
            sent_before = token.sent
            statement = self._after(tuple(value is None for value in token.values))
            parameters.update(after_parameters(token.values))
        else:
            statement = self._from_start()
            parameters[_OFFSET] = skip or 0
        remaining = None if top is None else max(top - sent_before, 0)
        size = self.max_page_size if remaining is None else min(self.max_page_size, remaining)
        last = remaining is not None and remaining <= self.max_page_size
        parameters[_LIMIT] = size if last else size + 1
        return PageStatement(statement, parameters, size, sent_before, last)

    def _from_start(self) -> Select:
        statement = self._statements.get(None)
        if statement is None:
            statement = self._statements[None] = self.ordered.offset(_parameter(_OFFSET)).limit(_parameter(_LIMIT))
        return statement

    def _after(self, nulls: tuple[bool, ...]) -> Select:
        """The rows after a ``$skiptoken``'s values; which of them are null shapes the condition."""
        statement = self._statements.get(nulls)
        if statement is None:
            condition = after(self.sort_keys, nulls)
            statement = self._statements[nulls] = self.ordered.where(condition).limit(_parameter(_LIMIT))
        return statement


_LIMIT = "odata_limit"
_OFFSET = "odata_offset"


def _parameter(name: str) -> sa.BindParameter[int]:
    return sa.bindparam(name, type_=sa.BigInteger())  # a page may be unbounded (2**62 rows)


def _compiler(query: EntityQuery, dialect: str) -> ExpressionCompiler:
    it = RangeVariable(query.target, query.target_type, query.target_storage)
    return ExpressionCompiler(query.model, query.storage, it, dialect, query.aliases)


def plan_count(
    segments: Sequence[PathSegment],
    *,
    model: Model,
    storage: Storage,
    entity_set: NavigationSource,
    options: BoundOptions,
    dialect: str,
) -> Select:
    """SELECT the number of entities ``segments`` address that match ``$filter``; like
    :func:`select_entities`, one statement serves a :func:`path_key`."""
    query = EntityQuery(segments, storage, model, keys_as_parameters=True)
    compiler = _compiler(query, dialect)
    return query.select(sa.func.count()).where(*_conditions(query, compiler, entity_set, options))


def _conditions(
    query: EntityQuery, compiler: ExpressionCompiler, entity_set: NavigationSource, options: BoundOptions
) -> list[sa.ColumnElement[bool]]:
    """``$filter`` and ``$search``."""
    conditions = []
    if options.filter is not None:
        conditions.append(compiler.condition(options.filter))
    if options.search is not None:
        columns = [query.column(entity_set.entity_type.properties[name]) for name in entity_set.search_properties]
        conditions.append(search_condition(options.search, columns, parameters=True))
    return conditions


def plan_collection(
    segments: Sequence[PathSegment],
    *,
    model: Model,
    storage: Storage,
    entity_set: NavigationSource,
    properties: Sequence[Field],
    options: BoundOptions,
    max_page_size: int,
    dialect: str,
) -> CollectionPlan:
    """The pages of the collection ``segments`` address, shaped by ``options``; like
    :func:`select_entities`, one plan serves a :func:`path_key`."""
    query = EntityQuery(segments, storage, model, keys_as_parameters=True)
    entity_type = query.target_type
    compiler = _compiler(query, dialect)
    conditions = _conditions(query, compiler, entity_set, options)
    count = None
    if options.count:
        count = query.select(sa.func.count()).where(*conditions)

    sort_keys = (
        tuple(
            SortKey(compiler.compile(item.expression), item.descending, item.expression.type.primitive)  # type: ignore[arg-type]
            for item in options.orderby
        )
        + tuple(SortKey(position, False, PrimitiveType.INT64) for position in query.order)
        + tuple(SortKey(query.column(prop), False, prop.type) for prop in entity_type.key_properties)
    )

    statement = query.select(
        *(query.field(field, compiler) for field in properties),
        *(token_column(key, dialect).label(f"sort_{index}") for index, key in enumerate(sort_keys)),
    ).where(*conditions)
    return CollectionPlan(statement.order_by(*order_by(sort_keys)), count, sort_keys, max_page_size)


__all__ = [
    "CollectionPlan",
    "EntityQuery",
    "PageStatement",
    "entities_exist",
    "plan_collection",
    "plan_count",
    "key_parameters",
    "path_key",
    "select_entities",
]
