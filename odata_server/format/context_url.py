"""Context URLs (OData JSON Format §10): what a payload describes, as a link into ``$metadata``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from odata_server.edm.model import ContainedEntities, EntityType, NavigationSource, Singleton
from odata_server.format.canonical import addressed_path, collection_url
from odata_server.format.negotiation import MetadataLevel, Negotiated
from odata_server.uri.bound_options import BoundOptions, DerivedProperty, Field
from odata_server.uri.path import PathSegment


def context_url(service_root: str, fragment: str | None = None) -> str:
    return f"{service_root}$metadata" if fragment is None else f"{service_root}$metadata#{fragment}"


def collection_fragment(
    entity_set: NavigationSource,
    segments: Sequence[PathSegment] = (),
    entity_type: EntityType | None = None,
    *,
    by_type: bool = False,
) -> str:
    """§10.1 Collection of Entities: ``#Products``; contained entities are named through
    their container as ``segments`` address it: ``#People('russellwhyte')/Trips``; §10.5
    Collection of Derived Entities: ``#PlanItems/NS.Flight``; ``by_type`` (an operation
    returned them into an entity set the model does not name):
    ``#Collection(NorthwindModel.Product)``."""
    if by_type:
        return f"Collection({(entity_type or entity_set.entity_type).qualified_name})"
    if isinstance(entity_set, ContainedEntities):
        return addressed_path(segments)
    return entity_set.name + _type_cast(entity_set, entity_type)


def entity_fragment(
    entity_set: NavigationSource,
    select_expand: str = "",
    container_values: Sequence[object] = (),
    entity_type: EntityType | None = None,
    *,
    by_type: bool = False,
) -> str:
    """§10.2 Entity: ``#Products/$entity``, ``#Products(ProductName)/$entity``; a contained
    entity's names its collection (``#People('russellwhyte')/Trips/$entity``, from the
    values of its container keys); a singleton is ``#Me``, as is a single contained entity;
    §10.6 Derived Entity: ``#PlanItems/NS.Flight/$entity``; ``by_type`` (as for
    :func:`collection_fragment`): ``#NorthwindModel.Product(ProductName)``."""
    if by_type:
        return f"{(entity_type or entity_set.entity_type).qualified_name}{select_expand}"
    if isinstance(entity_set, Singleton):
        return f"{entity_set.name}{select_expand}"
    cast = _type_cast(entity_set, entity_type)
    if isinstance(entity_set, ContainedEntities):
        collection = collection_url(entity_set, container_values) + cast
        return (
            f"{collection}{select_expand}/$entity" if entity_set.navigation.collection else collection + select_expand
        )
    return f"{entity_set.name}{cast}{select_expand}/$entity"


def _type_cast(entity_set: NavigationSource, entity_type: EntityType | None) -> str:
    """The type-cast segment after the set's name when the entities are of a type derived from its type."""
    if entity_type is None or entity_type is entity_set.entity_type:
        return ""
    return f"/{entity_type.qualified_name}"


def select_expand_clause(options: BoundOptions) -> str:
    """§10.9 the projection in a context URL: ``(ProductName,Category(CategoryName))``.

    Expanded navigation properties are written with parentheses, empty when all of
    their properties are selected; nothing when all properties and nothing expanded.
    Members of derived types are prefixed with their type (``NS.Flight/FlightNumber``).
    """

    def items(options: BoundOptions) -> list[str]:
        selected = [] if options.select is None else [*map(_member, options.select), *options.streams]
        expanded = [
            f"{_cast_prefix(expand.source_type)}{expand.navigation.name}({','.join(items(expand.options))})"
            for expand in options.expand
        ]
        return selected + expanded

    listed = items(options)
    return f"({','.join(listed)})" if listed else ""


def _member(field: Field) -> str:
    if isinstance(field, DerivedProperty):
        return f"{field.entity_type.qualified_name}/{field.name}"
    return field.name  # type: ignore[union-attr]


def _cast_prefix(entity_type: EntityType | None) -> str:
    return "" if entity_type is None else f"{entity_type.qualified_name}/"


def property_fragment(canonical_key: str, property_name: str, cast: EntityType | None = None) -> str:
    """§10.14 Individual Property: ``#Products(1)/ProductName``; of a derived type, behind its
    cast: ``#PlanItems(2)/NS.Flight/FlightNumber``."""
    return f"{canonical_key}/{_cast_prefix(cast)}{property_name}"


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
