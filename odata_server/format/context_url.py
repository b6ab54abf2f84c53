"""Context URLs (OData JSON Format §10): what a payload describes, as a link into ``$metadata``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from odata_server.edm.model import ContainedEntities, NavigationSource, Singleton
from odata_server.format.canonical import addressed_path, collection_url
from odata_server.format.negotiation import MetadataLevel, Negotiated
from odata_server.uri.bound_options import BoundOptions
from odata_server.uri.path import PathSegment


def context_url(service_root: str, fragment: str | None = None) -> str:
    return f"{service_root}$metadata" if fragment is None else f"{service_root}$metadata#{fragment}"


def collection_fragment(
    entity_set: NavigationSource, segments: Sequence[PathSegment] = (), *, by_type: bool = False
) -> str:
    """§10.1 Collection of Entities: ``#Products``; contained entities are named through
    their container as ``segments`` address it: ``#People('russellwhyte')/Trips``; ``by_type``
    (an operation returned them into an entity set the model does not name):
    ``#Collection(NorthwindModel.Product)``."""
    if by_type:
        return f"Collection({entity_set.entity_type.qualified_name})"
    if isinstance(entity_set, ContainedEntities):
        return addressed_path(segments)
    return entity_set.name


def entity_fragment(
    entity_set: NavigationSource,
    select_expand: str = "",
    container_values: Sequence[object] = (),
    *,
    by_type: bool = False,
) -> str:
    """§10.2 Entity: ``#Products/$entity``, ``#Products(ProductName)/$entity``; a contained
    entity's names its collection (``#People('russellwhyte')/Trips/$entity``, from the
    values of its container keys); a singleton is ``#Me``, as is a single contained entity;
    ``by_type`` (as for :func:`collection_fragment`): ``#NorthwindModel.Product(ProductName)``."""
    if by_type:
        return f"{entity_set.entity_type.qualified_name}{select_expand}"
    if isinstance(entity_set, Singleton):
        return f"{entity_set.name}{select_expand}"
    if isinstance(entity_set, ContainedEntities):
        collection = collection_url(entity_set, container_values)
        return (
            f"{collection}{select_expand}/$entity" if entity_set.navigation.collection else collection + select_expand
        )
    return f"{entity_set.name}{select_expand}/$entity"


def select_expand_clause(options: BoundOptions) -> str:
    """§10.9 the projection in a context URL: ``(ProductName,Category(CategoryName))``.

    Expanded navigation properties are written with parentheses, empty when all of
    their properties are selected; nothing when all properties and nothing expanded.
    """

    def items(options: BoundOptions) -> list[str]:
        selected = [] if options.select is None else [*(field.name for field in options.select), *options.streams]
        expanded = [f"{expand.navigation.name}({','.join(items(expand.options))})" for expand in options.expand]
        return selected + expanded

    listed = items(options)
    return f"({','.join(listed)})" if listed else ""


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
    "select_expand_clause",
]
