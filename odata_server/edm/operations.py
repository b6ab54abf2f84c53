"""Functions and actions declared in Python (CSDL §12, §13.5, §13.6).

A declaration is an ``async def`` whose annotations are its OData signature: each
parameter is an OData parameter of the type :class:`~odata_server.edm.python_types.PythonTypes`
makes of its annotation, and the return annotation is the return type. The one
parameter annotated with a :class:`ContextArgument` class is no OData parameter: the
framework passes the request's context there. A bound operation's first parameter
is its binding parameter: an entity class the service exposes, or a list of one.

:func:`build_operations` checks the declarations (signatures, overloads, where the
entities they return belong) and makes the operations and the imports of the
unbound ones.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from odata_server.edm.model import (
    EntitySet,
    EntityType,
    Implementation,
    Operation,
    OperationImport,
    OperationKind,
    Parameter,
    ReturnType,
    holding_sets,
    lineage_names,
)
from odata_server.edm.names import check_identifier
from odata_server.edm.python_types import PythonTypes
from odata_server.errors import ModelError


class ContextArgument:
    """The base of the classes whose arguments the framework passes to an operation:
    a parameter annotated with one is not an OData parameter."""


@dataclass(frozen=True, slots=True)
class OperationDeclaration:
    """What a user declared with ``@service.function(...)`` or ``@service.action(...)``.

    Attributes:
        function: the coroutine function that runs the operation.
        kind: function or action.
        name: the OData name; ``None`` for the Python function's name.
        bound: the first parameter is the binding parameter.
        composable: (functions) further path segments may follow an invocation.
        entity_set: (unbound operations returning entities) the entity set the
            returned entities belong to; by default the one that holds their type.
        entity_set_path: (bound operations returning entities) where the returned
            entities belong, as a path from the binding parameter: its name, then
            navigation properties (``person/Trips``).
        include_in_service_document: (unbound functions) list the function import
            in the service document.
    """

    function: Callable[..., Awaitable[object]]
    kind: OperationKind
    name: str | None = None
    bound: bool = False
    composable: bool = False
    entity_set: str | None = None
    entity_set_path: str | None = None
    include_in_service_document: bool = False

    @property
    def where(self) -> str:
        """The declaration as error messages name it."""
        return f"{self.kind.value.lower()} {self.function.__qualname__}"


def build_operations(
    declarations: Iterable[OperationDeclaration],
    python_types: PythonTypes,
    entity_types: Mapping[str, EntityType],
    entity_sets: Mapping[str, EntitySet],
) -> tuple[tuple[Operation, ...], dict[str, OperationImport]]:
    """The operations of ``declarations`` and the imports of the unbound ones.

    ``python_types`` must know the exposed entity classes (its ``entity_type_of``);
    the complex and enumeration types the signatures use are added to it.
    """
    declared = [(declaration, _operation(declaration, python_types, entity_types)) for declaration in declarations]
    operations = tuple(operation for _, operation in declared)
    _check_overloads(operations)
    imports: dict[str, OperationImport] = {}
    for declaration, operation in declared:
        if operation.bound:
            continue
        made = OperationImport(
            operation.name,
            operation,
            _entity_set(declaration, operation, entity_sets, entity_types),
            declaration.include_in_service_document,
        )
        first = imports.setdefault(operation.name, made)
        if (first.entity_set, first.include_in_service_document) != (
            made.entity_set,
            made.include_in_service_document,
        ):
            raise ModelError(
                f"{declaration.where}: the unbound overloads of {operation.name} share one import, "
                "so give them the same entity_set= and include_in_service_document="
            )
    return operations, imports


def _operation(
    declaration: OperationDeclaration, python_types: PythonTypes, entity_types: Mapping[str, EntityType]
) -> Operation:
    function, where = declaration.function, declaration.where
    if not inspect.iscoroutinefunction(function):
        raise ModelError(f"{where} must be a coroutine function (async def)")
    name = declaration.name or function.__name__
    check_identifier(name, f"the name of {where}")
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception as error:  # NameError and others: whatever an annotation raises when evaluated
        raise ModelError(f"{where}: its annotations cannot be evaluated ({error})") from None
    parameters, context_argument = _parameters(declaration, hints, python_types)
    operation = Operation(
        name=name,
        namespace=python_types.namespace,
        kind=declaration.kind,
        parameters=tuple(parameters),
        return_type=_return_type(declaration, hints, python_types),
        bound=declaration.bound,
        composable=declaration.composable,
        entity_set_path=declaration.entity_set_path,
        implementation=Implementation(function, context_argument),
    )
    _check_options(declaration, operation, entity_types)
    return operation


def _parameters(
    declaration: OperationDeclaration, hints: Mapping[str, object], python_types: PythonTypes
) -> tuple[list[Parameter], str | None]:
    """The OData parameters of the function's arguments, and the argument that takes the context."""
    where = declaration.where
    context_argument: str | None = None
    parameters: list[Parameter] = []
    for argument in inspect.signature(declaration.function).parameters.values():
        if argument.kind not in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY):
            raise ModelError(f"{where}: parameter {argument.name} cannot be passed by name, as OData passes them")
        if argument.name not in hints:
            raise ModelError(f"{where}: parameter {argument.name} has no annotation; annotate it with its type")
        annotation = hints[argument.name]
        if isinstance(annotation, type) and issubclass(annotation, ContextArgument):
            if context_argument is not None:
                raise ModelError(f"{where}: only one parameter can take the context, not {argument.name} too")
            context_argument = argument.name
            continue
        check_identifier(argument.name, f"{where}: parameter {argument.name}")
        use = python_types.use(annotation, f"{where}, parameter {argument.name}")
        parameters.append(Parameter(use.type, use.collection, use.nullable, name=argument.name))
    if declaration.bound:
        if not parameters or not isinstance(parameters[0].type, EntityType):
            raise ModelError(
                f"{where} is bound, so its first parameter is its binding parameter: "
                "annotate it with an entity class the service exposes, or a list of one"
            )
        parameters[0] = replace(parameters[0], nullable=False)
    for parameter in parameters[1:] if declaration.bound else parameters:
        if isinstance(parameter.type, EntityType):
            raise ModelError(
                f"{where}, parameter {parameter.name}: entities as parameters (other than the binding "
                "parameter) are not supported yet; pass their key instead"
            )
    return parameters, context_argument


def _return_type(
    declaration: OperationDeclaration, hints: Mapping[str, object], python_types: PythonTypes
) -> ReturnType | None:
    annotation = hints.get("return", type(None))
    if annotation is type(None):
        if declaration.kind is OperationKind.FUNCTION:
            raise ModelError(f"{declaration.where}: a function returns data; annotate its return type")
        return None
    use = python_types.use(annotation, f"{declaration.where}, return type")
    return ReturnType(use.type, use.collection, use.nullable)


def _check_options(
    declaration: OperationDeclaration, operation: Operation, entity_types: Mapping[str, EntityType]
) -> None:
    """The decorator's options that do not fit the operation."""
    where = declaration.where
    function = operation.kind is OperationKind.FUNCTION
    returns_entities = operation.return_type is not None and isinstance(operation.return_type.type, EntityType)
    if declaration.composable and not function:
        raise ModelError(f"{where}: actions are never composable")
    if declaration.include_in_service_document and (operation.bound or not function):
        raise ModelError(f"{where}: only unbound functions can be listed in the service document")
    if declaration.entity_set is not None and (operation.bound or not returns_entities):
        raise ModelError(
            f"{where}: entity_set= names where the entities an unbound operation returns belong; "
            + ("a bound one says it with entity_set_path=" if operation.bound else "this one returns no entities")
        )
    if declaration.entity_set_path is not None:
        if not (operation.bound and returns_entities):
            raise ModelError(f"{where}: entity_set_path= is for bound operations that return entities")
        _check_entity_set_path(where, operation, entity_types)


def _check_entity_set_path(where: str, operation: Operation, entity_types: Mapping[str, EntityType]) -> None:
    """CSDL §12.5: the binding parameter's name, then navigation properties, to the returned type."""
    binding, *steps = (operation.entity_set_path or "").split("/")
    if binding != operation.parameters[0].name:
        raise ModelError(f"{where}: entity_set_path= starts with the binding parameter, {operation.parameters[0].name}")
    current = operation.parameters[0].type
    assert isinstance(current, EntityType)
    for step in steps:
        navigation = current.navigation_properties.get(step)
        if navigation is None:
            raise ModelError(f"{where}: entity_set_path= names {step!r}, not a navigation property of {current.name}")
        current = entity_types[navigation.target_type]
    assert operation.return_type is not None
    returned = operation.return_type.type
    if not isinstance(returned, EntityType) or current.qualified_name not in lineage_names(returned, entity_types):
        raise ModelError(
            f"{where}: entity_set_path= leads to {current.name} entities, but the operation returns "
            f"{operation.return_type.type_name}"
        )


def _entity_set(
    declaration: OperationDeclaration,
    operation: Operation,
    entity_sets: Mapping[str, EntitySet],
    entity_types: Mapping[str, EntityType],
) -> str | None:
    """The entity set the entities an unbound operation returns belong to, if it returns entities:
    one of their type, or of a base type of theirs."""
    returned = operation.return_type.type if operation.return_type is not None else None
    if not isinstance(returned, EntityType):
        return None
    if declaration.entity_set is not None:
        entity_set = entity_sets.get(declaration.entity_set)
        if entity_set is None:
            raise ModelError(f"{declaration.where}: entity_set= names no entity set: {declaration.entity_set!r}")
        if entity_set.entity_type.qualified_name not in lineage_names(returned, entity_types):
            raise ModelError(
                f"{declaration.where}: entity set {entity_set.name} holds {entity_set.entity_type.name} entities, "
                f"but the operation returns {returned.name}"
            )
        return entity_set.name
    holding = [entity_set.name for entity_set in holding_sets(returned, entity_sets, entity_types)]
    if len(holding) > 1:
        raise ModelError(
            f"{declaration.where} returns {returned.name}, held by the entity sets {', '.join(holding)}; "
            "say which one with entity_set="
        )
    if not holding:
        raise ModelError(f"{declaration.where} returns {returned.name}, which no entity set holds")
    return holding[0]


def _check_overloads(operations: tuple[Operation, ...]) -> None:
    """OData Protocol §11.5.3.2, §11.5.4.2: how overloads of one name must differ."""
    by_name: dict[str, list[Operation]] = {}
    for operation in operations:
        by_name.setdefault(operation.qualified_name, []).append(operation)
    for name, overloads in by_name.items():
        if len({operation.kind for operation in overloads}) > 1:
            raise ModelError(f"{name} is declared both as a function and as an action; rename one of them")
        returns: dict[object, str | None] = {}
        signatures: set[object] = set()
        for operation in overloads:
            binding = _binding(operation)
            # Actions differ by their binding alone; functions also by the names of their parameters.
            signature: object = binding
            if operation.kind is OperationKind.FUNCTION:
                signature = (binding, frozenset(parameter.name for parameter in operation.non_binding_parameters))
            if signature in signatures:
                if operation.kind is OperationKind.ACTION:
                    raise ModelError(
                        f"two actions named {name} are bound to the same type; "
                        "actions are overloaded only by their binding parameter"
                    )
                raise ModelError(
                    f"two overloads of function {name} take the same parameters; give them different parameter names"
                )
            signatures.add(signature)
            returned = operation.return_type.type_name if operation.return_type is not None else None
            if returns.setdefault(binding, returned) != returned:
                raise ModelError(f"the overloads of {name} with the same binding must return the same type")


def _binding(operation: Operation) -> tuple[str, bool] | None:
    """What an operation is bound to: its binding parameter's type and whether a collection of it."""
    if not operation.bound:
        return None
    binding = operation.parameters[0]
    return binding.type_name, binding.collection


__all__ = ["ContextArgument", "OperationDeclaration", "build_operations"]
