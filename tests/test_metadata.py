"""The Northwind example's ``$metadata`` over HTTP: valid CSDL, and the model of the public Northwind service."""

from __future__ import annotations

import httpx
import orjson
import pytest
from lxml import etree

from tests.conftest import NORTHWIND_CSV
from tests.csdl_schemas import csdl_json_validator, edmx_schema

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
REFERENCE = NORTHWIND_CSV / "reference-metadata.xml"

# The entity types backed by tables; the public service's view-based sets are optional.
TABLE_TYPES = [
    "Category", "CustomerDemographic", "Customer", "Employee", "Order_Detail", "Order", "Product",
    "Region", "Shipper", "Supplier", "Territory",
]  # fmt: skip


def _entity_sets(root: etree._Element) -> dict[str, tuple[str, dict[str, str]]]:
    """Entity set name → (entity type name, navigation property path → target set)."""
    return {
        element.get("Name"): (
            element.get("EntityType").rsplit(".", 1)[-1],
            {binding.get("Path"): binding.get("Target") for binding in element.iter(f"{EDM}NavigationPropertyBinding")},
        )
        for element in root.iter(f"{EDM}EntitySet")
    }


def _entity_types(root: etree._Element) -> dict[str, dict[str, object]]:
    """Entity type name → its key, properties (type, nullable, facets) and navigation properties."""
    types = {}
    for element in root.iter(f"{EDM}EntityType"):
        types[element.get("Name")] = {
            "key": [ref.get("Name") for ref in element.iter(f"{EDM}PropertyRef")],
            "properties": {
                prop.get("Name"): (
                    prop.get("Type"),
                    prop.get("Nullable", "true"),
                    None if prop.get("MaxLength") == "max" else prop.get("MaxLength"),
                    prop.get("Precision"),
                    prop.get("Scale"),
                )
                for prop in element.iter(f"{EDM}Property")
            },
            "navigation": {
                nav.get("Name"): (
                    nav.get("Type").replace("ODataWebExperimental.Northwind.Model.", "NorthwindModel."),
                    nav.get("Partner"),
                    [(c.get("Property"), c.get("ReferencedProperty")) for c in nav.iter(f"{EDM}ReferentialConstraint")],
                )
                for nav in element.iter(f"{EDM}NavigationProperty")
            },
        }
    return types


@pytest.fixture(scope="module")
async def metadata_xml(sqlite_northwind: httpx.AsyncClient) -> etree._Element:
    response = await sqlite_northwind.get("$metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    return etree.fromstring(response.content)


@pytest.fixture(scope="module")
def reference() -> etree._Element:
    return etree.parse(str(REFERENCE)).getroot()


async def test_metadata_xml_is_valid_edmx(metadata_xml: etree._Element) -> None:
    edmx_schema().assertValid(metadata_xml)


@pytest.mark.parametrize(
    ("headers", "query"),
    [({}, "?$format=json"), ({"Accept": "application/json"}, ""), ({}, "?$format=application/json")],
)
async def test_metadata_json_is_valid_csdl(
    sqlite_northwind: httpx.AsyncClient, headers: dict[str, str], query: str
) -> None:
    response = await sqlite_northwind.get(f"$metadata{query}", headers=headers)
    assert response.headers["content-type"].startswith("application/json")
    document = orjson.loads(response.content)
    csdl_json_validator().validate(document)
    assert document["$EntityContainer"] == "NorthwindModel.NorthwindEntities"


@pytest.mark.parametrize(("max_version", "version"), [("4.0", "4.0"), ("4.01", "4.01")])
async def test_metadata_version_follows_the_client(
    sqlite_northwind: httpx.AsyncClient, max_version: str, version: str
) -> None:
    response = await sqlite_northwind.get("$metadata", headers={"OData-MaxVersion": max_version})
    assert etree.fromstring(response.content).get("Version") == version


async def test_entity_sets_match_the_public_northwind_service(
    metadata_xml: etree._Element, reference: etree._Element
) -> None:
    expected = {name: value for name, value in _entity_sets(reference).items() if value[0] in TABLE_TYPES}
    assert _entity_sets(metadata_xml) == expected


@pytest.mark.parametrize("type_name", TABLE_TYPES)
async def test_entity_types_match_the_public_northwind_service(
    metadata_xml: etree._Element, reference: etree._Element, type_name: str
) -> None:
    assert _entity_types(metadata_xml)[type_name] == _entity_types(reference)[type_name]


async def test_identity_keys_are_marked_computed(metadata_xml: etree._Element) -> None:
    computed = {
        (element.getparent().get("Name"), element.getparent().getparent().get("Name"))
        for element in metadata_xml.iter(f"{EDM}Annotation")
        if element.get("Term") == "Core.Computed"
    }
    assert ("ProductID", "Product") in computed
    assert ("OrderID", "Order_Detail") not in computed
    assert ("CustomerID", "Customer") not in computed
