"""Relationships between existing entities, changed through ``$ref`` (OData Protocol §11.4.6).

- ``PUT Products(1)/Category/$ref`` with ``{"@id": "Categories(2)"}`` sets a single-valued
  relationship; ``DELETE Products(1)/Category/$ref`` removes it.
- ``POST Categories(1)/Products/$ref`` with ``{"@id": "Products(5)"}`` adds to a collection;
  ``DELETE Categories(1)/Products/$ref?$id=Products(5)`` (4.01 also
  ``DELETE Categories(1)/Products(5)/$ref``) removes from it.

Removing a reference unlinks; it never deletes an entity, so an entity that cannot exist
unlinked (its foreign key is not nullable) keeps its reference (400). The ``If-Match``
of the request is the source entity's. The entity whose row holds the foreign key has
changed: its version, if its set keeps one, is incremented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from odata_server.edm.model import ContainedEntities, EntitySet
from odata_server.errors import BadRequestError, NotFoundError
from odata_server.format.canonical import canonical_url
from odata_server.messages import ODataResponse
from odata_server.pipeline.changes import Changes, addressed_key, key_segments, writing
from odata_server.pipeline.context import RequestContext
from odata_server.pipeline.operations.write import NO_CONTENT
from odata_server.pipeline.payload import PayloadReader, json_body
from odata_server.pipeline.preconditions import check_change
from odata_server.query.writes import Key
from odata_server.uri.path import (
    KeySegment,
    NavigationSegment,
    ODataPath,
    ResourceKind,
    entity_set_of,
)

_ID_MEMBERS = ("@id", "@odata.id")


@dataclass(frozen=True, slots=True)
class _Link:
    """What a ``$ref`` URL addresses: the source entity, the navigation property, and for
    ``Categories(1)/Products(5)/$ref`` the key of the target in the URL."""

    source: ODataPath
    navigation: NavigationSegment
    url_key: Key | None

    @property
    def source_set(self) -> EntitySet:
        assert self.source.entity_set is not None
        return self.source.entity_set

    @property
    def target_set(self) -> EntitySet:
        return self.navigation.entity_set

    @property
    def name(self) -> str:
        return self.navigation.navigation.name

    @property
    def collection(self) -> bool:
        return self.navigation.navigation.collection

    def target_id(self, key: Key) -> str:
        """``Products(5)``, for messages."""
        return canonical_url(self.target_set, [key[name] for name in self.target_set.entity_type.key])


async def set_reference(ctx: RequestContext) -> ODataResponse:
    """``PUT Products(1)/Category/$ref`` with ``{"@id": "Categories(2)"}``."""
    link = _addressed_link(ctx)
    if link.collection:
        raise BadRequestError(
            f"{link.name} is a collection: POST a reference to {link.name}/$ref to add to it",
            target=link.name,
            code="InvalidReference",
        )
    target_key = _body_reference(ctx, link.target_set)
    async with writing(ctx.service) as changes:
        source_key = await _source_key(ctx, changes, link)
        await _require_target(changes, link, target_key)
        await changes.link(link.source_set, link.name, source_key, target_key)
    return ODataResponse(NO_CONTENT)


async def add_reference(ctx: RequestContext) -> ODataResponse:
    """``POST Categories(1)/Products/$ref`` with ``{"@id": "Products(5)"}``; nothing to do if already related."""
    link = _addressed_link(ctx)
    target_key = _body_reference(ctx, link.target_set)
    async with writing(ctx.service) as changes:
        source_key = await _source_key(ctx, changes, link)
        await _require_target(changes, link, target_key)
        if not await _related(ctx, changes, link, target_key):
            await changes.link(link.source_set, link.name, source_key, target_key)
    return ODataResponse(NO_CONTENT)


async def delete_reference(ctx: RequestContext) -> ODataResponse:
    """``DELETE Products(1)/Category/$ref``; ``DELETE Categories(1)/Products/$ref?$id=Products(5)``
    or ``DELETE Categories(1)/Products(5)/$ref``."""
    link = _addressed_link(ctx)
    target_key = _removed_key(ctx, link) if link.collection else None
    async with writing(ctx.service) as changes:
        source_key = await _source_key(ctx, changes, link)
        if target_key is not None:
            await _unlink(changes, link, source_key, target_key)
        else:
            for old_key in await changes.related_keys(link.source_set, link.name, source_key):
                await _unlink(changes, link, source_key, old_key)
    return ODataResponse(NO_CONTENT)


def _addressed_link(ctx: RequestContext) -> _Link:
    """The relationship of the ``$ref`` URL: through its last navigation property."""
    segments = ctx.path.entity_segments
    positions = [index for index, segment in enumerate(segments) if isinstance(segment, NavigationSegment)]
    if not positions:
        raise BadRequestError(
            "Only a reference reached through a navigation property, such as Products(1)/Category/$ref, can change",
            target=ctx.request.path,
            code="InvalidReference",
        )
    position = positions[-1]
    navigation = segments[position]
    assert isinstance(navigation, NavigationSegment)
    source_segments = segments[:position]
    source = ODataPath(ResourceKind.ENTITY, source_segments, entity_set_of(source_segments))
    _refuse_containment(source, navigation)
    url_key = None
    if position + 1 < len(segments):
        key_segment = segments[position + 1]
        assert isinstance(key_segment, KeySegment)
        url_key = {prop.name: value for prop, value in key_segment.values}
    return _Link(source, navigation, url_key)


def _refuse_containment(source: ODataPath, navigation: NavigationSegment) -> None:
    """A contained entity belongs to its container for good (CSDL §8.4): it is created and
    deleted there, and neither its containment nor the way back to its container is relinked."""
    source_set = source.entity_set
    back = isinstance(source_set, ContainedEntities) and navigation.navigation.partner == source_set.navigation.name
    if navigation.navigation.contains_target or back:
        raise BadRequestError(
            f"{navigation.navigation.name} links contained entities to their container, which cannot change; "
            "create or delete the contained entity instead",
            target=navigation.navigation.name,
            code="ContainmentReference",
        )


def _body_reference(ctx: RequestContext, target_set: EntitySet) -> Key:
    """The key of the entity a reference body (``{"@id": "Products(5)"}``) names."""
    document: Any = json_body(ctx.request)
    present = [member for member in _ID_MEMBERS if member in document] if isinstance(document, dict) else []
    if len(present) != 1:
        raise BadRequestError(
            'The body must be a JSON object naming one entity by "@id" (4.0: "@odata.id")', code="InvalidPayload"
        )
    for member in document:
        if not member.startswith("@"):
            raise BadRequestError(
                f"An entity reference has only its id and annotations, not {member!r}",
                target=member,
                code="InvalidPayload",
            )
    return _reference(ctx, document[present[0]], target_set, present[0])


def _removed_key(ctx: RequestContext, link: _Link) -> Key:
    """The entity to take out of a collection: the key in the URL, or ``$id``."""
    if link.url_key is not None:
        return link.url_key
    if "id" not in ctx.options.system:
        raise BadRequestError(
            f"Name the entity to remove from {link.name} with $id, as in {link.name}/$ref?$id={link.target_set.name}(1)",
            target="$id",
            code="MissingReference",
        )
    return _reference(ctx, ctx.options.system["id"], link.target_set, "$id")


def _reference(ctx: RequestContext, entity_id: object, target_set: EntitySet, target: str) -> Key:
    """The key of the entity ``entity_id`` names.

    Ids are read relative to the service root (``Products(5)``), as clients send them;
    a dot-relative one (``../../Products(5)``) relative to the request URL, as the
    example of Protocol §11.4.6.2 writes ``$id``.
    """
    if isinstance(entity_id, str) and entity_id.startswith("."):
        entity_id = urljoin(ctx.request.service_root + ctx.request.path, entity_id)
    return PayloadReader(ctx.service.model, ctx.request.service_root).reference(entity_id, target_set, target)


async def _source_key(ctx: RequestContext, changes: Changes, link: _Link) -> Key:
    """The key of the source entity, whose preconditions the request must meet; 404 if it does not exist."""
    key = await addressed_key(ctx.service, changes.connection, link.source)
    current = None if key is None else await changes.current(link.source_set, key)
    check_change(ctx.request, link.source_set, changes.etag(link.source_set, current), exists=current is not None)
    if key is None:
        raise NotFoundError(f"The entity whose {link.name} the request changes does not exist", code="EntityNotFound")
    return key


async def _require_target(changes: Changes, link: _Link, key: Key) -> None:
    """404 unless the target exists, of the navigation property's type (the set's, or one derived from it)."""
    target_type = changes.service.model.entity_type(link.navigation.navigation.target_type)
    if await changes.current(link.target_set, key, entity_type=target_type) is None:
        raise NotFoundError(f"{link.target_id(key)} does not exist", code="EntityNotFound")


async def _related(ctx: RequestContext, changes: Changes, link: _Link, target_key: Key) -> bool:
    """Whether the target is related to the source already (``Categories(1)/Products(5)`` exists)."""
    path = ODataPath(
        ResourceKind.ENTITY,
        (*link.source.segments, link.navigation, key_segments(link.target_set, target_key)[1]),
        link.target_set,
    )
    return await addressed_key(ctx.service, changes.connection, path) is not None


async def _unlink(changes: Changes, link: _Link, source_key: Key, target_key: Key) -> None:
    """Remove the link between source and target: 400 if the dependent cannot exist unlinked, 404 if there is none."""
    if not await changes.unlink(link.source_set, link.name, source_key, target_key):
        raise NotFoundError(
            f"{link.target_id(target_key)} is not related through {link.name}", target=link.name, code="EntityNotFound"
        )


__all__ = ["add_reference", "delete_reference", "set_reference"]
