"""Query options: the query string split into system query options, aliases and custom options.

OData URL Conventions §5: 4.01 system query option names are case-insensitive and
may omit the ``$`` prefix; each may appear once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import unquote

from odata_server.errors import BadRequestError, FeatureNotImplementedError

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
SUPPORTED_SYSTEM_QUERY_OPTIONS = frozenset(
    {
        "format",
        "filter",
        "orderby",
        "top",
        "skip",
        "count",
        "skiptoken",
        "select",
        "expand",
        "search",
        "compute",
        "apply",
        "id",
    }
)


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
#: Options that shape each entity written.
ENTITY_OPTIONS = frozenset({"select", "expand", "compute"})


def refuse_misplaced(options: QueryOptions, *, allowed: frozenset[str]) -> None:
    """A system query option that does not apply to the addressed resource is a 400."""
    for option in options.system:
        if option != "format" and option not in allowed:
            raise BadRequestError(
                f"${option} does not apply to the resource this request addresses", target=f"${option}"
            )


def refuse_unsupported(options: QueryOptions) -> None:
    """Raise 501 for the first system query option this server does not evaluate yet."""
    for option in options.system:
        if option not in SUPPORTED_SYSTEM_QUERY_OPTIONS:
            raise FeatureNotImplementedError(
                f"The system query option ${option} is not supported yet", target=f"${option}"
            )


__all__ = [
    "COLLECTION_OPTIONS",
    "ENTITY_OPTIONS",
    "refuse_misplaced",
    "SUPPORTED_SYSTEM_QUERY_OPTIONS",
    "SYSTEM_QUERY_OPTIONS",
    "QueryOptions",
    "parse_query",
    "refuse_unsupported",
]
