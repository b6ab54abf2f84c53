"""``$expand`` → one SELECT of related entities for a whole batch of parents (never one per parent).

For the parents of a batch, ``Orders($filter=...;$orderby=...;$top=2)`` becomes::

    SELECT orders.*, customers.key FROM customers JOIN orders ON ...
    WHERE customers.key IN (:keys) AND <filter>

with the per-parent ``$top``/``$skip`` done in SQL by ``row_number() OVER
(PARTITION BY parent key ORDER BY ...)``. Each child row ends with its parent's key,
by which the caller groups the rows. Nested ``$expand`` repeats this one level down,
for all the children of the batch at once.

The parents' keys are one expanding bound parameter (:data:`PARENT_KEYS`), so a
statement serves every batch of every request with the same ``$expand``, and is
built once (the caller caches it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from odata_server.edm.model import ContainedEntities, ContainerKey, EntityType, Model
from odata_server.edm.storage import Storage
from odata_server.query import polymorphic
from odata_server.query.containers import container_key_column
from odata_server.query.expressions import ExpressionCompiler, RangeVariable
from odata_server.query.paging import SortKey, order_by, token_column
from odata_server.query.search import search_condition
from odata_server.uri.bound_options import Computed, DerivedProperty, EntityTypeName, Expand, Field

Select = sa.Select[Any]

#: The name of the bound parameter that holds the parents' keys.
PARENT_KEYS = "parent_keys"


def parent_keys_parameter(keys: Sequence[tuple[object, ...]]) -> dict[str, list[Any]]:
    """The parameters of a statement for the parents with ``keys``."""
    if keys and len(keys[0]) == 1:
        return {PARENT_KEYS: [key[0] for key in keys]}
    return {PARENT_KEYS: list(keys)}


class ExpansionQuery:
    """The SQL of one expanded navigation property from one parent entity type.

    With a type cast before the navigation property (``NS.Flight/Airline``) only parents
    of that type are joined; the children are of the expanded type (after a cast behind
    the navigation property, only those of it), with the columns of the types derived from it.
    """

    def __init__(self, model: Model, storage: Storage, parent_type: EntityType, expand: Expand, dialect: str) -> None:
        parent_type = expand.source_type or parent_type
        parent_storage = storage[parent_type.qualified_name]
        self.model = model
        self.storage = storage
        aliases = polymorphic.Aliases()
        self.parent = aliases.of(model, storage, parent_type, derived=False)
        self.child_type = expand.entity_type
        self.child_storage = storage[self.child_type.qualified_name]
        self.child = aliases.of(model, storage, self.child_type)
        # The primary key, which tells the parents apart (a contained entity's key may not).
        self.parent_keys = [getattr(self.parent, parent_storage.columns[name]) for name in parent_storage.key]
        self.relationship = polymorphic.relationship(storage, self.parent, parent_type, expand.navigation.name)
        self.expand = expand
        self.dialect = dialect
        self.compiler = ExpressionCompiler(
            model, storage, RangeVariable(self.child, self.child_type, self.child_storage), dialect, aliases
        )

    def _from(self, *columns: sa.ColumnElement[Any]) -> Select:
        statement = sa.select(*columns).select_from(self.parent).join(self.relationship.of_type(self.child))
        keys = sa.bindparam(PARENT_KEYS, expanding=True)
        if len(self.parent_keys) == 1:
            statement = statement.where(self.parent_keys[0].in_(keys))
        else:
            statement = statement.where(sa.tuple_(*self.parent_keys).in_(keys))
        options = self.expand.options
        if options.filter is not None:
            statement = statement.where(self.compiler.condition(options.filter))
        if options.search is not None:
            entity_set = self.expand.entity_set
            columns = [getattr(self.child, self.child_storage.columns[name]) for name in entity_set.search_properties]
            statement = statement.where(search_condition(options.search, columns))
        return statement

    @property
    def sort_keys(self) -> list[SortKey]:
        """The order of each parent's related entities: the nested ``$orderby``, then the key."""
        return [
            SortKey(self.compiler.compile(item.expression), item.descending, item.expression.type.primitive)  # type: ignore[arg-type]
            for item in self.expand.options.orderby
        ] + [
            SortKey(getattr(self.child, self.child_storage.columns[prop.name]), False, prop.type)
            for prop in self.child_type.key_properties
        ]

    def children(self, fields: Sequence[Field], sort_keys: Sequence[SortKey], limit: int | None) -> Select:
        """The related entities of the parents (:data:`PARENT_KEYS`): ``fields``, the sort values, the parent key.

        At most ``limit`` per parent (``$top`` and ``$skip`` apply within each parent).
        """
        options = self.expand.options
        columns = [
            *(self._field(field).label(f"c{index}") for index, field in enumerate(fields)),
            *(token_column(key, self.dialect).label(f"s{index}") for index, key in enumerate(sort_keys)),
            *(key.label(f"p{index}") for index, key in enumerate(self.parent_keys)),
        ]
        statement = self._from(*columns)
        if limit is None and not options.skip:
            return statement.order_by(*order_by(sort_keys))
        position = sa.func.row_number().over(partition_by=self.parent_keys, order_by=order_by(sort_keys))
        ranked = statement.add_columns(position.label("position")).subquery()
        first = options.skip or 0
        selected = sa.select(*(ranked.c[column.name] for column in columns)).where(ranked.c.position > first)
        if limit is not None:
            selected = selected.where(ranked.c.position <= first + limit)
        return selected.order_by(ranked.c.position)

    def _field(self, field: Field) -> sa.ColumnElement[Any]:
        if isinstance(field, Computed):
            return self.compiler.compile(field.expression)
        if isinstance(field, ContainerKey):
            assert isinstance(self.expand.entity_set, ContainedEntities)
            return container_key_column(self.storage, self.expand.entity_set, field, self.child)
        if isinstance(field, DerivedProperty):
            return polymorphic.column(
                self.model, self.storage, self.child, self.child_type, field.name, field.entity_type
            )
        if isinstance(field, EntityTypeName):
            return polymorphic.type_name(self.model, self.storage, self.child, self.child_type)
        return getattr(self.child, self.child_storage.columns[field.name])  # type: ignore[no-any-return]

    def counts(self) -> Select:
        """Per parent key (:data:`PARENT_KEYS`), the number of related entities matching the nested ``$filter``."""
        return self._from(*self.parent_keys, sa.func.count()).group_by(*self.parent_keys)


__all__ = ["PARENT_KEYS", "ExpansionQuery", "parent_keys_parameter"]
