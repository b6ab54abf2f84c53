"""The pipeline: ``ODataRequest`` → ``ODataResponse``, for every way a request arrives.

Parse and bind the URL, choose the operation, run it, and turn every failure into
an OData error response. Nothing here knows about HTTP frameworks.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Protocol

from odata_server.config import ServiceConfig
from odata_server.errors import InternalServerError, ODataError, PayloadTooLargeError, UriTooLongError
from odata_server.format.error import error_document
from odata_server.messages import ODataRequest, ODataResponse
from odata_server.pipeline.context import RequestContext, ServiceParts
from odata_server.pipeline.dispatch import Operation, dispatch
from odata_server.pipeline.operations import invoke
from odata_server.pipeline.singletons import with_singleton_key
from odata_server.pipeline.streams import open_disks
from odata_server.pipeline.versions import response_version
from odata_server.uri.binder import bind_path
from odata_server.uri.options import (
    COLLECTION_OPTIONS,
    ENTITY_OPTIONS,
    parse_query,
    refuse_misplaced,
    refuse_unsupported,
)
from odata_server.uri.path import ODataPath, ResourceKind

logger = logging.getLogger("odata_server")

#: The seam between the pipeline and whatever delivers requests to it.
Handler = Callable[[ODataRequest], Awaitable[ODataResponse]]


class CheckingHandler(Protocol):
    """A handler that can also tell, without running a request, whether it would refuse it."""

    async def __call__(self, request: ODataRequest) -> ODataResponse: ...

    def check(self, request: ODataRequest) -> ODataResponse | None: ...


def error_response(error: ODataError) -> ODataResponse:
    # JSON Format §21: the response names the language of the messages.
    headers = {"Content-Type": "application/json", "Content-Language": "en", **error.headers}
    return ODataResponse(error.status, headers, error_document(error))


# The system query options each kind of resource takes ($format goes with all).
_OPTIONS_BY_KIND = {
    ResourceKind.COLLECTION: COLLECTION_OPTIONS | ENTITY_OPTIONS,
    ResourceKind.REFERENCE_COLLECTION: COLLECTION_OPTIONS,
    ResourceKind.COUNT: frozenset({"filter", "search", "apply"}),
    ResourceKind.ENTITY: ENTITY_OPTIONS,
    ResourceKind.SINGLETON: ENTITY_OPTIONS,
}
# Where a change takes other options than a read: $id names the reference a DELETE removes
# from a collection (Protocol §11.4.6.2) and applies nowhere else; a created entity is
# written as $select and $expand say, but nothing filters or pages it; a DELETE answers nothing.
_OPTIONS_BY_REQUEST = {
    (ResourceKind.REFERENCE_COLLECTION, "DELETE"): frozenset({"id"}),
    (ResourceKind.REFERENCE_COLLECTION, "POST"): frozenset(),
    (ResourceKind.COLLECTION, "POST"): ENTITY_OPTIONS,
    (ResourceKind.ENTITY, "DELETE"): frozenset(),
}


class ODataHandler:
    """Answers OData requests for one service."""

    def __init__(self, service: ServiceParts) -> None:
        self.service = service
        open_disks(service.storage)

    async def __call__(self, request: ODataRequest) -> ODataResponse:
        version = "4.01"
        try:
            version = response_version(request)
            operation, ctx = self._prepare(request, version)
            response = await operation(ctx)
        except Exception as error:
            response = _failure(request, error)
        return _versioned(response, version)

    def check(self, request: ODataRequest) -> ODataResponse | None:
        """The error response ``request`` would get before any data is read, or None.

        Parses and binds the URL and its query options without running anything: an
        asynchronous request is refused at once if it is malformed.
        """
        version = "4.01"
        try:
            version = response_version(request)
            self._prepare(request, version)
        except Exception as error:
            return _versioned(_failure(request, error), version)
        return None

    def _prepare(self, request: ODataRequest, version: str) -> tuple[Operation, RequestContext]:
        check_size(request, self.service.config)
        options = parse_query(request.query)
        path = with_singleton_key(bind_path(request.path, self.service.model, options.aliases, options.custom), request)
        operation = dispatch(path, request.method)
        refuse_unsupported(options)
        refuse_misplaced(options, allowed=_allowed_options(path, request.method))
        ctx = RequestContext(request, self.service, path, options, version)
        # Binding errors surface here, before any work.
        if path.kind in _OPTIONS_BY_KIND or (path.kind is ResourceKind.ACTION and path.entity_set is not None):
            ctx.bound_options()
        if path.invocations:
            invoke.check(ctx)
        return operation, ctx


def _failure(request: ODataRequest, error: Exception) -> ODataResponse:
    """The error response for a failure: the OData error's, or a logged 500 for anything else
    (a bug, or a user hook such as a singleton's key function that went wrong)."""
    if isinstance(error, ODataError):
        return error_response(error)
    logger.exception("Unexpected failure answering %s %s", request.method, request.path, exc_info=error)
    return error_response(InternalServerError("The server failed to answer the request"))


def _allowed_options(path: ODataPath, method: str) -> frozenset[str]:
    """The system query options that apply to what ``path`` addresses; an action's result takes
    those of the entities it returns, a function's values those of values (not supported yet)."""
    if path.kind is ResourceKind.ACTION:
        return ENTITY_OPTIONS if path.entity_set is not None else frozenset()
    if path.kind is ResourceKind.FUNCTION_VALUE:
        return COLLECTION_OPTIONS | ENTITY_OPTIONS
    return _OPTIONS_BY_REQUEST.get((path.kind, method), _OPTIONS_BY_KIND.get(path.kind, frozenset()))


def check_size(request: ODataRequest, config: ServiceConfig) -> None:
    """Refuse a URL or a body longer than the service accepts (414, 413)."""
    if len(request.path) + len(request.query) > config.max_url_length:
        raise UriTooLongError(f"The URL is longer than the {config.max_url_length} characters this service accepts")
    if len(request.body) > config.max_request_body:
        raise PayloadTooLargeError(
            f"The request body is longer than the {config.max_request_body} bytes this service accepts"
        )


def _versioned(response: ODataResponse, version: str) -> ODataResponse:
    # Protocol §8.3.8: the representation depends on OData-MaxVersion.
    headers = {**response.headers, "OData-Version": version, "Vary": "OData-MaxVersion"}
    return replace(response, headers=headers)


__all__ = ["CheckingHandler", "Handler", "ODataHandler", "check_size", "error_response"]
