"""The entity behind a singleton: its key, fixed or chosen for the request (``Me``).

The binder leaves a singleton's key open, since it may depend on who asks; here it is
resolved once per request and put after the singleton segment, so that everything
downstream reads the singleton's entity as it reads ``People('aprilcline')``.
"""

from __future__ import annotations

from dataclasses import replace

from odata_server.edm.model import Singleton
from odata_server.errors import NotFoundError
from odata_server.messages import ODataRequest
from odata_server.uri.path import KeySegment, ODataPath, SingletonSegment


def with_singleton_key(path: ODataPath, request: ODataRequest) -> ODataPath:
    """``path`` with the key of its singleton's entity, when it starts with a singleton.

    Raises:
        NotFoundError: the singleton's key function finds no entity for this request.
        TypeError: the key function returns something that is not the entity type's key.
    """
    if not path.segments or not isinstance(path.segments[0], SingletonSegment):
        return path
    singleton = path.segments[0].entity_set
    assert isinstance(singleton, Singleton)
    key = singleton.key(request) if callable(singleton.key) else singleton.key
    if key is None:
        raise NotFoundError(
            f"{singleton.name} refers to no entity for this request", target=singleton.name, code="EntityNotFound"
        )
    entity_type = singleton.entity_type
    if set(key) != set(entity_type.key):
        raise TypeError(
            f"The key function of singleton {singleton.name} returned {sorted(key)}, "
            f"not the key of {entity_type.name} ({', '.join(entity_type.key)})"
        )
    values = KeySegment(tuple((prop, key[prop.name]) for prop in entity_type.key_properties))
    return replace(path, segments=(path.segments[0], values, *path.segments[1:]))


__all__ = ["with_singleton_key"]
