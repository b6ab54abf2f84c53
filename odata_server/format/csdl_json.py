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
from odata_server.edm.model import EntitySet, EntityType, Model, NavigationProperty, Property
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
    schema: JsonObject = {entity_type.name: _entity_type(entity_type) for entity_type in model.entity_types.values()}
    schema[model.container_name] = _entity_container(model)
    document[model.namespace] = schema
    return orjson.dumps(document)


def _entity_type(entity_type: EntityType) -> JsonObject:
    members: JsonObject = {"$Kind": "EntityType", "$Key": list(entity_type.key)}
    members.update((prop.name, _property(prop)) for prop in entity_type.properties.values())
    members.update(
        (navigation.name, _navigation_property(navigation)) for navigation in entity_type.navigation_properties.values()
    )
    return members


def _property(prop: Property) -> JsonObject:
    members: JsonObject = {}
    # CSDL JSON §7.1: an absent $Type means Edm.String.
    if prop.type is not PrimitiveType.STRING:
        members["$Type"] = prop.type.value
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
    if navigation.referential_constraints:
        members["$ReferentialConstraint"] = {
            constraint.property: constraint.referenced_property for constraint in navigation.referential_constraints
        }
    return members


def _entity_container(model: Model) -> JsonObject:
    members: JsonObject = {"$Kind": "EntityContainer"}
    members.update(_annotations(model.container_annotations))
    members.update((entity_set.name, _entity_set(entity_set)) for entity_set in model.entity_sets.values())
    return members


def _entity_set(entity_set: EntitySet) -> JsonObject:
    members: JsonObject = {"$Collection": True, "$Type": entity_set.entity_type.qualified_name}
    if entity_set.navigation_property_bindings:
        members["$NavigationPropertyBinding"] = dict(entity_set.navigation_property_bindings)
    members.update(_annotations(entity_set.annotations))
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
