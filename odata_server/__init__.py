"""odata-server: a complete OData v4.01 service from SQLAlchemy models, served by FastAPI."""

from odata_server.config import ServiceConfig
from odata_server.edm.sqltypes import Byte, FlagEnum, JsonValue, SByte
from odata_server.edm.streams import StreamColumns, StreamDisk
from odata_server.errors import ModelError, ODataError
from odata_server.messages import ODataRequest, ODataResponse
from odata_server.pipeline.operations.invoke import OperationContext
from odata_server.service import ODataService, async_engine

__all__ = [
    # declaring and serving
    "ODataService",
    "OperationContext",
    "ServiceConfig",
    "async_engine",
    # where streams are kept
    "StreamColumns",
    "StreamDisk",
    # column types
    "Byte",
    "FlagEnum",
    "JsonValue",
    "SByte",
    # errors
    "ModelError",
    "ODataError",
    # the pipeline's messages
    "ODataRequest",
    "ODataResponse",
]
