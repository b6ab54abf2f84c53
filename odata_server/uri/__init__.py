"""URL text → typed resource path and query options, bound to the model."""

from odata_server.uri.binder import bind_path
from odata_server.uri.options import QueryOptions, parse_query
from odata_server.uri.path import ODataPath, ResourceKind

__all__ = ["ODataPath", "QueryOptions", "ResourceKind", "bind_path", "parse_query"]
