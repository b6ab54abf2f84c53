"""Conditional requests on one entity: ``If-Match`` and ``If-None-Match`` (OData Protocol §8.2.4, §8.2.5, §11.4.1.1).

A change carrying ``If-Match`` happens only if the entity's ETag is still one of the
listed ones (412 otherwise); an entity set that requires it refuses a change without
it (428). ``If-None-Match: *`` on PUT or PATCH means "only if it does not exist yet"
(create only); ``If-Match: *`` means "only if it exists" (no upsert). A GET whose
``If-None-Match`` lists the current ETag answers 304.
"""

from __future__ import annotations

from odata_server.edm.model import EntitySet
from odata_server.errors import PreconditionFailedError, PreconditionRequiredError
from odata_server.format.etag import matches, parse_tags
from odata_server.messages import ODataRequest


def check_change(request: ODataRequest, entity_set: EntitySet, etag: str | None, *, exists: bool) -> None:
    """Raise unless the preconditions of a change to an entity hold.

    Args:
        etag: the entity's current ETag (None if it has none or does not exist).
        exists: whether the entity exists.
    """
    if_match, if_none_match = request.header("if-match"), request.header("if-none-match")
    concurrency = entity_set.concurrency
    if exists and concurrency is not None and concurrency.required and if_match is None:
        raise PreconditionRequiredError(
            f"Changes to {entity_set.name} must carry If-Match with the entity's ETag", code="PreconditionRequired"
        )
    if if_match is not None and not _holds(parse_tags(if_match), etag, exists):
        raise PreconditionFailedError(
            "The entity has changed (or does not exist): If-Match does not hold", code="PreconditionFailed"
        )
    if if_none_match is not None and _holds(parse_tags(if_none_match), etag, exists):
        raise PreconditionFailedError("If-None-Match does not hold: the entity exists", code="PreconditionFailed")


def not_modified(request: ODataRequest, etag: str | None) -> bool:
    """Whether a GET's ``If-None-Match`` lists the entity's current ETag (304)."""
    if_none_match = request.header("if-none-match")
    return if_none_match is not None and lists_etag(if_none_match, etag)


def check_read(request: ODataRequest, etag: str | None) -> None:
    """A GET with ``If-Match`` answers only while the entity still has one of the listed ETags."""
    if_match = request.header("if-match")
    if if_match is not None and not lists_etag(if_match, etag):
        raise PreconditionFailedError("The entity has changed: If-Match does not hold", code="PreconditionFailed")


def lists_etag(tags: str, etag: str | None) -> bool:
    """Whether an ``If-Match``-style list (or a nested entity's ``@etag``) holds for an
    existing entity with ``etag``: ``*``, or one of its tags."""
    return _holds(parse_tags(tags), etag, exists=True)


def _holds(tags: tuple[str, ...] | None, etag: str | None, exists: bool) -> bool:
    """Whether an entity-tag list matches: ``*`` (None) any existing entity, else its ETag."""
    if not exists:
        return False
    if tags is None:
        return True
    return etag is not None and matches(tags, etag)


__all__ = ["check_change", "check_read", "lists_etag", "not_modified"]
