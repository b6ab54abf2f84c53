"""Reading the Northwind example through HTTP, on SQLite and PostgreSQL, against the real data."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import read_all

ROW_COUNTS = {
    "Categories": 8,
    "CustomerDemographics": 0,
    "Customers": 91,
    "Employees": 9,
    "Order_Details": 2155,
    "Orders": 830,
    "Products": 77,
    "Regions": 4,
    "Shippers": 3,
    "Suppliers": 29,
    "Territories": 53,
}


@pytest.mark.parametrize(("entity_set", "rows"), ROW_COUNTS.items(), ids=list(ROW_COUNTS))
async def test_every_entity_set_has_its_rows(northwind: httpx.AsyncClient, entity_set: str, rows: int) -> None:
    count = await northwind.get(f"{entity_set}/$count")
    assert (count.status_code, count.text, count.headers["content-type"]) == (200, str(rows), "text/plain")

    collection = await northwind.get(entity_set)
    assert collection.status_code == 200
    assert collection.json()["@context"] == f"http://testserver/odata/$metadata#{entity_set}"
    assert len(await read_all(northwind, entity_set)) == rows


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("Products(1)", {"ProductID": 1, "ProductName": "Chai", "CategoryID": 1, "UnitPrice": 18}),
        ("Products/1", {"ProductID": 1, "ProductName": "Chai"}),
        ("Products(ProductID=1)", {"ProductName": "Chai"}),
        ("Customers('ALFKI')", {"CompanyName": "Alfreds Futterkiste", "City": "Berlin"}),
        ("Customers/ALFKI", {"CustomerID": "ALFKI"}),
        ("Order_Details(OrderID=10248,ProductID=11)", {"Quantity": 12, "UnitPrice": 14, "Discount": 0}),
        ("Order_Details(ProductID=11,OrderID=10248)", {"Quantity": 12}),
        ("Order_Details/10248/11", {"Quantity": 12}),
        ("Orders(10248)", {"CustomerID": "VINET", "OrderDate": "1996-07-04T00:00:00Z", "Freight": 32.38}),
        ("Territories('01581')", {"TerritoryDescription": "Westboro", "RegionID": 1}),
        ("Products(1)/Category", {"CategoryID": 1, "CategoryName": "Beverages"}),
        ("Products(1)/Supplier", {"CompanyName": "Exotic Liquids"}),
        ("Order_Details(OrderID=10248,ProductID=11)/Product", {"ProductName": "Queso Cabrales"}),
        ("Employees(1)/Employee1", {"EmployeeID": 2, "LastName": "Fuller"}),
        ("Customers('ALFKI')/Orders(10643)", {"OrderID": 10643, "ShipVia": 1}),
        ("Customers('ALFKI')/Orders(10643)/Employee", {"EmployeeID": 6}),
        ("Orders(10248)/Shipper", {"CompanyName": "Federal Shipping"}),
    ],
)
async def test_single_entities(northwind: httpx.AsyncClient, path: str, expected: dict[str, object]) -> None:
    response = await northwind.get(path)
    assert response.status_code == 200, response.text
    entity = response.json()
    assert entity["@context"].endswith("/$entity")
    assert {name: entity[name] for name in expected} == expected


@pytest.mark.parametrize(
    ("path", "entity_set", "keys"),
    [
        ("Categories(1)/Products", "Products", {1, 2, 24, 34, 35, 38, 39, 43, 67, 70, 75, 76}),
        ("Customers('ALFKI')/Orders", "Orders", {10643, 10692, 10702, 10835, 10952, 11011}),
        ("Employees(2)/Employees1", "Employees", {1, 3, 4, 5, 8}),
        ("Employees(5)/Employees1", "Employees", {6, 7, 9}),
        ("Orders(10248)/Order_Details", "Order_Details", {(10248, 11), (10248, 42), (10248, 72)}),
        ("Regions(1)/Territories/$count", None, 19),
        ("Employees(1)/Territories", "Territories", {"06897", "19713"}),
        ("Territories('06897')/Employees", "Employees", {1}),
        ("CustomerDemographics", "CustomerDemographics", set()),
        ("Customers('ALFKI')/CustomerDemographics", "CustomerDemographics", set()),
    ],
)
async def test_navigation_collections(
    northwind: httpx.AsyncClient, path: str, entity_set: str | None, keys: set[object] | int
) -> None:
    response = await northwind.get(path)
    assert response.status_code == 200, response.text
    if entity_set is None:
        assert int(response.text) == keys
        return
    body = response.json()
    assert body["@context"] == f"http://testserver/odata/$metadata#{entity_set}"
    found = {_key(entity) for entity in body["value"]}
    assert found == keys


def _key(entity: dict[str, object]) -> object:
    if "OrderID" in entity and "ProductID" in entity and "Quantity" in entity:
        return entity["OrderID"], entity["ProductID"]
    for name in ("ProductID", "OrderID", "EmployeeID", "TerritoryID", "CustomerTypeID", "CategoryID", "CustomerID"):
        if name in entity:
            return entity[name]
    raise AssertionError(f"no key in {entity}")


@pytest.mark.parametrize(
    ("path", "count"),
    [
        ("Categories(1)/Products/$count", 12),
        ("Customers('ALFKI')/Orders/$count", 6),
        ("Products/$count", 77),
        ("Orders(10248)/Order_Details/$count", 3),
        ("Customers('FISSA')/Orders/$count", 0),
    ],
)
async def test_counts(northwind: httpx.AsyncClient, path: str, count: int) -> None:
    response = await northwind.get(path)
    assert (response.status_code, response.text) == (200, str(count))


@pytest.mark.parametrize(
    ("path", "value", "context"),
    [
        ("Products(1)/ProductName", "Chai", "Products(1)/ProductName"),
        ("Products(1)/Discontinued", False, "Products(1)/Discontinued"),
        ("Customers('ALFKI')/City", "Berlin", "Customers('ALFKI')/City"),
        (
            "Order_Details(OrderID=10248,ProductID=11)/Quantity",
            12,
            "Order_Details(OrderID=10248,ProductID=11)/Quantity",
        ),
        ("Products(1)/Category/CategoryName", "Beverages", "Categories(1)/CategoryName"),
        ("Orders(10248)/OrderDate", "1996-07-04T00:00:00Z", "Orders(10248)/OrderDate"),
    ],
)
async def test_properties(northwind: httpx.AsyncClient, path: str, value: object, context: str) -> None:
    response = await northwind.get(path)
    assert response.status_code == 200, response.text
    assert response.json() == {"@context": f"http://testserver/odata/$metadata#{context}", "value": value}


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("Products(1)/ProductName/$value", "Chai"),
        ("Products(1)/UnitPrice/$value", "18"),
        ("Products(1)/Discontinued/$value", "false"),
        ("Orders(10248)/OrderDate/$value", "1996-07-04T00:00:00Z"),
        ("Customers('ALFKI')/CustomerID/$value", "ALFKI"),
    ],
)
async def test_raw_values(northwind: httpx.AsyncClient, path: str, text: str) -> None:
    response = await northwind.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.rstrip("0").rstrip(".") == text


async def test_binary_raw_value_is_the_stored_bytes(northwind: httpx.AsyncClient) -> None:
    response = await northwind.get("Categories(1)/Picture/$value")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.content[:4] == bytes.fromhex("151c2f00")
    assert response.content[78:80] == b"BM"


@pytest.mark.parametrize(
    "path",
    [
        "Employees(2)/Employee1",  # Fuller reports to nobody
        "Employees(2)/ReportsTo",
        "Employees(2)/ReportsTo/$value",
        "Customers('ALFKI')/Region",
        "Employees(2)/Employee1/$ref",
    ],
)
async def test_null_values_and_missing_related_entities_are_no_content(northwind: httpx.AsyncClient, path: str) -> None:
    response = await northwind.get(path)
    assert (response.status_code, response.content) == (204, b"")


async def test_references(northwind: httpx.AsyncClient) -> None:
    single = await northwind.get("Products(1)/Category/$ref")
    assert single.json() == {
        "@context": "http://testserver/odata/$metadata#$ref",
        "@id": "http://testserver/odata/Categories(1)",
    }
    collection = await northwind.get("Customers('ALFKI')/Orders/$ref")
    body = collection.json()
    assert body["@context"] == "http://testserver/odata/$metadata#Collection($ref)"
    assert {ref["@id"] for ref in body["value"]} >= {"http://testserver/odata/Orders(10643)"}
    assert len(body["value"]) == 6


async def test_service_document_lists_every_entity_set(northwind: httpx.AsyncClient) -> None:
    response = await northwind.get("")
    body = response.json()
    assert body["@context"] == "http://testserver/odata/$metadata"
    assert {entry["name"] for entry in body["value"]} == set(ROW_COUNTS)
    assert all(entry["kind"] == "EntitySet" and entry["url"] == entry["name"] for entry in body["value"])


async def test_order_details_sum_matches_the_source(northwind: httpx.AsyncClient) -> None:
    details = await read_all(northwind, "Order_Details")
    total = sum(d["UnitPrice"] * d["Quantity"] * (1 - d["Discount"]) for d in details)
    assert total == pytest.approx(1265793.0395, abs=0.01)


@pytest.mark.parametrize("path", ["Order_Details", "Customers", "Categories(1)/Products", "Employees(1)/Territories"])
async def test_collections_are_ordered_by_key(northwind: httpx.AsyncClient, path: str) -> None:
    keys = [_key(entity) for entity in await read_all(northwind, path)]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("path", "status", "name"),
    [
        ("Products(@id)?@id=1", 200, "Chai"),
        ("Order_Details(OrderID=@o,ProductID=11)/Product?@o=10248", 200, "Queso Cabrales"),
        ("Products(@id)?@id='1'", 400, None),
        ("Products(@id)", 400, None),
    ],
)
async def test_keys_from_parameter_aliases(
    northwind: httpx.AsyncClient, path: str, status: int, name: str | None
) -> None:
    response = await northwind.get(path)
    assert response.status_code == status, response.text
    if name is not None:
        assert response.json()["ProductName"] == name
