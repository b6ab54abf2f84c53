"""The URL of a request inside a batch, resolved to a path below the service root.

OData Protocol §11.7.7 allows three forms, and a service must take all of them:
an absolute URL (``http://host/service/People(1)``), an absolute path with the
host in a ``Host`` header (``/service/People(1)``), and a path relative to the
batch URL, that is to the service root (``People(1)``). A relative path may start
with ``$<id>``, a reference to the entity created or returned by an earlier request
(§11.7.4); it stands for that entity's URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from odata_server.errors import BadRequestError

#: Top-level system resources: ``$metadata`` is never a reference, even if a request has the id ``metadata``.
SYSTEM_RESOURCES = frozenset({"$batch", "$crossjoin", "$all", "$entity", "$root", "$id", "$metadata"})

#: What stays as written; anything else (a space in ``$filter``, non-ASCII text) is percent-encoded.
_URL_CHARACTERS = "!#$%&'()*+,/:;=?@[]~"

Referenced = Callable[[str], str | None]
"""The absolute URL a ``$<id>`` reference stands for, or None if ``<id>`` names no request."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where a request goes: its absolute URL, and its path and query below the service root."""

    url: str
    path: str
    query: str


def resolve(url: str, service_root: str, host: str | None, referenced: Referenced) -> Target:
    """Resolve ``url`` as written in a batch against ``service_root``.

    ``host`` is the request's ``Host`` header, which an absolute path is on.

    Raises:
        BadRequestError: the URL is not one of this service.
        ODataError: what ``referenced`` raises for a reference it cannot resolve.
    """
    written = quote(url.strip(), safe=_URL_CHARACTERS)
    absolute = urljoin(_base(written, service_root, host), _dereferenced(written, referenced))
    root, target = urlsplit(service_root), urlsplit(absolute)
    same_origin = (target.scheme.lower(), target.netloc.lower()) == (root.scheme.lower(), root.netloc.lower())
    if not same_origin or not target.path.startswith(root.path):
        raise BadRequestError(f"{url} is not a URL of this service, whose root is {service_root}", target=url)
    return Target(absolute, target.path[len(root.path) :], target.query)


def _base(url: str, service_root: str, host: str | None) -> str:
    if url.startswith("/") and not url.startswith("//") and host:
        return f"{urlsplit(service_root).scheme}://{host}/"
    return service_root


def _dereferenced(url: str, referenced: Referenced) -> str:
    """``url`` with a leading ``$<id>`` replaced by the URL it references."""
    if not url.startswith("$"):
        return url
    end = min((url.find(char) for char in "/?" if char in url), default=len(url))
    segment = url[:end]
    if segment in SYSTEM_RESOURCES:
        return url
    base = referenced(segment[1:])
    return url if base is None else base + url[end:]


__all__ = ["SYSTEM_RESOURCES", "Referenced", "Target", "resolve"]
