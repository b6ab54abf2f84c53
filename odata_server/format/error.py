"""The OData error payload (OData JSON Format §21)."""

from __future__ import annotations

from typing import Any

from odata_server.errors import ODataError
from odata_server.format.values import dumps


def error_document(error: ODataError) -> bytes:
    """``{"error": {"code", "message", "target"?, "details"?}}``."""
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.target is not None:
        body["target"] = error.target
    if error.details:
        body["details"] = [
            {"code": d.code, "message": d.message, **({"target": d.target} if d.target is not None else {})}
            for d in error.details
        ]
    return dumps({"error": body})


__all__ = ["error_document"]
