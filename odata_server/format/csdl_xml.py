"""The ``$metadata`` document as CSDL XML (OData CSDL XML Representation 4.01).

:func:`csdl_xml` writes one ``Schema`` holding the model's entity types and its
entity container, preceded by an ``edmx:Reference`` for each vocabulary whose
terms the model's annotations use. Types and sets keep model order, attributes a
fixed order, so the same model always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from odata_server.edm.annotations import VOCABULARIES, Annotation, AnnotationValue, EnumMember, PropertyPath, Record
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
    Property,
    Singleton,
    declared_properties,
)
from odata_server.edm.types import PrimitiveType
from odata_server.errors import ModelError

EDMX_NAMESPACE = "http://docs.oasis-open.org/odata/ns/edmx"
EDM_NAMESPACE = "http://docs.oasis-open.org/odata/ns/edm"

_VERSIONS = ("4.0", "4.01")
_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'


def csdl_xml(model: Model, version: str = "4.01") -> bytes:
    """The CSDL XML document describing ``model``, UTF-8 encoded with an XML declaration."""
    if version not in _VERSIONS:
        raise ValueError(f"CSDL XML version must be one of {', '.join(_VERSIONS)}, not {version!r}")
    root = Element("edmx:Edmx", {"Version": version, "xmlns:edmx": EDMX_NAMESPACE})
    for alias, namespace, uri in referenced_vocabularies(model):
        reference = SubElement(root, "edmx:Reference", {"Uri": uri})
        SubElement(reference, "edmx:Include", {"Namespace": namespace, "Alias": alias})
    data_services = SubElement(root, "edmx:DataServices")
    schema = SubElement(data_services, "Schema", {"Namespace": model.namespace, "xmlns": EDM_NAMESPACE})
    for enum_type in model.enum_types.values():
        _enum_type(schema, enum_type)
    for complex_type in model.complex_types.values():
        _structured_type(schema, complex_type, model.complex_types.get(complex_type.base_type or ""))
    for entity_type in model.entity_types.values():
        _structured_type(schema, entity_type, model.entity_types.get(entity_type.base_type or ""))
    for operation in model.operations:
        _operation(schema, operation)
    _entity_container(schema, model)
    indent(root, space="  ")
    return _DECLARATION + tostring(root, encoding="utf-8") + b"\n"


def referenced_vocabularies(model: Model) -> list[tuple[str, str, str]]:
    """``(alias, namespace, uri)`` of each vocabulary used by the model's annotations, in VOCABULARIES order."""
    used = {annotation.term.partition(".")[0] for annotation in _all_annotations(model)}
    unknown = used - VOCABULARIES.keys()
    if unknown:
        raise ModelError(f"annotation terms use undeclared vocabulary aliases: {', '.join(sorted(unknown))}")
    return [(alias, *VOCABULARIES[alias]) for alias in VOCABULARIES if alias in used]


def _all_annotations(model: Model) -> Iterator[Annotation]:
    yield from model.container_annotations
    for entity_set in model.entity_sets.values():
        yield from entity_set.annotations
    for singleton in model.singletons.values():
        yield from singleton.annotations
    for structured in (*model.complex_types.values(), *model.entity_types.values()):
        for prop in structured.properties.values():
            yield from prop.annotations
    for entity_type in model.entity_types.values():
        yield from entity_type.annotations
        for prop in entity_type.streams.values():
            yield from prop.annotations


def _attributes(**values: str | None) -> dict[str, str]:
    return {name: value for name, value in values.items() if value is not None}


def _enum_type(schema: Element, enum_type: EnumType) -> None:
    element = SubElement(
        schema,
        "EnumType",
        _attributes(
            Name=enum_type.name,
            UnderlyingType=None
            if enum_type.underlying_type is PrimitiveType.INT32
            else enum_type.underlying_type.value,
            IsFlags="true" if enum_type.is_flags else None,
        ),
    )
    for member in enum_type.members:
        SubElement(element, "Member", {"Name": member.name, "Value": str(member.value)})


def _structured_type(
    schema: Element, structured: EntityType | ComplexType, base: EntityType | ComplexType | None
) -> None:
    """An EntityType or ComplexType element with the members it declares itself."""
    kind = "EntityType" if isinstance(structured, EntityType) else "ComplexType"
    element = SubElement(
        schema,
        kind,
        _attributes(
            Name=structured.name,
            BaseType=structured.base_type,
            Abstract="true" if structured.abstract else None,
            OpenType="true" if structured.open else None,
            HasStream="true" if isinstance(structured, EntityType) and structured.has_stream else None,
        ),
    )
    if isinstance(structured, EntityType) and structured.base_type is None:
        key = SubElement(element, "Key")
        for name in structured.key:
            SubElement(key, "PropertyRef", {"Name": name})
    properties, navigation_properties = declared_properties(structured, base)
    for prop in properties:
        _property(element, prop)
    for navigation in navigation_properties:
        _navigation_property(element, navigation)
    if isinstance(structured, EntityType):
        _annotations(element, structured.annotations)


def _property(parent: Element, prop: Property) -> None:
    element = SubElement(
        parent,
        "Property",
        _attributes(
            Name=prop.name,
            Type=prop.type_name,
            Nullable=None if prop.nullable else "false",
            MaxLength=_optional_text(prop.max_length),
            Precision=_optional_text(prop.precision),
            Scale=_scale(prop),
        ),
    )
    _annotations(element, prop.annotations)


def _optional_text(value: int | None) -> str | None:
    return None if value is None else str(value)


def _scale(prop: Property) -> str | None:
    # CSDL XML §7.2.4: an absent Scale means 0, whereas the model (like CSDL JSON, where
    # an absent $Scale means variable) leaves an unconstrained decimal scale unset.
    if prop.scale is None and prop.type is PrimitiveType.DECIMAL:
        return "variable"
    return _optional_text(prop.scale)


def _navigation_property(parent: Element, navigation: NavigationProperty) -> None:
    target = navigation.target_type
    element = SubElement(
        parent,
        "NavigationProperty",
        _attributes(
            Name=navigation.name,
            Type=f"Collection({target})" if navigation.collection else target,
            # CSDL §8.2: Nullable MUST NOT be specified for a collection-valued navigation property.
            Nullable=None if navigation.collection or navigation.nullable else "false",
            Partner=navigation.partner,
            ContainsTarget="true" if navigation.contains_target else None,
        ),
    )
    for constraint in navigation.referential_constraints:
        SubElement(
            element,
            "ReferentialConstraint",
            {"Property": constraint.property, "ReferencedProperty": constraint.referenced_property},
        )


def _operation(schema: Element, operation: Operation) -> None:
    element = SubElement(
        schema,
        operation.kind.value,
        _attributes(
            Name=operation.name,
            IsBound="true" if operation.bound else None,
            EntitySetPath=operation.entity_set_path,
            IsComposable="true" if operation.composable else None,
        ),
    )
    for parameter in operation.parameters:
        SubElement(
            element,
            "Parameter",
            _attributes(
                Name=parameter.name, Type=parameter.type_name, Nullable=None if parameter.nullable else "false"
            ),
        )
    if operation.return_type is not None:
        SubElement(
            element,
            "ReturnType",
            _attributes(
                Type=operation.return_type.type_name, Nullable=None if operation.return_type.nullable else "false"
            ),
        )


def _entity_container(schema: Element, model: Model) -> None:
    container = SubElement(schema, "EntityContainer", {"Name": model.container_name})
    _annotations(container, model.container_annotations)
    for source in (*model.entity_sets.values(), *model.singletons.values()):
        _navigation_source(container, source)
    for operation_import in model.operation_imports.values():
        _operation_import(container, operation_import)


def _navigation_source(container: Element, source: EntitySet | Singleton) -> None:
    """An EntitySet or a Singleton element, with its navigation property bindings (CSDL §13.2-§13.4)."""
    if isinstance(source, Singleton):
        attributes = {"Name": source.name, "Type": source.entity_type.qualified_name}
    else:
        attributes = {"Name": source.name, "EntityType": source.entity_type.qualified_name}
    element = SubElement(container, type(source).__name__, attributes)
    for path, target in source.navigation_property_bindings.items():
        SubElement(element, "NavigationPropertyBinding", {"Path": path, "Target": target})
    _annotations(element, source.annotations)


def _operation_import(container: Element, operation_import: OperationImport) -> None:
    function = operation_import.operation.kind is OperationKind.FUNCTION
    SubElement(
        container,
        "FunctionImport" if function else "ActionImport",
        _attributes(
            Name=operation_import.name,
            Function=operation_import.operation.qualified_name if function else None,
            Action=None if function else operation_import.operation.qualified_name,
            EntitySet=operation_import.entity_set,
            IncludeInServiceDocument="true" if function and operation_import.include_in_service_document else None,
        ),
    )


def _annotations(parent: Element, annotations: Iterable[Annotation]) -> None:
    for annotation in annotations:
        _value(SubElement(parent, "Annotation", {"Term": annotation.term}), annotation.value)


def _value(element: Element, value: AnnotationValue) -> None:
    """Put ``value`` into an ``Annotation`` or ``PropertyValue`` element.

    Constants go in attributes (CSDL §14.4), records and collections in child
    elements (CSDL §14.5).
    """
    if isinstance(value, bool):
        element.set("Bool", "true" if value else "false")
    elif isinstance(value, int):
        element.set("Int", str(value))
    elif isinstance(value, str):
        element.set("String", value)
    elif isinstance(value, EnumMember):
        element.set("EnumMember", value.member)
    elif isinstance(value, PropertyPath):
        element.set("PropertyPath", value.path)
    elif isinstance(value, Record):
        _record(element, value)
    else:
        collection = SubElement(element, "Collection")
        for item in value:
            if isinstance(item, Record):
                _record(collection, item)
            elif isinstance(item, str):
                SubElement(collection, "String").text = item
            else:
                SubElement(collection, "PropertyPath").text = item.path


def _record(parent: Element, record: Record) -> None:
    element = SubElement(parent, "Record")
    for name, item in record.values:
        _value(SubElement(element, "PropertyValue", {"Property": name}), item)


__all__ = ["EDMX_NAMESPACE", "EDM_NAMESPACE", "csdl_xml", "referenced_vocabularies"]
