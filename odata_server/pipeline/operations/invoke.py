"""Invoking functions and actions (OData Protocol §11.5): the ``invoke`` operation.

A function is invoked by GET and runs on a read connection (:func:`reading`); an
action is invoked by POST and runs in a write transaction (:func:`acting`), its
change set's inside a ``$batch``, so it is written together with the other requests
of the change set or not at all. What an action returns is read inside its
transaction, before it commits.

Entities come back through the service's own query path: an implementation
returns a ``Select`` of the mapped class (or mapped instances), and the path then
starts from it (:class:`~odata_server.uri.path.ResultSegment`), so ``$filter``,
``$select``, ``$expand``, ``$orderby``, ``$top``, ``$skip`` and ``$count`` apply to
it, and after a composable function the path segments that follow. Other values
are written as they are returned (:mod:`odata_server.format.results`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import replace

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from odata_server.edm.model import EntityType, Operation, OperationKind
from odata_server.edm.operations import ContextArgument
from odata_server.errors import FeatureNotImplementedError, NotFoundError
from odata_server.format.arguments import action_arguments, function_arguments
from odata_server.format.etag import entity_tag
from odata_server.format.negotiation import Negotiated, Representation, json_content_type
from odata_server.format.results import value_document
from odata_server.messages import ODataRequest, ODataResponse
from odata_server.pipeline.changes import integrity_error
from odata_server.pipeline.context import RequestContext
from odata_server.pipeline.operations.read import NO_CONTENT, entity_response, read_collection
from odata_server.pipeline.payload import json_body
from odata_server.pipeline.preconditions import check_read
from odata_server.pipeline.prefer import return_preference
from odata_server.pipeline.transaction import acting, reading
from odata_server.query.operations import addressed_collection, addressed_entity, returned_select
from odata_server.uri.path import (
    OperationSegment,
    PathSegment,
    ResourceKind,
    ResultSegment,
    addressed_type,
    entity_set_of,
)

Read = Callable[[RequestContext], Awaitable[ODataResponse]]


class OperationContext(ContextArgument):
    """What the implementation of a function or action gets besides its parameters, when it
    has a parameter annotated with this class.

    Attributes:
        request: the request, with its headers: the service authenticates nobody itself,
            so who asks is what the application makes of them (``Authorization``, say).
        connection: the database connection the request runs on, in its transaction: an
            action's writes on it are committed with the request (with its change set in a
            batch), or not at all.
    """

    def __init__(self, request: ODataRequest, connection: AsyncConnection) -> None:
        self.request = request
        self.connection = connection
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """An ORM session on :attr:`connection`, made when first asked for. The entity a
        bound operation gets was loaded by it; what an action changes or adds in it is
        flushed when the action returns. It commits nothing itself."""
        if self._session is None:
            self._session = AsyncSession(bind=self.connection, expire_on_commit=False)
        return self._session

    async def _flush(self) -> None:
        if self._session is not None:
            await self._session.flush()

    async def _close(self) -> None:
        if self._session is not None:
            await self._session.close()


def check(ctx: RequestContext) -> None:
    """Refuse, before any work, the arguments (and query options) the invocations cannot take."""
    for invocation in ctx.path.invocations:
        if invocation.operation.kind is OperationKind.FUNCTION:
            function_arguments(invocation.arguments)
        else:
            action_arguments(_body(ctx.request), invocation.operation)
    given = sorted(set(ctx.options.system) - {"format"})
    if ctx.path.kind is ResourceKind.FUNCTION_VALUE and given:
        raise FeatureNotImplementedError(
            f"Query options on values a function returns (${given[0]}) are not supported yet", target=f"${given[0]}"
        )


def after_functions(read: Read) -> Read:
    """``read`` of a path that invokes functions: they run first, then the path starts from
    the entities the last one returned."""

    async def invoke_then_read(ctx: RequestContext) -> ODataResponse:
        async with _function_connection(ctx) as connection:
            segments, _ = await _invoke(ctx, connection)
        # If-Match was the binding parameter's precondition, not the result's.
        headers = {name: value for name, value in ctx.request.headers.items() if name != "if-match"}
        request = replace(ctx.request, headers=headers)
        try:
            return await read(replace(ctx, request=request, path=replace(ctx.path, segments=segments)))
        except NotFoundError:
            if _null_result(ctx):  # Protocol §11.5.3.1: no result of a nullable single-valued function
                return ODataResponse(NO_CONTENT)
            raise

    return invoke_then_read


async def read_function_value(ctx: RequestContext) -> ODataResponse:
    """``GET MostPopularName()``: a function returning primitive, enumeration or complex values."""
    negotiated = ctx.negotiate(Representation.JSON)
    async with _function_connection(ctx) as connection:
        _, value = await _invoke(ctx, connection)
    return _value_response(ctx, value, negotiated)


async def invoke_action(ctx: RequestContext) -> ODataResponse:
    """``POST ResetDataSource``, ``POST People('russellwhyte')/Trippin.ShareTrip``.

    ``204 No Content`` for an action without a return type, a null result, or with
    ``Prefer: return=minimal``; else what it returned.
    """
    invocation = ctx.path.segments[-1]
    assert isinstance(invocation, OperationSegment)
    returned = invocation.operation.return_type
    preferred, applied = return_preference(ctx.request)
    minimal = returned is None or preferred == "minimal"
    negotiated = ctx.negotiate(Representation.JSON) if returned is not None else None
    async with acting(ctx.service.engine) as connection:
        segments, value = await _invoke(ctx, connection)
        if minimal:
            return ODataResponse(
                NO_CONTENT, {"Preference-Applied": applied} if applied and preferred == "minimal" else {}
            )
        assert returned is not None and negotiated is not None
        if invocation.entity_set is None:
            return _value_response(ctx, value, negotiated)
        result = replace(ctx, path=replace(ctx.path, segments=segments))
        if returned.collection:
            return await read_collection(result)
        try:
            return await entity_response(result, connection, segments)
        except NotFoundError:
            if returned.nullable:
                return ODataResponse(NO_CONTENT)
            raise


def _function_connection(ctx: RequestContext) -> AbstractAsyncContextManager[AsyncConnection | None]:
    """The read connection the functions of the path run on; none if none needs one (to load
    its binding entity, or for its context)."""
    if any(_takes_context(call.operation) for call in ctx.path.invocations):
        return reading(ctx.service.engine)
    return nullcontext()


def _takes_context(operation: Operation) -> bool:
    assert operation.implementation is not None, f"{operation.qualified_name} has no implementation"
    return operation.bound or operation.implementation.context_argument is not None


async def _invoke(ctx: RequestContext, connection: AsyncConnection | None) -> tuple[tuple[PathSegment, ...], object]:
    """Run the invocations of the path, left to right, on ``connection``: the path from the
    last one on (starting at the entities it returned), and what it returned."""
    segments: tuple[PathSegment, ...] = ()
    value: object = None
    for segment in ctx.path.segments:
        if not isinstance(segment, OperationSegment):
            segments += (segment,)
            continue
        value = await _call(ctx, connection, segments, segment)
        if segment.entity_set is not None:
            returned = addressed_type((segment,), ctx.service.model)  # the set's type or one derived from it
            storage = ctx.service.storage[returned.qualified_name]
            select = returned_select(value, storage.mapped_class, segment.operation.qualified_name)
            derived = None if returned is segment.entity_set.entity_type else returned
            segments = (ResultSegment(segment.entity_set, select, segment.advertised, derived),)
    return segments, value


async def _call(
    ctx: RequestContext,
    connection: AsyncConnection | None,
    before: tuple[PathSegment, ...],
    invocation: OperationSegment,
) -> object:
    """Call the implementation of one invocation, bound to what ``before`` addresses."""
    operation = invocation.operation
    implementation = operation.implementation
    assert implementation is not None, f"{operation.qualified_name} has no implementation"
    action = operation.kind is OperationKind.ACTION
    if action:
        arguments = action_arguments(_body(ctx.request), operation)
    else:
        arguments = function_arguments(invocation.arguments)
    if not _takes_context(operation):
        return await implementation.function(**arguments)
    assert connection is not None
    context = OperationContext(ctx.request, connection)
    if implementation.context_argument is not None:
        arguments[implementation.context_argument] = context
    try:
        try:
            if operation.bound:
                arguments[operation.parameters[0].name] = await _binding_value(ctx, context, before, operation)
            result = await implementation.function(**arguments)
            if action:
                await context._flush()
        finally:
            await context._close()
    except (sa.exc.IntegrityError, sa.exc.DataError) as error:
        raise integrity_error(error) from None
    return result


async def _binding_value(
    ctx: RequestContext, context: OperationContext, before: tuple[PathSegment, ...], operation: Operation
) -> object:
    """The binding parameter's value: the entity as a mapped instance, loaded by the context's
    session (404 if there is none), or the collection as a select of the mapped class.

    With ``If-Match``, the operation runs only while the entity still has one of the listed
    ETags (Protocol §11.5.3.1); a collection has none, so only ``*`` holds for it.
    """
    entity_set = entity_set_of(before)
    storage = ctx.service.storage
    if operation.parameters[0].collection:
        if ctx.request.header("if-match") is not None:
            check_read(ctx.request, None)
        return addressed_collection(before, storage, ctx.service.model, addressed_type(before, ctx.service.model))
    instance = (await context.session.scalars(addressed_entity(before, storage, ctx.service.model))).first()
    if instance is None:
        raise NotFoundError(f"No entity found at {ctx.request.path!r}", target=ctx.request.path, code="EntityNotFound")
    concurrency = entity_set.concurrency
    if concurrency is not None and ctx.request.header("if-match") is not None:
        columns = storage[entity_set.entity_type.qualified_name].columns
        check_read(
            ctx.request, entity_tag(concurrency, [getattr(instance, columns[n]) for n in concurrency.properties])
        )
    return instance


def _body(request: ODataRequest) -> object:
    """An action's JSON body; None when there is none (Protocol §11.5.4.1 allows none)."""
    return json_body(request) if request.body.strip() else None


def _null_result(ctx: RequestContext) -> bool:
    """Whether the path ends in a function returning a nullable single entity."""
    last = ctx.path.segments[-1]
    if not isinstance(last, OperationSegment) or last.operation.return_type is None:
        return False
    returned = last.operation.return_type
    return isinstance(returned.type, EntityType) and returned.nullable and not returned.collection


def _value_response(ctx: RequestContext, value: object, negotiated: Negotiated) -> ODataResponse:
    """The value an operation returned; for null, 204 if its return type is nullable, else 404
    (Protocol §11.5.3.1: a single-valued result that is not there)."""
    invocation = ctx.path.segments[-1]
    assert isinstance(invocation, OperationSegment) and invocation.operation.return_type is not None
    returned = invocation.operation.return_type
    body = value_document(value, returned, negotiated, ctx.request.service_root)
    if body is not None:
        return ODataResponse(200, {"Content-Type": json_content_type(negotiated)}, body)
    if not returned.nullable:
        raise NotFoundError(f"{invocation.operation.name} has no result", code="NoResult")
    return ODataResponse(NO_CONTENT)


__all__ = ["OperationContext", "after_functions", "check", "invoke_action", "read_function_value"]
