"""Where each part of the model lives in SQLAlchemy: the mapped classes behind entity types.

Kept apart from :mod:`odata_server.edm.model` so the model stays plain data; only
``query/`` reads this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EntityStorage:
    """The mapped class of one entity type, and the attribute behind each property.

    Attributes:
        mapped_class: the SQLAlchemy declarative class.
        columns: Edm property name → name of the mapped column attribute.
        relationships: Edm navigation property name → name of the relationship attribute.
        key: the Edm names of the primary key columns: what tells rows apart. It is the
            entity type's key, except for a contained type, whose key leaves out the
            columns that point to its container (unique only within it).
    """

    mapped_class: type
    columns: Mapping[str, str]
    relationships: Mapping[str, str]
    key: tuple[str, ...]


#: Qualified entity type name → its storage.
Storage = Mapping[str, EntityStorage]

__all__ = ["EntityStorage", "Storage"]
