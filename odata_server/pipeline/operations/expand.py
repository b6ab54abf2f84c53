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

from odata_server.edm.model import ContainerKey, EntityType, Model, NavigationSource, Property, container_keys
from odata_server.edm.storage import Storage
from odata_server.edm.streams import MEDIA_STREAM, content_type_field
from odata_server.edm.types import PrimitiveType
from odata_server.format.json import EntityWriter, Row, RowTypes
from odata_server.format.negotiation import Negotiated
from odata_server.pipeline.context import RequestContext
from odata_server.pipeline.prefer import max_page_size
from odata_server.query.expand import ExpansionQuery, Select, parent_keys_parameter
from odata_server.query.paging import SkipToken, SortKey
from odata_server.uri import printer
from odata_server.uri.bound_options import (
    ENTITY_TYPE_NAME,
    BoundOptions,
    Computed,
    DerivedProperty,
    EntityTypeName,
    Expand,
    Field,
)
from odata_server.uri.path import ResourceKind

_TYPE_NAME = Property("@odata.type", PrimitiveType.STRING)
"""What the writer sees in the place of :data:`ENTITY_TYPE_NAME`: a name no property has."""


def fetched_fields(
    model: Model, entity_set: NavigationSource, entity_type: EntityType, options: BoundOptions, storage: Storage
) -> tuple[tuple[Field, ...], int]:
    """The fields to read for each entity of ``entity_type`` (the set's, or one derived from it):
    the shown ones, then the key (and the primary key, which tells rows apart) and
    concurrency properties not shown (for the id and the ETag), then, when types derive
    from ``entity_type``, each entity's type, then the container keys of a contained
    entity (for its id), then the media types of its streams (its own as a media entity,
    and the shown stream properties': media control information)."""
    shown = options.shown(entity_type)
    needed = [*entity_type.key_properties, *_row_key(entity_set, storage)]
    if entity_set.concurrency is not None:
        needed += [entity_type.properties[name] for name in entity_set.concurrency.properties]
    missing = tuple(dict.fromkeys(prop for prop in needed if prop not in shown))
    typed = (ENTITY_TYPE_NAME,) if model.derived_types(entity_type) else ()
    streams = (MEDIA_STREAM,) if entity_type.has_stream else ()
    media = tuple(content_type_field(name) for name in (*streams, *options.shown_streams(entity_type)))
    return shown + missing + typed + container_keys(entity_set) + media, len(shown)


def address_fields(entity_set: NavigationSource, storage: Storage) -> tuple[Field, ...]:
    """What names an entity: its key, its primary key, and its container keys (no property shown)."""
    key = entity_set.entity_type.key_properties
    others = tuple(prop for prop in _row_key(entity_set, storage) if prop not in key)
    return key + others + container_keys(entity_set)


def _row_key(entity_set: NavigationSource, storage: Storage) -> list[Property]:
    entity_type = entity_set.entity_type
    return [entity_type.properties[name] for name in storage[entity_type.qualified_name].key]


def entity_writer(
    ctx: RequestContext,
    entity_set: NavigationSource,
    fields: Sequence[Field],
    negotiated: Negotiated,
    shown: int,
    entity_type: EntityType | None = None,
    *,
    with_ids: bool = False,
) -> EntityWriter:
    """The writer of rows of ``fields``, computed ones written as properties of their type, those
    of derived types only for entities of those types."""
    properties = [
        _TYPE_NAME
        if isinstance(field, EntityTypeName)
        else field.property
        if isinstance(field, Computed | ContainerKey | DerivedProperty)
        else field
        for field in fields
    ]
    entity_type = entity_type or entity_set.entity_type
    row_types = None
    if ENTITY_TYPE_NAME in fields:
        model = ctx.service.model
        types = {}
        for candidate in (entity_type, *model.derived_types(entity_type)):
            lineage = model.lineage(candidate)
            positions = tuple(
                index
                for index, field in enumerate(fields[:shown])
                if not isinstance(field, DerivedProperty) or field.entity_type.qualified_name in lineage
            )
            types[candidate.qualified_name] = (candidate, positions)
        row_types = RowTypes(list(fields).index(ENTITY_TYPE_NAME), types)
    return EntityWriter(
        entity_set,
        properties,  # type: ignore[arg-type]
        negotiated,
        ctx.request.service_root,
        shown=shown,
        entity_type=entity_type,
        row_types=row_types,
        with_ids=with_ids,
    )


class Expander:
    """Adds the expanded navigation properties of ``options`` to entity objects."""

    def __init__(
        self, ctx: RequestContext, writer: EntityWriter, options: BoundOptions, negotiated: Negotiated
    ) -> None:
        self.parent_writer = writer
        self.navigations = [_ExpandedNavigation(ctx, writer, item, negotiated) for item in options.expand]
        row_key = ctx.service.storage[writer.entity_set.entity_type.qualified_name].key
        self.positions = tuple(writer.positions[name] for name in row_key)

    def __bool__(self) -> bool:
        return bool(self.navigations)

    async def attach(self, connection: AsyncConnection, objects: list[dict[str, Any]], rows: Sequence[Row]) -> None:
        """Add the expanded navigation properties to ``objects``, the entities of ``rows``
        (grouped by primary key: a contained entity's key is unique only in its container)."""
        if not rows:
            return
        keys = [tuple(row[position] for position in self.positions) for row in rows]
        row_types = self.parent_writer.row_types
        for navigation in self.navigations:
            if navigation.source_types is None:
                await navigation.attach(connection, objects, keys, rows)
                continue
            # NS.Flight/Airline: only the flights among the parents have the navigation property.
            assert row_types is not None
            chosen = [index for index, row in enumerate(rows) if row[row_types.position] in navigation.source_types]
            if chosen:
                await navigation.attach(
                    connection, [objects[i] for i in chosen], [keys[i] for i in chosen], [rows[i] for i in chosen]
                )


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
        cls,
        ctx: RequestContext,
        parent_type: EntityType,
        expand: Expand,
        fields: Sequence[Field],
        limit: int | None,
    ) -> _Statements:
        service = ctx.service
        query = ExpansionQuery(service.model, service.storage, parent_type, expand, ctx.dialect)
        sort_keys = tuple(query.sort_keys)
        return cls(expand, sort_keys, query.children(fields, sort_keys, limit), query.counts())


class _ExpandedNavigation:
    def __init__(self, ctx: RequestContext, parent: EntityWriter, expand: Expand, negotiated: Negotiated) -> None:
        model = ctx.service.model
        self.expand = expand
        self.parent = parent
        parent_set = parent.entity_set
        parent_type = model.entity_types[parent.declared_type]
        self.source_types: frozenset[str] | None = None
        """With a type cast before the navigation property: the names of the types whose entities have it."""
        if expand.source_type is not None:
            family = (expand.source_type, *model.derived_types(expand.source_type))
            self.source_types = frozenset(entity_type.qualified_name for entity_type in family)
        self.name = expand.navigation.name
        self.count_name = f"{self.name}{negotiated.control('count')}"
        self.next_link_name = f"{self.name}{negotiated.control('nextLink')}"
        self.ieee754 = negotiated.ieee754_compatible
        self.service_root = ctx.request.service_root
        self.aliases = ctx.options.aliases
        self.fields: tuple[Field, ...]
        if expand.ref:
            self.fields, shown = address_fields(expand.entity_set, ctx.service.storage), 0
        else:
            self.fields, shown = fetched_fields(
                model, expand.entity_set, expand.entity_type, expand.options, ctx.service.storage
            )
        self.writer = entity_writer(ctx, expand.entity_set, self.fields, negotiated, shown, expand.entity_type)
        self.nested = Expander(ctx, self.writer, expand.options, negotiated)
        # Server-driven paging within each parent: a longer collection ends with a nextLink.
        top = expand.options.top
        self.page_size = page_size(ctx)
        self.paged = expand.navigation.collection and (top is None or top > self.page_size)
        limit = self.page_size + 1 if self.paged else top
        self.statements = ctx.service.plan_cache.get(
            ("expand", expand, parent_set.name, limit),
            lambda: _Statements.build(ctx, parent_type, expand, self.fields, limit),
        )
        self.sort_keys = self.statements.sort_keys

    def child(self, row: Row) -> dict[str, Any]:
        if self.expand.ref:
            return {self.writer.id_name: self.writer.service_root + self.writer.key_path(row)}
        return self.writer.entity(row)

    async def attach(
        self,
        connection: AsyncConnection,
        objects: list[dict[str, Any]],
        keys: list[tuple[object, ...]],
        parents: Sequence[Row],
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
        for entity, key, parent in zip(objects, keys, parents):
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
                entity[self.next_link_name] = self._next_link(parent, related[-1][1])

    def _next_link(self, parent: Row, last: Row) -> str:
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
        source = f"{self.expand.source_type.qualified_name}/" if self.expand.source_type else ""
        target = self.expand.entity_type.qualified_name
        cast = "" if target == self.expand.navigation.target_type else f"/{target}"
        return f"{self.service_root}{self.parent.key_path(parent)}/{source}{self.name}{cast}?{'&'.join(query)}"


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


__all__ = ["Expander", "address_fields", "entity_writer", "fetched_fields", "page_size"]
