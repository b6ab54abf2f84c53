"""The thin HTTP adapter over the pipeline."""

from odata_server.http.asgi import ODataApp

__all__ = ["ODataApp"]
