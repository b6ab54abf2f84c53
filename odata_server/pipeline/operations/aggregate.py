"""GET of a collection with ``$apply``: the aggregated (or transformed) instances as JSON.

The SQL comes from :mod:`odata_server.query.apply`. Each row becomes an instance
without an id (Data Aggregation §3.1): a grouping path such as
``Category/CategoryName`` is written nested (``"Category": {"CategoryName": ...}``),
and a property the model does not declare (an alias) carries its type where JSON
cannot show it (``"Total@type": "Decimal"``). The context URL lists the properties:
``$metadata#Products(Category(CategoryName),Total)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from odata_server.edm.model import EntitySet
from odata_server.edm.types import PrimitiveType
from odata_server.format.canonical import canonical_url
from odata_server.format.context_url import collection_fragment, context
from odata_server.format.json import EntityWriter
from odata_server.format.negotiation import MetadataLevel, Negotiated, Representation, json_content_type
from odata_server.format.values import Converter, dumps, json_converter
from odata_server.messages import ODataResponse
from odata_server.pipeline.context import RequestContext
from odata_server.pipeline.operations.expand import Expander, page_size
from odata_server.pipeline.transaction import reading
from odata_server.query.apply import ApplyCompiler, ApplyPlan, Entities, entities_with_keys
from odata_server.query.plan import EntityQuery
from odata_server.uri.bound_options import Applied
from odata_server.uri.path import EntitySetSegment

# JSON shows these types by itself (JSON Format §4.5.3).
_SHOWN_BY_JSON = frozenset({PrimitiveType.STRING, PrimitiveType.BOOLEAN, PrimitiveType.DOUBLE})


async def read_applied(ctx: RequestContext) -> ODataResponse:
    """``GET Products?$apply=groupby((CategoryID),aggregate(UnitPrice with average as Avg))``."""
    negotiated = ctx.negotiate(Representation.JSON)
    entity_set = ctx.path.entity_set
    assert entity_set is not None
    options = ctx.bound_options()
    applied = options.apply
    assert applied is not None
    size = page_size(ctx)
    plan = ctx.plan(("apply", ctx.request.path, ctx.options_key, size), lambda: _plan(ctx, entity_set, applied, size))
    writer = _InstanceWriter(entity_set, plan, applied, negotiated, ctx.request.service_root)
    async with reading(ctx.service.engine) as connection:
        total = await connection.scalar(plan.count) if plan.count is not None else None
        rows = (await connection.execute(plan.statement)).all()
        instances = [writer.instance(row) for row in rows[:size]]
        if options.expand:
            await _expander(ctx, entity_set, plan, negotiated).attach(connection, instances, rows[:size])
    more = len(rows) > size
    fragment = _fragment(entity_set, plan, applied, tuple(expand.navigation.name for expand in options.expand))
    document: dict[str, Any] = context(negotiated, ctx.request.service_root, fragment)
    if total is not None:
        document[negotiated.control("count")] = str(total) if negotiated.ieee754_compatible else total
    document["value"] = instances
    if more:
        document[negotiated.control("nextLink")] = _next_link(ctx, options.skip or 0, options.top, size)
    return ODataResponse(200, {"Content-Type": json_content_type(negotiated)}, dumps(document))


async def count_applied(ctx: RequestContext) -> int:
    """``GET Products/$count?$apply=groupby((CategoryID))``: the number of result instances."""
    entity_set = ctx.path.entity_set
    assert entity_set is not None
    applied = ctx.bound_options().apply
    assert applied is not None
    plan = _plan(ctx, entity_set, applied, 1, count=True)
    assert plan.count is not None
    async with reading(ctx.service.engine) as connection:
        return int(await connection.scalar(plan.count) or 0)


def _plan(
    ctx: RequestContext, entity_set: EntitySet, applied: Applied, size: int, *, count: bool | None = None
) -> ApplyPlan:
    options = ctx.bound_options()
    compiler = ApplyCompiler(ctx.service.model, ctx.service.storage, ctx.dialect)
    start = _start(ctx, entity_set)
    counted = options.count if count is None else count
    return compiler.plan(start, applied.steps, top=options.top, skip=options.skip, count=counted, limit=size + 1)


def _start(ctx: RequestContext, entity_set: EntitySet) -> Entities:
    """The entities the path addresses: all of the set, or those a navigation reaches
    (``Categories(1)/Products``)."""
    segments = ctx.path.entity_segments
    if len(segments) == 1 and isinstance(segments[0], EntitySetSegment):
        return Entities(entity_set.entity_type)
    query = EntityQuery(segments, ctx.service.storage, ctx.service.model)
    row_key = ctx.service.storage[entity_set.entity_type.qualified_name].key
    keys = query.select(*(query.column(entity_set.entity_type.properties[name]) for name in row_key))
    return entities_with_keys(ctx.service.storage, entity_set.entity_type, keys)


class _InstanceWriter:
    """Writes result rows as instances: nested by path, dynamic properties typed.

    Rows that are entities of the set (``$apply=filter(...)``) keep their identity: the
    ``@id`` when the key is not written; aggregated instances are transient and have none
    (in 4.0 a null ``@odata.id``).
    """

    def __init__(
        self, entity_set: EntitySet, plan: ApplyPlan, applied: Applied, negotiated: Negotiated, service_root: str
    ) -> None:
        declared = entity_set.entity_type
        self.entity_set = entity_set
        self.service_root = service_root
        positions = {name: index for index, (name, _) in enumerate(plan.columns)}
        self.key_positions = [positions.get(name) for name in declared.key]
        shown = {name for name, _ in plan.columns if applied.select is None or name in applied.select}
        self.with_id = negotiated.metadata is not MetadataLevel.NONE and (
            negotiated.metadata is MetadataLevel.FULL or not set(declared.key) <= shown
        )
        self.id_name = negotiated.control("id")
        kept = set(applied.select) if applied.select is not None else None
        self.columns: list[tuple[int, tuple[str, ...], Converter | None, str | None]] = []
        for index, (name, kind) in enumerate(plan.columns):
            if kept is not None and name not in kept:
                continue
            path = tuple(name.split("/"))
            dynamic = len(path) == 1 and name not in declared.properties
            annotation = negotiated.primitive_type(kind) if dynamic and kind not in _SHOWN_BY_JSON else None
            converter = json_converter(kind, ieee754_compatible=negotiated.ieee754_compatible)
            if kind is PrimitiveType.DECIMAL:
                converter = _plain_decimal if converter is None else _then(_plain_decimal, converter)
            self.columns.append((index, path, converter, annotation))
        self.type_control = negotiated.control("type")
        self.branches = [(set(branch.names), branch.entities) for branch in plan.branches]
        # JSON Format 4.0 §4.5.8: a transient instance has a null id; 4.01 lets it go unsaid.
        self.transient_id = (
            {"@odata.id": None}
            if negotiated.version == "4.0" and negotiated.metadata is not MetadataLevel.NONE
            else None
        )

    def instance(self, row: Sequence[Any]) -> dict[str, Any]:
        names, entities = self.branches[row[-1]]
        instance: dict[str, Any] = {}
        if entities:
            if self.with_id and None not in self.key_positions:
                key = [row[position] for position in self.key_positions]  # type: ignore[index]
                instance[self.id_name] = self.service_root + canonical_url(self.entity_set, key)
        elif self.transient_id:
            instance.update(self.transient_id)
        for index, path, converter, annotation in self.columns:
            if "/".join(path) not in names:
                continue
            value = row[index]
            if value is not None and converter is not None:
                value = converter(value)
            target = instance
            for step in path[:-1]:
                target = target.setdefault(step, dict(self.transient_id or {}) if not entities else {})
            if annotation is not None:
                target[f"{path[-1]}{self.type_control}"] = annotation
            target[path[-1]] = value
        return instance


def _expander(ctx: RequestContext, entity_set: EntitySet, plan: ApplyPlan, negotiated: Negotiated) -> Expander:
    """``$expand`` of the entities ``$apply`` kept: their rows hold every property, so their keys."""
    properties = [
        entity_set.entity_type.properties[name] for name, _ in plan.columns if name in entity_set.entity_type.properties
    ]
    writer = EntityWriter(entity_set, properties, negotiated, ctx.request.service_root)
    return Expander(ctx, writer, ctx.bound_options(), negotiated)


def _plain_decimal(value: object) -> object:
    """An aggregated decimal without the zeros a database pads it with (``455.7500000000`` → ``455.75``)."""
    assert isinstance(value, Decimal)
    text = format(value.normalize(), "f")
    return Decimal(text)


def _then(first: Converter, second: Converter) -> Converter:
    return lambda value: second(first(value))


def _fragment(entity_set: EntitySet, plan: ApplyPlan, applied: Applied, expanded: tuple[str, ...]) -> str:
    """``Products(Category(CategoryName),Total)``: the properties every instance has (a
    ``concat`` or ``rollup`` branch may lack some), a related entity grouped by as a
    whole as ``Category()``; the set alone when the rows are its entities, unchanged,
    with ``Nav()`` for each expanded navigation property."""
    if not applied.shape.aggregated and not applied.shape.computed and applied.select is None:
        navigations = ",".join(f"{name}()" for name in expanded)
        return collection_fragment(entity_set) + (f"({navigations})" if navigations else "")
    names = [
        name
        for name, _ in plan.columns
        if (applied.select is None or name in applied.select) and all(name in branch.names for branch in plan.branches)
    ]
    tree: dict[str, Any] = {}
    for name in names:
        entity = next((path for path in applied.shape.entities if name.startswith(f"{path}/")), None)
        steps = entity.split("/") if entity is not None else name.split("/")
        node = tree
        for step in steps:
            node = node.setdefault(step, {})
        if entity is not None:
            node[""] = {}  # written as Entity()

    def written(node: dict[str, Any]) -> str:
        items = []
        for name, child in node.items():
            if name == "":
                continue
            inner = written(child)
            items.append(f"{name}({inner})" if child else name)
        return ",".join(items)

    listed = ",".join(filter(None, [written(tree), *(f"{name}()" for name in expanded)]))
    # No property common to every instance: the structure varies (Data Aggregation §3.1.1).
    return f"{collection_fragment(entity_set)}({listed or '@Core.AnyStructure'})"


def _next_link(ctx: RequestContext, skip: int, top: int | None, size: int) -> str:
    """The request with ``$skip`` (and ``$top``) moved on by one page."""
    added = [f"$skip={skip + size}", *([f"$top={top - size}"] if top is not None else [])]
    return ctx.link_with(frozenset({"skip", "top"}), added)


__all__ = ["count_applied", "read_applied"]
