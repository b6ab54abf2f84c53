"""OData JSON documents (OData JSON Format 4.01): entities, collections, properties, references.

An :class:`EntityWriter` is prepared once per request for one entity set and one
metadata level; it then turns database rows (tuples in the order of its
``properties``) into JSON objects. Collections are written as an async iterator of
byte chunks, one chunk per batch of rows, so the body is streamed.
"""

from __future__ import annotations

import operator
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from odata_server.edm.model import EntityType, NavigationSource, Property, container_keys
from odata_server.edm.streams import MEDIA_STREAM, content_type_field
from odata_server.edm.types import PrimitiveType
from odata_server.format.canonical import canonical_url
from odata_server.format.etag import entity_tag
from odata_server.format.negotiation import MetadataLevel, Negotiated
from odata_server.format.values import Converter, dumps, json_converter

Row = Sequence[Any]

# JSON Format §4.5.3: in full metadata a primitive property carries its type unless a
# JSON value shows it by itself: true/false, a string, a number read as Double.
_TYPES_SHOWN_BY_JSON = frozenset({PrimitiveType.STRING, PrimitiveType.BOOLEAN, PrimitiveType.DOUBLE})


@dataclass(frozen=True, slots=True)
class RowTypes:
    """How to write rows of entities whose type has derived types.

    Attributes:
        position: where each row holds the qualified name of its entity's type.
        types: per qualified type name, the type and the positions (among the written
            properties) of the properties its entities have.
    """

    position: int
    types: Mapping[str, tuple[EntityType, tuple[int, ...]]]


class EntityWriter:
    """Writes rows of one entity set (or singleton, or contained collection) as OData JSON entity objects.

    Args:
        entity_set: the entity set the rows belong to.
        properties: the properties at the start of each row, in order; they include
            the key, and end with the container keys of a contained collection (for
            the canonical URLs). Rows may hold more columns after them (sort values,
            parent keys).
        negotiated: metadata level and IEEE754Compatible.
        service_root: the absolute service root, for ids and links.
        shown: how many of ``properties`` are written (``$select``); the others are
            the key and concurrency properties that were not selected.
        entity_type: the type of the entities the context URL implies: the set's, or
            one derived from it (``PlanItems/NS.Flight``).
        row_types: for entities of types derived from ``entity_type`` too, how to tell
            each row's type and the properties it has.
        with_ids: write each entity's id even where minimal metadata may leave it out
            (the context URL does not name the entity set).

    When ``properties`` hold the set's concurrency properties, each entity carries
    its ``@etag``; when they hold the media types of its streams
    (:func:`~odata_server.edm.streams.content_type_field`), its media control information.
    An entity of a type derived from ``entity_type`` carries its ``@type`` (JSON Format
    §4.5.3); with full metadata every entity does.
    """

    def __init__(
        self,
        entity_set: NavigationSource,
        properties: Sequence[Property],
        negotiated: Negotiated,
        service_root: str,
        *,
        shown: int | None = None,
        entity_type: EntityType | None = None,
        row_types: RowTypes | None = None,
        with_ids: bool = False,
    ) -> None:
        self.entity_set = entity_set
        self.properties = tuple(properties)
        own = len(self.properties) - len(container_keys(entity_set))
        self.container_positions = tuple(range(own, len(self.properties)))
        all_names = tuple(prop.name for prop in self.properties[:own])
        self.names = all_names[:shown]
        self.service_root = service_root
        self.full = negotiated.metadata is MetadataLevel.FULL
        self.converters: tuple[tuple[int, Converter], ...] = tuple(
            (index, converter)
            for index, prop in enumerate(self.properties[: len(self.names)])
            if (
                converter := json_converter(
                    prop.type, ieee754_compatible=negotiated.ieee754_compatible, collection=prop.collection
                )
            )
        )
        positions = {name: index for index, name in enumerate(all_names)}
        self.positions = positions
        """Property name → position in the rows."""
        self.key_positions = tuple(positions[name] for name in entity_set.entity_type.key)
        concurrency = entity_set.concurrency
        self.etag_positions: tuple[int, ...] | None = None
        if concurrency is not None and all(name in positions for name in concurrency.properties):
            self.etag_positions = tuple(positions[name] for name in concurrency.properties)
            self.etag_values = _values_at(self.etag_positions)
        self.etag_name = negotiated.control("etag")
        # JSON Format §4.5.8: without every key property, or without the entity set in the
        # context URL, minimal metadata carries the id.
        self.with_id = negotiated.metadata is MetadataLevel.MINIMAL and (
            with_ids or any(position >= len(self.names) for position in self.key_positions)
        )
        entity_type = entity_type or entity_set.entity_type
        self.declared_type = entity_type.qualified_name
        self.type_name = f"#{self.declared_type}"
        self.negotiated = negotiated
        self.id_name, self.type_control = negotiated.control("id"), negotiated.control("type")
        self.edit_link_name = negotiated.control("editLink")
        # Per property: (name, type annotation name and value or None), prepared once.
        self.property_types = tuple(
            None
            if prop.primitive and prop.type in _TYPES_SHOWN_BY_JSON
            else (f"{prop.name}{self.type_control}", negotiated.type_annotation(prop.type, prop.collection))
            for prop in self.properties
        )
        self.navigation_links = self._links(entity_type)
        self.row_types = row_types
        self.typed = {
            name: (f"#{name}", positions, self._links(derived))
            for name, (derived, positions) in (row_types.types.items() if row_types else ())
        }
        # JSON Format §4.5.12: a stream's media type, and in full metadata its links (which
        # follow the URL conventions, so minimal metadata leaves them out); nothing with
        # metadata=none. The media entity's own comes before the properties, the stream
        # properties' after them.
        media = [] if negotiated.metadata is MetadataLevel.NONE else [MEDIA_STREAM, *entity_set.entity_type.streams]
        found = [
            (name, positions[content_type_field(name).name])
            for name in media
            if content_type_field(name).name in positions
        ]
        self.own_media = tuple(item for item in found if item[0] == MEDIA_STREAM)
        self.stream_media = tuple(item for item in found if item[0] != MEDIA_STREAM)
        self.media_controls = tuple(
            negotiated.control(name) for name in ("mediaReadLink", "mediaEditLink", "mediaContentType")
        )

    def _links(self, entity_type: EntityType) -> tuple[tuple[str, str, str], ...]:
        """Per navigation property of ``entity_type``: its path from the entity's URL (behind a type
        cast when the set's type lacks it), and the names of its association and navigation links."""
        links = []
        control = self.negotiated.control
        for name in entity_type.navigation_properties:
            own = name in self.entity_set.entity_type.navigation_properties
            path = name if own else f"{entity_type.qualified_name}/{name}"
            links.append((path, f"{name}{control('associationLink')}", f"{name}{control('navigationLink')}"))
        return tuple(links)

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
        if self.row_types is not None:
            return self._typed_entity(row, values)
        if self.full:
            return self._full_entity(row, values)
        if self.with_id or self.etag_positions is not None or self.own_media or self.stream_media:
            entity = {self.id_name: self.service_root + self.key_path(row)} if self.with_id else {}
            if self.etag_positions is not None:
                entity[self.etag_name] = self.etag(row)
            if self.own_media:
                self._media(entity, row, self.own_media, None)
            entity.update(zip(self.names, values))
            if self.stream_media:
                self._media(entity, row, self.stream_media, None)
            return entity
        return dict(zip(self.names, values))

    def etag(self, row: Row) -> str | None:
        """The entity's ETag, when its set has one."""
        if self.etag_positions is None:
            return None
        assert self.entity_set.concurrency is not None
        return entity_tag(self.entity_set.concurrency, self.etag_values(row))

    def _full_entity(self, row: Row, values: Sequence[Any]) -> dict[str, Any]:
        """JSON Format §3.1.2: all control information, in the order §4.4 requires."""
        url = self.service_root + self.key_path(row)
        entity: dict[str, Any] = {self.type_control: self.type_name, self.id_name: url, self.edit_link_name: url}
        if self.etag_positions is not None:
            entity[self.etag_name] = self.etag(row)
        self._media(entity, row, self.own_media, url)
        for name, property_type, value in zip(self.names, self.property_types, values):
            if property_type is not None and value is not None:
                entity[property_type[0]] = property_type[1]
            entity[name] = value
        self._media(entity, row, self.stream_media, url)
        self._add_links(entity, url, self.navigation_links)
        return entity

    @staticmethod
    def _add_links(entity: dict[str, Any], url: str, links: tuple[tuple[str, str, str], ...]) -> None:
        for path, association_link, navigation_link in links:
            entity[association_link] = f"{url}/{path}/$ref"
            entity[navigation_link] = f"{url}/{path}"

    def _typed_entity(self, row: Row, values: Sequence[Any]) -> dict[str, Any]:
        """An entity whose row tells its type: only the properties of that type, with its ``@type``
        unless it is the type the context URL implies (always with full metadata, never with none)."""
        assert self.row_types is not None
        name = row[self.row_types.position]
        type_name, positions, links = self.typed.get(name) or self.typed[self.declared_type]
        annotated = self.full or (name != self.declared_type and self.negotiated.metadata is MetadataLevel.MINIMAL)
        entity: dict[str, Any] = {self.type_control: type_name} if annotated else {}
        url = self.service_root + self.key_path(row) if self.full or self.with_id else ""
        if url:
            entity[self.id_name] = url
        if self.full:
            entity[self.edit_link_name] = url
        if self.etag_positions is not None:
            entity[self.etag_name] = self.etag(row)
        self._media(entity, row, self.own_media, url if self.full else None)
        for index in positions:
            property_type = self.property_types[index]
            if self.full and property_type is not None and values[index] is not None:
                entity[property_type[0]] = property_type[1]
            entity[self.names[index]] = values[index]
        self._media(entity, row, self.stream_media, url if self.full else None)
        if self.full:
            self._add_links(entity, url, links)
        return entity

    def _media(self, entity: dict[str, Any], row: Row, streams: tuple[tuple[str, int], ...], url: str | None) -> None:
        """The control information of ``streams`` (name, position of the media type) that the
        entity has; with its ``url``, their read and edit links too."""
        read_link, edit_link, content_type = self.media_controls
        for name, position in streams:
            if row[position] is None:  # no stream
                continue
            prefix = "" if name == MEDIA_STREAM else name
            if url is not None:
                entity[prefix + read_link] = entity[prefix + edit_link] = f"{url}/{name}"
            entity[prefix + content_type] = row[position]

    def key_path(self, row: Row) -> str:
        """The canonical URL of the row's entity, relative to the service root."""
        return canonical_url(self.entity_set, [row[index] for index in self.key_positions], self.container_values(row))

    def container_values(self, row: Row) -> list[Any]:
        """The values of the container keys of a contained entity (none otherwise)."""
        return [row[index] for index in self.container_positions]


def _values_at(positions: tuple[int, ...]) -> Callable[[Row], tuple[Any, ...]]:
    """A function giving the values of a row at ``positions``, as a tuple."""
    if len(positions) == 1:
        position = positions[0]
        return lambda row: (row[position],)
    return operator.itemgetter(*positions)  # type: ignore[return-value]


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


__all__ = ["EntityWriter", "Row", "RowTypes", "collection_document", "entity_document"]
