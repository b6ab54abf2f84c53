"""INSERT, UPDATE and DELETE of entities, and the links between them, as SQLAlchemy Core.

Entities are addressed by their key (Edm property name → value) and written column
by column through the mapped class's tables: one, or one per class of a joined-table
hierarchy (:mod:`odata_server.query.tables`), each row written in the same
transaction. A class of a hierarchy writes its polymorphic identity into the
discriminator column. A relationship is written where the database keeps it: the
foreign key of the dependent row for one-to-many and many-to-one, a row of the
association table for many-to-many.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapper, RelationshipDirection, RelationshipProperty

from odata_server.edm.storage import EntityStorage
from odata_server.query.tables import EntityTables

Key = Mapping[str, object]
"""What tells an entity's row apart: Edm property name → value of each primary key
column (the entity type's key, and for a contained entity its container's too)."""

Values = Mapping[str, object]
"""Edm property name → value."""


def column(storage: EntityStorage, name: str) -> sa.Column[Any]:
    """The table column behind the Edm property ``name``."""
    mapper: Mapper[Any] = sa.inspect(storage.mapped_class)
    return mapper.column_attrs[storage.columns[name]].columns[0]  # type: ignore[return-value]


def table(storage: EntityStorage) -> sa.Table:
    mapper: Mapper[Any] = sa.inspect(storage.mapped_class)
    return mapper.local_table  # type: ignore[return-value]


def _stored(col: sa.Column[Any], value: object) -> object:
    """A decoded value as the column stores it: naive UTC for a DateTime without time zone."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        if not getattr(col.type, "timezone", False):
            return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def assignments(storage: EntityStorage, values: Values) -> dict[sa.Column[Any], object]:
    columns = {name: column(storage, name) for name in values}
    return {columns[name]: _stored(columns[name], value) for name, value in values.items()}


def key_condition(storage: EntityStorage, key: Key) -> sa.ColumnElement[bool]:
    return sa.and_(*(column(storage, name) == value for name, value in key.items()))


def _by_table(
    storage: EntityStorage, tables: EntityTables, values: Values, foreign_keys: Mapping[sa.Column[Any], object]
) -> dict[sa.Table, dict[sa.Column[Any], object]]:
    """The columns to write in each table: the values of the properties (a key property in
    every table that has it) and the foreign keys."""
    mapper: Mapper[Any] = sa.inspect(storage.mapped_class)
    rows: dict[sa.Table, dict[sa.Column[Any], object]] = {table: {} for table in tables.tables}
    for name, value in values.items():
        for col in mapper.column_attrs[storage.columns[name]].columns:
            if col.table in rows:
                rows[col.table][col] = _stored(col, value)  # type: ignore[index, arg-type]
    for col, value in foreign_keys.items():
        rows[col.table][col] = value  # type: ignore[index]
    return rows


async def insert(
    connection: AsyncConnection,
    storage: EntityStorage,
    values: Values,
    foreign_keys: Mapping[sa.Column[Any], object],
) -> Key:
    """Insert one entity with ``values`` and ``foreign_keys``; its (primary) key, as given or generated.

    Each table of the class gets its row, the root's first, whose key (perhaps generated)
    the others repeat.
    """
    tables = EntityTables.of(storage)
    rows = _by_table(storage, tables, values, foreign_keys)
    mapper: Mapper[Any] = sa.inspect(storage.mapped_class)
    if mapper.polymorphic_on is not None and mapper.polymorphic_identity is not None:
        discriminator: sa.Column[Any] = mapper.polymorphic_on  # type: ignore[assignment]
        rows[discriminator.table][discriminator] = mapper.polymorphic_identity  # type: ignore[index]
    known: dict[sa.Column[Any], object] = {}
    for table_ in tables.tables:
        row = rows[table_]
        for col, parent_col in tables.inherited.get(table_, ()):
            row[col] = known[parent_col]
        result = await connection.execute(sa.insert(table_).values(row))
        known.update(row)
        known.update(zip(table_.primary_key.columns, result.inserted_primary_key or ()))
    by_name = {name: known[col] for name, col in zip(tables.key_names, tables.keys[tables.tables[0]])}
    return {name: by_name[name] for name in storage.key}


async def insert_many(
    connection: AsyncConnection, storage: EntityStorage, rows: list[dict[sa.Column[Any], object]]
) -> None:
    """Insert entities of a class with one table whose keys nobody needs back: one statement
    per set of columns given."""
    by_columns: dict[tuple[str, ...], list[dict[str, object]]] = {}
    for row in rows:
        by_columns.setdefault(tuple(sorted(column.key for column in row)), []).append(
            {column.key: value for column, value in row.items()}
        )
    for parameters in by_columns.values():
        await connection.execute(sa.insert(table(storage)), parameters)


def select_values(
    storage: EntityStorage, key_names: tuple[str, ...], names: tuple[str, ...], *, lock: bool, dialect: str
) -> sa.Select[Any]:
    """SELECT the values of ``names`` of the entity whose key properties ``key_names`` have the
    values :func:`key_parameters` gives: no row if there is none (or it is not of the
    storage's type: the class's query reads only rows of its type). The statement serves
    every entity of the storage's type.

    ``lock`` holds the row until the transaction ends (``FOR UPDATE`` where the
    database has it), so no concurrent write slips between this read and the write.
    """
    mapped_class = storage.mapped_class
    columns = [getattr(mapped_class, storage.columns[name]) for name in names] or [sa.literal(1)]
    condition = []
    for index, name in enumerate(key_names):
        key_column = getattr(mapped_class, storage.columns[name])
        condition.append(key_column == sa.bindparam(_key_parameter(index), type_=key_column.type))
    statement = sa.select(*columns).select_from(mapped_class).where(*condition)
    if lock and dialect != "sqlite":  # SQLite write transactions hold the database lock
        statement = statement.with_for_update()
    return statement


def key_parameters(key: Key) -> dict[str, object]:
    """The parameters of :func:`select_values` for ``key``, in the order of its ``key_names``
    (``tuple(key)``)."""
    return {_key_parameter(index): value for index, value in enumerate(key.values())}


def _key_parameter(index: int) -> str:
    return f"odata_entity_key_{index}"


async def update(
    connection: AsyncConnection,
    storage: EntityStorage,
    key: Key,
    values: Values,
    foreign_keys: Mapping[sa.Column[Any], object],
    version: str | None,
) -> None:
    """Set ``values`` and ``foreign_keys`` on the entity with ``key``; increment its ``version``
    property, if any. Each table of the class is updated where it has a column to change."""
    tables = EntityTables.of(storage)
    rows: dict[sa.Table, dict[sa.Column[Any], Any]] = _by_table(storage, tables, values, foreign_keys)
    if version is not None:
        version_column = column(storage, version)
        rows[version_column.table][version_column] = version_column + 1  # type: ignore[index]
    for table_, changes in rows.items():
        if changes:
            await connection.execute(sa.update(table_).where(tables.key_condition(table_, key)).values(changes))


async def delete(connection: AsyncConnection, storages: Sequence[EntityStorage], key: Key) -> None:
    """Delete the entity with ``key`` from the tables of the ``storages`` (its type's and those
    of the types derived from it, base types first): the most derived tables first."""
    found: dict[sa.Table, EntityTables] = {}
    for storage in storages:
        tables = EntityTables.of(storage)
        for table_ in tables.tables:
            found.setdefault(table_, tables)
    for table_, tables in reversed(found.items()):
        await connection.execute(sa.delete(table_).where(tables.key_condition(table_, key)))


class Relationship:
    """The relationship behind a navigation property, to link and unlink two entities."""

    def __init__(self, source: EntityStorage, navigation: str, target: EntityStorage) -> None:
        mapper: Mapper[Any] = sa.inspect(source.mapped_class)
        self.property: RelationshipProperty[Any] = mapper.relationships[source.relationships[navigation]]
        self.source = source
        self.target = target
        self.direction = self.property.direction

    @property
    def source_holds_key(self) -> bool:
        """The foreign key is in the source's row (many-to-one): link the target first."""
        return self.direction is RelationshipDirection.MANYTOONE

    async def foreign_key(
        self, connection: AsyncConnection, principal_key: Key, *, exists: bool = False
    ) -> dict[sa.Column[Any], object]:
        """The foreign key values that make the dependent row point at the principal with ``principal_key``.

        For many-to-one the source is the dependent; for one-to-many the target is.
        When the caller knows the principal ``exists`` (it was just written) and the
        foreign key refers to its key, no query is needed.

        Raises:
            LookupError: the principal does not exist.
        """
        if self.source_holds_key:
            pairs = [(local, remote) for local, remote in self.property.local_remote_pairs or ()]
            principal = self.target
        else:
            pairs = [(remote, local) for local, remote in self.property.local_remote_pairs or ()]
            principal = self.source
        if exists:
            by_column = {column(principal, name): value for name, value in principal_key.items()}
            if all(referenced in by_column for _, referenced in pairs):
                return {dependent: by_column[referenced] for dependent, referenced in pairs}
        statement = sa.select(*(referenced for _, referenced in pairs)).where(key_condition(principal, principal_key))
        row = (await connection.execute(statement)).first()
        if row is None:
            raise LookupError("the principal entity does not exist")
        return {dependent: value for (dependent, _), value in zip(pairs, row)}

    async def link(self, connection: AsyncConnection, source_key: Key, target_key: Key) -> None:
        """Relate the source entity to the target entity (replacing a single-valued link)."""
        if self.direction is RelationshipDirection.MANYTOMANY:
            await self._insert_association(connection, source_key, target_key)
            return
        dependent, dependent_key, pointing = await self._dependent(connection, source_key, target_key)
        await update(connection, dependent, dependent_key, {}, pointing, None)

    async def unlink(self, connection: AsyncConnection, source_key: Key, target_key: Key) -> bool:
        """Remove the link between the source and the target; whether there was one."""
        if self.direction is RelationshipDirection.MANYTOMANY:
            secondary = self.property.secondary
            assert secondary is not None
            condition = sa.and_(*self._association_values(source_key, target_key, as_condition=True))
            result = await connection.execute(sa.delete(secondary).where(condition))
            return bool(result.rowcount)
        dependent, dependent_key, pointing = await self._dependent(connection, source_key, target_key)
        holder: sa.Table = next(iter(pointing)).table  # type: ignore[assignment]
        where = sa.and_(
            EntityTables.of(dependent).key_condition(holder, dependent_key),
            *(col == value for col, value in pointing.items()),
        )
        result = await connection.execute(sa.update(holder).where(where).values({col: None for col in pointing}))
        return bool(result.rowcount)

    async def _dependent(
        self, connection: AsyncConnection, source_key: Key, target_key: Key
    ) -> tuple[EntityStorage, Key, dict[sa.Column[Any], object]]:
        """The entity whose row holds the link (one-to-many or many-to-one), its key, and
        the foreign key values that point it at the other."""
        if self.source_holds_key:
            return self.source, source_key, await self.foreign_key(connection, target_key)
        return self.target, target_key, await self.foreign_key(connection, source_key)

    @property
    def key_bound(self) -> bool:
        """The dependent's primary key holds the foreign key (an order line keyed by its
        order): linking it elsewhere would change its key."""
        if self.direction is RelationshipDirection.MANYTOMANY:
            return False
        pairs = self.property.local_remote_pairs or ()
        return any((local if self.source_holds_key else remote).primary_key for local, remote in pairs)

    def dependent_key_nullable(self) -> bool:
        """Whether the dependent's foreign key columns may be NULL (so a link can be removed)."""
        if self.direction is RelationshipDirection.MANYTOMANY:
            return True
        columns = [
            local if self.source_holds_key else remote for local, remote in self.property.local_remote_pairs or ()
        ]
        return all(col.nullable for col in columns)

    async def _insert_association(self, connection: AsyncConnection, source_key: Key, target_key: Key) -> None:
        secondary = self.property.secondary
        assert secondary is not None
        values = dict(self._association_values(source_key, target_key, as_condition=False))
        await connection.execute(sa.insert(secondary).values(values))  # type: ignore[arg-type]

    def _association_values(self, source_key: Key, target_key: Key, *, as_condition: bool) -> list[Any]:
        """The association row's columns: from the source's and the target's columns (read by subquery)."""
        items = []
        for pairs, storage, key in (
            (self.property.synchronize_pairs, self.source, source_key),
            (self.property.secondary_synchronize_pairs or [], self.target, target_key),
        ):
            for principal, association in pairs:
                value = sa.select(principal).where(key_condition(storage, key)).scalar_subquery()
                items.append(association == value if as_condition else (association, value))
        return items


__all__ = [
    "Key",
    "Relationship",
    "Values",
    "column",
    "delete",
    "insert",
    "insert_many",
    "key_condition",
    "key_parameters",
    "select_values",
    "table",
    "update",
]
