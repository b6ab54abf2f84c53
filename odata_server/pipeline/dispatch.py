"""Which operation answers a request: by what the path addresses and the HTTP method.

``$batch`` is answered by the batch handler around the pipeline; here it is a 501
(a batch inside a batch). A method that OData does not define for a resource
answers 405 with ``Allow``. A function is invoked with GET, an action with POST;
a path that invokes functions is read after they run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from odata_server.edm.model import OperationKind
from odata_server.errors import FeatureNotImplementedError, MethodNotAllowedError
from odata_server.messages import ODataResponse
from odata_server.pipeline.context import RequestContext
from odata_server.pipeline.operations import documents, invoke, media, property_write, read, references, write
from odata_server.uri.path import ODataPath, OperationSegment, ResourceKind

Operation = Callable[[RequestContext], Awaitable[ODataResponse]]

_READS: dict[ResourceKind, Operation] = {
    ResourceKind.SERVICE_DOCUMENT: documents.read_service_document,
    ResourceKind.METADATA: documents.read_metadata,
    ResourceKind.COLLECTION: read.read_collection,
    ResourceKind.ENTITY: read.read_entity,
    ResourceKind.SINGLETON: read.read_entity,
    ResourceKind.PROPERTY: read.read_property,
    ResourceKind.PROPERTY_VALUE: read.read_property_value,
    ResourceKind.MEDIA: media.read_stream,
    ResourceKind.STREAM_PROPERTY: media.read_stream,
    ResourceKind.COUNT: read.read_count,
    ResourceKind.REFERENCE: read.read_reference,
    ResourceKind.REFERENCE_COLLECTION: read.read_references,
    ResourceKind.FUNCTION_VALUE: invoke.read_function_value,
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
    (ResourceKind.MEDIA, "PUT"): media.write_stream,
    # Protocol §11.4.7.3: deleting a media entity's stream deletes the entity.
    (ResourceKind.MEDIA, "DELETE"): write.delete_entity,
    (ResourceKind.STREAM_PROPERTY, "PUT"): media.write_stream,
    (ResourceKind.STREAM_PROPERTY, "DELETE"): media.delete_stream,
    (ResourceKind.REFERENCE, "PUT"): references.set_reference,
    (ResourceKind.REFERENCE, "DELETE"): references.delete_reference,
    (ResourceKind.REFERENCE_COLLECTION, "POST"): references.add_reference,
    (ResourceKind.REFERENCE_COLLECTION, "DELETE"): references.delete_reference,
    (ResourceKind.ACTION, "POST"): invoke.invoke_action,
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
    ResourceKind.MEDIA: frozenset({"PUT", "DELETE"}),
    ResourceKind.STREAM_PROPERTY: frozenset({"PUT", "DELETE"}),
    ResourceKind.COUNT: frozenset(),
    ResourceKind.REFERENCE: frozenset({"PUT", "DELETE"}),
    ResourceKind.REFERENCE_COLLECTION: frozenset({"POST", "DELETE"}),
    ResourceKind.ACTION: frozenset({"POST"}),
    ResourceKind.FUNCTION_VALUE: frozenset(),
}

_READ_METHODS = frozenset({"GET", "HEAD"})


def dispatch(path: ODataPath, method: str) -> Operation:
    """The operation for ``method`` on the resource ``path`` addresses.

    Raises:
        MethodNotAllowedError: OData defines no such request.
        FeatureNotImplementedError: OData defines it, this server does not do it yet.
    """
    functions = any(call.operation.kind is OperationKind.FUNCTION for call in path.invocations)
    if functions and method not in _READ_METHODS and path.kind is not ResourceKind.ACTION:
        if isinstance(path.segments[-1], OperationSegment):
            raise MethodNotAllowedError(
                f"{method} is not allowed on a function: functions are invoked with GET",
                headers={"Allow": "GET, HEAD"},
            )
        _by_kind(path.kind, method)
        raise FeatureNotImplementedError(f"{method} of what a function returns is not supported yet")
    operation = _by_kind(path.kind, method)
    if functions and path.kind not in (ResourceKind.ACTION, ResourceKind.FUNCTION_VALUE):
        return invoke.after_functions(operation)
    return operation


def _by_kind(kind: ResourceKind, method: str) -> Operation:
    reads = _READ_METHODS if kind in _READS else frozenset()
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
