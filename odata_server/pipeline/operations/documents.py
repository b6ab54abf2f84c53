"""GET of the service document and of ``$metadata``."""

from __future__ import annotations

from odata_server.format.context_url import context
from odata_server.format.negotiation import Representation, json_content_type
from odata_server.format.service_document import service_document
from odata_server.messages import ODataResponse
from odata_server.pipeline.context import RequestContext


async def read_service_document(ctx: RequestContext) -> ODataResponse:
    negotiated = ctx.negotiate(Representation.JSON)
    body = service_document(ctx.service.model, context(negotiated, ctx.request.service_root))
    return ODataResponse(200, {"Content-Type": json_content_type(negotiated)}, body)


async def read_metadata(ctx: RequestContext) -> ODataResponse:
    """CSDL XML by default; CSDL JSON for ``$format=json`` or ``Accept: application/json``."""
    negotiated = ctx.negotiate(Representation.XML, Representation.JSON)
    if negotiated.representation is Representation.XML:
        body = ctx.service.metadata_xml[ctx.version]
        return ODataResponse(200, {"Content-Type": "application/xml;charset=utf-8"}, body)
    return ODataResponse(200, {"Content-Type": "application/json"}, ctx.service.metadata_json)


__all__ = ["read_metadata", "read_service_document"]
