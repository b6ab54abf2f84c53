"""Writing ``$expand``: related entities fetched per batch of parents and nested into their objects.

For each batch of parent rows, each expanded navigation property costs one query
(plus one for ``$count``), whatever the number of parents; nested ``$expand``
levels cost the same again for all the children of the batch (query/expand.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncConnection

from odata_server.edm.model import EntitySet
from odata_server.format.json import EntityWriter, Row, canonical_key
from odata_server.format.negotiation import Negotiated
from odata_server.pipeline.context import RequestContext
from odata_server.pipeline.prefer import max_page_size
from odata_server.query.expand import ExpansionQuery, Select, parent_keys_parameter
from odata_server.query.paging import SkipToken, SortKey
from odata_server.uri import printer
from odata_server.uri.bound_options import BoundOptions, Computed, Expand, Field
from odata_server.uri.path import ResourceKind


def fetched_fields(entity_set: EntitySet, options: BoundOptions) -> tuple[tuple[Field, ...], int]:
    """The fields to read for each entity: the shown ones, then the key and concurrency
    properties not shown (for the id and the ETag)."""
    shown = options.shown(entity_set)
    entity_type = entity_set.entity_type
    needed = list(entity_type.key_properties)
    if entity_set.concurrency is not None:
        needed += [entity_type.properties[name] for name in entity_set.concurrency.properties]
    missing = tuple(dict.fromkeys(prop for prop in needed if prop not in shown))
    return shown + missing, len(shown)


def entity_writer(
    ctx: RequestContext,
    entity_set: EntitySet,
    fields: Sequence[Field],
    negotiated: Negotiated,
    shown: int,
    *,
    with_ids: bool = False,
) -> EntityWriter:
    """The writer of rows of ``fields``, computed ones written as properties of their type."""
    properties = [field.property if isinstance(field, Computed) else field for field in fields]
    return EntityWriter(entity_set, properties, negotiated, ctx.request.service_root, shown=shown, with_ids=with_ids)


class Expander:
    """Adds the expanded navigation properties of ``options`` to entity objects."""

    def __init__(
        self, ctx: RequestContext, writer: EntityWriter, options: BoundOptions, negotiated: Negotiated
    ) -> None:
        self.parent_writer = writer
        self.navigations = [_ExpandedNavigation(ctx, writer.entity_set, item, negotiated) for item in options.expand]

    def __bool__(self) -> bool:
        return bool(self.navigations)

    async def attach(self, connection: AsyncConnection, objects: list[dict[str, Any]], rows: Sequence[Row]) -> None:
        if not rows:
            return
        positions = self.parent_writer.key_positions
        keys = [tuple(row[position] for position in positions) for row in rows]
        for navigation in self.navigations:
            await navigation.attach(connection, objects, keys)


@dataclass(frozen=True, slots=True)
class _Statements:
    """The SQL of one expanded navigation property, the same for every request with this
    ``$expand``: cached by the identity of the bound :class:`Expand`, which it holds (so
    that identity is not reused while it is cached)."""

    expand: Expand
    sort_keys: tuple[SortKey, ...]
    children: Select
    counts: Select

    @classmethod
    def build(
        cls, ctx: RequestContext, parent_set: EntitySet, expand: Expand, fields: Sequence[Field], limit: int | None
    ) -> _Statements:
        service = ctx.service
        query = ExpansionQuery(service.model, service.storage, parent_set.entity_type, expand, ctx.dialect)
        sort_keys = tuple(query.sort_keys)
        return cls(expand, sort_keys, query.children(fields, sort_keys, limit), query.counts())


class _ExpandedNavigation:
    def __init__(self, ctx: RequestContext, parent_set: EntitySet, expand: Expand, negotiated: Negotiated) -> None:
        self.expand = expand
        self.parent_set = parent_set
        self.name = expand.navigation.name
        self.count_name = f"{self.name}{negotiated.control('count')}"
        self.next_link_name = f"{self.name}{negotiated.control('nextLink')}"
        self.ieee754 = negotiated.ieee754_compatible
        self.service_root = ctx.request.service_root
        self.aliases = ctx.options.aliases
        self.fields: tuple[Field, ...]
        if expand.ref:
            self.fields, shown = expand.entity_set.entity_type.key_properties, 0
        else:
            self.fields, shown = fetched_fields(expand.entity_set, expand.options)
        self.writer = entity_writer(ctx, expand.entity_set, self.fields, negotiated, shown)
        self.nested = Expander(ctx, self.writer, expand.options, negotiated)
        # Server-driven paging within each parent: a longer collection ends with a nextLink.
        top = expand.options.top
        self.page_size = page_size(ctx)
        self.paged = expand.navigation.collection and (top is None or top > self.page_size)
        limit = self.page_size + 1 if self.paged else top
        self.statements = ctx.service.plan_cache.get(
            ("expand", id(expand), parent_set.name, limit),
            lambda: _Statements.build(ctx, parent_set, expand, self.fields, limit),
        )
        self.sort_keys = self.statements.sort_keys

    def child(self, row: Row) -> dict[str, Any]:
        if self.expand.ref:
            return {self.writer.id_name: self.writer.service_root + self.writer.key_path(row)}
        return self.writer.entity(row)

    async def attach(
        self, connection: AsyncConnection, objects: list[dict[str, Any]], keys: list[tuple[object, ...]]
    ) -> None:
        wants_count = self.expand.count_only or self.expand.options.count
        counts: dict[tuple[object, ...], int] = {}
        parameters = parent_keys_parameter(keys)
        if wants_count:
            result = await connection.execute(self.statements.counts, parameters)
            width = len(keys[0])
            counts = {tuple(row[:width]): row[width] for row in result}
        groups: dict[tuple[object, ...], list[tuple[dict[str, Any], Row]]] = defaultdict(list)
        if not self.expand.count_only:
            rows = (await connection.execute(self.statements.children, parameters)).all()
            children = [self.child(row) for row in rows]
            if self.nested:
                await self.nested.attach(connection, children, rows)
            parent_key_start = len(self.fields) + len(self.sort_keys)
            for row, child in zip(rows, children):
                groups[tuple(row[parent_key_start:])].append((child, row))
        for entity, key in zip(objects, keys):
            if wants_count:
                count = counts.get(key, 0)
                entity[self.count_name] = str(count) if self.ieee754 else count
            if self.expand.count_only:
                continue
            related = groups.get(key, [])
            if not self.expand.navigation.collection:
                entity[self.name] = related[0][0] if related else None
                continue
            more = self.paged and len(related) > self.page_size
            related = related[: self.page_size] if more else related
            entity[self.name] = [child for child, _ in related]
            if more:
                entity[self.next_link_name] = self._next_link(key, related[-1][1])

    def _next_link(self, parent_key: tuple[object, ...], last: Row) -> str:
        """``Parent(key)/Nav?<the nested options>&$skiptoken=...``: the rest of this parent's collection."""
        start = len(self.fields)
        values = tuple(last[start : start + len(self.sort_keys)])
        token = SkipToken(values, self.page_size).encode(self.sort_keys)
        query = [
            f"{name}={quote(value, safe=_QUERY_SAFE)}"
            for name, value in printer.options(self.expand.source, paging=False)
        ]
        query += [f"{name}={quote(value, safe=_QUERY_SAFE)}" for name, value in self.aliases.items()]
        query.append(f"$skiptoken={token}")
        parent = canonical_key(self.parent_set, parent_key)
        return f"{self.service_root}{parent}/{self.name}?{'&'.join(query)}"


_QUERY_SAFE = "$'(),:;=@*/!"


#: The page size of what an action returns: more than any result has, since a next link
#: to its rest would repeat the action.
WHOLE = 2**62


def page_size(ctx: RequestContext) -> int:
    """The most entities in one collection of the response: the service's limit, or less if
    preferred; what an action returns is not paged."""
    if ctx.path.kind is ResourceKind.ACTION:
        return WHOLE
    limit = ctx.service.config.max_page_size
    preferred, _ = max_page_size(ctx.request)
    return min(preferred or limit, limit)


__all__ = ["Expander", "entity_writer", "fetched_fields", "page_size"]
