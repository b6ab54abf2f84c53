"""Applying entity payloads to the database: create, update, deep insert, deep update, links.

Everything runs on the one connection of the request's transaction (its own, or its
change set's), so a request that fails half-way leaves nothing behind. Related
entities are written in the order their foreign keys need: a many-to-one target
before the entity pointing at it, one-to-many children after their parent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import RelationshipDirection

from odata_server.edm.model import (
    ContainedEntities,
    EntitySet,
    EntityType,
    NavigationProperty,
    NavigationSource,
    Property,
)
from odata_server.edm.storage import EntityStorage
from odata_server.errors import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    ODataError,
    PreconditionFailedError,
    PreconditionRequiredError,
)
from odata_server.format.canonical import canonical_url
from odata_server.format.etag import entity_tag
from odata_server.pipeline.context import ServiceParts
from odata_server.pipeline.payload import EntityPayload, key_of
from odata_server.pipeline.preconditions import lists_etag
from odata_server.pipeline.streams import forget
from odata_server.pipeline.transaction import atomic
from odata_server.query import writes
from odata_server.query.writes import Key, Relationship
from odata_server.uri.bound_options import ENTITY_TYPE_NAME
from odata_server.uri.path import EntitySetSegment, KeySegment, ODataPath

ForeignKeys = dict[sa.Column[Any], object]


class Changes:
    """The writes of one request, on its transaction's connection."""

    def __init__(self, service: ServiceParts, connection: AsyncConnection) -> None:
        self.service = service
        self.connection = connection
        self.deleting = False
        """Whether the request deletes entities: a foreign key error then means "still referenced"."""

    def storage(self, entity_set: EntitySet, entity_type: EntityType | None = None) -> EntityStorage:
        """The storage of the set's type, or of ``entity_type`` (derived from it)."""
        return self.service.storage[(entity_type or entity_set.entity_type).qualified_name]

    def source_type(self, entity_set: EntitySet, navigation: str) -> EntityType:
        """The type of the set's entities that has the navigation property: the set's type, or
        the first type derived from it that declares it (``NS.Flight/Airline``)."""
        entity_type = entity_set.entity_type
        if navigation in entity_type.navigation_properties:
            return entity_type
        return next(d for d in self.service.model.derived_types(entity_type) if navigation in d.navigation_properties)

    def key_of(self, payload: EntityPayload) -> Key | None:
        """The (primary) key an entity object names, if it names one."""
        return key_of(payload, self.storage(payload.entity_set).key)

    def relationship(self, entity_set: EntitySet, navigation: str) -> Relationship:
        source_type = self.source_type(entity_set, navigation)
        target_type = source_type.navigation_properties[navigation].target_type
        return Relationship(self.storage(entity_set, source_type), navigation, self.service.storage[target_type])

    # -- current state

    async def current(
        self, entity_set: EntitySet, key: Key, names: tuple[str, ...] = (), entity_type: EntityType | None = None
    ) -> dict[str, object] | None:
        """The concurrency properties and ``names`` of the entity with ``key``, locked for the change;
        None if absent (or not of ``entity_type``, when given)."""
        wanted = tuple(dict.fromkeys([*_concurrency_names(entity_set), *names]))
        storage = self.storage(entity_set, entity_type)
        key_names, dialect = tuple(key), self.connection.dialect.name
        statement = self.service.plan_cache.get(
            ("current", id(storage), key_names, wanted),  # a storage lives as long as the service
            lambda: writes.select_values(storage, key_names, wanted, lock=True, dialect=dialect),
        )
        row = (await self.connection.execute(statement, writes.key_parameters(key))).first()
        return None if row is None else dict(zip(wanted, row))

    async def entity_type(self, entity_set: EntitySet, key: Key) -> EntityType | None:
        """The type of the set's entity with ``key`` (the set's, or one derived from it); None if absent."""
        model = self.service.model
        if not model.derived_types(entity_set.entity_type):
            return entity_set.entity_type if await self.current(entity_set, key) is not None else None
        name = await self.connection.scalar(
            *self.service.select_entities(key_segments(entity_set, key), (ENTITY_TYPE_NAME,))
        )
        return None if name is None else model.entity_types[name]

    @staticmethod
    def etag(entity_set: EntitySet, current: dict[str, object] | None) -> str | None:
        concurrency = entity_set.concurrency
        if concurrency is None or current is None:
            return None
        return entity_tag(concurrency, [current[name] for name in concurrency.properties])

    # -- create

    async def create(
        self,
        payload: EntityPayload,
        foreign_keys: ForeignKeys | None = None,
        where: str = "",
        *,
        fixed_key: Key | None = None,
    ) -> Key:
        """Insert ``payload`` with its nested entities and links; the new entity's key.

        ``foreign_keys`` point the new entity at its parent (a deep insert, or a POST
        through a navigation property); ``fixed_key`` is the key an upsert's URL gives.
        """
        entity_set = payload.entity_set
        if payload.entity_type.abstract:
            raise BadRequestError(
                f"{payload.entity_type.qualified_name} is abstract: give the entity a type derived from it "
                'with "@odata.type"',
                target=f"{where}@odata.type",
                code="AbstractType",
            )
        _refuse_server_values(payload, where, self.storage(entity_set, payload.entity_type), foreign_keys)
        if fixed_key is not None:
            payload.values.update(fixed_key)
        own = dict(foreign_keys or {})
        later: list[tuple[str, EntityPayload | Key, str]] = []
        for name, related, target in self._related(payload, where):
            relationship = self.relationship(entity_set, name)
            if relationship.source_holds_key:
                related_key = await self._resolve(related, target)
                own.update(await self._foreign_key(relationship, related_key, target))
            else:
                later.append((name, related, target))
        values = dict(payload.values)
        self._add_version(entity_set, values)
        storage = self.storage(entity_set, payload.entity_type)
        _require_values(storage, payload, values, own, where)
        key = await writes.insert(self.connection, storage, values, own)
        leaves: dict[str, list[tuple[EntityPayload, str]]] = {}
        for name, related, target in later:
            if isinstance(related, EntityPayload) and self._is_new_leaf(entity_set, name, related):
                leaves.setdefault(name, []).append((related, target))
            else:
                await self._attach(entity_set, name, key, related, target, parent_is_new=True)
        for name, children in leaves.items():
            await self._insert_leaves(entity_set, name, key, children)
        return key

    def _is_new_leaf(self, entity_set: EntitySet, name: str, related: EntityPayload) -> bool:
        """A nested entity under a parent created now, new for certain and with nothing
        nested or linked itself: many of them are inserted in one statement."""
        if related.id is not None or related.nested or related.binds or related.nulls or related.delta:
            return False
        if self.storage(related.entity_set, related.entity_type).discriminator is not None:
            return False  # of a hierarchy: its discriminator, maybe several tables
        relationship = self.relationship(entity_set, name)
        if relationship.direction is not RelationshipDirection.ONETOMANY:
            return False
        # New for certain: the key is generated, or holds the new parent's key.
        return self.key_of(related) is None or relationship.key_bound

    async def _insert_leaves(
        self, entity_set: EntitySet, name: str, parent: Key, children: list[tuple[EntityPayload, str]]
    ) -> None:
        relationship = self.relationship(entity_set, name)
        foreign_keys = await self._foreign_key(relationship, parent, "", exists=True)
        target_set = self._target_set(entity_set, name)
        storage = self.storage(target_set)
        rows = []
        for child, where in children:
            _refuse_server_values(child, where, storage)
            self._complete_key(child, foreign_keys, where)
            values = dict(child.values)
            self._add_version(target_set, values)
            _require_values(storage, child, values, foreign_keys, where)
            rows.append({**writes.assignments(storage, values), **foreign_keys})
        await writes.insert_many(self.connection, storage, rows)

    def _add_version(self, entity_set: EntitySet, values: dict[str, object]) -> None:
        concurrency = entity_set.concurrency
        if concurrency is not None and concurrency.version is not None:
            col = writes.column(self.storage(entity_set), concurrency.version)
            if col.default is None and col.server_default is None:
                values[concurrency.version] = 1

    async def _resolve(self, related: EntityPayload | Key, target: str) -> Key:
        """The key of a related entity: created now, updated and named, or only named."""
        if not isinstance(related, EntityPayload):
            return related
        key = self.key_of(related)
        if key is not None and await self.current(related.entity_set, key) is not None:
            if not related.only_reference:
                await self.update(related, key, replace=False, where=target)
            return key
        if related.only_reference:
            raise NotFoundError(
                f"No entity has the id given at {target}", target=target.rstrip("/"), code="EntityNotFound"
            )
        return await self.create(related, where=target)

    async def _foreign_key(
        self, relationship: Relationship, principal_key: Key, target: str, *, exists: bool = False
    ) -> ForeignKeys:
        try:
            return await relationship.foreign_key(self.connection, principal_key, exists=exists)
        except LookupError:
            raise NotFoundError(
                f"The entity linked at {target.rstrip('/')} does not exist",
                target=target.rstrip("/"),
                code="EntityNotFound",
            ) from None

    async def _attach(
        self,
        entity_set: EntitySet,
        name: str,
        parent: Key,
        related: EntityPayload | Key,
        target: str,
        *,
        parent_is_new: bool,
    ) -> Key:
        """Relate an entity whose row (or association row) holds the link to the parent entity
        with key ``parent``: a new one is created, an existing one is updated as the payload
        says, and either is linked. Its key.

        A nested entity whose key holds the parent's (an order line keyed by its order)
        may leave that part of its key out; under a parent created by this request, such an
        entity is new (no query asks whether it exists).
        """
        relationship = self.relationship(entity_set, name)
        target_set = self._target_set(entity_set, name)
        if not isinstance(related, EntityPayload):
            if await self.current(target_set, related) is None:
                raise NotFoundError(
                    f"No entity has the id given at {target.rstrip('/')}",
                    target=target.rstrip("/"),
                    code="EntityNotFound",
                )
            await self.link(entity_set, name, parent, related)
            return related
        foreign_keys: ForeignKeys = {}
        keyed_by_parent = False
        if relationship.direction is not RelationshipDirection.MANYTOMANY:
            foreign_keys = await self._foreign_key(relationship, parent, target, exists=True)
            keyed_by_parent = self._complete_key(related, foreign_keys, target)
        key = self.key_of(related)
        new = parent_is_new and keyed_by_parent
        if key is not None and not new and await self.current(target_set, key) is not None:
            if not related.only_reference:
                await self.update(related, key, replace=False, where=target)
            await self.link(entity_set, name, parent, key)
            return key
        if related.only_reference:
            raise NotFoundError(
                f"No entity has the id given at {target.rstrip('/')}", target=target.rstrip("/"), code="EntityNotFound"
            )
        if relationship.direction is RelationshipDirection.MANYTOMANY:
            key = await self.create(related, where=target)
            await self.link(entity_set, name, parent, key)
            return key
        if not self._navigation(entity_set, name).collection:
            await self._unlink_all(entity_set, name, parent)  # one-to-one: the old target lets go
        return await self.create(related, foreign_keys, target)

    def _complete_key(self, payload: EntityPayload, foreign_keys: ForeignKeys, where: str) -> bool:
        """Fill in key properties the parent's foreign key gives (an ``@id`` names the whole
        key); whether the key holds the parent's. A key value that contradicts the parent is a 400."""
        if payload.id is not None:
            return False
        storage = self.storage(payload.entity_set)
        keyed_by_parent = False
        for name in storage.key:
            col = writes.column(storage, name)
            if col in foreign_keys:
                keyed_by_parent = True
                if payload.values.setdefault(name, foreign_keys[col]) != foreign_keys[col]:
                    raise key_mismatch(name, "the key of the entity it is nested in", f"{where}{name}")
        return keyed_by_parent

    # -- links

    def _navigation(self, entity_set: EntitySet, name: str) -> NavigationProperty:
        return self.source_type(entity_set, name).navigation_properties[name]

    def _target_set(self, entity_set: EntitySet, name: str) -> EntitySet:
        return self.service.model.navigation_target_set(entity_set, self._navigation(entity_set, name))

    async def link(self, entity_set: EntitySet, name: str, source: Key, target: Key) -> None:
        """Relate the entity ``source`` of ``entity_set`` to ``target`` through ``name``.

        A single-valued navigation whose target holds the foreign key (a one-to-one
        seen from the principal) first lets its old target go; the entity whose
        foreign key changes gets its version incremented.
        """
        relationship = self.relationship(entity_set, name)
        if relationship.key_bound:
            if target in await self.related_keys(entity_set, name, source):
                return
            raise BadRequestError(
                f"The link {name} cannot be changed: it is part of the key of the entity that holds it",
                target=name,
                code="KeyBoundRelationship",
            )
        if not self._navigation(entity_set, name).collection and not relationship.source_holds_key:
            for old in await self.related_keys(entity_set, name, source):
                if old != target:
                    await self.unlink(entity_set, name, source, old)
        await relationship.link(self.connection, source, target)
        await self._touch(entity_set, name, source, target)

    async def unlink(self, entity_set: EntitySet, name: str, source: Key, target: Key) -> bool:
        """Remove the link between ``source`` and ``target``; whether there was one.

        Raises:
            BadRequestError: the foreign key behind the link is required (NullNotAllowed).
        """
        relationship = self.relationship(entity_set, name)
        if not relationship.dependent_key_nullable():
            raise BadRequestError(
                f"The relationship {name} cannot be removed: the foreign key behind it is required",
                target=name,
                code="NullNotAllowed",
            )
        removed = await relationship.unlink(self.connection, source, target)
        if removed:
            await self._touch(entity_set, name, source, target)
        return removed

    async def _unlink_all(self, entity_set: EntitySet, name: str, source: Key) -> None:
        for target in await self.related_keys(entity_set, name, source):
            await self.unlink(entity_set, name, source, target)

    async def _touch(self, entity_set: EntitySet, name: str, source: Key, target: Key) -> None:
        """Increment the version of the entity whose foreign key changed (an association
        row of a many-to-many link belongs to neither)."""
        relationship = self.relationship(entity_set, name)
        if relationship.direction is RelationshipDirection.MANYTOMANY:
            return
        dependent_set, key = (
            (entity_set, source) if relationship.source_holds_key else (self._target_set(entity_set, name), target)
        )
        concurrency = dependent_set.concurrency
        if concurrency is not None and concurrency.version is not None:
            await writes.update(self.connection, self.storage(dependent_set), key, {}, {}, concurrency.version)

    def _related(self, payload: EntityPayload, where: str) -> list[tuple[str, EntityPayload | Key, str]]:
        """Each related entity of the payload: nested ones and ``@bind`` ids, with its error target."""
        related: list[tuple[str, EntityPayload | Key, str]] = []
        for name, entities in payload.nested.items():
            navigation = payload.entity_type.navigation_properties[name]
            member = f"{where}{name}@delta" if name in payload.delta else f"{where}{name}"
            for index, entity in enumerate(entities):
                related.append((name, entity, f"{member}/{index}/" if navigation.collection else f"{member}/"))
        for name, keys in payload.binds.items():
            related.extend((name, key, f"{member}/") for key, member in keys)
        return related

    # -- update

    async def update(self, payload: EntityPayload, key: Key, *, replace: bool, where: str = "") -> None:
        """Apply ``payload`` to the entity with ``key``: merge (PATCH) or ``replace`` (PUT).

        Nested single-valued entities are created or updated and linked; a nested
        collection replaces the related entities (those left out are unlinked, or
        deleted when they cannot exist unlinked); ``Nav@delta`` adds, updates and
        removes only the entities it lists (OData 4.01 deep update).
        """
        entity_set = payload.entity_set
        entity_type = payload.entity_type
        storage = self.storage(entity_set, entity_type)
        checked = tuple(name for name in payload.values if server_managed(entity_set, entity_type.properties[name]))
        current = await self.current(entity_set, key, checked, entity_type)
        if current is None:
            raise NotFoundError(
                f"No entity of {entity_set.name} has the key given at {where or 'the URL'}", code="EntityNotFound"
            )
        if where:
            self._check_nested_etag(entity_set, current, payload.etag, where)
        values = dict(payload.values)
        for name in checked:
            expected = key[name] if name in key else current[name]
            if not _differs(values.pop(name), expected):
                continue
            if name in key:
                raise key_mismatch(name, "the key of the entity", f"{where}{name}")
            raise BadRequestError(
                f"{name} is set by the server and cannot be changed", target=f"{where}{name}", code="ReadOnlyProperty"
            )
        if replace:
            values = _replaced(storage, payload, values, where)
        own: ForeignKeys = {}
        later: list[tuple[str, EntityPayload | Key, str]] = []
        for name, related, target in self._related(payload, where):
            relationship = self.relationship(entity_set, name)
            if relationship.source_holds_key:
                own.update(await self._foreign_key(relationship, await self._resolve(related, target), target))
            else:
                later.append((name, related, target))
        for name in payload.nulls:
            if not self.relationship(entity_set, name).dependent_key_nullable():
                raise BadRequestError(
                    f"{name} is required and cannot be set to null", target=f"{where}{name}", code="NullNotAllowed"
                )
            await self._unlink_all(entity_set, name, key)
        version = entity_set.concurrency.version if entity_set.concurrency else None
        await writes.update(self.connection, storage, key, values, own, version)
        await self._replace_collections(payload, key, later, where)

    def _check_nested_etag(
        self, entity_set: EntitySet, current: dict[str, object], sent: str | None, where: str
    ) -> None:
        """A nested entity of a deep update carries its ETag as ``@etag`` (JSON Format §4.5.10),
        which must match as ``If-Match`` would; a set that requires ``If-Match`` requires it."""
        concurrency = entity_set.concurrency
        if concurrency is None:
            return
        target = where.rstrip("/")
        if sent is None:
            if concurrency.required:
                raise PreconditionRequiredError(
                    f"The entity of {entity_set.name} at {target} must carry its @etag",
                    target=target,
                    code="PreconditionRequired",
                )
            return
        if not lists_etag(sent, self.etag(entity_set, current)):
            raise PreconditionFailedError(
                f"The entity at {target} has changed: its @etag does not match",
                target=target,
                code="PreconditionFailed",
            )

    async def _replace_collections(
        self, payload: EntityPayload, key: Key, later: list[tuple[str, EntityPayload | Key, str]], where: str
    ) -> None:
        kept: dict[str, list[Key]] = {}
        for name, related, target in later:
            child = await self._attach(payload.entity_set, name, key, related, target, parent_is_new=False)
            kept.setdefault(name, []).append(child)
        for name, removed in payload.removed.items():
            for child, deleted in removed:
                await self._remove_listed(payload.entity_set, name, key, child, deleted, f"{where}{name}@delta")
        for name in payload.nested:
            navigation = payload.entity_type.navigation_properties[name]
            if navigation.collection and name not in payload.delta:
                await self._remove_others(payload.entity_set, name, key, kept.get(name, []))

    async def _remove_listed(
        self, entity_set: EntitySet, name: str, key: Key, child: Key, deleted: bool, target: str
    ) -> None:
        """A delta's ``@removed`` entity: deleted (reason "deleted") or unlinked (reason "changed").

        A contained entity named by its key alone gets the rest of its primary key from its container.
        """
        target_set = self._target_set(entity_set, name)
        if self._navigation(entity_set, name).contains_target:
            pointing = await self._foreign_key(self.relationship(entity_set, name), key, target, exists=True)
            storage = self.storage(target_set)
            child = {
                **{
                    n: pointing[writes.column(storage, n)] for n in storage.key if writes.column(storage, n) in pointing
                },
                **child,
            }
        if child not in await self.related_keys(entity_set, name, key):
            raise NotFoundError(
                f"The entity removed at {target} is not in {name}", target=target, code="EntityNotFound"
            )
        relationship = self.relationship(entity_set, name)
        if deleted:
            await self.delete(target_set, child)
        elif relationship.dependent_key_nullable():
            await self.unlink(entity_set, name, key, child)
        else:
            raise BadRequestError(
                f'An entity of {name} cannot exist outside it: remove it with the reason "deleted"',
                target=target,
                code="CannotUnlink",
            )

    async def _remove_others(self, entity_set: EntitySet, name: str, key: Key, kept: list[Key]) -> None:
        """A nested collection replaces the related entities: the others are unlinked, or
        deleted where they cannot exist unlinked (Protocol §11.4.3.1)."""
        relationship = self.relationship(entity_set, name)
        for child in await self.related_keys(entity_set, name, key):
            if child in kept:
                continue
            if relationship.dependent_key_nullable():
                await self.unlink(entity_set, name, key, child)
            else:
                await self.delete(self._target_set(entity_set, name), child)

    async def related_keys(self, entity_set: EntitySet, name: str, key: Key) -> list[Key]:
        """The keys of the entities related to the entity ``key`` through ``name``."""
        target_set = self._target_set(entity_set, name)
        storage = self.storage(entity_set, self.source_type(entity_set, name))
        target_storage = self.storage(target_set)
        relationship = getattr(storage.mapped_class, storage.relationships[name])
        key_columns = [getattr(target_storage.mapped_class, target_storage.columns[k]) for k in target_storage.key]
        statement = (
            sa.select(*key_columns)
            .select_from(storage.mapped_class)
            .join(relationship)
            .where(*(getattr(storage.mapped_class, storage.columns[k]) == v for k, v in key.items()))
        )
        rows = (await self.connection.execute(statement)).all()
        return [dict(zip(target_storage.key, row)) for row in rows]

    # -- delete

    async def delete(self, entity_set: EntitySet, key: Key) -> None:
        """Delete the entity, and first the entities it contains (they exist only inside it,
        CSDL §8.4); its streams kept in files go once the deletion is committed. A foreign key
        still pointing at it fails the request with 409."""
        self.deleting = True
        for navigation in entity_set.entity_type.navigation_properties.values():
            if navigation.contains_target:
                contained = self._target_set(entity_set, navigation.name)
                for child in await self.related_keys(entity_set, navigation.name, key):
                    await self.delete(contained, child)
        types = (entity_set.entity_type, *self.service.model.derived_types(entity_set.entity_type))
        await writes.delete(self.connection, [self.storage(entity_set, t) for t in types], key)
        forget(self.storage(entity_set), entity_set.entity_type, key)


def _concurrency_names(entity_set: EntitySet) -> tuple[str, ...]:
    return entity_set.concurrency.properties if entity_set.concurrency else ()


def server_managed(entity_set: EntitySet, prop: Property) -> bool:
    """Key, computed and version properties: a client may send them only with their current value,
    and never write them by themselves (``PUT Products(1)/ProductID``)."""
    concurrency = entity_set.concurrency
    version = concurrency.version if concurrency else None
    return prop.computed or prop.name in entity_set.entity_type.key or prop.name == version


def _differs(sent: object, current: object) -> bool:
    """Whether a value sent differs from the stored one (a naive stored datetime is UTC)."""
    if isinstance(sent, dt.datetime) and isinstance(current, dt.datetime) and current.tzinfo is None:
        current = current.replace(tzinfo=dt.timezone.utc)
    return sent != current


def _refuse_server_values(
    payload: EntityPayload, where: str, storage: EntityStorage, foreign_keys: ForeignKeys | None = None
) -> None:
    """A 400 for a value the server sets; a contained entity may carry its container's key
    as its container gives it (filled in from a deep insert's parent)."""
    entity_set = payload.entity_set
    version = entity_set.concurrency.version if entity_set.concurrency else None
    for name, value in payload.values.items():
        prop = payload.entity_type.properties[name]
        if foreign_keys and foreign_keys.get(writes.column(storage, name), _UNSET) == value:
            continue
        if prop.computed or name == version:
            raise BadRequestError(
                f"{name} is set by the server and cannot be written", target=f"{where}{name}", code="ReadOnlyProperty"
            )


_UNSET = object()


def _has_default(col: sa.Column[Any]) -> bool:
    return col.default is not None or col.server_default is not None


def _require_values(
    storage: EntityStorage, payload: EntityPayload, values: dict[str, object], foreign_keys: ForeignKeys, where: str
) -> None:
    """A 400 for a required property the client left out (rather than the database's NOT NULL error)."""
    for name, prop in payload.entity_type.properties.items():
        if name in values or prop.nullable or prop.computed:
            continue
        col = writes.column(storage, name)
        if col not in foreign_keys and not _has_default(col):
            raise BadRequestError(f"{name} is required", target=f"{where}{name}", code="MissingProperty")


def _replaced(
    storage: EntityStorage, payload: EntityPayload, values: dict[str, object], where: str
) -> dict[str, object]:
    """PUT: every updatable property left out goes back to its default, or null (Protocol §11.4.3)."""
    replaced = dict(values)
    for name, prop in payload.entity_type.properties.items():
        if name in values or server_managed(payload.entity_set, prop):
            continue
        col = writes.column(storage, name)
        default = col.default.arg if col.default is not None and col.default.is_scalar else None  # type: ignore[attr-defined]
        if default is None and not prop.nullable:
            raise BadRequestError(
                f"{name} is required: PUT replaces the whole entity", target=f"{where}{name}", code="MissingProperty"
            )
        replaced[name] = default
    return replaced


@asynccontextmanager
async def writing(service: ServiceParts) -> AsyncIterator[Changes]:
    """The changes of one request, in its transaction; database integrity errors become OData errors."""
    changes: Changes | None = None
    try:
        async with atomic(service.engine) as connection:
            changes = Changes(service, connection)
            yield changes
    except (sa.exc.IntegrityError, sa.exc.DataError) as error:
        raise integrity_error(error, deleting=changes is not None and changes.deleting) from None


async def addressed_key(service: ServiceParts, connection: AsyncConnection, path: ODataPath) -> Key | None:
    """The (primary) key of the one entity ``path`` addresses, or None if there is none."""
    entity_set = path.entity_set
    assert entity_set is not None
    names = service.storage[entity_set.entity_type.qualified_name].key
    key_properties = [entity_set.entity_type.properties[name] for name in names]
    row = (await connection.execute(*service.select_entities(path.entity_segments, key_properties))).first()
    return None if row is None else dict(zip(names, row))


def key_segments(entity_set: NavigationSource, key: Key) -> tuple[EntitySetSegment, KeySegment]:
    """The segments that read back the entity with (primary) key ``key``: ``Products(1)``
    (for a contained entity, straight from its table)."""
    values = tuple((entity_set.entity_type.properties[name], value) for name, value in key.items())
    return EntitySetSegment(entity_set), KeySegment(values)


async def canonical_path(
    service: ServiceParts, connection: AsyncConnection, entity_set: NavigationSource, key: Key
) -> str:
    """The canonical URL of the entity with (primary) key ``key``, relative to the service
    root; a contained entity's names its containers, whose keys are read for it."""
    entity_type = entity_set.entity_type
    if not isinstance(entity_set, ContainedEntities):
        return canonical_url(entity_set, [key[name] for name in entity_type.key])
    fields = (*entity_type.key_properties, *entity_set.container_keys)
    row = (await connection.execute(*service.select_entities(key_segments(entity_set, key), fields))).one()
    own = len(entity_type.key)
    return canonical_url(entity_set, row[:own], row[own:])


def integrity_error(error: sa.exc.DBAPIError, *, deleting: bool = False) -> ODataError:
    """A database integrity or data error as the OData error the client caused."""
    text = str(error.orig).lower()
    if "unique" in text or "duplicate" in text:
        return ConflictError("An entity with the same key or unique value exists already", code="DuplicateEntity")
    if "foreign key" in text:
        if deleting:
            return ConflictError("The entity is still referenced by other entities", code="EntityReferenced")
        return BadRequestError("A related entity does not exist", code="ForeignKeyViolation")
    if "not null" in text or "null value" in text:
        return BadRequestError("A required value is missing", code="NullNotAllowed")
    return BadRequestError(f"The database refused the values: {str(error.orig).splitlines()[0]}", code="InvalidValue")


def key_mismatch(name: str, key: str, target: str) -> BadRequestError:
    """The 400 for a key property whose value in a body differs from the ``key`` that the URL
    or the enclosing entity gives it."""
    return BadRequestError(f"{name} in the body contradicts {key}", target=target, code="KeyMismatch")


__all__ = [
    "Changes",
    "addressed_key",
    "canonical_path",
    "integrity_error",
    "key_mismatch",
    "key_segments",
    "server_managed",
    "writing",
]
