"""Tests of the Northwind example: loading the classic CSVs and the built-in generator."""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import fsspec
import pytest
from sqlalchemy import (
    REAL,
    Boolean,
    Column,
    DateTime,
    Executable,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.orm import RelationshipProperty

from examples.northwind.data import TABLE_NAMES, Dataset, ensure_northwind, generate_northwind
from examples.northwind.models import (
    Base,
    Category,
    Customer,
    CustomerDemographic,
    Employee,
    Order,
    OrderDetail,
    Product,
    Region,
    Shipper,
    Supplier,
    Territory,
)
from odata_server import async_engine
from tests.conftest import NORTHWIND_CSV, private_database

CLASSIC_COUNTS = {
    "Categories": 8,
    "Suppliers": 29,
    "Shippers": 3,
    "Region": 4,
    "Territories": 53,
    "Customers": 91,
    "CustomerDemographics": 0,
    "CustomerCustomerDemo": 0,
    "Employees": 9,
    "EmployeeTerritories": 49,
    "Products": 77,
    "Orders": 830,
    "Order_Details": 2155,
}

REFERENCE_METADATA = NORTHWIND_CSV / "reference-metadata.oasis-openapi-example.xml"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
ENTITY_CLASSES: dict[str, type[Base]] = {
    "Category": Category,
    "CustomerDemographic": CustomerDemographic,
    "Customer": Customer,
    "Employee": Employee,
    "Order_Detail": OrderDetail,
    "Order": Order,
    "Product": Product,
    "Region": Region,
    "Shipper": Shipper,
    "Supplier": Supplier,
    "Territory": Territory,
}
ENTITY_TYPE_NAMES = {model: name for name, model in ENTITY_CLASSES.items()}
CSV_NAMES = {table_name: name for name, table_name in TABLE_NAMES.items()}

T = TypeVar("T")


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def with_engine(url: str, work: Callable[[AsyncEngine], Awaitable[T]], **options: Any) -> T:
    """Run ``work`` on a fresh engine for ``url`` in its own event loop."""

    async def run() -> T:
        engine = create_async_engine(url, **options)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def query_all(url: str, statement: Executable) -> list[Any]:
    async def work(engine: AsyncEngine) -> list[Any]:
        async with engine.connect() as conn:
            return list((await conn.execute(statement)).all())

    return with_engine(url, work)


def query_scalar(url: str, statement: Executable) -> Any:
    (row,) = query_all(url, statement)
    return row[0]


async def row_counts(conn: AsyncConnection) -> dict[str, int]:
    counts = {}
    for name, table_name in TABLE_NAMES.items():
        table = Base.metadata.tables[table_name]
        counts[name] = await conn.scalar(select(func.count()).select_from(table))
    return counts


def load(url: str, csv_dir: str | None) -> bool:
    return with_engine(url, lambda engine: ensure_northwind(engine, csv_dir))


def read_counts(url: str) -> dict[str, int]:
    async def work(engine: AsyncEngine) -> dict[str, int]:
        async with engine.connect() as conn:
            return await row_counts(conn)

    return with_engine(url, work)


@pytest.fixture(scope="module")
def csv_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a SQLite database filled once from the real Northwind CSVs."""
    url = sqlite_url(tmp_path_factory.mktemp("northwind") / "northwind.db")
    assert load(url, str(NORTHWIND_CSV))
    return url


@pytest.fixture(scope="module")
def csv_counts(csv_database: str) -> dict[str, int]:
    return read_counts(csv_database)


# --- the models against the reference $metadata -----------------------------


def reference_entity_types() -> dict[str, ElementTree.Element]:
    root = ElementTree.parse(REFERENCE_METADATA).getroot()
    return {element.get("Name"): element for element in root.iter(f"{EDM}EntityType")}


def edm_facets(column: Column[Any]) -> dict[str, str]:
    """The CSDL attributes a generic SQLAlchemy → Edm mapping gives ``column``."""
    column_type = column.type
    if isinstance(column_type, Text):
        facets = {"Type": "Edm.String", "MaxLength": "max"}
    elif isinstance(column_type, String):
        facets = {"Type": "Edm.String", "MaxLength": str(column_type.length)}
    elif isinstance(column_type, LargeBinary):
        facets = {"Type": "Edm.Binary", "MaxLength": "max"}
    elif isinstance(column_type, SmallInteger):
        facets = {"Type": "Edm.Int16"}
    elif isinstance(column_type, Integer):
        facets = {"Type": "Edm.Int32"}
    elif isinstance(column_type, REAL):
        facets = {"Type": "Edm.Single"}
    elif isinstance(column_type, Numeric):
        scale = str(column_type.scale)
        facets = {"Type": "Edm.Decimal", "Precision": str(column_type.precision), "Scale": scale}
    elif isinstance(column_type, Boolean):
        facets = {"Type": "Edm.Boolean"}
    else:
        assert isinstance(column_type, DateTime) and column_type.timezone
        facets = {"Type": "Edm.DateTimeOffset"}
    return {"Name": column.name, **facets, **({} if column.nullable else {"Nullable": "false"})}


def navigation(relationship: RelationshipProperty[Any]) -> dict[str, Any]:
    """The CSDL attributes and referential constraints of a relationship."""
    target = f"NorthwindModel.{ENTITY_TYPE_NAMES[relationship.mapper.class_]}"
    described: dict[str, Any] = {
        "Name": relationship.key,
        "Type": f"Collection({target})" if relationship.uselist else target,
        "Partner": relationship.back_populates,
    }
    if relationship.direction.name == "MANYTOONE":
        pairs = relationship.local_remote_pairs
        described["constraints"] = [(local.name, remote.name) for local, remote in pairs]
        if not any(local.nullable for local, _ in pairs):
            described["Nullable"] = "false"
    return described


def reference_navigation(element: ElementTree.Element) -> dict[str, Any]:
    described: dict[str, Any] = dict(element.attrib)
    constraints = [
        (constraint.get("Property"), constraint.get("ReferencedProperty"))
        for constraint in element.iter(f"{EDM}ReferentialConstraint")
    ]
    if constraints:
        described["constraints"] = constraints
    return described


@pytest.mark.parametrize("type_name", ENTITY_CLASSES)
def test_model_matches_reference_metadata(type_name: str) -> None:
    entity_type = reference_entity_types()[type_name]
    model = ENTITY_CLASSES[type_name]
    table = Base.metadata.tables[model.__tablename__]
    keys = [ref.get("Name") for ref in entity_type.iter(f"{EDM}PropertyRef")]
    assert keys == [column.name for column in table.primary_key.columns]
    properties = [dict(p.attrib) for p in entity_type.iter(f"{EDM}Property")]
    assert properties == [edm_facets(column) for column in table.columns]
    expected = [reference_navigation(n) for n in entity_type.iter(f"{EDM}NavigationProperty")]
    assert expected == [navigation(r) for r in inspect(model).relationships]


# --- loading the classic CSVs into SQLite ------------------------------------


@pytest.mark.parametrize("name", CLASSIC_COUNTS)
def test_csv_load_has_classic_row_count(csv_counts: dict[str, int], name: str) -> None:
    assert csv_counts[name] == CLASSIC_COUNTS[name]


def test_csv_product_1_is_chai(csv_database: str) -> None:
    columns = (Product.ProductName, Product.UnitPrice, Product.CategoryID, Product.Discontinued)
    rows = query_all(csv_database, select(*columns).where(Product.ProductID == 1))
    assert rows == [("Chai", Decimal(18), 1, False)]


def test_csv_category_1_has_12_products(csv_database: str) -> None:
    statement = select(func.count()).where(Product.CategoryID == 1)
    assert query_scalar(csv_database, statement) == 12


def test_csv_customer_alfki_has_6_orders(csv_database: str) -> None:
    statement = select(func.count()).where(Order.CustomerID == "ALFKI")
    assert query_scalar(csv_database, statement) == 6


def test_csv_order_details_total(csv_database: str) -> None:
    line = OrderDetail.UnitPrice * OrderDetail.Quantity * (1 - OrderDetail.Discount)
    total = query_scalar(csv_database, select(func.sum(line)))
    assert float(total) == pytest.approx(1265793.04, abs=0.01)


def test_csv_first_order_date(csv_database: str) -> None:
    order_date = query_scalar(csv_database, select(Order.OrderDate).where(Order.OrderID == 10248))
    assert order_date.date() == date(1996, 7, 4)


def test_csv_reports_to_is_linked_after_insert(csv_database: str) -> None:
    statement = select(Employee.EmployeeID, Employee.ReportsTo).order_by(Employee.EmployeeID)
    reports_to = dict(query_all(csv_database, statement))
    assert reports_to[2] is None
    assert reports_to[1] == 2
    assert reports_to[6] == 5


def test_csv_blobs_are_decoded(csv_database: str) -> None:
    picture = query_scalar(csv_database, select(Category.Picture).where(Category.CategoryID == 1))
    photo = query_scalar(csv_database, select(Employee.Photo).where(Employee.EmployeeID == 1))
    for blob in (picture, photo):
        assert blob[:4] == b"\x15\x1c\x2f\x00"
        assert blob[78:80] == b"BM"


def test_csv_load_from_fsspec_url(tmp_path: Path) -> None:
    memory = fsspec.filesystem("memory")
    base = "memory://northwind-test-csv"
    for csv_file in NORTHWIND_CSV.glob("*.csv"):
        memory.pipe(f"{base}/{csv_file.name}", csv_file.read_bytes())
    try:
        url = sqlite_url(tmp_path / "memory.db")
        assert load(url, f"{base}/")
        assert read_counts(url) == CLASSIC_COUNTS
    finally:
        memory.rm(base, recursive=True)


# --- the generator -----------------------------------------------------------


@pytest.fixture(scope="module")
def generated() -> Dataset:
    return generate_northwind()


@pytest.mark.parametrize("name", CLASSIC_COUNTS)
def test_generator_has_classic_row_count(generated: Dataset, name: str) -> None:
    assert len(generated[name]) == CLASSIC_COUNTS[name]


def test_generator_is_deterministic(generated: Dataset) -> None:
    assert generate_northwind() == generated
    assert generate_northwind(seed=2) != generated


def test_generator_foreign_keys_are_valid(generated: Dataset) -> None:
    for name, table_name in TABLE_NAMES.items():
        for constraint in Base.metadata.tables[table_name].foreign_key_constraints:
            referenced = {
                tuple(row[element.column.name] for element in constraint.elements)
                for row in generated[CSV_NAMES[constraint.referred_table.name]]
            }
            for row in generated[name]:
                key = tuple(row[column.name] for column in constraint.columns)
                assert None in key or key in referenced, (name, key)


def test_generator_primary_keys_are_unique(generated: Dataset) -> None:
    for name, table_name in TABLE_NAMES.items():
        key_columns = Base.metadata.tables[table_name].primary_key.columns
        keys = [tuple(row[column.name] for column in key_columns) for row in generated[name]]
        assert len(set(keys)) == len(keys), name


def test_generator_respects_columns(generated: Dataset) -> None:
    """Every row has exactly the table's columns, within MaxLength and nullability."""
    for name, table_name in TABLE_NAMES.items():
        table = Base.metadata.tables[table_name]
        for row in generated[name]:
            assert set(row) == set(table.columns.keys()), name
            for column in table.columns:
                value = row[column.name]
                if value is None:
                    assert column.nullable, (name, column.name)
                    continue
                assert isinstance(value, column.type.python_type), (name, column.name, value)
                if isinstance(column.type, String) and column.type.length:
                    assert len(value) <= column.type.length, (name, column.name, value)


def test_generator_employees_form_one_tree(generated: Dataset) -> None:
    manager = {row["EmployeeID"]: row["ReportsTo"] for row in generated["Employees"]}
    roots = [employee for employee, boss in manager.items() if boss is None]
    assert len(roots) == 1
    for employee in manager:
        seen = set()
        while employee is not None:
            assert employee not in seen
            seen.add(employee)
            employee = manager[employee]


def test_generator_values_are_plausible(generated: Dataset) -> None:
    first, last = datetime(1996, 7, 4, tzinfo=UTC), datetime(1998, 5, 6, tzinfo=UTC)
    orders = generated["Orders"]
    assert [order["OrderID"] for order in orders] == list(range(10248, 10248 + 830))
    for order in orders:
        assert first <= order["OrderDate"] <= last
        assert order["ShippedDate"] is None or order["OrderDate"] < order["ShippedDate"] <= last
    for customer in generated["Customers"]:
        assert re.fullmatch("[A-Z]{5}", customer["CustomerID"])
    for product in generated["Products"]:
        assert product["UnitPrice"].as_tuple().exponent == -2
    for detail in generated["Order_Details"]:
        assert detail["Discount"] in (0, 0.05, 0.1, 0.15, 0.2, 0.25)
        assert detail["Quantity"] > 0
    assert [c["CategoryID"] for c in generated["Categories"]] == list(range(1, 9))
    assert [e["EmployeeID"] for e in generated["Employees"]] == list(range(1, 10))


def test_generated_load_into_sqlite(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "generated.db")
    assert load(url, None) is True
    assert load(url, None) is False
    assert read_counts(url) == CLASSIC_COUNTS


# --- PostgreSQL --------------------------------------------------------------


async def test_csv_load_into_postgresql(tmp_path: Path) -> None:
    async with private_database("postgresql", "northwind_csv_load", tmp_path) as url:
        engine = async_engine(url)
        try:
            loaded = await ensure_northwind(engine, str(NORTHWIND_CSV))
            async with engine.begin() as conn:
                counts = await row_counts(conn)
                new_id = await conn.scalar(
                    insert(Category).values(CategoryName="Snacks").returning(Category.CategoryID)
                )
        finally:
            await engine.dispose()
    assert loaded
    assert counts == CLASSIC_COUNTS
    assert new_id == CLASSIC_COUNTS["Categories"] + 1
