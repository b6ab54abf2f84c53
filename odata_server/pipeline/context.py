"""The state of one request as it moves through the pipeline."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from odata_server.config import ServiceConfig
from odata_server.edm.model import EntityType, Model
from odata_server.edm.storage import Storage
from odata_server.edm.types import PrimitiveType
from odata_server.format.negotiation import Negotiated, Representation, negotiate
from odata_server.messages import ODataRequest
from odata_server.pipeline.cache import LruCache
from odata_server.query.plan import key_parameters, path_key, select_entities
from odata_server.query.search import search_parameters, search_shape
from odata_server.uri.bound_options import BoundOptions, Field, Limits, bind_options, page_options
from odata_server.uri.literals import LiteralTypeError
from odata_server.uri.options import QueryOptions
from odata_server.uri.parser import parse
from odata_server.uri.path import ODataPath, PathSegment, ResourceKind, ResultSegment
from odata_server.uri.shapes import FilterShape, filter_shape, slot_types
from odata_server.uri.syntax import Literal


@dataclass(frozen=True, slots=True)
class ServiceParts:
    """What every request of one service shares: built once at start-up.

    Attributes:
        metadata_xml: the CSDL XML document for each OData version ("4.0", "4.01").
        metadata_json: the CSDL JSON document.
    """

    model: Model
    storage: Storage
    engine: AsyncEngine
    config: ServiceConfig
    metadata_xml: Mapping[str, bytes]
    metadata_json: bytes
    options_cache: LruCache[BoundOptions] = field(init=False)
    shape_cache: LruCache[tuple[BoundOptions, tuple[PrimitiveType, ...]] | None] = field(init=False)
    plan_cache: LruCache[Any] = field(init=False)

    def __post_init__(self) -> None:
        # Caches of bound options, query shapes and plans: new ones for every ServiceParts.
        size = self.config.query_cache_size
        for name in ("options_cache", "shape_cache", "plan_cache"):
            object.__setattr__(self, name, LruCache(size))

    def select_entities(
        self, segments: Sequence[PathSegment], fields: Sequence[Field]
    ) -> tuple[sa.Select[Any], dict[str, object]]:
        """SELECT ``fields`` of the entities ``segments`` address, and the parameters to run it
        with: the statement is shared by the paths that differ in their keys alone (``path_key``).
        The fields go into the cache with it, so the ids in its key stay theirs."""
        dialect = self.engine.dialect.name

        def select() -> tuple[Sequence[Field], sa.Select[Any]]:
            statement = select_entities(segments, self.storage, fields, model=self.model, dialect=dialect)
            return fields, statement

        path = path_key(segments)
        _, statement = (
            select() if path is None else self.plan_cache.get(("entity", path, tuple(map(id, fields))), select)
        )
        return statement, key_parameters(segments)

    def on_engine(self, engine: AsyncEngine) -> ServiceParts:
        """These parts with another engine (a worker thread's) and caches of their own, as a
        cache is not shared between threads."""
        return replace(self, engine=engine)


@dataclass(frozen=True, slots=True)
class Binding:
    """A request's bound options, the key they are cached under, and the values of its literals
    their statements take as parameters (none when the options were bound from its own text)."""

    options: BoundOptions
    key: Hashable
    parameters: Mapping[str, object] = field(default_factory=dict)


#: What a GET may address to share its bound options (see RequestContext._shares_options).
_SHAPED_KINDS = frozenset({ResourceKind.COLLECTION, ResourceKind.REFERENCE_COLLECTION, ResourceKind.COUNT})
#: The query options a request that shares its bound options has of its own (of ``$filter``
#: and ``$search``, the values of their literals and terms).
_PER_REQUEST = frozenset({"filter", "top", "skip", "skiptoken", "search"})


@dataclass(frozen=True, slots=True)
class RequestContext:
    """One request, parsed and bound.

    Attributes:
        version: the OData version of the response, "4.0" or "4.01".
    """

    request: ODataRequest
    service: ServiceParts
    path: ODataPath
    options: QueryOptions
    version: str
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Work done once per request (its bound options)."""

    def bound_options(self) -> BoundOptions:
        """The query options of the request, bound to the addressed entity set."""
        return self._binding().options

    @property
    def parameters(self) -> Mapping[str, object]:
        """The values of the request's literals that its statements take as parameters: those
        of its ``$filter`` when it shares the options of its query shape (``uri/shapes.py``)."""
        return self._binding().parameters

    @property
    def options_key(self) -> Hashable:
        """What the bound options depend on: the request's query options, or for a request
        that shares them (:meth:`_shares_options`) those left when the values it has of its
        own are left out."""
        return self._binding().key

    def _binding(self) -> Binding:
        binding = self.memo.get("binding")
        if binding is None:
            binding = self.memo["binding"] = self._bind()
        return binding

    def _bind(self) -> Binding:
        entity_set = self.path.entity_set
        assert entity_set is not None
        where = (entity_set.name, self.entity_type.qualified_name)
        system, aliases = self.options.system, tuple(self.options.aliases.items())
        if not self._shares_options():
            key = (where, tuple(system.items()), aliases)
            return Binding(self.service.options_cache.get(key, self._bind_options), key)
        top, skip, skiptoken = page_options(system, self._limits())
        search = parse(system["search"], "search", where="$search") if "search" in system else None
        others = (
            tuple(item for item in system.items() if item[0] not in _PER_REQUEST),
            aliases,
            None if search is None else search_shape(search),
        )
        text = system.get("filter")
        shape = filter_shape(text) if text is not None else None
        shared = None
        if shape is not None:
            key: Hashable = (where, shape.template, others)
            shared = self._shared_options(key, shape)
        if shared is None:
            key = (where, text, others)
            shared = self.service.options_cache.get(key, self._bind_options), {}
        options, parameters = shared
        if search is not None:
            parameters = {**parameters, **search_parameters(search)}
        if (options.top, options.skip, options.skiptoken, options.search) != (top, skip, skiptoken, search):
            options = replace(options, top=top, skip=skip, skiptoken=skiptoken, search=search)
        return Binding(options, key, parameters)

    def _shared_options(self, key: Hashable, shape: FilterShape) -> tuple[BoundOptions, dict[str, object]] | None:
        """The options bound for every request of ``shape``, and this request's values of its
        literals; None if the shape is not shared, or if a literal is no value of its type (the
        request is then bound from its own text, which says why)."""
        bound = self.service.shape_cache.get(key, lambda: self._bind_shape(shape))
        if bound is None:
            return None
        options, types = bound
        try:
            return options, shape.parameters(types)
        except LiteralTypeError:
            return None

    def _shares_options(self) -> bool:
        """Whether the request may share its bound options with others of its query shape and
        other pages of its query: a GET of entities or their count, whose statements are all
        run with :attr:`parameters` and take ``$top``, ``$skip``, ``$skiptoken`` and the terms
        of ``$search`` per request."""
        return (
            self.request.method == "GET"
            and self.path.kind in _SHAPED_KINDS
            and "apply" not in self.options.system
            and not self.path.invocations
        )

    def _limits(self) -> Limits:
        config = self.service.config
        return Limits(
            max_top=config.max_top,
            max_expression_nodes=config.max_expression_nodes,
            max_expand_depth=config.max_expand_depth,
            max_expand_width=config.max_expand_width,
        )

    def _bind_options(self, filter_slots: Mapping[int, tuple[int, Literal]] | None = None) -> BoundOptions:
        entity_set = self.path.entity_set
        assert entity_set is not None
        return bind_options(
            self.options, self.service.model, entity_set, self._limits(), self.entity_type, filter_slots
        )

    def _bind_shape(self, shape: FilterShape) -> tuple[BoundOptions, tuple[PrimitiveType, ...]] | None:
        """The options bound for every request of ``shape``, and the Edm types of its literals;
        None if some literal of the shape did not become a parameter (see ``uri/shapes.py``)."""
        options = self._bind_options(shape.slots)
        assert options.filter is not None
        types = slot_types(options.filter, len(shape.literals))
        return None if types is None else (options, types)

    @property
    def entity_type(self) -> EntityType:
        """The type of the entities the path addresses: its entity set's, or one derived from it."""
        return self.path.entity_type(self.service.model)

    def plan(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The query plan ``key`` names, cached. A key leaves out what a plan takes as
        parameters (:attr:`options_key`, ``path_key``), so requests that differ in those alone
        share it. Built afresh when the path starts at what a function returned, which may be
        another query each time."""
        if self.path.segments and isinstance(self.path.segments[0], ResultSegment):
            return build()
        return self.service.plan_cache.get(key, build)

    def link_with(self, dropped: frozenset[str], added: list[str]) -> str:
        """The request's URL without the query options named in ``dropped`` (lower case, no
        ``$``) and with the ``added`` query parts: the next page of a collection."""
        kept = [
            part
            for part in self.request.query.split("&")
            if part and unquote(part.partition("=")[0]).lower().removeprefix("$") not in dropped
        ]
        return f"{self.request.service_root}{self.request.path}?{'&'.join([*kept, *added])}"

    @property
    def dialect(self) -> str:
        return self.service.engine.dialect.name

    def negotiate(self, *offered: Representation) -> Negotiated:
        return negotiate(
            offered, accept=self.request.header("accept"), format_option=self.options.format, version=self.version
        )


__all__ = ["RequestContext", "ServiceParts"]
