"""Query options: the query string split into system query options, aliases and custom options.

OData URL Conventions §5: 4.01 system query option names are case-insensitive and
may omit the ``$`` prefix; each may appear once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import unquote

from odata_server.edm.model import EntityType, Model
from odata_server.errors import BadRequestError, FeatureNotImplementedError
from odata_server.uri.expressions import ExpressionBinder
from odata_server.uri.nodes import Node
from odata_server.uri.parser import parse

SYSTEM_QUERY_OPTIONS = frozenset(
    {
        "apply",
        "compute",
        "count",
        "deltatoken",
        "expand",
        "filter",
        "format",
        "id",
        "index",
        "levels",
        "orderby",
        "schemaversion",
        "search",
        "select",
        "skip",
        "skiptoken",
        "top",
    }
)

#: The system query options this server evaluates; the others answer 501.
SUPPORTED_SYSTEM_QUERY_OPTIONS = frozenset({"format", "filter", "orderby", "top", "skip", "count", "skiptoken"})


@dataclass(frozen=True, slots=True)
class QueryOptions:
    """The query string of one request.

    Attributes:
        system: system query option name (lower case, without ``$``) → decoded value.
        aliases: parameter alias (``@p``) → decoded value.
        custom: custom query options, kept for the application.
    """

    system: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    custom: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def format(self) -> str | None:
        return self.system.get("format")


def parse_query(query: str) -> QueryOptions:
    """Split and decode a raw query string.

    ``+`` stays a plus sign: OData literals use it (``2012-09-03T08:00:00+01:00``) and
    only ``%20`` is a space.
    """
    system: dict[str, str] = {}
    aliases: dict[str, str] = {}
    custom: dict[str, str] = {}
    for part in query.split("&"):
        if not part:
            continue
        raw_name, _, raw_value = part.partition("=")
        name, value = unquote(raw_name), unquote(raw_value)
        if name.startswith("@"):
            aliases[name] = value
            continue
        option = name[1:].lower() if name.startswith("$") else name.lower()
        if option in SYSTEM_QUERY_OPTIONS:
            if option in system:
                raise BadRequestError(f"The query option ${option} appears more than once", target=f"${option}")
            system[option] = value
        elif name.startswith("$"):
            raise BadRequestError(f"{name} is not an OData system query option", target=name)
        else:
            custom[name] = value
    return QueryOptions(MappingProxyType(system), MappingProxyType(aliases), MappingProxyType(custom))


#: Options that shape a collection, meaningless on a single entity or value.
COLLECTION_OPTIONS = frozenset({"filter", "orderby", "top", "skip", "count", "skiptoken", "search", "apply"})


def refuse_misplaced(options: QueryOptions, *, collection: bool) -> None:
    """A collection option on a request for something else is a 400."""
    if collection:
        return
    for option in options.system:
        if option in COLLECTION_OPTIONS:
            raise BadRequestError(
                f"${option} applies to collections; this request addresses a single resource",
                target=f"${option}",
            )


def refuse_unsupported(options: QueryOptions) -> None:
    """Raise 501 for the first system query option this server does not evaluate yet."""
    for option in options.system:
        if option not in SUPPORTED_SYSTEM_QUERY_OPTIONS:
            raise FeatureNotImplementedError(
                f"The system query option ${option} is not supported yet", target=f"${option}"
            )


@dataclass(frozen=True, slots=True)
class OrderBy:
    expression: Node
    descending: bool = False


@dataclass(frozen=True, slots=True)
class BoundOptions:
    """The query options of a request for a collection, bound to its entity type."""

    filter: Node | None = None
    orderby: tuple[OrderBy, ...] = ()
    top: int | None = None
    skip: int | None = None
    count: bool = False
    skiptoken: str | None = None


def bind_options(
    options: QueryOptions, model: Model, entity_type: EntityType, *, max_top: int, max_expression_nodes: int
) -> BoundOptions:
    """Parse and bind the system query options that shape a collection.

    Raises:
        BadRequestError: a syntax or type error, or a limit exceeded; the target
            names the option.
    """
    system = options.system

    def binder(option: str) -> ExpressionBinder:
        return ExpressionBinder(
            model, entity_type, options.aliases, option=option, max_nodes=max_expression_nodes
        )

    filter_node = None
    if "filter" in system:
        filter_node = binder("$filter").bind_boolean(parse(system["filter"], "filter", where="$filter"))
    orderby: tuple[OrderBy, ...] = ()
    if "orderby" in system:
        items = parse(system["orderby"], "orderby", where="$orderby")
        orderby = tuple(OrderBy(binder("$orderby").bind(item.expression), item.descending) for item in items)
    return BoundOptions(
        filter=filter_node,
        orderby=orderby,
        top=_non_negative(system, "top", maximum=max_top),
        skip=_non_negative(system, "skip"),
        count=_boolean(system, "count"),
        skiptoken=system.get("skiptoken"),
    )


def _non_negative(system: Mapping[str, str], option: str, maximum: int | None = None) -> int | None:
    text = system.get(option)
    if text is None:
        return None
    if not text.isdigit():
        raise BadRequestError(f"${option} must be a non-negative integer, not {text!r}", target=f"${option}")
    value = int(text)
    if maximum is not None and value > maximum:
        raise BadRequestError(
            f"${option} may be at most {maximum} on this service, not {value}", target=f"${option}"
        )
    return value


def _boolean(system: Mapping[str, str], option: str) -> bool:
    text = system.get(option)
    if text is None:
        return False
    if text.lower() not in ("true", "false"):
        raise BadRequestError(f"${option} must be true or false, not {text!r}", target=f"${option}")
    return text.lower() == "true"


__all__ = [
    "COLLECTION_OPTIONS",
    "refuse_misplaced",
    "BoundOptions",
    "OrderBy",
    "bind_options",
    "SUPPORTED_SYSTEM_QUERY_OPTIONS",
    "SYSTEM_QUERY_OPTIONS",
    "QueryOptions",
    "parse_query",
    "refuse_unsupported",
]
