"""The service document (OData JSON Format §5): the entity sets a client can start from."""

from __future__ import annotations

from typing import Any

from odata_server.edm.model import Model
from odata_server.format.values import dumps


def service_document(model: Model, context: dict[str, Any]) -> bytes:
    """``{"@odata.context": ".../$metadata", "value": [{"name", "kind", "url"}, ...]}``."""
    entries = [{"name": name, "kind": "EntitySet", "url": name} for name in model.entity_sets]
    return dumps({**context, "value": entries})


__all__ = ["service_document"]
