"""The ``$batch`` handler: a wrapper around the pipeline's handler.

``POST $batch`` is read as a whole first (:mod:`~odata_server.batch.envelope`): a
batch that is malformed or breaks a limit gets its 4xx and nothing runs. Then each
request goes through the inner handler, the same pipeline as a request on its own
(:mod:`~odata_server.batch.run`), and the answers are written in the batch format
the client accepts (:mod:`~odata_server.batch.response`). Every other request goes
to the inner handler as it is.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import unquote

from sqlalchemy.ext.asyncio import AsyncEngine

from odata_server.batch.envelope import read_batch, response_format
from odata_server.batch.response import batch_response
from odata_server.batch.run import BatchRun, continue_on_error
from odata_server.config import ServiceConfig
from odata_server.errors import ODataError
from odata_server.messages import ODataRequest, ODataResponse
from odata_server.pipeline.handler import ODataHandler, error_response
from odata_server.pipeline.versions import response_version

BATCH = "$batch"


class BatchHandler:
    """Answers ``POST $batch`` by sending each part to ``inner``; passes everything else on."""

    def __init__(self, inner: ODataHandler, engine: AsyncEngine, config: ServiceConfig) -> None:
        self.inner = inner
        self.engine = engine
        self.config = config

    async def __call__(self, request: ODataRequest) -> ODataResponse:
        if not is_batch(request):
            return await self.inner(request)
        version = "4.01"
        try:
            version = response_version(request)
            batch = read_batch(request, self.config)
            answer_format = response_format(request, batch.format)
        except ODataError as error:
            return _versioned(error_response(error), version)
        go_on, applied = continue_on_error(request, batch.format)
        outcomes = await BatchRun(self.inner, self.engine, request, version, go_on).run(batch)
        headers = {"OData-Version": version} | ({"Preference-Applied": applied} if applied else {})
        return batch_response(outcomes, answer_format, headers)

    def check(self, request: ODataRequest) -> ODataResponse | None:
        """The error response ``request`` would get before any data is read, or None.

        A batch is read and checked as a whole, without running any of its requests.
        """
        if not is_batch(request):
            return self.inner.check(request)
        version = "4.01"
        try:
            version = response_version(request)
            response_format(request, read_batch(request, self.config).format)
        except ODataError as error:
            return _versioned(error_response(error), version)
        return None


def is_batch(request: ODataRequest) -> bool:
    """``POST $batch``; other methods on ``$batch`` get their 405 from the pipeline."""
    return request.method == "POST" and unquote(request.path) == BATCH


def _versioned(response: ODataResponse, version: str) -> ODataResponse:
    return replace(response, headers={**response.headers, "OData-Version": version})


__all__ = ["BatchHandler", "is_batch"]
