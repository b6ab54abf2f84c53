"""CSDL XML and JSON ``$metadata``.

Both documents are validated against the OASIS schemas, read back and compared
with each other and with the model they describe, checked for stable bytes, and
the Northwind types are compared with the OASIS Northwind ``$metadata``.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from lxml import etree
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from odata_server.edm import (
    Annotation,
    EntitySetDeclaration,
    Model,
    PrimitiveType,
    PropertyPath,
    Record,
    build_model,
)
from odata_server.edm.annotations import VOCABULARIES, EnumMember
from odata_server.edm.sqltypes import Byte, SByte
from odata_server.format.csdl_json import csdl_json
from odata_server.format.csdl_xml import csdl_xml
from tests.csdl_schemas import csdl_json_validator, edmx_schema

SHARED = Path(__file__).resolve().parents[3] / "shared"
CSDL_DIR = SHARED / "conformance" / "csdl"
VOCABULARY_DIR = SHARED / "conformance" / "vocabularies"
NORTHWIND_REFERENCE = SHARED / "northwind" / "reference-metadata.oasis-openapi-example.xml"

EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"

Description = dict[str, Any]


# --- the sample model: every mapped column type, each kind of relationship -------------


class SampleBase(DeclarativeBase):
    pass


class Everything(SampleBase):
    __tablename__ = "everything"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag: Mapped[bool] = mapped_column(sa.Boolean)
    byte: Mapped[int | None] = mapped_column(Byte)
    sbyte: Mapped[int | None] = mapped_column(SByte)
    small: Mapped[int | None] = mapped_column(sa.SmallInteger)
    big: Mapped[int | None] = mapped_column(sa.BigInteger)
    single: Mapped[float | None] = mapped_column(sa.REAL)
    double: Mapped[float | None] = mapped_column(sa.Float)
    money: Mapped[Decimal | None] = mapped_column(sa.Numeric(19, 4))
    any_decimal: Mapped[Decimal | None] = mapped_column(sa.Numeric)
    code: Mapped[str] = mapped_column(sa.String(40))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    day: Mapped[date | None] = mapped_column(sa.Date)
    moment: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    clock: Mapped[time | None] = mapped_column(sa.Time)
    span: Mapped[timedelta | None] = mapped_column(sa.Interval)
    token: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    blob: Mapped[bytes | None] = mapped_column(sa.LargeBinary)


class Employee(SampleBase):
    __tablename__ = "employee"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employee.id"))
    manager: Mapped[Employee | None] = relationship(back_populates="reports", remote_side=[id])
    reports: Mapped[list[Employee]] = relationship(back_populates="manager")
    orders: Mapped[list[Order]] = relationship(back_populates="employee")


order_tag = sa.Table(
    "order_tag",
    SampleBase.metadata,
    sa.Column("order_id", sa.ForeignKey("orders.id"), primary_key=True),
    sa.Column("tag_name", sa.ForeignKey("tag.name"), primary_key=True),
)


class Order(SampleBase):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employee.id"))
    employee: Mapped[Employee] = relationship(back_populates="orders")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order")
    tags: Mapped[list[Tag]] = relationship(secondary=order_tag, back_populates="orders")


class OrderLine(SampleBase):
    __tablename__ = "order_line"

    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id"), primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    quantity: Mapped[int] = mapped_column(sa.SmallInteger)
    order: Mapped[Order] = relationship(back_populates="lines")


class Tag(SampleBase):
    __tablename__ = "tag"

    name: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    orders: Mapped[list[Order]] = relationship(secondary=order_tag, back_populates="tags")


def sample_model() -> Model:
    declarations = [EntitySetDeclaration(cls) for cls in (Everything, Employee, Order, OrderLine, Tag)]
    return build_model(declarations, namespace="Sample.Shop", container_name="Container")[0]


def annotated_model() -> Model:
    """The sample model with annotation values the builder does not produce yet."""
    model = sample_model()
    orders = model.entity_sets["Orders"]
    by_key = Record.of({"Readable": True, "Description": "by key"})
    not_filterable = (PropertyPath("employee_id"), PropertyPath("id"))
    annotations = (
        Annotation("Capabilities.ReadRestrictions", Record.of({"Readable": True, "ReadByKeyRestrictions": by_key})),
        Annotation("Capabilities.ExpandRestrictions", Record.of({"Expandable": True, "MaxLevels": 2})),
        Annotation(
            "Capabilities.FilterRestrictions",
            Record.of({"Filterable": True, "NonFilterableProperties": not_filterable}),
        ),
    )
    entity_sets = {**model.entity_sets, "Orders": replace(orders, annotations=annotations)}
    description = Annotation("Core.Description", 'Orders & "tags" <all>\n\u00e9t\u00e9')
    return replace(model, entity_sets=entity_sets, container_annotations=(*model.container_annotations, description))


# --- hand-written classes mirroring Northwind Category and Product ----------------------


class NorthwindBase(DeclarativeBase):
    pass


class Category(NorthwindBase):
    __tablename__ = "Categories"

    CategoryID: Mapped[int] = mapped_column(primary_key=True)
    CategoryName: Mapped[str] = mapped_column(sa.String(15))
    Description: Mapped[str | None] = mapped_column(sa.Text)
    Picture: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    Products: Mapped[list[Product]] = relationship(back_populates="Category")


class Supplier(NorthwindBase):
    __tablename__ = "Suppliers"

    SupplierID: Mapped[int] = mapped_column(primary_key=True)
    CompanyName: Mapped[str] = mapped_column(sa.String(40))
    Products: Mapped[list[Product]] = relationship(back_populates="Supplier")


class Product(NorthwindBase):
    __tablename__ = "Products"

    ProductID: Mapped[int] = mapped_column(primary_key=True)
    ProductName: Mapped[str] = mapped_column(sa.String(40))
    SupplierID: Mapped[int | None] = mapped_column(sa.ForeignKey("Suppliers.SupplierID"))
    CategoryID: Mapped[int | None] = mapped_column(sa.ForeignKey("Categories.CategoryID"))
    QuantityPerUnit: Mapped[str | None] = mapped_column(sa.String(20))
    UnitPrice: Mapped[Decimal | None] = mapped_column(sa.Numeric(19, 4))
    UnitsInStock: Mapped[int | None] = mapped_column(sa.SmallInteger)
    UnitsOnOrder: Mapped[int | None] = mapped_column(sa.SmallInteger)
    ReorderLevel: Mapped[int | None] = mapped_column(sa.SmallInteger)
    Discontinued: Mapped[bool] = mapped_column(sa.Boolean)
    Category: Mapped[Category | None] = relationship(back_populates="Products")
    Order_Details: Mapped[list[OrderDetail]] = relationship(back_populates="Product")
    Supplier: Mapped[Supplier | None] = relationship(back_populates="Products")


class OrderDetail(NorthwindBase):
    __tablename__ = "Order Details"

    OrderID: Mapped[int] = mapped_column(primary_key=True)
    ProductID: Mapped[int] = mapped_column(sa.ForeignKey("Products.ProductID"), primary_key=True)
    UnitPrice: Mapped[Decimal] = mapped_column(sa.Numeric(19, 4))
    Quantity: Mapped[int] = mapped_column(sa.SmallInteger)
    Discount: Mapped[float] = mapped_column(sa.REAL)
    Product: Mapped[Product] = relationship(back_populates="Order_Details")


def northwind_model() -> Model:
    declarations = [
        EntitySetDeclaration(Category),
        EntitySetDeclaration(Product),
        EntitySetDeclaration(Supplier),
        EntitySetDeclaration(OrderDetail, type_name="Order_Detail", name="Order_Details"),
    ]
    return build_model(declarations, namespace="NorthwindModel", container_name="NorthwindEntities")[0]


BUILDERS: dict[str, Callable[[], Model]] = {
    "sample": sample_model,
    "annotated": annotated_model,
    "northwind": northwind_model,
}
MODELS = {name: build() for name, build in BUILDERS.items()}


# --- each document read back into one comparable shape ----------------------------------


def model_description(model: Model) -> Description:
    """What ``model`` says, keyed by element (``"EntityType NS.T"``, ``"EntitySet S"``, ...)."""
    used = {a.term.partition(".")[0] for a in _model_annotations(model)}
    described: Description = {
        "References": {
            uri: {"namespace": namespace, "alias": alias}
            for alias, (namespace, uri) in VOCABULARIES.items()
            if alias in used
        },
        f"EntityContainer {model.namespace}.{model.container_name}": {
            "annotations": _model_annotation_values(model.container_annotations)
        },
    }
    for entity_type in model.entity_types.values():
        described[f"EntityType {entity_type.qualified_name}"] = {
            "key": list(entity_type.key),
            "properties": {
                p.name: {
                    "type": p.type.value,
                    "nullable": p.nullable,
                    "maxLength": p.max_length,
                    "precision": p.precision,
                    "scale": _model_scale(p.type, p.scale),
                    "annotations": _model_annotation_values(p.annotations),
                }
                for p in entity_type.properties.values()
            },
            "navigation": {
                n.name: {
                    "type": n.target_type,
                    "collection": n.collection,
                    "nullable": None if n.collection else n.nullable,
                    "partner": n.partner,
                    "constraints": {c.property: c.referenced_property for c in n.referential_constraints},
                }
                for n in entity_type.navigation_properties.values()
            },
        }
    for entity_set in model.entity_sets.values():
        described[f"EntitySet {entity_set.name}"] = {
            "type": entity_set.entity_type.qualified_name,
            "bindings": dict(entity_set.navigation_property_bindings),
            "annotations": _model_annotation_values(entity_set.annotations),
        }
    return described


def _model_annotations(model: Model) -> list[Annotation]:
    annotations = [*model.container_annotations]
    for entity_set in model.entity_sets.values():
        annotations += entity_set.annotations
    for entity_type in model.entity_types.values():
        for prop in entity_type.properties.values():
            annotations += prop.annotations
    return annotations


def _model_scale(edm_type: PrimitiveType, scale: int | None) -> str | None:
    """An unset decimal scale leaves the scale unconstrained: ``variable``."""
    if scale is not None:
        return str(scale)
    return "variable" if edm_type is PrimitiveType.DECIMAL else None


def _model_annotation_values(annotations: tuple[Annotation, ...]) -> Description:
    return {a.term: _model_value(a.value) for a in annotations}


def _model_value(value: object) -> object:
    if isinstance(value, Record):
        return {name: _model_value(item) for name, item in value.values}
    if isinstance(value, EnumMember):
        return value.member.rpartition("/")[2]
    if isinstance(value, PropertyPath):
        return {"$PropertyPath": value.path}
    if isinstance(value, tuple):
        return [item if isinstance(item, str) else _model_value(item) for item in value]
    return value


def xml_description(document: bytes) -> Description:
    """What a CSDL XML document says, in the shape of :func:`model_description`, defaults filled in."""
    root = etree.fromstring(document)
    described: Description = {"References": {}}
    for reference in root.iterfind(f"{EDMX}Reference"):
        (include,) = reference.iterfind(f"{EDMX}Include")
        described["References"][reference.get("Uri")] = {
            "namespace": include.get("Namespace"),
            "alias": include.get("Alias"),
        }
    (schema,) = root.iterfind(f"{EDMX}DataServices/{EDM}Schema")
    namespace = schema.get("Namespace")
    for entity_type in schema.iterfind(f"{EDM}EntityType"):
        described[f"EntityType {namespace}.{entity_type.get('Name')}"] = {
            "key": [ref.get("Name") for ref in entity_type.iterfind(f"{EDM}Key/{EDM}PropertyRef")],
            "properties": {p.get("Name"): _xml_property(p) for p in entity_type.iterfind(f"{EDM}Property")},
            "navigation": {n.get("Name"): _xml_navigation(n) for n in entity_type.iterfind(f"{EDM}NavigationProperty")},
        }
    (container,) = schema.iterfind(f"{EDM}EntityContainer")
    described[f"EntityContainer {namespace}.{container.get('Name')}"] = {"annotations": _xml_annotations(container)}
    for entity_set in container.iterfind(f"{EDM}EntitySet"):
        described[f"EntitySet {entity_set.get('Name')}"] = {
            "type": entity_set.get("EntityType"),
            "bindings": {
                b.get("Path"): b.get("Target") for b in entity_set.iterfind(f"{EDM}NavigationPropertyBinding")
            },
            "annotations": _xml_annotations(entity_set),
        }
    return described


def _xml_property(element: etree._Element) -> Description:
    edm_type = element.get("Type")
    return {
        "type": edm_type,
        "nullable": element.get("Nullable", "true") == "true",
        "maxLength": _optional_int(element.get("MaxLength")),
        "precision": _optional_int(element.get("Precision")),
        # CSDL XML §7.2.4: an absent Scale means 0.
        "scale": element.get("Scale", "0" if edm_type == "Edm.Decimal" else None),
        "annotations": _xml_annotations(element),
    }


def _xml_navigation(element: etree._Element) -> Description:
    edm_type = element.get("Type")
    collection = edm_type.startswith("Collection(")
    nullable = element.get("Nullable")
    return {
        "type": edm_type.removeprefix("Collection(").removesuffix(")"),
        "collection": collection,
        "nullable": nullable if collection else (nullable or "true") == "true",
        "partner": element.get("Partner"),
        "constraints": {
            c.get("Property"): c.get("ReferencedProperty") for c in element.iterfind(f"{EDM}ReferentialConstraint")
        },
    }


def _xml_annotations(element: etree._Element) -> Description:
    return {a.get("Term"): _xml_value(a) for a in element.iterfind(f"{EDM}Annotation")}


def _xml_value(element: etree._Element) -> object:
    converters: dict[str, Callable[[str], object]] = {
        "Bool": lambda text: text == "true",
        "Int": int,
        "String": str,
        "EnumMember": lambda text: text.rpartition("/")[2],
        "PropertyPath": lambda text: {"$PropertyPath": text},
    }
    for attribute, convert in converters.items():
        if attribute in element.attrib:
            return convert(element.get(attribute))
    (child,) = element
    if child.tag == f"{EDM}Record":
        return {value.get("Property"): _xml_value(value) for value in child.iterfind(f"{EDM}PropertyValue")}
    assert child.tag == f"{EDM}Collection", child.tag
    return [_xml_item(item) for item in child]


def _xml_item(item: etree._Element) -> object:
    if item.tag == f"{EDM}String":
        return item.text
    if item.tag == f"{EDM}Record":
        return {value.get("Property"): _xml_value(value) for value in item.iterfind(f"{EDM}PropertyValue")}
    return {"$PropertyPath": item.text}


def _optional_int(text: str | None) -> int | None:
    return None if text is None else int(text)


def json_description(document: bytes) -> Description:
    """What a CSDL JSON document says, in the shape of :func:`model_description`, defaults filled in."""
    csdl = orjson.loads(document)
    assert csdl["$Version"] == "4.01"
    described: Description = {
        "References": {
            uri: {"namespace": include["$Namespace"], "alias": include["$Alias"]}
            for uri, reference in csdl.get("$Reference", {}).items()
            for include in reference["$Include"]
        }
    }
    (namespace,) = (name for name in csdl if not name.startswith("$"))
    for name, element in csdl[namespace].items():
        if element["$Kind"] == "EntityType":
            described[f"EntityType {namespace}.{name}"] = _json_entity_type(element)
    container_name = csdl["$EntityContainer"]
    container = csdl[namespace][container_name.removeprefix(f"{namespace}.")]
    assert container["$Kind"] == "EntityContainer"
    described[f"EntityContainer {container_name}"] = {"annotations": _json_annotations(container)}
    for name, entity_set in container.items():
        if not name.startswith(("$", "@")):
            assert entity_set["$Collection"] is True
            described[f"EntitySet {name}"] = {
                "type": entity_set["$Type"],
                "bindings": entity_set.get("$NavigationPropertyBinding", {}),
                "annotations": _json_annotations(entity_set),
            }
    return described


def _json_entity_type(element: Description) -> Description:
    members = {name: value for name, value in element.items() if not name.startswith(("$", "@"))}
    return {
        "key": element["$Key"],
        "properties": {
            name: _json_property(value)
            for name, value in members.items()
            if value.get("$Kind", "Property") == "Property"
        },
        "navigation": {
            name: _json_navigation(value)
            for name, value in members.items()
            if value.get("$Kind") == "NavigationProperty"
        },
    }


def _json_property(member: Description) -> Description:
    # CSDL JSON §7.1, §7.2: an absent $Type means Edm.String, $Nullable false, $Scale variable.
    edm_type = member.get("$Type", "Edm.String")
    scale = member.get("$Scale", "variable" if edm_type == "Edm.Decimal" else None)
    return {
        "type": edm_type,
        "nullable": member.get("$Nullable", False),
        "maxLength": member.get("$MaxLength"),
        "precision": member.get("$Precision"),
        "scale": None if scale is None else str(scale),
        "annotations": _json_annotations(member),
    }


def _json_navigation(member: Description) -> Description:
    collection = member.get("$Collection", False)
    return {
        "type": member["$Type"],
        "collection": collection,
        # CSDL JSON §8.2: an absent $Nullable means false.
        "nullable": member.get("$Nullable") if collection else member.get("$Nullable", False),
        "partner": member.get("$Partner"),
        "constraints": member.get("$ReferentialConstraint", {}),
    }


def _json_annotations(member: Description) -> Description:
    return {name[1:]: value for name, value in member.items() if name.startswith("@")}


@functools.cache
def descriptions(model_name: str) -> dict[str, Description]:
    model = MODELS[model_name]
    return {
        "model": model_description(model),
        "xml": xml_description(csdl_xml(model)),
        "json": json_description(csdl_json(model)),
    }


ELEMENTS = [(name, element) for name, model in MODELS.items() for element in model_description(model)]


# --- tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("model_name", MODELS)
@pytest.mark.parametrize("version", ["4.0", "4.01"])
def test_xml_is_valid_edmx(model_name: str, version: str) -> None:
    document = etree.fromstring(csdl_xml(MODELS[model_name], version))
    schema = edmx_schema()
    assert schema.validate(document), schema.error_log
    assert document.get("Version") == version


@pytest.mark.parametrize("model_name", MODELS)
def test_json_is_valid_csdl(model_name: str) -> None:
    document = orjson.loads(csdl_json(MODELS[model_name]))
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in csdl_json_validator().iter_errors(document)]
    assert errors == []


def test_json_schema_patterns_check_identifiers() -> None:
    document = orjson.loads(csdl_json(MODELS["sample"]))
    document["Sample.Shop"]["Not an identifier"] = {"$Kind": "EntityType"}
    assert not csdl_json_validator().is_valid(document)


@pytest.mark.parametrize("model_name", MODELS)
def test_documents_describe_the_same_elements(model_name: str) -> None:
    described = descriptions(model_name)
    assert described["xml"].keys() == described["model"].keys()
    assert described["json"].keys() == described["model"].keys()


@pytest.mark.parametrize(("model_name", "element"), ELEMENTS, ids=[f"{m}:{e}" for m, e in ELEMENTS])
def test_xml_and_json_describe_the_model(model_name: str, element: str) -> None:
    described = descriptions(model_name)
    assert described["xml"][element] == described["model"][element]
    assert described["json"][element] == described["model"][element]


@pytest.mark.parametrize("model_name", MODELS)
def test_output_is_deterministic(model_name: str) -> None:
    rebuilt = BUILDERS[model_name]()
    model = MODELS[model_name]
    assert csdl_xml(model) == csdl_xml(model) == csdl_xml(rebuilt)
    assert csdl_json(model) == csdl_json(model) == csdl_json(rebuilt)


def test_xml_starts_with_a_utf8_declaration() -> None:
    document = csdl_xml(MODELS["annotated"])
    assert document.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<edmx:Edmx Version="4.01"')
    assert "\u00e9t\u00e9".encode() in document


def test_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="4.02"):
        csdl_xml(MODELS["sample"], "4.02")


@functools.cache
def vocabulary(namespace: str) -> etree._Element:
    (schema,) = etree.parse(str(VOCABULARY_DIR / f"{namespace}.xml")).iterfind(f"{EDMX}DataServices/{EDM}Schema")
    return schema


def _record_properties(schema: etree._Element, qualified_type: str) -> set[str]:
    (complex_type,) = schema.iterfind(f"{EDM}ComplexType[@Name='{qualified_type.rpartition('.')[2]}']")
    names = {p.get("Name") for p in complex_type.iterfind(f"{EDM}Property")}
    base = complex_type.get("BaseType")
    return names | _record_properties(schema, base) if base else names


@pytest.mark.parametrize("model_name", MODELS)
def test_annotations_use_declared_terms(model_name: str) -> None:
    root = etree.fromstring(csdl_xml(MODELS[model_name]))
    namespaces = {
        include.get("Alias"): include.get("Namespace") for include in root.iterfind(f"{EDMX}Reference/{EDMX}Include")
    }
    for annotation in root.iter(f"{EDM}Annotation"):
        alias, _, name = annotation.get("Term").partition(".")
        schema = vocabulary(namespaces[alias])
        (term,) = schema.iterfind(f"{EDM}Term[@Name='{name}']")
        applies_to = term.get("AppliesTo")
        assert applies_to is None or etree.QName(annotation.getparent()).localname in applies_to.split()
        for record in annotation.iterfind(f"{EDM}Record"):
            fields = {value.get("Property") for value in record.iterfind(f"{EDM}PropertyValue")}
            assert fields <= _record_properties(schema, term.get("Type"))


def _canonical(element: etree._Element, ignored: frozenset[tuple[str, str]] = frozenset()) -> object:
    """Tag, attributes (in any order) and children of ``element``, without annotations."""
    return (
        etree.QName(element).localname,
        sorted(item for item in element.attrib.items() if item not in ignored),
        [
            _canonical(child, ignored)
            for child in element
            if isinstance(child.tag, str) and etree.QName(child).localname != "Annotation"
        ],
    )


# CSDL XML §7.2.2: MaxLength="max" is only allowed in OData 4.0 responses; an absent
# MaxLength (arbitrary length) is the 4.01 way to say the same of Text and LargeBinary.
_NORTHWIND_IGNORED = frozenset({("MaxLength", "max")})


@pytest.mark.parametrize(
    ("kind", "name"),
    [("EntityType", "Category"), ("EntityType", "Product"), ("EntitySet", "Categories"), ("EntitySet", "Products")],
)
def test_northwind_matches_the_reference(kind: str, name: str) -> None:
    ours = etree.fromstring(csdl_xml(MODELS["northwind"]))
    reference = etree.parse(str(NORTHWIND_REFERENCE)).getroot()
    path = f".//{EDM}{kind}[@Name='{name}']"
    (expected,) = reference.iterfind(path)
    (actual,) = ours.iterfind(path)
    assert _canonical(actual) == _canonical(expected, _NORTHWIND_IGNORED)
