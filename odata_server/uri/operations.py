"""Binding function and action segments (OData Protocol §11.5): which overload a URL invokes, with which arguments.

A function's arguments are written ``Name=value`` in parentheses after its name,
each value a primitive literal or a parameter alias (``@p``) whose value is in the
query string (URL Conventions §5.1.1.13): a primitive literal, or a JSON object or
array for complex and collection parameters. An alias the query string does not
define is null. A function that ends the path may instead take every argument from
the query string, as an implicit alias named after the parameter (``GetNearest?lat=1``,
or ``@lat=1``), and no parentheses (Protocol §11.5.3.1). An action takes its
arguments from the request body, which the pipeline reads.

Values stay as written here; the pipeline types them, decoding JSON the same way
for function arguments and action bodies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

from odata_server.edm.model import (
    EntitySet,
    EntityType,
    Model,
    Operation,
    OperationImport,
    OperationKind,
    Parameter,
    holding_sets,
    type_name,
)
from odata_server.errors import BadRequestError, FeatureNotImplementedError
from odata_server.uri.parser import parse, parse_literal
from odata_server.uri.path import OperationSegment
from odata_server.uri.syntax import IdentifierSegment, JsonValue, Literal

Written = Literal | JsonValue


class OperationBinder:
    """Binds the operation segments of one URL, whose query string holds ``aliases`` and ``query`` options."""

    def __init__(self, model: Model, aliases: Mapping[str, str], query: Mapping[str, str]) -> None:
        self.model = model
        self.aliases = aliases
        self.query = query

    def imported(self, operation_import: OperationImport, syntax: IdentifierSegment, *, last: bool) -> OperationSegment:
        """The invocation of a function or action import."""
        name = operation_import.operation.qualified_name
        overloads = [op for op in self.model.operations if not op.bound and op.qualified_name == name]
        operation, arguments = self._arguments(overloads, syntax, last=last)
        entity_set = self.model.entity_sets[operation_import.entity_set] if operation_import.entity_set else None
        return OperationSegment(operation, arguments, entity_set)

    def bound(
        self,
        syntax: IdentifierSegment,
        binding: EntitySet,
        *,
        collection: bool,
        last: bool,
        entity_type: EntityType | None = None,
    ) -> OperationSegment | None:
        """The invocation of a bound operation on the entity (or collection) of ``binding``, of
        ``entity_type`` (by default its type; one derived from it after a type cast); None if no
        bound operation has the segment's name (then it may be a type cast)."""
        named = [op for op in self.model.operations if op.bound and op.qualified_name == syntax.name]
        if not named:
            return None
        binding_type = entity_type or binding.entity_type
        lineage = self.model.lineage(binding_type)
        applicable = [op for op in named if op.parameters[0].collection == collection and _binding_type(op) in lineage]
        if not applicable:
            bound_to = sorted({op.parameters[0].type_name for op in named})
            raise BadRequestError(
                f"{syntax.name} is not bound to {'a collection of ' if collection else ''}{binding_type.name}: "
                f"it is bound to {' or '.join(bound_to)}",
                target=syntax.name,
            )
        # Protocol §11.5.3.2: the overloads bound to the type nearest the URL's type win.
        nearest = min(lineage.index(_binding_type(op)) for op in applicable)
        overloads = [op for op in applicable if lineage.index(_binding_type(op)) == nearest]
        operation, arguments = self._arguments(overloads, syntax, last=last)
        entity_set, advertised = _result_set(self.model, operation, binding)
        return OperationSegment(operation, arguments, entity_set, advertised)

    def _arguments(
        self, overloads: Sequence[Operation], syntax: IdentifierSegment, *, last: bool
    ) -> tuple[Operation, tuple[tuple[Parameter, Written], ...]]:
        """The overload the written parameter names select, and its arguments as written."""
        first = overloads[0]
        if first.kind is OperationKind.ACTION:
            if syntax.parentheses:
                raise BadRequestError(
                    f"Action {first.name} takes its parameters in the request body, not in parentheses",
                    target=syntax.name,
                )
            return first, ()
        written = self._written(overloads, syntax, last=last)
        operation = _overload(overloads, written, syntax.name)
        return operation, tuple(
            (parameter, self._value(written[parameter.name], parameter))
            for parameter in operation.non_binding_parameters
        )

    def _written(
        self, overloads: Sequence[Operation], syntax: IdentifierSegment, *, last: bool
    ) -> dict[str, Literal | str]:
        """Parameter name → its value: a literal from the parentheses, or the text of an implicit alias."""
        if syntax.parentheses:
            written: dict[str, Literal | str] = {}
            for name, literal in syntax.key.values if syntax.key is not None else ():
                if name is None:
                    raise BadRequestError(
                        f"Function parameters are written Name=value, as in {syntax.name}(Name=value)",
                        target=syntax.name,
                    )
                if name in written:
                    raise BadRequestError(f"Parameter {name} is given twice", target=name)
                written[name] = literal
            return written
        if not last:
            raise BadRequestError(
                f"Function {syntax.name} needs its parameters in parentheses here, as {syntax.name}(...), "
                "since path segments follow it",
                target=syntax.name,
            )
        names = {parameter.name for operation in overloads for parameter in operation.non_binding_parameters}
        given = {name: self.aliases.get(f"@{name}", self.query.get(name)) for name in names}
        return {name: text for name, text in given.items() if text is not None}

    def _value(self, written: Literal | str, parameter: Parameter) -> Written:
        """A parameter's value as written, aliases looked up: a literal or a JSON array or object."""
        where = f"parameter {parameter.name}"
        if isinstance(written, Literal):
            if written.kind != "alias":
                return written
            where = f"parameter alias {written.text}"
            text = self.aliases.get(written.text)
            if text is None:  # URL Conventions §5.1.1.13: an alias without a value is null
                return Literal("null", "null")
            written = text
        if written.lstrip().startswith(("[", "{")):
            try:
                return JsonValue(json.loads(written, parse_float=Decimal))
            except (ValueError, RecursionError) as error:
                raise BadRequestError(
                    f"The value of {where} is not valid JSON: {error}", target=parameter.name
                ) from None
        try:
            return parse_literal(written, where=where, target=parameter.name)
        except BadRequestError:
            try:
                parse(written, "filter", where=where)
            except BadRequestError:
                raise BadRequestError(
                    f"The value of {where} is neither a literal nor a JSON array or object: {written!r}",
                    target=parameter.name,
                    code="SyntaxError",
                ) from None
            raise FeatureNotImplementedError(
                f"Expressions as parameter values ({written!r}) are not supported yet; write the value itself",
                target=parameter.name,
            ) from None


def _binding_type(operation: Operation) -> str:
    """The qualified name of the entity type a bound operation is bound to (or to a collection of)."""
    return type_name(operation.parameters[0].type)


def _overload(overloads: Sequence[Operation], written: Mapping[str, object], name: str) -> Operation:
    """Protocol §11.5.3.2: the overload whose parameter names are exactly those written."""
    given = set(written)
    for operation in overloads:
        if {parameter.name for parameter in operation.non_binding_parameters} == given:
            return operation
    closest = min(overloads, key=lambda op: len(given ^ {parameter.name for parameter in op.non_binding_parameters}))
    expected = [parameter.name for parameter in closest.non_binding_parameters]
    extra = [parameter for parameter in written if parameter not in expected]
    if extra:
        raise BadRequestError(f"Function {name} has no parameter {extra[0]!r}", target=extra[0])
    missing = [parameter for parameter in expected if parameter not in given]
    raise BadRequestError(f"Function {name} needs parameter {missing[0]!r}", target=missing[0])


def _result_set(model: Model, operation: Operation, binding: EntitySet) -> tuple[EntitySet | None, bool]:
    """The entity set of the entities a bound operation returns, and whether the model says it:
    its EntitySetPath followed from the binding entity set, else the first entity set of their
    type (as navigation properties bind to it)."""
    returned = operation.return_type.type if operation.return_type is not None else None
    if not isinstance(returned, EntityType):
        return None, True
    if operation.entity_set_path is not None:
        current = binding
        for step in operation.entity_set_path.split("/")[1:]:
            current = model.navigation_target_set(current, current.entity_type.navigation_properties[step])
        return current, True
    home = holding_sets(returned, model.entity_sets, model.entity_types)[0]
    return home, False


__all__ = ["OperationBinder"]
