"""The state of one request as it moves through the pipeline."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from sqlalchemy.ext.asyncio import AsyncEngine

from odata_server.config import ServiceConfig
from odata_server.edm.model import EntityType, Model
from odata_server.edm.storage import Storage
from odata_server.format.negotiation import Negotiated, Representation, negotiate
from odata_server.messages import ODataRequest
from odata_server.pipeline.cache import LruCache
from odata_server.uri.bound_options import BoundOptions, Limits, bind_options
from odata_server.uri.options import QueryOptions
from odata_server.uri.path import ODataPath, ResultSegment


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
    options_cache: LruCache[BoundOptions] = field(default_factory=lambda: LruCache(1024))
    plan_cache: LruCache[Any] = field(default_factory=lambda: LruCache(1024))


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

    def bound_options(self) -> BoundOptions:
        """The query options of the request, bound to the addressed entity set."""
        entity_set = self.path.entity_set
        assert entity_set is not None
        config = self.service.config
        limits = Limits(
            max_top=config.max_top,
            max_expression_nodes=config.max_expression_nodes,
            max_expand_depth=config.max_expand_depth,
            max_expand_width=config.max_expand_width,
        )
        entity_type = self.entity_type
        return self.service.options_cache.get(
            (self.request.query, entity_set.name, entity_type.qualified_name),
            lambda: bind_options(self.options, self.service.model, entity_set, limits, entity_type),
        )

    @property
    def entity_type(self) -> EntityType:
        """The type of the entities the path addresses: its entity set's, or one derived from it."""
        return self.path.entity_type(self.service.model)

    def plan(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The query plan ``key`` names (a plan depends on the URL only), cached; built afresh
        when the path starts at what a function returned, which may be another query each time."""
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
