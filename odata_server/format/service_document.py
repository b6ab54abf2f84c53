"""The service document (OData JSON Format §5): the entity sets, singletons and function
imports a client can start from."""

from __future__ import annotations

from typing import Any

from odata_server.edm.model import Model
from odata_server.format.values import dumps


def service_document(model: Model, context: dict[str, Any]) -> bytes:
    """``{"@odata.context": ".../$metadata", "value": [{"name", "kind", "url"}, ...]}``."""
    entries = [{"name": name, "kind": "EntitySet", "url": name} for name in model.entity_sets]
    entries += [{"name": name, "kind": "Singleton", "url": name} for name in model.singletons]
    entries += [
        {"name": name, "kind": "FunctionImport", "url": name}
        for name, item in model.operation_imports.items()
        if item.include_in_service_document
    ]
    return dumps({**context, "value": entries})


__all__ = ["service_document"]
