"""The tables an entity's row lives in, for writing it.

A class mapped alone, or with single-table inheritance, has one table. A class of a
joined-table hierarchy has the table of each class from the root of its hierarchy down
to itself, each keyed by the same values: the root table's key, carried down the
``inherit_condition`` of each class (``employees.id = people.id``).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapper
from sqlalchemy.sql import visitors

from odata_server.edm.storage import EntityStorage

Column = sa.Column[Any]


@dataclass(frozen=True, slots=True)
class EntityTables:
    """The tables of an entity type's class, root first.

    Attributes:
        tables: each table once, the root's first, each after the table it inherits its key from.
        key_names: the Edm key properties, in the order of the root table's key columns.
        keys: per table, the key columns, in the order of the root table's key.
        inherited: per table but the root's, each key column with the key column of the
            table before it that it takes its value from.
    """

    tables: tuple[sa.Table, ...]
    key_names: tuple[str, ...]
    keys: dict[sa.Table, tuple[Column, ...]]
    inherited: dict[sa.Table, tuple[tuple[Column, Column], ...]]

    @classmethod
    def of(cls, storage: EntityStorage) -> EntityTables:
        mapper: Mapper[Any] = sa.inspect(storage.mapped_class)
        chain = [m for m in reversed(list(mapper.iterate_to_root()))]
        root_table: sa.Table = chain[0].local_table  # type: ignore[assignment]
        tables = [root_table]
        keys: dict[sa.Table, tuple[Column, ...]] = {root_table: tuple(root_table.primary_key.columns)}
        inherited: dict[sa.Table, tuple[tuple[Column, Column], ...]] = {}
        for parent, child in zip(chain, chain[1:]):
            table: sa.Table = child.local_table  # type: ignore[assignment]
            if table in keys:  # single-table inheritance: the same table
                continue
            parent_keys = keys[parent.local_table]  # type: ignore[index]
            pairs = _equated(child.inherit_condition, table)
            by_parent = {parent_column: column for column, parent_column in pairs}
            keys[table] = tuple(by_parent[column] for column in parent_keys)
            inherited[table] = tuple((by_parent[column], column) for column in parent_keys)
            tables.append(table)
        name_of = {
            column: name for name, attribute in storage.columns.items() for column in mapper.attrs[attribute].columns
        }
        key_names = tuple(name_of[column] for column in keys[root_table])
        return cls(tuple(tables), key_names, keys, inherited)

    def key_condition(self, table: sa.Table, key: Mapping[str, object]) -> sa.ColumnElement[bool]:
        """``table``'s key columns equal to the entity's key (Edm name → value)."""
        return sa.and_(*(column == key[name] for column, name in zip(self.keys[table], self.key_names)))


def _equated(condition: Any, table: sa.Table) -> list[tuple[Column, Column]]:
    """The ``column = parent_column`` pairs of an inherit condition whose first column is in ``table``."""
    pairs = []
    for element in visitors.iterate(condition):
        if isinstance(element, sa.BinaryExpression) and element.operator is operator.eq:
            left, right = element.left, element.right
            if isinstance(left, sa.Column) and isinstance(right, sa.Column):
                if left.table is table:
                    pairs.append((left, right))
                elif right.table is table:
                    pairs.append((right, left))
    return pairs  # type: ignore[return-value]


__all__ = ["EntityTables"]
