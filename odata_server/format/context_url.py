"""Context URLs (OData JSON Format §10): what a payload describes, as a link into ``$metadata``."""

from __future__ import annotations

from typing import Any

from odata_server.edm.model import EntitySet
from odata_server.format.negotiation import MetadataLevel, Negotiated


def context_url(service_root: str, fragment: str | None = None) -> str:
    return f"{service_root}$metadata" if fragment is None else f"{service_root}$metadata#{fragment}"


def collection_fragment(entity_set: EntitySet) -> str:
    """§10.1 Collection of Entities: ``#Products``."""
    return entity_set.name


def entity_fragment(entity_set: EntitySet) -> str:
    """§10.2 Entity: ``#Products/$entity``."""
    return f"{entity_set.name}/$entity"


def property_fragment(canonical_key: str, property_name: str) -> str:
    """§10.14 Individual Property: ``#Products(1)/ProductName``."""
    return f"{canonical_key}/{property_name}"


ENTITY_REFERENCE_FRAGMENT = "$ref"
ENTITY_REFERENCES_FRAGMENT = "Collection($ref)"


def context(negotiated: Negotiated, service_root: str, fragment: str | None = None) -> dict[str, Any]:
    """The context member (``@context``; 4.0: ``@odata.context``), or nothing with ``metadata=none``."""
    if negotiated.metadata is MetadataLevel.NONE:
        return {}
    return {negotiated.control("context"): context_url(service_root, fragment)}


__all__ = [
    "ENTITY_REFERENCES_FRAGMENT",
    "ENTITY_REFERENCE_FRAGMENT",
    "collection_fragment",
    "context",
    "context_url",
    "entity_fragment",
    "property_fragment",
]
