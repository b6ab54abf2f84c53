"""How entities and collections are named in URLs (OData URL Conventions §4.3.1, §4.10).

An entity of an entity set is ``Products(1)``; a singleton is ``Me``; a contained entity
is named through its containers, ``People('russellwhyte')/Trips(1)/PlanItems(21)``
(CSDL §8.4), so its URL needs the keys of its containers besides its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from odata_server.edm.model import ContainedEntities, EntitySet, NavigationSource, Property, Singleton
from odata_server.format.values import key_literal
from odata_server.uri.path import (
    EntitySetSegment,
    KeySegment,
    NavigationSegment,
    PathSegment,
    SingletonSegment,
    TypeCastSegment,
)


def key_predicate(properties: Sequence[Property], values: Sequence[object]) -> str:
    """``(1)``, ``('ALFKI')``, ``(OrderID=10248,ProductID=11)``."""
    if len(properties) == 1:
        return f"({key_literal(values[0], properties[0].type)})"
    return f"({','.join(f'{prop.name}={key_literal(value, prop.type)}' for prop, value in zip(properties, values))})"


def canonical_url(
    source: NavigationSource, key_values: Sequence[object], container_values: Sequence[object] = ()
) -> str:
    """The canonical URL of an entity of ``source``, relative to the service root.

    ``container_values`` are the values of ``source``'s container keys
    (:attr:`~odata_server.edm.model.ContainedEntities.container_keys`), outermost first.
    """
    if isinstance(source, Singleton):
        return source.name
    own = key_predicate(source.entity_type.key_properties, key_values)
    if isinstance(source, EntitySet):
        return f"{source.name}{own}"
    return collection_url(source, container_values) + (own if source.navigation.collection else "")


def collection_url(source: ContainedEntities, container_values: Sequence[object]) -> str:
    """``People('russellwhyte')/Trips``: the canonical URL of the contained collection
    that holds an entity, from the values of its container keys."""
    values = iter(container_values)
    chain = source.containers
    root = chain[0].parent
    parts = [root.name + (_predicate(root, values) if isinstance(root, EntitySet) else "")]
    for contained in chain[:-1]:
        parts.append(
            contained.navigation.name + (_predicate(contained, values) if contained.navigation.collection else "")
        )
    parts.append(source.navigation.name)
    return "/".join(parts)


def _predicate(source: NavigationSource, values: Iterator[object]) -> str:
    properties = source.entity_type.key_properties
    return key_predicate(properties, [next(values) for _ in properties])


def addressed_path(segments: Sequence[PathSegment]) -> str:
    """The entity segments of a request as a URL in canonical form (keys in parentheses):
    ``People('russellwhyte')/Trips``, ``Me/Trips``."""
    parts: list[str] = []
    for index, segment in enumerate(segments):
        if isinstance(segment, EntitySetSegment):
            parts.append(segment.entity_set.name)
        elif isinstance(segment, KeySegment):
            if index == 1 and isinstance(segments[0], SingletonSegment):
                continue  # the singleton's own key, which its URL does not show
            parts[-1] += key_predicate([prop for prop, _ in segment.values], [value for _, value in segment.values])
        elif isinstance(segment, NavigationSegment):
            parts.append(segment.navigation.name)
        elif isinstance(segment, TypeCastSegment):
            parts.append(segment.entity_type.qualified_name)
    return "/".join(parts)


__all__ = ["addressed_path", "canonical_url", "collection_url", "key_predicate"]
