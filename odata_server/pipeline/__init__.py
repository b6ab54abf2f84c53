"""Request → response, framework-free: reused by the HTTP adapter, $batch and async jobs."""

from odata_server.pipeline.context import RequestContext, ServiceParts
from odata_server.pipeline.handler import Handler, ODataHandler, error_response

__all__ = ["Handler", "ODataHandler", "RequestContext", "ServiceParts", "error_response"]
