"""Where each part of the model lives in SQLAlchemy: the mapped classes behind entity types.

Kept apart from :mod:`odata_server.edm.model` so the model stays plain data; only
``query/`` reads this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from odata_server.edm.streams import Stream


@dataclass(frozen=True, slots=True)
class EntityStorage:
    """The mapped class of one entity type, and the attribute behind each property.

    Attributes:
        mapped_class: the SQLAlchemy declarative class.
        columns: Edm property name → name of the mapped column attribute; also the
            columns of the streams, by the reserved names of :mod:`odata_server.edm.streams`.
        relationships: Edm navigation property name → name of the relationship attribute.
        key: the Edm names of the primary key columns: what tells rows apart. It is the
            entity type's key, except for a contained type, whose key leaves out the
            columns that point to its container (unique only within it).
        streams: where each stream is kept: ``"$value"`` for a media entity's own
            stream, the property name for a stream property.
        discriminator: for a type of a hierarchy of several entity types, the attribute of
            the column that tells each row's class (SQLAlchemy's ``polymorphic_on``).
        identities: the discriminator values of the entities of this type: those of its
            class and of the classes derived from it.
    """

    mapped_class: type
    columns: Mapping[str, str]
    relationships: Mapping[str, str]
    key: tuple[str, ...]
    streams: Mapping[str, Stream] = field(default_factory=lambda: MappingProxyType({}))
    discriminator: str | None = None
    identities: tuple[object, ...] = ()


#: Qualified entity type name → its storage.
Storage = Mapping[str, EntityStorage]

__all__ = ["EntityStorage", "Storage"]
