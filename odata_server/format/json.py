"""OData JSON documents (OData JSON Format 4.01): entities, collections, properties, references.

An :class:`EntityWriter` is prepared once per request for one entity set and one
metadata level; it then turns database rows (tuples in the order of its
``properties``) into JSON objects. Collections are written as an async iterator of
byte chunks, one chunk per batch of rows, so the body is streamed.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from typing import Any

from odata_server.edm.model import EntitySet, Property
from odata_server.edm.types import PrimitiveType
from odata_server.format.etag import entity_tag
from odata_server.format.negotiation import MetadataLevel, Negotiated
from odata_server.format.values import Converter, dumps, json_converter, key_literal

Row = Sequence[Any]

# JSON Format §4.5.3: in full metadata a primitive property carries its type unless a
# JSON value shows it by itself: true/false, a string, a number read as Double.
_TYPES_SHOWN_BY_JSON = frozenset({PrimitiveType.STRING, PrimitiveType.BOOLEAN, PrimitiveType.DOUBLE})


def canonical_key(entity_set: EntitySet, key_values: Sequence[object]) -> str:
    """``Products(1)``, ``Customers('ALFKI')``, ``Order_Details(OrderID=10248,ProductID=11)``."""
    key_properties = entity_set.entity_type.key_properties
    if len(key_properties) == 1:
        inner = key_literal(key_values[0], key_properties[0].type)
    else:
        inner = ",".join(
            f"{prop.name}={key_literal(value, prop.type)}" for prop, value in zip(key_properties, key_values)
        )
    return f"{entity_set.name}({inner})"


class EntityWriter:
    """Writes rows of one entity set as OData JSON entity objects.

    Args:
        entity_set: the entity set the rows belong to.
        properties: the properties at the start of each row, in order; they include
            the key. Rows may hold more columns after them (sort values, parent keys).
        negotiated: metadata level and IEEE754Compatible.
        service_root: the absolute service root, for ids and links.
        shown: how many of ``properties`` are written (``$select``); the others are
            the key and concurrency properties that were not selected.
        with_ids: write each entity's id even where minimal metadata may leave it out
            (the context URL does not name the entity set).

    When ``properties`` hold the set's concurrency properties, each entity carries
    its ``@etag``.
    """

    def __init__(
        self,
        entity_set: EntitySet,
        properties: Sequence[Property],
        negotiated: Negotiated,
        service_root: str,
        *,
        shown: int | None = None,
        with_ids: bool = False,
    ) -> None:
        self.entity_set = entity_set
        self.properties = tuple(properties)
        all_names = tuple(prop.name for prop in self.properties)
        self.names = all_names[:shown]
        self.service_root = service_root
        self.full = negotiated.metadata is MetadataLevel.FULL
        self.converters: tuple[tuple[int, Converter], ...] = tuple(
            (index, converter)
            for index, prop in enumerate(self.properties[: len(self.names)])
            if (converter := json_converter(prop.type, ieee754_compatible=negotiated.ieee754_compatible))
        )
        positions = {name: index for index, name in enumerate(all_names)}
        self.key_positions = tuple(positions[name] for name in entity_set.entity_type.key)
        concurrency = entity_set.concurrency
        self.etag_positions: tuple[int, ...] | None = None
        if concurrency is not None and all(name in positions for name in concurrency.properties):
            self.etag_positions = tuple(positions[name] for name in concurrency.properties)
        self.etag_name = negotiated.control("etag")
        # JSON Format §4.5.8: without every key property, or without the entity set in the
        # context URL, minimal metadata carries the id.
        self.with_id = negotiated.metadata is MetadataLevel.MINIMAL and (
            with_ids or any(position >= len(self.names) for position in self.key_positions)
        )
        self.type_name = f"#{entity_set.entity_type.qualified_name}"
        self.negotiated = negotiated
        self.id_name, self.type_control = negotiated.control("id"), negotiated.control("type")
        self.edit_link_name = negotiated.control("editLink")
        # Per property: (name, type annotation name and value or None), prepared once.
        self.property_types = tuple(
            (f"{prop.name}{self.type_control}", negotiated.primitive_type(prop.type))
            if prop.type not in _TYPES_SHOWN_BY_JSON
            else None
            for prop in self.properties
        )
        self.navigation_links = tuple(
            (name, f"{name}{negotiated.control('associationLink')}", f"{name}{negotiated.control('navigationLink')}")
            for name in entity_set.entity_type.navigation_properties
        )

    def values(self, row: Row) -> list[Any]:
        """The row's values as JSON-ready Python values."""
        values = list(row[: len(self.names)])
        for index, convert in self.converters:
            if values[index] is not None:
                values[index] = convert(values[index])
        return values

    def entity(self, row: Row) -> dict[str, Any]:
        """One entity object."""
        values = self.values(row) if self.converters else row
        if self.full:
            return self._full_entity(row, values)
        if self.with_id or self.etag_positions is not None:
            entity = {self.id_name: self.service_root + self.key_path(row)} if self.with_id else {}
            if self.etag_positions is not None:
                entity[self.etag_name] = self.etag(row)
            entity.update(zip(self.names, values))
            return entity
        return dict(zip(self.names, values))

    def etag(self, row: Row) -> str | None:
        """The entity's ETag, when its set has one."""
        if self.etag_positions is None:
            return None
        assert self.entity_set.concurrency is not None
        return entity_tag(self.entity_set.concurrency, [row[position] for position in self.etag_positions])

    def _full_entity(self, row: Row, values: Sequence[Any]) -> dict[str, Any]:
        """JSON Format §3.1.2: all control information, in the order §4.4 requires."""
        url = self.service_root + self.key_path(row)
        entity: dict[str, Any] = {self.type_control: self.type_name, self.id_name: url, self.edit_link_name: url}
        if self.etag_positions is not None:
            entity[self.etag_name] = self.etag(row)
        for name, property_type, value in zip(self.names, self.property_types, values):
            if property_type is not None and value is not None:
                entity[property_type[0]] = property_type[1]
            entity[name] = value
        for name, association_link, navigation_link in self.navigation_links:
            entity[association_link] = f"{url}/{name}/$ref"
            entity[navigation_link] = f"{url}/{name}"
        return entity

    def key_path(self, row: Row) -> str:
        return canonical_key(self.entity_set, [row[index] for index in self.key_positions])


async def collection_document(
    head: dict[str, Any],
    batches: AsyncIterable[list[dict[str, Any]]],
    tail: Callable[[], dict[str, Any]] | None = None,
) -> AsyncIterator[bytes]:
    """``{head..., "value": [...], tail...}``, one chunk per batch of entity objects.

    ``head`` holds what comes before the entities (context, count); ``tail`` is
    called once they are all written, for what only the end can tell (nextLink).
    """
    yield dumps(head)[:-1] + (b',"value":[' if head else b'"value":[')
    separator = b""
    async for objects in batches:
        if objects:
            yield separator + dumps(objects)[1:-1]
            separator = b","
    members = tail() if tail is not None else {}
    yield b"]" + (b"," + dumps(members)[1:-1] if members else b"") + b"}"


def entity_document(context: dict[str, Any], entity: dict[str, Any]) -> bytes:
    """A single entity, with the context URL first."""
    return dumps({**context, **entity})


__all__ = ["EntityWriter", "Row", "canonical_key", "collection_document", "entity_document"]
