"""The composition root: declare entity sets, then serve them.

Example::

    service = ODataService("sqlite:///people.db", namespace="People")
    service.add(Person, name="People")
    app = FastAPI()
    service.mount(app, "/odata")
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager, suppress
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from odata_server.batch.handler import BatchHandler
from odata_server.config import ServiceConfig
from odata_server.edm.from_sqlalchemy import EntitySetDeclaration, SingletonDeclaration, build_model
from odata_server.edm.model import Model, OperationKind, SingletonKey
from odata_server.edm.operations import OperationDeclaration
from odata_server.edm.streams import Stream
from odata_server.format.csdl_json import csdl_json
from odata_server.format.csdl_xml import csdl_xml
from odata_server.http.asgi import ODataApp
from odata_server.jobs.handler import RespondAsyncHandler
from odata_server.jobs.output import JobOutput
from odata_server.jobs.queue import JobQueue, create_broker
from odata_server.jobs.runner import JobRunner
from odata_server.jobs.store import SqlJobStore
from odata_server.jobs.sweep import sweep_interval, sweep_jobs
from odata_server.pipeline.context import ServiceParts
from odata_server.pipeline.handler import ODataHandler
from odata_server.pipeline.versions import SUPPORTED_VERSIONS
from odata_server.query.sessions import prepare_sessions

logger = logging.getLogger("odata_server")

#: What ``@service.function`` and ``@service.action`` decorate.
_Implementation = Callable[..., Awaitable[Any]]

#: The async driver used when a database URL names none.
_ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}


def async_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An AsyncEngine for ``url``; ``sqlite:///x.db`` and ``postgresql://...`` get an async driver."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver is not None:
        parsed = parsed.set(drivername=f"{parsed.drivername}+{driver}")
    return create_async_engine(parsed, **kwargs)


class _Mountable(Protocol):
    """What :meth:`ODataService.mount` needs of an application: Starlette's and FastAPI's shape."""

    router: Any

    def mount(self, path: str, app: Any, name: str | None = None) -> None: ...


def _comes_with_base(mapper: Any, excluded: set[type]) -> bool:
    """Whether a class is a derived type of a mapped base class (single-table or joined-table
    inheritance) that is exposed: not one ``add_all`` was told to leave out."""
    while mapper.inherits is not None and not mapper.concrete:
        mapper = mapper.inherits
        if mapper.class_ not in excluded:
            return True
    return False


class ODataService:
    """An OData service over SQLAlchemy models.

    Args:
        engine: an ``AsyncEngine``, or a database URL to create one from.
        namespace: the schema namespace of the model, e.g. ``"NorthwindModel"``.
        container_name: the name of the entity container.
        config: settings; by default read from ``ODATA_*`` environment variables.
    """

    def __init__(
        self,
        engine: AsyncEngine | str,
        *,
        namespace: str = "Default",
        container_name: str = "Container",
        config: ServiceConfig | None = None,
    ) -> None:
        self._owns_engine = isinstance(engine, str)
        self.engine = async_engine(engine) if isinstance(engine, str) else engine
        prepare_sessions(self.engine)
        self.namespace = namespace
        self.container_name = container_name
        self.config = config or ServiceConfig.from_env()
        self._declarations: list[EntitySetDeclaration] = []
        self._singletons: list[SingletonDeclaration] = []
        self._operations: list[OperationDeclaration] = []
        self._handler: ODataHandler | None = None
        self._async: RespondAsyncHandler | None = None
        self._api_jobs_engine: AsyncEngine = self.engine
        self._sweeper: asyncio.Task[None] | None = None

    def add(
        self,
        mapped_class: type,
        *,
        name: str | None = None,
        type_name: str | None = None,
        exclude: Iterable[str | type] = (),
        names: Mapping[str, str] | None = None,
        search: Iterable[str] | None = None,
        etag: Iterable[str] | bool = (),
        version: str | None = None,
        if_match_required: bool = False,
        upsert: bool = False,
        contains: Iterable[str] = (),
        media: Stream | None = None,
        streams: Mapping[str, Stream] | None = None,
    ) -> ODataService:
        """Expose ``mapped_class`` as an entity set.

        Its mapped subclasses (single-table and joined-table inheritance) come along as
        entity types derived from its own (docs/inheritance.md).

        Args:
            mapped_class: a SQLAlchemy declarative class.
            name: the entity set name; by default the plural of the type name
                (``Category`` → ``Categories``).
            type_name: the entity type name; by default the class name.
            exclude: attributes not to expose (columns or relationships), of the class or
                of its mapped subclasses, and mapped subclasses not to expose as derived
                entity types (their subclasses neither).
            names: attribute → OData name, for attributes whose OData name differs.
            search: the (OData) names of the string properties ``$search`` looks in;
                by default all of them.
            etag: the (OData) names of the properties whose values make each
                entity's ETag (a hash of them), for optimistic concurrency; ``True``
                for all properties but the key.
            version: instead of ``etag``, an integer property the server increments
                on every change; its value is the ETag.
            if_match_required: changes must send ``If-Match`` (428 without it).
            upsert: PUT and PATCH to a key that does not exist create the entity
                (otherwise they answer 404).
            contains: one-to-many relationships (attribute names) whose targets live
                inside this class's entities (containment, see
                ``docs/singletons-and-containment.md``): ``contains=["trips"]``.
            media: makes the entity type a media entity type, its stream kept in
                :class:`~odata_server.edm.streams.StreamColumns` or
                :class:`~odata_server.edm.streams.StreamDisk` (``Photos(1)/$value``).
            streams: stream property name → where its stream is kept (``Airlines('AA')/Logo``).
        """
        return self._declare(
            mapped_class,
            name=name,
            type_name=type_name,
            exclude=exclude,
            names=names,
            search=search,
            etag=etag,
            version=version,
            if_match_required=if_match_required,
            upsert=upsert,
            contains=contains,
            media=media,
            streams=dict(streams or {}),
        )

    def contain(
        self,
        mapped_class: type,
        *,
        type_name: str | None = None,
        exclude: Iterable[str | type] = (),
        names: Mapping[str, str] | None = None,
        search: Iterable[str] | None = None,
        etag: Iterable[str] | bool = (),
        version: str | None = None,
        if_match_required: bool = False,
        contains: Iterable[str] = (),
    ) -> ODataService:
        """Declare the options of a class whose entities live inside another's (named in its
        ``contains=``): it gets no entity set. The options are :meth:`add`'s; ``contains``
        nests containment further (a trip containing plan items). A contained class needs
        this only for options: naming it in ``contains=`` is enough to expose it."""
        return self._declare(
            mapped_class,
            type_name=type_name,
            exclude=exclude,
            names=names,
            search=search,
            etag=etag,
            version=version,
            if_match_required=if_match_required,
            contains=contains,
            has_entity_set=False,
        )

    def _declare(
        self,
        mapped_class: type,
        *,
        exclude: Iterable[str | type],
        names: Mapping[str, str] | None,
        search: Iterable[str] | None,
        etag: Iterable[str] | bool,
        contains: Iterable[str],
        **options: Any,
    ) -> ODataService:
        """Record what :meth:`add` or :meth:`contain` declared, the iterables made tuples."""
        self._check_open()
        self._declarations.append(
            EntitySetDeclaration(
                mapped_class,
                exclude=frozenset(exclude),
                names=dict(names or {}),
                search=None if search is None else tuple(search),
                etag=etag if isinstance(etag, bool) else tuple(etag),
                contains=tuple(contains),
                **options,
            )
        )
        return self

    def singleton(
        self,
        name: str,
        mapped_class: type,
        *,
        key: SingletonKey,
        etag: Iterable[str] | bool = (),
        version: str | None = None,
        if_match_required: bool = False,
    ) -> ODataService:
        """Expose one entity of ``mapped_class`` as the singleton ``name`` (``/Me``).

        Args:
            key: which entity: its key (``{"UserName": "aprilcline"}``), or a function of
                the :class:`~odata_server.messages.ODataRequest` returning it (or None when
                the request has none), so that ``Me`` can be whoever asks.
            etag, version, if_match_required: its ETag, as for :meth:`add`.

        The entity type is the class's, with the options of its :meth:`add` if it has one.
        """
        self._check_open()
        self._singletons.append(
            SingletonDeclaration(
                name, mapped_class, key, etag if isinstance(etag, bool) else tuple(etag), version, if_match_required
            )
        )
        return self

    def _check_open(self) -> None:
        if self._handler is not None:
            raise RuntimeError("The service is already built; declare every entity set before serving it")

    def add_all(self, base: type, *, exclude: Iterable[type] = ()) -> ODataService:
        """Expose every class mapped by the declarative ``base`` that was not added (or
        contained) yet, with default names.

        A class mapped with single-table or joined-table inheritance comes as an entity type
        derived from its base class's, in its base class's entity set, not as a set of its own.
        """
        excluded = set(exclude)
        declared = {declaration.mapped_class for declaration in self._declarations}
        contained = {
            relationship.mapper.class_
            for declaration in self._declarations
            for relationship in sa.inspect(declaration.mapped_class).relationships
            if relationship.key in declaration.contains
        }
        skipped = excluded | declared | contained
        mappers = sorted(base.registry.mappers, key=lambda mapper: mapper.class_.__name__)  # type: ignore[attr-defined]
        for mapper in mappers:
            if mapper.class_ not in skipped and not _comes_with_base(mapper, excluded):
                self.add(mapper.class_)
        return self

    def function(
        self,
        implementation: _Implementation | None = None,
        /,
        *,
        name: str | None = None,
        bound: bool = False,
        composable: bool = False,
        entity_set: str | None = None,
        entity_set_path: str | None = None,
        include_in_service_document: bool = False,
    ) -> Any:
        """Declare a function (invoked with GET, no side effects): ``@service.function(...)`` on an ``async def``.

        Its annotations are its OData signature (see docs/operations.md); an unbound
        function gets a function import of the same name.

        Args:
            name: the OData name; by default the Python function's name.
            bound: the first parameter is the binding parameter: an entity class, or
                ``list[...]`` of one for a function bound to a collection.
            composable: path segments (``/Name``, ``/$count``, a key, a navigation,
                another bound function) may follow an invocation.
            entity_set: (unbound) the entity set of the entities it returns; by
                default the one entity set of their type.
            entity_set_path: (bound) where the entities it returns belong, from the
                binding parameter: ``"person/Trips"``.
            include_in_service_document: list its function import in the service document.
        """
        return self._operation(
            implementation,
            OperationKind.FUNCTION,
            name=name,
            bound=bound,
            composable=composable,
            entity_set=entity_set,
            entity_set_path=entity_set_path,
            include_in_service_document=include_in_service_document,
        )

    def action(
        self,
        implementation: _Implementation | None = None,
        /,
        *,
        name: str | None = None,
        bound: bool = False,
        entity_set: str | None = None,
        entity_set_path: str | None = None,
    ) -> Any:
        """Declare an action (invoked with POST, may change data): ``@service.action(...)`` on an ``async def``.

        It runs in the request's transaction (its change set's inside a batch). An
        unbound action gets an action import of the same name. The arguments are those
        of :meth:`function`.
        """
        return self._operation(
            implementation,
            OperationKind.ACTION,
            name=name,
            bound=bound,
            entity_set=entity_set,
            entity_set_path=entity_set_path,
        )

    def _operation(self, implementation: _Implementation | None, kind: OperationKind, **options: Any) -> Any:
        """Declare ``implementation``; without one, the decorator that declares the function it decorates."""

        def declare(function: _Implementation) -> _Implementation:
            if self._handler is not None:
                raise RuntimeError("The service is already built; declare every operation before serving it")
            self._operations.append(OperationDeclaration(function, kind, **options))
            return function

        return declare if implementation is None else declare(implementation)

    @property
    def handler(self) -> ODataHandler:
        """The request handler; building it builds and validates the model."""
        if self._handler is None:
            model, storage = build_model(
                self._declarations,
                namespace=self.namespace,
                container_name=self.container_name,
                singletons=self._singletons,
                operations=self._operations,
            )
            self._handler = ODataHandler(
                ServiceParts(
                    model=model,
                    storage=storage,
                    engine=self.engine,
                    config=self.config,
                    metadata_xml={version: csdl_xml(model, version) for version in SUPPORTED_VERSIONS},
                    metadata_json=csdl_json(model),
                )
            )
        return self._handler

    @property
    def model(self) -> Model:
        return self.handler.service.model

    @property
    def async_handler(self) -> RespondAsyncHandler:
        """The handler HTTP requests go to: the pipeline, wrapped to answer ``respond-async``."""
        if self._async is None:
            config = self.config
            queue = JobQueue(
                create_broker(config.broker_url), self._make_runner, config.callback_allow, config.async_workers
            )
            self._api_jobs_engine = self._jobs_engine(self.engine)
            store = SqlJobStore(self._api_jobs_engine)
            pipeline = BatchHandler(self.handler, self.engine, config)
            self._async = RespondAsyncHandler(pipeline, store, JobOutput(config.async_disk), queue, config)
        return self._async

    @property
    def jobs(self) -> JobQueue:
        """The queue of asynchronous requests; ``odata-server worker`` runs its workers."""
        return self.async_handler.queue

    def _jobs_engine(self, default: AsyncEngine) -> AsyncEngine:
        """The engine of the job table: ``default`` (the service's database), or one of its own."""
        if not self.config.jobs_database_url:
            return default
        engine = async_engine(self.config.jobs_database_url)
        prepare_sessions(engine)
        return engine

    def _make_runner(self, queue: JobQueue) -> JobRunner:
        """The job runner of a worker's event loop, with database connections of its own."""
        engine = async_engine(self.engine.url.render_as_string(hide_password=False))
        prepare_sessions(engine)
        parts = self.handler.service.on_engine(engine)
        jobs_engine = self._jobs_engine(engine)
        return JobRunner(
            handler=BatchHandler(ODataHandler(parts), engine, self.config),
            store=SqlJobStore(jobs_engine),
            output=JobOutput(self.config.async_disk),
            time_limit=self.config.async_time_limit,
            notify=queue.notify,
            lease=self.config.async_lease,
            engines=(engine, jobs_engine),
        )

    def asgi(self) -> ODataApp:
        """The service as an ASGI application, to mount under the service root."""
        return ODataApp(
            self.async_handler, max_body=self.config.max_request_body, startup=self.startup, shutdown=self.aclose
        )

    def mount(self, app: _Mountable, path: str = "/odata") -> None:
        """Serve the service under ``path`` of a FastAPI (or Starlette) app.

        The model is built now, so a model error stops the app from starting. The
        app's lifespan is extended with :meth:`startup` and :meth:`aclose`.
        """
        app.mount(path, self.asgi())
        inner = app.router.lifespan_context

        @asynccontextmanager
        async def lifespan(application: Any) -> AsyncIterator[Any]:
            async with inner(application) as state:
                await self.startup()
                try:
                    yield state
                finally:
                    await self.aclose()

        app.router.lifespan_context = lifespan

    async def startup(self) -> None:
        """Prepare asynchronous requests: the job table (embedded mode), unfinished jobs, the sweep.

        With the embedded queue, the messages of the jobs that were queued or running
        when the process stopped went with it, so they are sent again. A job still held
        by a lease (its worker may be another process's, alive) is left to it, and the
        sweep sends it again once the lease lapsed.
        """
        handler = self.async_handler
        if handler.queue.embedded:
            await handler.store.create_tables()
            for job in await handler.store.unfinished():
                handler.queue.enqueue(job.id)
        self._sweeper = asyncio.create_task(self._sweep_forever())

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(sweep_interval(self.config))
            try:
                await self.sweep()
            except Exception:
                logger.exception("Sweeping the asynchronous requests failed")

    async def sweep(self) -> None:
        """Send again the jobs whose lease lapsed, delete expired results (:func:`sweep_jobs`)."""
        handler = self.async_handler
        await sweep_jobs(handler.store, handler.output, handler.queue, self.config)

    async def aclose(self) -> None:
        """Stop the sweep and the embedded workers; release the connections the service opened."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with suppress(asyncio.CancelledError):
                await self._sweeper
        if self._async is not None:
            await asyncio.to_thread(self._async.queue.stop)
            if self._api_jobs_engine is not self.engine:
                await self._api_jobs_engine.dispose()
        if self._owns_engine:
            await self.engine.dispose()


__all__ = ["ODataService", "async_engine"]
