"""Changes to one property through HTTP (Protocol §11.4.9.1), on SQLite and PostgreSQL.

``PUT``/``PATCH Products(1)/ProductName`` with ``{"value": ...}``, ``PUT .../$value`` with
a raw body, ``DELETE`` of either to set null. Northwind Products have hash ETags; the
gadget service (tests/writes/gadgets.py) a version property with If-Match required.
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ROOT, assert_error
from tests.writes.gadgets import etag

TEXT = {"Content-Type": "text/plain"}


async def value_of(client: httpx.AsyncClient, path: str) -> object:
    """The property's value as GET shows it; None for null (204)."""
    response = await client.get(path)
    if response.status_code == 204:
        return None
    assert response.status_code == 200, response.text
    return response.json()["value"]


# -- the property document


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
async def test_put_and_patch_set_the_property_and_answer_the_new_etag(client: httpx.AsyncClient, method: str) -> None:
    before = await etag(client, "Products(2)")
    response = await client.request(method, "Products(2)/QuantityPerUnit", json={"value": f"{method} box"})
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert response.headers["etag"] != before
    assert response.headers["etag"] == await etag(client, "Products(2)")
    assert await value_of(client, "Products(2)/QuantityPerUnit") == f"{method} box"


@pytest.mark.parametrize(
    ("prop", "value"),
    [("UnitPrice", 12.25), ("UnitsInStock", 7), ("Discontinued", True), ("QuantityPerUnit", "Grüße")],
)
async def test_values_of_each_type_are_decoded(client: httpx.AsyncClient, prop: str, value: object) -> None:
    response = await client.put(f"Products(3)/{prop}", json={"value": value})
    assert response.status_code == 204, response.text
    assert await value_of(client, f"Products(3)/{prop}") == value


async def test_control_information_and_annotations_may_come_with_the_value(client: httpx.AsyncClient) -> None:
    document = {
        "@context": f"{ROOT}$metadata#Products(4)/QuantityPerUnit",
        "@odata.context": f"{ROOT}$metadata#Products(4)/QuantityPerUnit",
        "value@odata.type": "#String",
        "value": "annotated",
    }
    response = await client.patch("Products(4)/QuantityPerUnit", json=document)
    assert response.status_code == 204, response.text
    assert await value_of(client, "Products(4)/QuantityPerUnit") == "annotated"


async def test_a_property_reached_through_navigation_is_written(client: httpx.AsyncClient) -> None:
    response = await client.put("Products(5)/Category/Description", json={"value": "via product 5"})
    assert response.status_code == 204, response.text
    category = (await client.get("Products(5)/Category")).json()
    assert category["Description"] == "via product 5"


async def test_null_value_sets_a_nullable_property_to_null(client: httpx.AsyncClient) -> None:
    response = await client.put("Products(6)/ReorderLevel", json={"value": None})
    assert response.status_code == 204, response.text
    assert await value_of(client, "Products(6)/ReorderLevel") is None


@pytest.mark.parametrize(
    ("prop", "value", "code"),
    [
        ("ProductName", None, "NullNotAllowed"),
        ("UnitsInStock", "many", "InvalidValue"),
        ("UnitsInStock", 40000, "ValueOutOfRange"),
        ("QuantityPerUnit", "x" * 21, "ValueTooLong"),
        ("UnitPrice", 1.23456, "PrecisionExceeded"),
    ],
)
async def test_a_value_that_does_not_fit_is_400_naming_the_property(
    client: httpx.AsyncClient, prop: str, value: object, code: str
) -> None:
    before = await value_of(client, f"Products(7)/{prop}")
    error = assert_error(await client.put(f"Products(7)/{prop}", json={"value": value}), 400, prop)
    assert error["code"] == code
    assert await value_of(client, f"Products(7)/{prop}") == before


@pytest.mark.parametrize(
    ("document", "target"),
    [
        (["Chai"], "ProductName"),
        ("Chai", "ProductName"),
        ({}, "ProductName"),
        ({"ProductName": "Chai"}, "ProductName"),
        ({"value": "Chai", "other": 1}, "other"),
    ],
)
async def test_a_body_that_is_not_a_property_document_is_400(
    client: httpx.AsyncClient, document: object, target: str
) -> None:
    assert_error(await client.put("Products(7)/ProductName", json=document), 400, target)


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "Products(7)/ProductName", content=b'{"value": ', headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400)


@pytest.mark.parametrize("headers", [{"Content-Type": "text/plain"}, {"Content-Type": "application/xml"}, {}])
async def test_a_property_document_of_another_media_type_is_415(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    assert_error(await client.put("Products(7)/ProductName", content=b'{"value": "x"}', headers=headers), 415)


# -- the raw value


@pytest.mark.parametrize(
    ("prop", "raw", "value"),
    [
        ("ProductName", "Ravioli Angelo", "Ravioli Angelo"),
        ("ProductName", "Café", "Café"),
        ("UnitsInStock", "42", 42),
        ("UnitPrice", "19.5", 19.5),
        ("Discontinued", "true", True),
    ],
)
async def test_put_raw_value_sets_the_property(client: httpx.AsyncClient, prop: str, raw: str, value: object) -> None:
    response = await client.put(
        f"Products(8)/{prop}/$value", content=raw.encode(), headers={"Content-Type": "text/plain;charset=utf-8"}
    )
    assert response.status_code == 204, response.text
    assert response.headers["etag"] == await etag(client, "Products(8)")
    assert await value_of(client, f"Products(8)/{prop}") == value


@pytest.mark.parametrize("content_type", ["application/octet-stream", "image/png", None])
async def test_a_binary_raw_value_takes_any_media_type(client: httpx.AsyncClient, content_type: str | None) -> None:
    picture = bytes(range(256)) + (content_type or "").encode()
    headers = {"Content-Type": content_type} if content_type else {}
    response = await client.put("Categories(2)/Picture/$value", content=picture, headers=headers)
    assert response.status_code == 204, response.text
    assert (await client.get("Categories(2)/Picture/$value")).content == picture


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"Content-Type": "application/octet-stream"},
        {"Content-Type": "text/plain;charset=iso-8859-1"},
        {"Content-Type": "not a media type"},
        {},
    ],
)
async def test_a_raw_value_not_in_utf8_text_is_415(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    assert_error(await client.put("Products(9)/ProductName/$value", content=b"Tofu", headers=headers), 415)
    assert await value_of(client, "Products(9)/ProductName") != "Tofu"


@pytest.mark.parametrize(
    ("prop", "raw"), [("UnitsInStock", b"4x2"), ("Discontinued", b"maybe"), ("ProductName", b"\xff")]
)
async def test_a_raw_value_that_does_not_fit_is_400(client: httpx.AsyncClient, prop: str, raw: bytes) -> None:
    assert_error(await client.put(f"Products(9)/{prop}/$value", content=raw, headers=TEXT), 400, prop)


# -- DELETE sets null


@pytest.mark.parametrize("path", ["Products(10)/QuantityPerUnit", "Products(10)/UnitsOnOrder/$value"])
async def test_delete_sets_the_property_to_null(client: httpx.AsyncClient, path: str) -> None:
    before = await etag(client, "Products(10)")
    response = await client.delete(path)
    assert response.status_code == 204, response.text
    assert response.headers["etag"] not in (before, None)
    assert await value_of(client, path.removesuffix("/$value")) is None


@pytest.mark.parametrize("path", ["Products(10)/ProductName", "Products(10)/Discontinued/$value"])
async def test_delete_of_a_property_that_is_not_nullable_is_400(client: httpx.AsyncClient, path: str) -> None:
    prop = path.split("/")[1]
    error = assert_error(await client.delete(path), 400, prop)
    assert error["code"] == "NullNotAllowed"
    assert await value_of(client, f"Products(10)/{prop}") is not None


# -- what cannot be written


@pytest.mark.parametrize(
    ("method", "path", "target"),
    [
        ("PUT", "Products(1)/ProductID", "ProductID"),
        ("PATCH", "Products(1)/ProductID", "ProductID"),
        ("DELETE", "Products(1)/ProductID", "ProductID"),
        ("PUT", "Products(1)/ProductID/$value", "ProductID"),
        ("DELETE", "Products(1)/ProductID/$value", "ProductID"),
        ("PUT", "Order_Details(OrderID=10248,ProductID=11)/OrderID", "OrderID"),
        ("PUT", "Customers('ALFKI')/CustomerID", "CustomerID"),
    ],
)
async def test_a_key_property_is_400(client: httpx.AsyncClient, method: str, path: str, target: str) -> None:
    body = b"2" if path.endswith("$value") else b'{"value": 2}'
    content_type = "text/plain" if path.endswith("$value") else "application/json"
    response = await client.request(method, path, content=body, headers={"Content-Type": content_type})
    error = assert_error(response, 400, target)
    assert error["code"] == "ReadOnlyProperty"


@pytest.mark.parametrize("prop", ["Version", "DoublePrice"])
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
async def test_the_version_and_computed_properties_are_400(gadgets: httpx.AsyncClient, method: str, prop: str) -> None:
    headers = {"If-Match": await etag(gadgets, "Gadgets(1)")}
    response = await gadgets.request(method, f"Gadgets(1)/{prop}", json={"value": 9}, headers=headers)
    assert assert_error(response, 400, prop)["code"] == "ReadOnlyProperty"
    assert_error(await gadgets.put(f"Gadgets(1)/{prop}/$value", content=b"9", headers={**TEXT, **headers}), 400, prop)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "Products(999999)/ProductName"),
        ("PATCH", "Products(999999)/ProductName"),
        ("DELETE", "Products(999999)/QuantityPerUnit"),
        ("PUT", "Products(999999)/ProductName/$value"),
        ("DELETE", "Products(999999)/QuantityPerUnit/$value"),
        ("PUT", "Categories(999999)/Picture/$value"),
    ],
)
async def test_a_missing_entity_is_404(client: httpx.AsyncClient, method: str, path: str) -> None:
    body = b'{"value": "x"}' if "$value" not in path else b"x"
    content_type = "application/json" if "$value" not in path else "text/plain"
    response = await client.request(method, path, content=body, headers={"Content-Type": content_type})
    assert_error(response, 404)


async def test_a_database_refusal_leaves_the_value_as_it_was(client: httpx.AsyncClient) -> None:
    response = await client.put("Products(11)/CategoryID", json={"value": 999999})
    assert assert_error(response, 400)["code"] == "ForeignKeyViolation"
    assert await value_of(client, "Products(11)/CategoryID") == 4


# -- preconditions and versions


async def test_if_match_with_the_current_etag_applies_the_change(client: httpx.AsyncClient) -> None:
    current = await etag(client, "Products(12)")
    response = await client.put(
        "Products(12)/QuantityPerUnit", json={"value": "matched"}, headers={"If-Match": current}
    )
    assert response.status_code == 204, response.text
    assert response.headers["etag"] not in (current, None)
    stale = await client.put("Products(12)/QuantityPerUnit", json={"value": "stale"}, headers={"If-Match": current})
    assert assert_error(stale, 412)["code"] == "PreconditionFailed"
    assert await value_of(client, "Products(12)/QuantityPerUnit") == "matched"


@pytest.mark.parametrize(
    ("headers", "status"),
    [({"If-Match": "*"}, 204), ({"If-None-Match": "*"}, 412), ({"If-Match": 'W/"other"'}, 412)],
)
async def test_star_preconditions(client: httpx.AsyncClient, headers: dict[str, str], status: int) -> None:
    response = await client.delete("Products(13)/ReorderLevel", headers=headers)
    assert response.status_code == status, response.text


async def test_if_match_on_a_missing_entity_is_412(client: httpx.AsyncClient) -> None:
    response = await client.put("Products(999999)/ProductName", json={"value": "x"}, headers={"If-Match": "*"})
    assert_error(response, 412)


@pytest.mark.parametrize(
    ("method", "path", "body", "headers"),
    [
        ("PUT", "Gadgets(2)/Name", b'{"value": "G"}', {"Content-Type": "application/json"}),
        ("PATCH", "Gadgets(2)/Price", b'{"value": 3}', {"Content-Type": "application/json"}),
        ("PUT", "Gadgets(2)/Name/$value", b"G", TEXT),
        ("DELETE", "Gadgets(2)/Price", b"", {}),
    ],
)
async def test_if_match_required_is_428_without_it(
    gadgets: httpx.AsyncClient, method: str, path: str, body: bytes, headers: dict[str, str]
) -> None:
    response = await gadgets.request(method, path, content=body, headers=headers)
    assert assert_error(response, 428)["code"] == "PreconditionRequired"
    assert (await gadgets.get("Gadgets(2)")).json()["Version"] == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type"),
    [
        ("PUT", "Gadgets(3)/Name", b'{"value": "Renamed"}', "application/json"),
        ("PATCH", "Gadgets(3)/Price", b'{"value": 4.5}', "application/json"),
        ("PUT", "Gadgets(3)/Name/$value", b"Raw name", "text/plain"),
        ("DELETE", "Gadgets(3)/Price", b"", "text/plain"),
        ("DELETE", "Gadgets(3)/MakerID/$value", b"", "text/plain"),
    ],
)
async def test_each_change_increments_the_version(
    gadgets: httpx.AsyncClient, method: str, path: str, body: bytes, content_type: str
) -> None:
    before = (await gadgets.get("Gadgets(3)")).json()["Version"]
    headers = {"If-Match": f'W/"{before}"', "Content-Type": content_type}
    response = await gadgets.request(method, path, content=body, headers=headers)
    assert response.status_code == 204, response.text
    assert response.headers["etag"] == f'W/"{before + 1}"'
    assert (await gadgets.get("Gadgets(3)")).json()["Version"] == before + 1
    stale = await gadgets.request(method, path, content=body, headers=headers)
    assert_error(stale, 412)


async def test_a_computed_property_follows_the_change(gadgets: httpx.AsyncClient) -> None:
    headers = {"If-Match": await etag(gadgets, "Gadgets(4)")}
    response = await gadgets.put("Gadgets(4)/Price", json={"value": 2.25}, headers=headers)
    assert response.status_code == 204, response.text
    assert (await gadgets.get("Gadgets(4)/DoublePrice")).json()["value"] == 4.5


# -- Prefer: return


async def test_return_representation_answers_the_property_document(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "Products(14)/QuantityPerUnit", json={"value": "shown"}, headers={"Prefer": "return=representation"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["preference-applied"] == "return=representation"
    assert response.headers["etag"] == await etag(client, "Products(14)")
    assert response.json() == (await client.get("Products(14)/QuantityPerUnit")).json()
    assert response.json() == {"@context": f"{ROOT}$metadata#Products(14)/QuantityPerUnit", "value": "shown"}


async def test_return_representation_follows_the_requested_format(client: httpx.AsyncClient) -> None:
    accept = {"Accept": "application/json;odata.metadata=none;IEEE754Compatible=true"}
    response = await client.patch(
        "Products(14)/UnitPrice", json={"value": 21.5}, headers={"Prefer": "odata.return=representation", **accept}
    )
    assert response.status_code == 200, response.text
    assert response.headers["preference-applied"] == "odata.return=representation"
    assert response.json() == (await client.get("Products(14)/UnitPrice", headers=accept)).json()
    assert list(response.json()) == ["value"] and isinstance(response.json()["value"], str)


async def test_return_representation_of_a_raw_value_answers_the_raw_value(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "Products(14)/ProductName/$value",
        content="Ikura ✓".encode(),
        headers={**TEXT, "Prefer": "return=representation"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "Ikura ✓"
    picture = b"\x89PNG\r\n\x1a\n"
    response = await client.put(
        "Categories(3)/Picture/$value", content=picture, headers={"Prefer": "return=representation"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content == picture


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("PUT", "Products(15)/ReorderLevel", b'{"value": null}'), ("DELETE", "Products(15)/UnitsOnOrder", b"")],
)
async def test_return_representation_of_null_is_204(
    client: httpx.AsyncClient, method: str, path: str, body: bytes
) -> None:
    headers = {"Prefer": "return=representation", "Content-Type": "application/json"}
    response = await client.request(method, path, content=body, headers=headers)
    assert response.status_code == 204, response.text
    assert response.headers["preference-applied"] == "return=representation"
    assert response.headers["etag"] == await etag(client, "Products(15)")
    assert await value_of(client, path) is None


async def test_return_minimal_answers_204(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "Products(15)/ProductName", json={"value": "Minimal"}, headers={"Prefer": "return=minimal"}
    )
    assert response.status_code == 204, response.text
    assert response.headers["etag"] == await etag(client, "Products(15)")


async def test_an_unacceptable_representation_is_406_and_changes_nothing(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "Products(16)/ProductName",
        json={"value": "Unseen"},
        headers={"Prefer": "return=representation", "Accept": "application/xml"},
    )
    assert_error(response, 406)
    assert await value_of(client, "Products(16)/ProductName") != "Unseen"
