"""Which operation answers a request: by what the path addresses and the HTTP method.

``$batch`` is answered by the batch handler around the pipeline; here it is a 501
(a batch inside a batch). A method that OData does not define for a resource
answers 405 with ``Allow``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from odata_server.errors import FeatureNotImplementedError, MethodNotAllowedError
from odata_server.messages import ODataResponse
from odata_server.pipeline.context import RequestContext
from odata_server.pipeline.operations import documents, property_write, read, references, write
from odata_server.uri.path import ResourceKind

Operation = Callable[[RequestContext], Awaitable[ODataResponse]]

_READS: dict[ResourceKind, Operation] = {
    ResourceKind.SERVICE_DOCUMENT: documents.read_service_document,
    ResourceKind.METADATA: documents.read_metadata,
    ResourceKind.COLLECTION: read.read_collection,
    ResourceKind.ENTITY: read.read_entity,
    ResourceKind.SINGLETON: read.read_entity,
    ResourceKind.PROPERTY: read.read_property,
    ResourceKind.PROPERTY_VALUE: read.read_property_value,
    ResourceKind.COUNT: read.read_count,
    ResourceKind.REFERENCE: read.read_reference,
    ResourceKind.REFERENCE_COLLECTION: read.read_references,
}

_CHANGES: dict[tuple[ResourceKind, str], Operation] = {
    (ResourceKind.COLLECTION, "POST"): write.create_entity,
    (ResourceKind.ENTITY, "PUT"): write.update_entity,
    (ResourceKind.ENTITY, "PATCH"): write.update_entity,
    (ResourceKind.ENTITY, "DELETE"): write.delete_entity,
    (ResourceKind.SINGLETON, "PUT"): write.update_entity,
    (ResourceKind.SINGLETON, "PATCH"): write.update_entity,
    (ResourceKind.PROPERTY, "PUT"): property_write.write_property,
    (ResourceKind.PROPERTY, "PATCH"): property_write.write_property,
    (ResourceKind.PROPERTY, "DELETE"): property_write.delete_property,
    (ResourceKind.PROPERTY_VALUE, "PUT"): property_write.write_raw_value,
    (ResourceKind.PROPERTY_VALUE, "DELETE"): property_write.delete_property,
    (ResourceKind.REFERENCE, "PUT"): references.set_reference,
    (ResourceKind.REFERENCE, "DELETE"): references.delete_reference,
    (ResourceKind.REFERENCE_COLLECTION, "POST"): references.add_reference,
    (ResourceKind.REFERENCE_COLLECTION, "DELETE"): references.delete_reference,
}

# OData Protocol §11.4: the modifying methods each kind of resource accepts.
_WRITES: dict[ResourceKind, frozenset[str]] = {
    ResourceKind.SERVICE_DOCUMENT: frozenset(),
    ResourceKind.METADATA: frozenset(),
    ResourceKind.BATCH: frozenset({"POST"}),
    ResourceKind.COLLECTION: frozenset({"POST"}),
    ResourceKind.ENTITY: frozenset({"PUT", "PATCH", "DELETE"}),
    ResourceKind.SINGLETON: frozenset({"PUT", "PATCH"}),  # a singleton is updated, never created or deleted
    ResourceKind.PROPERTY: frozenset({"PUT", "PATCH", "DELETE"}),
    ResourceKind.PROPERTY_VALUE: frozenset({"PUT", "DELETE"}),
    ResourceKind.COUNT: frozenset(),
    ResourceKind.REFERENCE: frozenset({"PUT", "DELETE"}),
    ResourceKind.REFERENCE_COLLECTION: frozenset({"POST", "DELETE"}),
}


def dispatch(kind: ResourceKind, method: str) -> Operation:
    """The operation for ``method`` on a resource of ``kind``.

    Raises:
        MethodNotAllowedError: OData defines no such request.
        FeatureNotImplementedError: OData defines it, this server does not do it yet.
    """
    reads = {"GET", "HEAD"} if kind in _READS else set()
    if method in reads:
        return _READS[kind]
    if (kind, method) in _CHANGES:
        return _CHANGES[kind, method]
    if method in _WRITES[kind]:
        what = "$batch inside a batch" if kind is ResourceKind.BATCH else f"{method} of {_article(kind)} {kind.value}"
        raise FeatureNotImplementedError(f"{what} is not supported")
    allowed = sorted(reads | _WRITES[kind])
    raise MethodNotAllowedError(
        f"{method} is not allowed on {_article(kind)} {kind.value}; allowed: {', '.join(allowed)}",
        headers={"Allow": ", ".join(allowed)},
    )


def _article(kind: ResourceKind) -> str:
    return "an" if kind.value[0] in "aeiou" else "a"


__all__ = ["Operation", "dispatch"]
