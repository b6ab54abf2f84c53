"""The ``$metadata`` document as CSDL JSON (OData CSDL JSON Representation 4.01).

:func:`csdl_json` describes the same model as :func:`~odata_server.format.csdl_xml.csdl_xml`:
one schema object with the entity types and the entity container, and a
``$Reference`` for each vocabulary the annotations use. CSDL JSON leaves out
members that hold their default value, and several defaults differ from CSDL
XML; each is noted where it is applied.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from odata_server.edm.annotations import Annotation, AnnotationValue, EnumMember, PropertyPath, Record
from odata_server.edm.model import (
    ComplexType,
    EntitySet,
    EntityType,
    EnumType,
    Model,
    NavigationProperty,
    Operation,
    OperationImport,
    OperationKind,
    Parameter,
    Property,
    ReturnType,
    Singleton,
    declared_properties,
    type_name,
)
from odata_server.edm.types import PrimitiveType
from odata_server.format.csdl_xml import referenced_vocabularies

JsonObject = dict[str, object]


def csdl_json(model: Model) -> bytes:
    """The CSDL JSON document describing ``model``, UTF-8 encoded."""
    document: JsonObject = {
        "$Version": "4.01",
        "$EntityContainer": f"{model.namespace}.{model.container_name}",
    }
    references = {
        uri: {"$Include": [{"$Namespace": namespace, "$Alias": alias}]}
        for alias, namespace, uri in referenced_vocabularies(model)
    }
    if references:
        document["$Reference"] = references
    schema: JsonObject = {enum_type.name: _enum_type(enum_type) for enum_type in model.enum_types.values()}
    for complex_type in model.complex_types.values():
        schema[complex_type.name] = _structured_type(
            complex_type, model.complex_types.get(complex_type.base_type or "")
        )
    for entity_type in model.entity_types.values():
        schema[entity_type.name] = _structured_type(entity_type, model.entity_types.get(entity_type.base_type or ""))
    for operation in model.operations:
        # CSDL JSON §12: a schema member holds an array of the overloads of an operation.
        overloads = schema.setdefault(operation.name, [])
        assert isinstance(overloads, list)
        overloads.append(_operation(operation))
    schema[model.container_name] = _entity_container(model)
    document[model.namespace] = schema
    return orjson.dumps(document)


def _enum_type(enum_type: EnumType) -> JsonObject:
    members: JsonObject = {"$Kind": "EnumType"}
    if enum_type.underlying_type is not PrimitiveType.INT32:
        members["$UnderlyingType"] = enum_type.underlying_type.value
    if enum_type.is_flags:
        members["$IsFlags"] = True
    members.update((member.name, member.value) for member in enum_type.members)
    return members


def _structured_type(structured: EntityType | ComplexType, base: EntityType | ComplexType | None) -> JsonObject:
    entity = isinstance(structured, EntityType)
    members: JsonObject = {"$Kind": "EntityType" if entity else "ComplexType"}
    if structured.base_type is not None:
        members["$BaseType"] = structured.base_type
    elif isinstance(structured, EntityType):
        members["$Key"] = list(structured.key)
    flags = (("$Abstract", structured.abstract), ("$OpenType", structured.open))
    members.update((member, True) for member, value in flags if value)
    if isinstance(structured, EntityType) and structured.has_stream:
        members["$HasStream"] = True
    properties, navigation_properties = declared_properties(structured, base)
    members.update((prop.name, _property(prop)) for prop in properties)
    members.update((navigation.name, _navigation_property(navigation)) for navigation in navigation_properties)
    if isinstance(structured, EntityType):
        members.update(_annotations(structured.annotations))
    return members


def _property(prop: Property) -> JsonObject:
    members: JsonObject = _typed(prop)
    # CSDL JSON §7.2.1: an absent $Nullable means false, the opposite of CSDL XML.
    if prop.nullable:
        members["$Nullable"] = True
    # CSDL JSON §7.2.4: an absent $Scale means variable, which is what an unset scale means.
    facets = (("$MaxLength", prop.max_length), ("$Precision", prop.precision), ("$Scale", prop.scale))
    members.update((member, value) for member, value in facets if value is not None)
    members.update(_annotations(prop.annotations))
    return members


def _navigation_property(navigation: NavigationProperty) -> JsonObject:
    members: JsonObject = {"$Kind": "NavigationProperty", "$Type": navigation.target_type}
    if navigation.collection:
        members["$Collection"] = True
    elif navigation.nullable:
        # CSDL JSON §8.2: an absent $Nullable means false; collections MUST NOT specify it.
        members["$Nullable"] = True
    if navigation.partner is not None:
        members["$Partner"] = navigation.partner
    if navigation.contains_target:
        members["$ContainsTarget"] = True
    if navigation.referential_constraints:
        members["$ReferentialConstraint"] = {
            constraint.property: constraint.referenced_property for constraint in navigation.referential_constraints
        }
    return members


def _typed(typed: Property | Parameter | ReturnType) -> JsonObject:
    """``$Type`` and ``$Collection`` of a property, parameter or return type."""
    members: JsonObject = {}
    # CSDL JSON §7.1: an absent $Type means Edm.String.
    if typed.type is not PrimitiveType.STRING:
        members["$Type"] = type_name(typed.type)
    if typed.collection:
        members["$Collection"] = True
    return members


def _operation(operation: Operation) -> JsonObject:
    members: JsonObject = {"$Kind": operation.kind.value}
    if operation.bound:
        members["$IsBound"] = True
    if operation.entity_set_path is not None:
        members["$EntitySetPath"] = operation.entity_set_path
    if operation.composable:
        members["$IsComposable"] = True
    if operation.parameters:
        members["$Parameter"] = [_parameter(parameter) for parameter in operation.parameters]
    if operation.return_type is not None:
        returns = _typed(operation.return_type)
        if not operation.return_type.nullable:
            returns["$Nullable"] = False  # CSDL JSON §12.8: an absent $Nullable means true here
        members["$ReturnType"] = returns
    return members


def _parameter(parameter: Parameter) -> JsonObject:
    members: JsonObject = {"$Name": parameter.name, **_typed(parameter)}
    if not parameter.nullable:
        members["$Nullable"] = False  # CSDL JSON §12.9: an absent $Nullable means true here
    return members


def _entity_container(model: Model) -> JsonObject:
    members: JsonObject = {"$Kind": "EntityContainer"}
    members.update(_annotations(model.container_annotations))
    sources = (*model.entity_sets.values(), *model.singletons.values())
    members.update((source.name, _navigation_source(source)) for source in sources)
    members.update((name, _operation_import(item)) for name, item in model.operation_imports.items())
    return members


def _navigation_source(source: EntitySet | Singleton) -> JsonObject:
    """An entity set (a collection) or a singleton, with its navigation property bindings."""
    members: JsonObject = {"$Collection": True} if isinstance(source, EntitySet) else {}
    members["$Type"] = source.entity_type.qualified_name
    if source.navigation_property_bindings:
        members["$NavigationPropertyBinding"] = dict(source.navigation_property_bindings)
    members.update(_annotations(source.annotations))
    return members


def _operation_import(operation_import: OperationImport) -> JsonObject:
    function = operation_import.operation.kind is OperationKind.FUNCTION
    members: JsonObject = {("$Function" if function else "$Action"): operation_import.operation.qualified_name}
    if operation_import.entity_set is not None:
        members["$EntitySet"] = operation_import.entity_set
    if function and operation_import.include_in_service_document:
        members["$IncludeInServiceDocument"] = True
    return members


def _annotations(annotations: Iterable[Annotation]) -> JsonObject:
    return {f"@{annotation.term}": _value(annotation.value) for annotation in annotations}


def _value(value: AnnotationValue) -> object:
    """The JSON form of an annotation value (CSDL JSON §14.4, §14.5)."""
    if isinstance(value, Record):
        return {name: _value(item) for name, item in value.values}
    if isinstance(value, EnumMember):
        return value.name
    if isinstance(value, PropertyPath):
        return {"$PropertyPath": value.path}
    if isinstance(value, tuple):
        return [item if isinstance(item, str) else _value(item) for item in value]
    return value


__all__ = ["csdl_json"]
