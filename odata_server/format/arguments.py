"""Operation arguments → the Python values an implementation gets (Protocol §11.5.3.1, JSON Format §18).

A function's argument in the URL is a primitive literal, typed as its parameter
(:mod:`odata_server.uri.literals`), or JSON from a parameter alias; an action's
arguments are the members of the JSON request body. JSON is decoded as request
bodies are (:mod:`odata_server.format.decode`): a complex value becomes an instance
of the dataclass of its type, an enumeration value a member of its ``Enum``, a
collection a list. Every mistake is a 400 whose target is the parameter, or the
member inside it (``points/1/lat``).
"""

from __future__ import annotations

import dataclasses

from odata_server.edm.enums import enum_value
from odata_server.edm.model import ComplexType, EdmType, EnumType, Operation, Parameter, Property
from odata_server.edm.types import PrimitiveType
from odata_server.errors import BadRequestError
from odata_server.format.decode import complex_members, decode_json_value
from odata_server.uri.literals import LiteralTypeError, enum_literal_parts, typed_value
from odata_server.uri.syntax import JsonValue, Literal


def function_arguments(arguments: tuple[tuple[Parameter, Literal | JsonValue], ...]) -> dict[str, object]:
    """The values of a function's arguments as the URL writes them, by parameter name."""
    return {parameter.name: _written(written, parameter) for parameter, written in arguments}


def action_arguments(body: object, operation: Operation) -> dict[str, object]:
    """The values of an action's arguments from its JSON request body (None for no body).

    Members with ``@`` are annotations and are ignored; a nullable parameter left out is
    null (Protocol §11.5.4.1).
    """
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise BadRequestError(
            f"The body of action {operation.name} is a JSON object of its parameters", code="InvalidPayload"
        )
    parameters = {parameter.name: parameter for parameter in operation.non_binding_parameters}
    for name in body:
        if "@" not in name and name not in parameters:
            raise BadRequestError(f"Action {operation.name} has no parameter {name!r}", target=name)
    values: dict[str, object] = {}
    for name, parameter in parameters.items():
        if name in body:
            values[name] = json_value(body[name], parameter.type, parameter.collection, parameter.nullable, name)
        elif parameter.nullable:
            values[name] = None
        else:
            raise BadRequestError(f"Action {operation.name} needs parameter {name!r}", target=name)
    return values


def _written(written: Literal | JsonValue, parameter: Parameter) -> object:
    name = parameter.name
    if isinstance(written, JsonValue):
        return json_value(written.value, parameter.type, parameter.collection, parameter.nullable, name)
    if written.kind == "null":
        return _null(parameter.nullable, name)
    if parameter.collection or isinstance(parameter.type, ComplexType):
        what = "a collection" if parameter.collection else "a complex value"
        raise BadRequestError(
            f"Parameter {name} takes {what}, written as JSON in a parameter alias: {name}=@{name}&@{name}=...",
            target=name,
        )
    if isinstance(parameter.type, EnumType):
        return _enum_literal(written, parameter.type, name)
    assert isinstance(parameter.type, PrimitiveType)
    try:
        return typed_value(written, parameter.type)
    except LiteralTypeError as error:
        raise BadRequestError(
            f"Invalid value for parameter {name}: {error}", target=name, code="InvalidValue"
        ) from None


def _enum_literal(written: Literal, enum_type: EnumType, name: str) -> object:
    """``Namespace.Type'Member'``, or (OData 4.01) the members as a string literal ``'Member'``."""
    if written.kind == "enum":
        type_name, members = enum_literal_parts(written.text)
        if type_name != enum_type.qualified_name:
            raise BadRequestError(
                f"Parameter {name} takes a {enum_type.qualified_name}, not a {type_name}",
                target=name,
                code="InvalidValue",
            )
        return _enum_value(members, enum_type, name)
    if written.kind == "string":
        return _enum_value(typed_value(written, PrimitiveType.STRING), enum_type, name)
    raise BadRequestError(
        f"Parameter {name} takes a {enum_type.qualified_name} member, as {enum_type.qualified_name}'Member'",
        target=name,
        code="InvalidValue",
    )


def json_value(value: object, edm_type: EdmType, collection: bool, nullable: bool, target: str) -> object:
    """A JSON value as the Python value of ``edm_type`` (a list of them for a collection)."""
    if value is None:
        return _null(nullable, target)
    if collection:
        if not isinstance(value, list):
            raise BadRequestError(f"{target} takes a collection: a JSON array", target=target, code="InvalidValue")
        return [json_value(item, edm_type, False, nullable, f"{target}/{index}") for index, item in enumerate(value)]
    if isinstance(edm_type, PrimitiveType):
        return decode_json_value(value, Property(target.rsplit("/", 1)[-1], edm_type), target=target)
    if isinstance(edm_type, EnumType):
        return _enum_value(value, edm_type, target)
    if isinstance(edm_type, ComplexType):
        return _complex_value(value, edm_type, target)
    raise AssertionError(f"no parameter values of {edm_type!r}")  # pragma: no cover - entities are refused at start-up


def _null(nullable: bool, target: str) -> object:
    """Null, where it is allowed."""
    if not nullable:
        raise BadRequestError(f"{target} cannot be null", target=target, code="NullNotAllowed")
    return None


def _enum_value(value: object, enum_type: EnumType, target: str) -> object:
    """JSON Format §7.1: member names or values, separated by commas (more than one for flags only)."""
    if isinstance(value, str) or type(value) is int:
        try:
            return enum_value(enum_type, str(value))
        except ValueError as error:
            raise BadRequestError(f"{target}: {error}", target=target, code="InvalidValue") from None
    raise BadRequestError(
        f"{target} must be a {enum_type.qualified_name} member name; got {value!r}", target=target, code="InvalidValue"
    )


def _complex_value(value: object, complex_type: ComplexType, target: str) -> object:
    """A JSON object as an instance of the complex type's dataclass; a property left out takes
    the dataclass's default, else null."""
    python_class = complex_type.python_class
    members = complex_members(
        value, complex_type, target, member=_member, unknown="InvalidValue", defaulted=_defaulted(python_class)
    )
    return members if python_class is None else python_class(**members)


def _member(value: object, prop: Property, target: str) -> object:
    return json_value(value, prop.type, prop.collection, prop.nullable, target)


def _defaulted(python_class: type | None) -> frozenset[str]:
    """The fields of a dataclass that have a default."""
    if python_class is None or not dataclasses.is_dataclass(python_class):
        return frozenset()
    return frozenset(
        field.name
        for field in dataclasses.fields(python_class)
        if field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
    )


__all__ = ["action_arguments", "function_arguments", "json_value"]
