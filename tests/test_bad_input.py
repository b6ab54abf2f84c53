"""Bad requests through HTTP: each gets the right status and an OData error document.

Every case runs against the Northwind example on SQLite and checks the status, the
error JSON (string ``code`` and ``message``, and ``target`` where the case names one),
the JSON Content-Type, the ``OData-Version`` header and that no traceback leaks.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import UNCHECKED, assert_error

NO_TARGET = None


async def request_error(
    client: httpx.AsyncClient,
    path: str,
    status: int,
    target: object = UNCHECKED,
    *,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    return assert_error(await client.get(path, headers=headers), status, target)


def case(path: str, *values: object, marks: Any = ()) -> Any:
    """A parameter set whose id is the path."""
    return pytest.param(path, *values, id=path, marks=marks)


def method_case(method: str, path: str, *values: object, marks: Any = ()) -> Any:
    return pytest.param(method, path, *values, id=f"{method} {path or '<service root>'}", marks=marks)


@pytest.mark.parametrize(
    ("path", "target", "code"),
    [
        case("Product", "Product", "UnknownEntitySet"),
        case("Nope", "Nope", "UnknownEntitySet"),
        case("products", "products", "UnknownEntitySet"),
        case("Prödukts", "Prödukts", "UnknownEntitySet"),
        case("Nope(1)/Category", "Nope", "UnknownEntitySet"),
        case("Products(1)/Nope", "Nope", "UnknownProperty"),
        case("Products(1)/productname", "productname", "UnknownProperty"),
        case("Products(1)/Categori", "Categori", "UnknownProperty"),
        case("Products(1)/Categories", "Categories", "UnknownProperty"),
        case("Products/1/Nope", "Nope", "UnknownProperty"),
        case("Customers('ALFKI')/Order", "Order", "UnknownProperty"),
        case("Products(1)/Category/Nope", "Nope", "UnknownProperty"),
        case("Categories(1)/Products(1)/Nope/$value", "Nope", "UnknownProperty"),
    ],
)
async def test_unknown_name_is_404(sqlite_northwind: httpx.AsyncClient, path: str, target: str, code: str) -> None:
    error = await request_error(sqlite_northwind, path, 404, target)
    assert error["code"] == code


@pytest.mark.parametrize(
    ("path", "suggestion"),
    [
        case("Product", "'Products'"),
        case("Categorie", "'Categories'"),
        case("Custmers", "'Customers'"),
        case("products", "'Products'"),
        case("Order_Detail", "'Order_Details'"),
        case("Products(1)/Categori", "'Category'"),
        case("Products(1)/productname", "'ProductName'"),
        case("Customers('ALFKI')/Order", "'Orders'"),
    ],
)
async def test_unknown_name_suggests_a_close_one(
    sqlite_northwind: httpx.AsyncClient, path: str, suggestion: str
) -> None:
    error = await request_error(sqlite_northwind, path, 404)
    assert f"did you mean {suggestion}" in error["message"]


@pytest.mark.parametrize(
    ("path", "target", "code"),
    [
        case("Products(1", NO_TARGET, "SyntaxError"),
        case("Products(1,)", NO_TARGET, "SyntaxError"),
        case("Products(1))", NO_TARGET, "SyntaxError"),
        case("Products(1)(2)", NO_TARGET, "SyntaxError"),
        case("Products('1'", NO_TARGET, "SyntaxError"),
        case("Products(=1)", NO_TARGET, "SyntaxError"),
        case("Products(ProductID=)", NO_TARGET, "SyntaxError"),
        case("Products(%FF)", NO_TARGET, "SyntaxError"),
        case("Products(0x10)", NO_TARGET, "SyntaxError"),
        case("Products('1')", "ProductID", "InvalidKey"),
        case("Products(%271%27)", "ProductID", "InvalidKey"),
        case("Products(1.5)", "ProductID", "InvalidKey"),
        case("Products(1e2)", "ProductID", "InvalidKey"),
        case("Products(INF)", "ProductID", "InvalidKey"),
        case("Products(true)", "ProductID", "InvalidKey"),
        case("Products(2012-01-01)", "ProductID", "InvalidKey"),
        case("Products(binary'AQ')", "ProductID", "InvalidKey"),
        case("Products(99999999999)", "ProductID", "InvalidKey"),
        case("Products(2147483648)", "ProductID", "InvalidKey"),
        case("Products(-2147483649)", "ProductID", "InvalidKey"),
        case("Products(null)", "ProductID", "InvalidKey"),
        case("Products(ProductID=null)", "ProductID", "InvalidKey"),
        case("Products()", "Products", "BadRequest"),
        case("Products(Nope=1)", "Products", "BadRequest"),
        case("Products(ProductID=1,ProductID=1)", "Products", "BadRequest"),
        case("Customers(1)", "CustomerID", "InvalidKey"),
        case("Territories(01581)", "TerritoryID", "InvalidKey"),
        case("Regions(2147483648)", "RegionID", "InvalidKey"),
        case("Categories(1)/Products('1')", "ProductID", "InvalidKey"),
        case("Categories(1)/Products()", "Products", "BadRequest"),
    ],
)
async def test_malformed_key_is_400(
    sqlite_northwind: httpx.AsyncClient, path: str, target: str | None, code: str
) -> None:
    error = await request_error(sqlite_northwind, path, 400, target)
    assert error["code"] == code


@pytest.mark.parametrize(
    ("path", "target"),
    [
        case("Order_Details(10248)", "Order_Details"),
        case("Order_Details(OrderID=10248)", "Order_Details"),
        case("Order_Details(ProductID=11)", "Order_Details"),
        case("Order_Details(OrderID=10248,Nope=1)", "Order_Details"),
        case("Order_Details(OrderID=10248,OrderID=1)", "Order_Details"),
        case("Order_Details(OrderID=10248,ProductID=11,Nope=1)", "Order_Details"),
        case("Order_Details(OrderID=10248,ProductID=11,ProductID=11)", "Order_Details"),
        case("Order_Details(OrderID='x',ProductID=11)", "OrderID"),
        case("Order_Details(OrderID=10248,ProductID=null)", "ProductID"),
        case("Order_Details(OrderID=10248,ProductID=1.5)", "ProductID"),
        case("Products(1)/Order_Details(10248)", "Order_Details"),
        case("Products(1)/Order_Details(OrderID=10248)", "Order_Details"),
    ],
)
async def test_composite_key_mismatch_is_400(sqlite_northwind: httpx.AsyncClient, path: str, target: str) -> None:
    await request_error(sqlite_northwind, path, 400, target)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        case("Products/abc", "ProductID"),
        case("Products/1.", "ProductID"),
        case("Products/1/2", NO_TARGET),
        case("Products/'1'", "ProductID"),
        case("Products/1.5", "ProductID"),
        case("Products/99999999999", "ProductID"),
        case("Products/null", "ProductID"),
        case("Order_Details/10248", "ProductID"),
        case("Order_Details/10248/x", "ProductID"),
        case("Order_Details/x/11", "OrderID"),
        case("Products(1)/Order_Details/10248", "ProductID"),
        case("Categories(1)/Products/abc", "ProductID"),
    ],
)
async def test_key_as_segment_error_is_400(sqlite_northwind: httpx.AsyncClient, path: str, target: str | None) -> None:
    await request_error(sqlite_northwind, path, 400, target)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        case("Products(1)/Category(1)", "Category"),
        case("Products(1)/Category()", "Category"),
        case("Products(1)/Category(1)/Products", "Category"),
        case("Orders(10248)/Customer('VINET')", "Customer"),
        case("Order_Details(OrderID=10248,ProductID=11)/Product(11)", "Product"),
        case("Products(1)/ProductName(1)", "ProductName"),
        case("Products(1)/ProductName()", "ProductName"),
    ],
)
async def test_parentheses_after_single_valued_segment_is_400(
    sqlite_northwind: httpx.AsyncClient, path: str, target: str
) -> None:
    await request_error(sqlite_northwind, path, 400, target)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        case("Products/$count/x", "x"),
        case("Products/$count/$count", "$count"),
        case("Products/$count/$value", "$value"),
        case("Customers('ALFKI')/Orders/$count/x", "x"),
        case("Products(1)/ProductName/$value/x", "x"),
        case("Products(1)/ProductName/$value/$value", "$value"),
        case("Products(1)/$ref/x", "x"),
        case("Products(1)/$ref/$ref", "$ref"),
        case("Products/$ref/x", "x"),
        case("Products/$ref/$count", "$count"),
        case("Products(1)/Category/$ref/CategoryName", "CategoryName"),
        case("$metadata/x", "x"),
        case("$metadata/$count", "$count"),
        case("$metadata(1)", "$metadata"),
        case("$batch/x", "x"),
    ],
)
async def test_segment_after_terminal_segment_is_400(
    sqlite_northwind: httpx.AsyncClient, path: str, target: str
) -> None:
    await request_error(sqlite_northwind, path, 400, target)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        case("$count", "$count"),
        case("$value", "$value"),
        case("$ref", "$ref"),
        case("Products/$value", "$value"),
        case("Products/$metadata", "$metadata"),
        case("Products/$batch", "$batch"),
        case("Products(1)/$count", "$count"),
        case("Products(1)/Category/$count", "$count"),
        case("Products(1)/$metadata", "$metadata"),
        case("Products(1)/ProductName/$count", "$count"),
        case("Products(1)/ProductName/$ref", "$ref"),
        case("Products(1)/ProductName/x", "x"),
    ],
)
async def test_dollar_segment_out_of_place_is_400(sqlite_northwind: httpx.AsyncClient, path: str, target: str) -> None:
    await request_error(sqlite_northwind, path, 400, target)


@pytest.mark.parametrize(
    "path",
    [
        case("Products(1)/$value"),
        case("Products/1/$value"),
        case("Customers('ALFKI')/$value"),
        case("Order_Details(OrderID=10248,ProductID=11)/$value"),
        case("Products(1)/Category/$value"),
        case("Categories(1)/Products(1)/$value"),
    ],
)
async def test_value_of_entity_is_400(sqlite_northwind: httpx.AsyncClient, path: str) -> None:
    error = await request_error(sqlite_northwind, path, 400, "$value")
    assert "media entity" in error["message"]


@pytest.mark.parametrize(
    "path",
    [
        case("Products(99999)"),
        case("Products/99999"),
        case("Products(-1)"),
        case("Customers('XXXXX')"),
        case("Customers/XXXXX"),
        case("Customers('alfki')"),
        case("Territories('99999')"),
        case("Order_Details(OrderID=10248,ProductID=1)"),
        case("Order_Details/10248/1"),
        case("Customers('XXXXX')/Orders"),
        case("Customers('XXXXX')/Orders/$count"),
        case("Customers('XXXXX')/Orders/$ref"),
        case("Products(99999)/Category"),
        case("Products(99999)/Category/$ref"),
        case("Products(99999)/ProductName"),
        case("Products(99999)/ProductName/$value"),
        case("Products(99999)/$ref"),
        case("Products(1)/Order_Details(OrderID=1,ProductID=1)"),
        case("Products(1)/Order_Details/10248/11"),
        case("Categories(1)/Products(99999)"),
        case("Products(1)/Supplier/Products(99999)"),
    ],
)
async def test_missing_entity_is_404(sqlite_northwind: httpx.AsyncClient, path: str) -> None:
    error = await request_error(sqlite_northwind, path, 404, path)
    assert error["code"] == "EntityNotFound"


@pytest.mark.parametrize(
    ("path", "headers", "target"),
    [
        case("Products?$format=atom", {}, "$format"),
        case("Products?$format=xml", {}, "$format"),
        case("Products?$format=", {}, "$format"),
        case("Products?$format=application/json;odata.metadata=bogus", {}, "$format"),
        case("Products(1)?$format=atom", {}, "$format"),
        case("$metadata?$format=atom", {}, "$format"),
        case("Products/$count?$format=json", {}, "$format"),
        case("Products?format=atom", {}, "$format"),
        case("Products", {"Accept": "application/xml"}, "Accept"),
        case("Products", {"Accept": "text/plain"}, "Accept"),
        case("Products", {"Accept": "application/json;q=0"}, "Accept"),
        case("Products(1)", {"Accept": "application/xml"}, "Accept"),
        case("Products/$count", {"Accept": "application/json"}, "Accept"),
        case("Products(1)/ProductName/$value", {"Accept": "application/json"}, "Accept"),
        case("", {"Accept": "application/xml"}, "Accept"),
    ],
)
async def test_unacceptable_format_is_406(
    sqlite_northwind: httpx.AsyncClient, path: str, headers: dict[str, str], target: str
) -> None:
    await request_error(sqlite_northwind, path, 406, target, headers=headers)


@pytest.mark.parametrize(
    ("path", "headers", "content_type"),
    [
        case("$metadata?$format=xml", {}, "application/xml"),
        case("$metadata?$format=application/xml", {}, "application/xml"),
        case("$metadata", {"Accept": "application/xml"}, "application/xml"),
        case("$metadata?$format=json", {}, "application/json"),
        case("$metadata?$format=xml", {"Accept": "application/json"}, "application/xml"),
        case("Products(1)?$format=json", {}, "application/json"),
        case("Products(1)?$format=JSON", {}, "application/json"),
        case("Products(1)?format=json", {}, "application/json"),
        case("Products(1)?$FORMAT=json", {}, "application/json"),
    ],
)
async def test_acceptable_format_is_200(
    sqlite_northwind: httpx.AsyncClient, path: str, headers: dict[str, str], content_type: str
) -> None:
    response = await sqlite_northwind.get(path, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(content_type)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        case("Products?$apply=nest(groupby((CategoryID)) as Groups)", "$apply"),
        case("Products?$deltatoken=x", "$deltatoken"),
        case("Products?$levels=2", "$levels"),
        case("Products?$schemaversion=1", "$schemaversion"),
        case("Products?$index=1", "$index"),
    ],
)
async def test_unsupported_system_query_option_is_501(
    sqlite_northwind: httpx.AsyncClient, path: str, target: str
) -> None:
    await request_error(sqlite_northwind, path, 501, target)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        case("Products?$nope=1", "$nope"),
        case("Products?$Nope=1", "$Nope"),
        case("Products?$=1", "$"),
        case("Products?$nope=1&$top=1", "$nope"),
        case("Products?$format=json&format=json", "$format"),
        case("Products?$format=json&$FORMAT=json", "$format"),
        case("Products?$top=1&TOP=2", "$top"),
        case("Products?filter=a&$filter=b", "$filter"),
    ],
)
async def test_invalid_query_option_is_400(sqlite_northwind: httpx.AsyncClient, path: str, target: str) -> None:
    await request_error(sqlite_northwind, path, 400, target)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        method_case("POST", "Products(1)", {"GET", "HEAD", "PUT", "PATCH", "DELETE"}),
        method_case("POST", "Products(1)/Category", {"GET", "HEAD", "PUT", "PATCH", "DELETE"}),
        method_case("PUT", "Products", {"GET", "HEAD", "POST"}),
        method_case("PATCH", "Products", {"GET", "HEAD", "POST"}),
        method_case("DELETE", "Products", {"GET", "HEAD", "POST"}),
        method_case("DELETE", "Customers('ALFKI')/Orders", {"GET", "HEAD", "POST"}),
        method_case("POST", "Products(1)/ProductName", {"GET", "HEAD", "PUT", "PATCH", "DELETE"}),
        method_case("POST", "Products(1)/ProductName/$value", {"GET", "HEAD", "PUT", "DELETE"}),
        method_case("PATCH", "Products(1)/ProductName/$value", {"GET", "HEAD", "PUT", "DELETE"}),
        method_case("POST", "Products(1)/$ref", {"GET", "HEAD", "PUT", "DELETE"}),
        method_case("PATCH", "Products/$ref", {"GET", "HEAD", "POST", "DELETE"}),
        method_case("POST", "Products/$count", {"GET", "HEAD"}),
        method_case("DELETE", "Products/$count", {"GET", "HEAD"}),
        method_case("DELETE", "$metadata", {"GET", "HEAD"}),
        method_case("POST", "$metadata", {"GET", "HEAD"}),
        method_case("PUT", "", {"GET", "HEAD"}),
        method_case("POST", "", {"GET", "HEAD"}),
        method_case("GET", "$batch", {"POST"}),
        method_case("DELETE", "$batch", {"POST"}),
    ],
)
async def test_method_not_allowed_is_405_with_allow(
    sqlite_northwind: httpx.AsyncClient, method: str, path: str, allowed: set[str]
) -> None:
    response = await sqlite_northwind.request(method, path)
    assert_error(response, 405)
    assert {name.strip() for name in response.headers["allow"].split(",")} == allowed


@pytest.mark.parametrize(
    ("path", "target"),
    [
        case("$crossjoin", "$crossjoin"),
        case("$crossjoin(Products)", "$crossjoin"),
        case("$crossjoin(Products,Categories)", "$crossjoin"),
        case("$all", "$all"),
        case("$entity", "$entity"),
        case("$each", "$each"),
        case("Products/$each", "$each"),
        case("Products/$query", "$query"),
        case("Products/$filter(Discontinued)", "$filter"),
    ],
)
async def test_unsupported_resource_is_501(sqlite_northwind: httpx.AsyncClient, path: str, target: str) -> None:
    await request_error(sqlite_northwind, path, 501, target)


@pytest.mark.parametrize(
    ("header", "value"),
    [
        pytest.param("OData-MaxVersion", "3.0", id="MaxVersion 3.0"),
        pytest.param("OData-MaxVersion", "2.0", id="MaxVersion 2.0"),
        pytest.param("OData-MaxVersion", "abc", id="MaxVersion abc"),
        pytest.param("OData-MaxVersion", "4", id="MaxVersion 4"),
        pytest.param("OData-MaxVersion", "", id="MaxVersion empty"),
        pytest.param("OData-Version", "5.0", id="Version 5.0"),
        pytest.param("OData-Version", "3.0", id="Version 3.0"),
        pytest.param("OData-Version", "4.02", id="Version 4.02"),
        pytest.param("OData-Version", "abc", id="Version abc"),
        pytest.param("OData-Version", "4.1", id="Version 4.1"),
    ],
)
async def test_unsupported_version_header_is_400(sqlite_northwind: httpx.AsyncClient, header: str, value: str) -> None:
    await request_error(sqlite_northwind, "Products", 400, header, headers={header: value})


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("Products?foo=" + "x" * 9000, id="long query"),
        pytest.param("Customers('" + "A" * 9000 + "')", id="long key"),
        pytest.param("Nope?$nope=1&foo=" + "x" * 9000, id="long and otherwise wrong"),
        pytest.param("Products?$top=" + "9" * 8200, id="long unsupported option"),
    ],
)
async def test_over_long_url_is_414(sqlite_northwind: httpx.AsyncClient, path: str) -> None:
    await request_error(sqlite_northwind, path, 414)


@pytest.mark.parametrize(
    ("path", "headers", "status", "version"),
    [
        case("Nope", {}, 404, "4.01"),
        case("Nope", {"OData-MaxVersion": "4.0"}, 404, "4.0"),
        case("Products(1", {"OData-MaxVersion": "4.0"}, 400, "4.0"),
        case("Products?$apply=nest(identity as All)", {"OData-MaxVersion": "4.0"}, 501, "4.0"),
        case("Products?$apply=nest(identity as All)", {"OData-MaxVersion": "4.01"}, 501, "4.01"),
        case("Products?$format=atom", {"OData-MaxVersion": "4.0"}, 406, "4.0"),
        case("Products(99999)", {"OData-MaxVersion": "4.0"}, 404, "4.0"),
        case("Products", {"OData-MaxVersion": "3.0"}, 400, "4.01"),
        case("Products", {"OData-Version": "5.0"}, 400, "4.01"),
    ],
)
async def test_error_carries_odata_version(
    sqlite_northwind: httpx.AsyncClient, path: str, headers: dict[str, str], status: int, version: str
) -> None:
    response = await sqlite_northwind.get(path, headers=headers)
    assert_error(response, status)
    assert response.headers["odata-version"] == version


@pytest.mark.parametrize(
    ("path", "position"),
    [
        case("Products(1", None),
        case("Products(1,)", 10),
        case("Products(=1)", 9),
        case("Products(1)(2)", 11),
        case("a..b", 2),
        case("Products/1/2", 11),
        case("$Metadata", 0),
        case("Products(1)/Prod%00uctName", 16),
    ],
)
async def test_syntax_error_names_position(
    sqlite_northwind: httpx.AsyncClient, path: str, position: int | None
) -> None:
    error = await request_error(sqlite_northwind, path, 400, NO_TARGET)
    assert error["code"] == "SyntaxError"
    assert "position" in error["message"]
    if position is not None:
        assert f"position {position}:" in error["message"]
