"""The plain-data request and response that every layer passes around.

They know nothing of HTTP frameworks, so the same pipeline serves an ASGI request,
a part of a ``$batch`` or a queued job. A request is serialisable (``to_dict`` /
``from_dict``) so that a job can carry it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


def _lower_keys(headers: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType({name.lower(): value for name, value in headers.items()})


@dataclass(frozen=True, slots=True)
class ODataRequest:
    """One OData request.

    Attributes:
        method: the HTTP method, upper case.
        service_root: the absolute service root URL, ending with ``/``
            (``http://host/odata/``).
        path: the resource path relative to the service root, still percent-encoded,
            without a leading ``/`` (``Customers('ALFKI')/Orders``).
        query: the raw query string, without ``?``.
        headers: header names in lower case; repeated headers joined with ``, ``.
        body: the request body.
    """

    method: str
    service_root: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", self.method.upper())
        object.__setattr__(self, "headers", _lower_keys(self.headers))

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "service_root": self.service_root,
            "path": self.path,
            "query": self.query,
            "headers": dict(self.headers),
            "body": self.body.decode("latin-1"),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ODataRequest:
        return cls(
            method=data["method"],
            service_root=data["service_root"],
            path=data["path"],
            query=data["query"],
            headers=data["headers"],
            body=data["body"].encode("latin-1"),
        )


Body = bytes | AsyncIterator[bytes]


@dataclass(frozen=True, slots=True)
class ODataResponse:
    """One OData response: status, headers, and a body of bytes or an async iterator of bytes.

    A streamed body owns whatever it reads from (a database cursor, a file): whoever
    consumes it must either exhaust it or call ``aclose()`` on it, which
    :meth:`close` does.
    """

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Body = b""

    async def iter_body(self) -> AsyncIterator[bytes]:
        if isinstance(self.body, bytes):
            if self.body:
                yield self.body
            return
        async for chunk in self.body:
            yield chunk

    async def close(self) -> None:
        aclose = getattr(self.body, "aclose", None)
        if aclose is not None:
            await aclose()


__all__ = ["Body", "ODataRequest", "ODataResponse"]
