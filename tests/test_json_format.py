"""OData JSON as the JSON Format spec writes it: metadata levels, versions, number formats, negotiation."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.conftest import ROOT, read_all

V40 = {"OData-MaxVersion": "4.0"}


@pytest.mark.parametrize(
    ("headers", "query", "content_type"),
    [
        ({}, "", "application/json;metadata=minimal;streaming=true"),
        ({"Accept": "application/json"}, "", "application/json;metadata=minimal;streaming=true"),
        ({"Accept": "*/*"}, "", "application/json;metadata=minimal;streaming=true"),
        (
            {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
            "",
            "application/json;metadata=minimal;streaming=true",
        ),
        ({"Accept": "application/json;odata.metadata=full"}, "", "application/json;metadata=full;streaming=true"),
        ({"Accept": "application/json;metadata=none"}, "", "application/json;metadata=none;streaming=true"),
        ({}, "?$format=json", "application/json;metadata=minimal;streaming=true"),
        ({}, "?$format=application/json;odata.metadata=full", "application/json;metadata=full;streaming=true"),
        ({"Accept": "application/xml"}, "?$format=json", "application/json;metadata=minimal;streaming=true"),
        (
            {},
            "?$format=application/json;IEEE754Compatible=true",
            "application/json;metadata=minimal;streaming=true;IEEE754Compatible=true",
        ),
        (V40, "", "application/json;odata.metadata=minimal;odata.streaming=true"),
        (
            {**V40, "Accept": "application/json;odata.metadata=none"},
            "",
            "application/json;odata.metadata=none;odata.streaming=true",
        ),
    ],
)
async def test_content_type_follows_accept_and_format(
    sqlite_northwind: httpx.AsyncClient, headers: dict[str, str], query: str, content_type: str
) -> None:
    response = await sqlite_northwind.get(f"Products(1){query}", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


@pytest.mark.parametrize(
    ("max_version", "version"), [(None, "4.01"), ("4.0", "4.0"), ("4.01", "4.01"), ("5.0", "4.01")]
)
async def test_odata_version_is_the_highest_not_above_max_version(
    sqlite_northwind: httpx.AsyncClient, max_version: str | None, version: str
) -> None:
    headers = {"OData-MaxVersion": max_version} if max_version else {}
    response = await sqlite_northwind.get("Products(1)", headers=headers)
    assert response.headers["odata-version"] == version
    assert "OData-MaxVersion" in response.headers["vary"]


async def test_minimal_metadata_in_4_01_uses_unprefixed_control_information(
    sqlite_northwind: httpx.AsyncClient,
) -> None:
    body = (await sqlite_northwind.get("Products(1)")).json()
    assert list(body)[0] == "@context"
    assert body["@context"] == f"{ROOT}$metadata#Products/$entity"
    # Minimal metadata keeps only the context and the ETag (Products have one).
    assert [name for name in body if name.startswith("@")] == ["@context", "@etag"]


async def test_minimal_metadata_in_4_0_names_the_etag_with_odata_prefix(sqlite_northwind: httpx.AsyncClient) -> None:
    response = await sqlite_northwind.get("Products(1)", headers=V40)
    assert response.json()["@odata.etag"] == response.headers["etag"]


async def test_minimal_metadata_in_4_0_uses_odata_prefix(sqlite_northwind: httpx.AsyncClient) -> None:
    body = (await sqlite_northwind.get("Products(1)", headers=V40)).json()
    assert list(body)[0] == "@odata.context"


@pytest.mark.parametrize(
    ("headers", "prefix", "primitive"),
    [({}, "@", "Decimal"), (V40, "@odata.", "#Decimal")],
    ids=["4.01", "4.0"],
)
async def test_full_metadata_has_all_control_information(
    sqlite_northwind: httpx.AsyncClient, headers: dict[str, str], prefix: str, primitive: str
) -> None:
    response = await sqlite_northwind.get("Products(1)?$format=application/json;odata.metadata=full", headers=headers)
    body = response.json()
    names = list(body)
    assert names[:4] == [f"{prefix}context", f"{prefix}type", f"{prefix}id", f"{prefix}editLink"]
    assert body[f"{prefix}type"] == "#NorthwindModel.Product"
    assert body[f"{prefix}id"] == f"{ROOT}Products(1)"
    assert body[f"UnitPrice{prefix}type"] == primitive
    assert names.index(f"UnitPrice{prefix}type") == names.index("UnitPrice") - 1
    assert f"ProductName{prefix}type" not in body  # Edm.String is shown by the JSON value itself
    assert f"Discontinued{prefix}type" not in body
    assert body[f"Category{prefix}navigationLink"] == f"{ROOT}Products(1)/Category"
    assert body[f"Category{prefix}associationLink"] == f"{ROOT}Products(1)/Category/$ref"


async def test_full_metadata_in_collections_ids_every_entity(sqlite_northwind: httpx.AsyncClient) -> None:
    entities = await read_all(sqlite_northwind, "Order_Details?$format=application/json;odata.metadata=full")
    ids = [entity["@id"] for entity in entities]
    assert len(ids) == len(set(ids)) == 2155
    assert f"{ROOT}Order_Details(OrderID=10248,ProductID=11)" in ids


async def test_string_keys_are_quoted_and_escaped_in_ids(sqlite_northwind: httpx.AsyncClient) -> None:
    body = (await sqlite_northwind.get("Customers('ALFKI')?$format=application/json;odata.metadata=full")).json()
    assert body["@id"] == f"{ROOT}Customers('ALFKI')"


async def test_metadata_none_has_no_control_information(sqlite_northwind: httpx.AsyncClient) -> None:
    body = (await sqlite_northwind.get("Categories?$format=application/json;odata.metadata=none")).json()
    assert list(body) == ["value"]
    assert not [name for entity in body["value"] for name in entity if "@" in name]


@pytest.mark.parametrize(
    ("query", "unit_price"),
    [("", 18), ("?$format=application/json;IEEE754Compatible=true", "18.0000")],
)
async def test_decimals_are_strings_only_when_ieee754_compatible(
    sqlite_northwind: httpx.AsyncClient, query: str, unit_price: object
) -> None:
    body = (await sqlite_northwind.get(f"Products(1){query}")).json()
    assert body["UnitPrice"] == unit_price
    assert body["UnitsInStock"] == 39  # Int16 stays a number


async def test_single_precision_values_keep_their_short_form(sqlite_northwind: httpx.AsyncClient) -> None:
    response = await sqlite_northwind.get("Order_Details(OrderID=10250,ProductID=51)")
    assert '"Discount":0.15' in response.text


async def test_binary_values_are_base64url(sqlite_northwind: httpx.AsyncClient) -> None:
    picture = (await sqlite_northwind.get("Categories(1)/Picture")).json()["value"]
    raw = (await sqlite_northwind.get("Categories(1)/Picture/$value")).content
    assert "+" not in picture and "/" not in picture
    assert base64.urlsafe_b64decode(picture) == raw


async def test_head_answers_headers_without_body(sqlite_northwind: httpx.AsyncClient) -> None:
    response = await sqlite_northwind.head("Products(1)")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-type"].startswith("application/json")
