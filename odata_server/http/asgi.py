"""The ASGI adapter: an HTTP request in, the pipeline's response streamed out.

It holds no OData logic: it builds an :class:`~odata_server.messages.ODataRequest`
from the ASGI scope, awaits the handler, and sends the
:class:`~odata_server.messages.ODataResponse` chunk by chunk.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import quote

from odata_server.messages import ODataRequest, ODataResponse

logger = logging.getLogger("odata_server.http")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Handler = Callable[[ODataRequest], Awaitable[ODataResponse]]


def service_root(scope: Scope) -> str:
    """The absolute URL of the service root, ``http://host/odata/``, as the client addressed it."""
    headers = dict(scope.get("headers") or ())
    host = headers.get(b"host", b"").decode("latin-1")
    if not host:
        server_host, port = scope.get("server") or ("localhost", None)
        host = f"{server_host}:{port}" if port else server_host
    root_path = quote(scope.get("root_path", "").rstrip("/"))
    return f"{scope.get('scheme', 'http')}://{host}{root_path}/"


def resource_path(scope: Scope) -> str:
    """The request path relative to the service root, still percent-encoded, without a leading ``/``."""
    root_path = quote(scope.get("root_path", "").rstrip("/"))
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else quote(scope["path"])
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    return path.lstrip("/")


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers") or ():
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


async def _body(receive: Receive, limit: int) -> bytes:
    """The request body; reading stops once it is longer than ``limit`` bytes, and the
    pipeline refuses the request with 413 (a client must not make the server hold more)."""
    chunks = []
    size = 0
    while size <= limit:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


Hook = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


class ODataApp:
    """An ASGI application serving one OData handler; mount it under the service root.

    ``startup`` and ``shutdown`` run on the lifespan events when the app is served on
    its own (a mounted app gets none; its host's lifespan runs them). At most
    ``max_body`` bytes of a request body (and one more) are read.
    """

    def __init__(self, handler: Handler, *, max_body: int, startup: Hook = _nothing, shutdown: Hook = _nothing) -> None:
        self.handler = handler
        self.max_body = max_body
        self.startup = startup
        self.shutdown = shutdown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":  # pragma: no cover - websockets are not OData
            return
        request = ODataRequest(
            method=scope["method"],
            service_root=service_root(scope),
            path=resource_path(scope),
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=_headers(scope),
            body=await _body(receive, self.max_body),
        )
        response = await self.handler(request)
        await send_response(response, send, include_body=scope["method"] != "HEAD")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def send_response(response: ODataResponse, send: Send, *, include_body: bool = True) -> None:
    """Send ``response`` over ASGI, streaming its body; always closes the body iterator."""
    try:
        headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in response.headers.items()
        ]
        if isinstance(response.body, bytes) and include_body:
            headers.append((b"content-length", str(len(response.body)).encode("ascii")))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        if isinstance(response.body, bytes) or not include_body:
            body = response.body if isinstance(response.body, bytes) and include_body else b""
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        async for chunk in response.body:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        await response.close()


__all__ = ["ODataApp", "resource_path", "send_response", "service_root"]
