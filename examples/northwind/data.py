"""Filling the Northwind database: from the classic CSV files or from a generator.

Both sources produce the same shape, ``{csv_name: [row, ...]}``, keyed by the CSV
file names (``Order_Details`` for the table ``Order Details``), with rows as
dicts of column name → Python value (``Decimal`` money, timezone-aware UTC
datetimes, ``bytes`` blobs, ``None`` for NULL).
"""

from __future__ import annotations

import asyncio
import base64
import csv
import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import fsspec
from sqlalchemy import Column, Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from examples.northwind.models import Base

Row = dict[str, Any]
Dataset = dict[str, list[Row]]

TABLE_NAMES: dict[str, str] = {
    "Categories": "Categories",
    "Suppliers": "Suppliers",
    "Shippers": "Shippers",
    "Region": "Region",
    "Territories": "Territories",
    "Customers": "Customers",
    "CustomerDemographics": "CustomerDemographics",
    "CustomerCustomerDemo": "CustomerCustomerDemo",
    "Employees": "Employees",
    "EmployeeTerritories": "EmployeeTerritories",
    "Products": "Products",
    "Orders": "Orders",
    "Order_Details": "Order Details",
}
"""CSV name → table name, in foreign-key order (referenced tables first)."""

_BLOB_FILES: dict[str, tuple[str, str]] = {
    "Categories": ("Categories_Picture.base64.csv", "Picture"),
    "Employees": ("Employees_Photo.base64.csv", "Photo"),
}
"""CSV name → (file holding the base64 blobs keyed by primary key, blob column)."""


async def ensure_northwind(engine: AsyncEngine, csv_dir: str | None = None) -> bool:
    """Create the Northwind tables and fill them if ``Categories`` is empty.

    ``csv_dir`` is a local folder or an fsspec URL holding the Northwind CSV
    files; without it the data comes from :func:`generate_northwind`.
    Returns True when the tables were filled, False when they already had data.
    """
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        if await _has_rows(conn, _table("Categories")):
            return False
        if csv_dir is None:
            dataset = generate_northwind()
        else:
            dataset = await asyncio.to_thread(read_northwind_csv, csv_dir)
        await _insert_dataset(conn, dataset)
        if conn.dialect.name == "postgresql":
            await _advance_sequences(conn)
    return True


def read_northwind_csv(csv_dir: str) -> Dataset:
    """Read every Northwind table from the CSV files in ``csv_dir``."""
    base = csv_dir.rstrip("/")
    dataset: Dataset = {}
    for name in TABLE_NAMES:
        table = _table(name)
        rows = [_convert_row(table, record) for record in _read_csv(f"{base}/{name}.csv")]
        if name in _BLOB_FILES:
            _attach_blobs(table, rows, f"{base}/{_BLOB_FILES[name][0]}", _BLOB_FILES[name][1])
        dataset[name] = rows
    return dataset


def _table(name: str) -> Table:
    return Base.metadata.tables[TABLE_NAMES[name]]


def _read_csv(url: str) -> Iterator[dict[str, str]]:
    with fsspec.open(url, "rt", encoding="utf-8", newline="") as file:
        yield from csv.DictReader(file)


def _convert_row(table: Table, record: dict[str, str]) -> Row:
    return {key: _convert_value(table.c[key], text) for key, text in record.items()}


def _convert_value(column: Column[Any], text: str) -> Any:
    if text == "":
        return None
    python_type = column.type.python_type
    if python_type is bool:
        return text == "1"
    if python_type is datetime:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    if python_type is bytes:
        return base64.b64decode(text)
    return python_type(text)


def _attach_blobs(table: Table, rows: list[Row], url: str, blob_column: str) -> None:
    (key_column,) = table.primary_key.columns
    blobs = {
        blob[key_column.name]: blob[blob_column] for blob in (_convert_row(table, record) for record in _read_csv(url))
    }
    for row in rows:
        row[blob_column] = blobs.get(row[key_column.name])


async def _has_rows(conn: AsyncConnection, table: Table) -> bool:
    count = await conn.scalar(select(func.count()).select_from(table))
    return bool(count)


async def _insert_dataset(conn: AsyncConnection, dataset: Dataset) -> None:
    for name in TABLE_NAMES:
        rows = dataset[name]
        if not rows:
            continue
        if name == "Employees":
            await _insert_employees(conn, _table(name), rows)
        else:
            await conn.execute(_table(name).insert(), rows)


async def _insert_employees(conn: AsyncConnection, table: Table, rows: list[Row]) -> None:
    """Insert employees without managers first, then link them (immediate FK checks)."""
    await conn.execute(table.insert(), [{**row, "ReportsTo": None} for row in rows])
    links = [
        {"employee_id": row["EmployeeID"], "reports_to": row["ReportsTo"]}
        for row in rows
        if row["ReportsTo"] is not None
    ]
    if links:
        statement = (
            update(table)
            .where(table.c.EmployeeID == bindparam("employee_id"))
            .values(ReportsTo=bindparam("reports_to"))
        )
        await conn.execute(statement, links)


async def _advance_sequences(conn: AsyncConnection) -> None:
    """Move each serial sequence past the explicitly inserted ids."""
    quote = conn.dialect.identifier_preparer.quote_identifier
    for name in TABLE_NAMES:
        table = _table(name)
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = func.pg_get_serial_sequence(quote(table.name), column.name)
        highest = select(func.max(column)).scalar_subquery()
        await conn.execute(select(func.setval(sequence, highest)))


# --- deterministic generator -------------------------------------------------

_FIRST_DATE = datetime(1996, 7, 4, tzinfo=UTC)
_LAST_DATE = datetime(1998, 5, 6, tzinfo=UTC)
_FIRST_ORDER_ID = 10248
_DISCOUNTS = (0.0, 0.0, 0.0, 0.0, 0.05, 0.1, 0.15, 0.2, 0.25)
_SUPPLIER_COUNT = 29
_PRODUCT_COUNT = 77
_CUSTOMER_COUNT = 91
_EMPLOYEE_COUNT = 9
_TERRITORY_COUNT = 53
_EMPLOYEE_TERRITORY_COUNT = 49
_ORDER_COUNT = 830
_ORDER_DETAIL_COUNT = 2155
_MAX_LINES_PER_ORDER = 6

_CATEGORY_NAMES = (
    ("Beverages", "Soft drinks, coffees, teas, beers, and ales"),
    ("Condiments", "Sweet and savory sauces, relishes, spreads, and seasonings"),
    ("Confections", "Desserts, candies, and sweet breads"),
    ("Dairy Products", "Cheeses"),
    ("Grains/Cereals", "Breads, crackers, pasta, and cereal"),
    ("Meat/Poultry", "Prepared meats"),
    ("Produce", "Dried fruit and bean curd"),
    ("Seafood", "Seaweed and fish"),
)
_REGION_NAMES = ("Eastern", "Western", "Northern", "Southern")
_SHIPPER_NAMES = ("Rapid Freight", "Harbor Parcel Service", "Summit Logistics")
_CITIES = (
    ("Berlin", None, "Germany"),
    ("München", None, "Germany"),
    ("London", None, "UK"),
    ("Cowes", "Isle of Wight", "UK"),
    ("Seattle", "WA", "USA"),
    ("Portland", "OR", "USA"),
    ("Boise", "ID", "USA"),
    ("México D.F.", None, "Mexico"),
    ("Madrid", None, "Spain"),
    ("Lyon", None, "France"),
    ("Paris", None, "France"),
    ("São Paulo", "SP", "Brazil"),
    ("Rio de Janeiro", "RJ", "Brazil"),
    ("Montréal", "Québec", "Canada"),
    ("Vancouver", "BC", "Canada"),
    ("Torino", None, "Italy"),
    ("Bern", None, "Switzerland"),
    ("Graz", None, "Austria"),
    ("Stavern", None, "Norway"),
    ("Helsinki", None, "Finland"),
    ("Cork", "Co. Cork", "Ireland"),
    ("Buenos Aires", None, "Argentina"),
    ("Caracas", "DF", "Venezuela"),
    ("Bruxelles", None, "Belgium"),
    ("Århus", None, "Denmark"),
    ("Luleå", None, "Sweden"),
    ("Warszawa", None, "Poland"),
    ("Tokyo", None, "Japan"),
    ("Sydney", "NSW", "Australia"),
    ("Singapore", None, "Singapore"),
)
_STREETS = (
    "Obere Str.",
    "Mataderos",
    "Berkeley Gardens",
    "Rue Royale",
    "Via Ludovico il Moro",
    "Walserweg",
    "Grenzacherweg",
    "Taucherstraße",
    "Avda. Azteca",
    "Rua Orós",
    "Kirchgasse",
    "Hauptstr.",
    "Garden House Crowther Way",
    "Smagsløget",
    "Åkergatan",
)
_FIRST_NAMES = (
    "Maria",
    "Ana",
    "Antonio",
    "Thomas",
    "Christina",
    "Hanna",
    "Frédérique",
    "Martín",
    "Laurence",
    "Elizabeth",
    "Victoria",
    "Patricio",
    "Francisco",
    "Yang",
    "Pedro",
    "Aria",
    "Diego",
    "Carlos",
    "Yvonne",
    "Rene",
    "Henriette",
    "Jose",
    "Helvetius",
    "Paula",
)
_LAST_NAMES = (
    "Anders",
    "Trujillo",
    "Moreno",
    "Hardy",
    "Berglund",
    "Moos",
    "Citeaux",
    "Sommer",
    "Lebihan",
    "Lincoln",
    "Ashworth",
    "Simpson",
    "Chang",
    "Afonso",
    "Cruz",
    "Roel",
    "Moncada",
    "Phillips",
    "Pfalzheim",
    "Nagy",
    "Wilson",
    "Pavarotti",
    "Kloss",
    "Devon",
)
_CONTACT_TITLES = (
    "Sales Representative",
    "Owner",
    "Marketing Manager",
    "Accounting Manager",
    "Sales Manager",
    "Purchasing Manager",
    "Order Administrator",
    "Sales Agent",
    "Export Administrator",
    "Marketing Assistant",
)
_COMPANY_WORDS = (
    "Alpine",
    "Blue Harbor",
    "Corner",
    "Golden",
    "Great Lakes",
    "Island",
    "Lonesome",
    "North",
    "Old World",
    "Royal",
    "Rattlesnake",
    "Save-a-lot",
    "Split Rail",
    "White Clover",
    "Wolski",
)
_COMPANY_KINDS = (
    "Markets",
    "Delicatessen",
    "Trading",
    "Imports",
    "Foods",
    "Grocery",
    "Bistro",
    "Supermarket",
    "Provisions",
    "Gourmet",
    "Wholesale",
    "Café",
)
_PRODUCT_ADJECTIVES = (
    "Aniseed",
    "Boston",
    "Chef's",
    "Grandma's",
    "Northwoods",
    "Mishi",
    "Queso",
    "Sir Rodney's",
    "Gustaf's",
    "Tunnbröd",
    "Schoggi",
    "Rössle",
    "Louisiana",
    "Sasquatch",
    "Steeleye",
    "Inlagd",
    "Gula",
    "Outback",
    "Lakkalikööri",
    "Original",
)
_PRODUCT_NOUNS = (
    "Syrup",
    "Crab Meat",
    "Gumbo Mix",
    "Boysenberry Spread",
    "Cranberry Sauce",
    "Kobe Beef",
    "Cabrales",
    "Scones",
    "Knäckebröd",
    "Chocolate",
    "Sauerkraut",
    "Hot Pepper Sauce",
    "Ale",
    "Stout",
    "Sill",
    "Malacca",
    "Lager",
    "Lager Beer",
    "Gnocchi",
    "Pâté",
)
_QUANTITY_FORMATS = (
    "{n} boxes x {m} bags",
    "{n} - {m} oz bottles",
    "{n} - {m} g jars",
    "{n} - {m} kg pkgs.",
    "{n} - {m} ml bottles",
    "{n} pieces",
    "{n} - {m} g pkgs.",
    "{n} cans",
)
_EMPLOYEE_TITLES = ("Sales Representative", "Sales Manager", "Inside Sales Coordinator")
_COURTESY_TITLES = ("Ms.", "Mr.", "Dr.", "Mrs.")
_TERRITORY_PREFIXES = (
    "North",
    "West",
    "Lake",
    "Fair",
    "Green",
    "Oak",
    "Spring",
    "River",
    "Maple",
    "Cedar",
)
_TERRITORY_SUFFIXES = ("field", "ville", "wood", "ford", "ton", "dale", "port")


def generate_northwind(seed: int = 1) -> Dataset:
    """Build a deterministic Northwind dataset with the classic row counts."""
    rng = random.Random(seed)
    territories = _territories(rng)
    customers = _customers(rng)
    products = _products(rng)
    orders = _orders(rng, customers)
    return {
        "Categories": _categories(rng),
        "Suppliers": _suppliers(rng),
        "Shippers": _shippers(rng),
        "Region": [
            {"RegionID": region_id, "RegionDescription": name} for region_id, name in enumerate(_REGION_NAMES, start=1)
        ],
        "Territories": territories,
        "Customers": customers,
        "CustomerDemographics": [],
        "CustomerCustomerDemo": [],
        "Employees": _employees(rng),
        "EmployeeTerritories": _employee_territories(rng, territories),
        "Products": products,
        "Orders": orders,
        "Order_Details": _order_details(rng, orders, products),
    }


def _blob(rng: random.Random) -> bytes | None:
    return rng.randbytes(rng.randint(16, 64)) if rng.random() < 0.75 else None


def _price(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)).scaleb(-2)


def _phone(rng: random.Random) -> str:
    return f"({rng.randint(100, 999)}) 555-{rng.randint(0, 9999):04d}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"


def _address(rng: random.Random) -> Row:
    city, region, country = rng.choice(_CITIES)
    return {
        "Address": f"{rng.choice(_STREETS)} {rng.randint(1, 999)}",
        "City": city,
        "Region": region,
        "PostalCode": f"{rng.randint(1000, 99999):05d}",
        "Country": country,
    }


def _distinct_names(rng: random.Random, firsts: tuple[str, ...], seconds: tuple[str, ...], count: int) -> list[str]:
    names = [f"{first} {second}" for first, second in itertools.product(firsts, seconds)]
    return rng.sample(names, count)


def _company(rng: random.Random, name: str) -> Row:
    return {
        "CompanyName": name,
        "ContactName": _person(rng),
        "ContactTitle": rng.choice(_CONTACT_TITLES),
        **_address(rng),
        "Phone": _phone(rng),
        "Fax": _phone(rng) if rng.random() < 0.6 else None,
    }


def _categories(rng: random.Random) -> list[Row]:
    return [
        {
            "CategoryID": category_id,
            "CategoryName": name,
            "Description": description,
            "Picture": _blob(rng),
        }
        for category_id, (name, description) in enumerate(_CATEGORY_NAMES, start=1)
    ]


def _suppliers(rng: random.Random) -> list[Row]:
    names = _distinct_names(rng, _COMPANY_WORDS, _COMPANY_KINDS, _SUPPLIER_COUNT)
    return [
        {
            "SupplierID": supplier_id,
            **_company(rng, name),
            "HomePage": _home_page(rng, name, supplier_id),
        }
        for supplier_id, name in enumerate(names, start=1)
    ]


def _home_page(rng: random.Random, name: str, supplier_id: int) -> str | None:
    return f"{name}#http://www.example.com/{supplier_id}#" if rng.random() < 0.3 else None


def _shippers(rng: random.Random) -> list[Row]:
    return [
        {"ShipperID": shipper_id, "CompanyName": name, "Phone": _phone(rng)}
        for shipper_id, name in enumerate(_SHIPPER_NAMES, start=1)
    ]


def _territories(rng: random.Random) -> list[Row]:
    """Territories with unique zip-code ids, spread evenly over the regions."""
    towns = [p + s for p, s in itertools.product(_TERRITORY_PREFIXES, _TERRITORY_SUFFIXES)]
    names = rng.sample(towns, _TERRITORY_COUNT)
    region_ids = [1 + index % len(_REGION_NAMES) for index in range(_TERRITORY_COUNT)]
    rng.shuffle(region_ids)
    codes = sorted(rng.sample(range(1000, 99999), _TERRITORY_COUNT))
    return [
        {"TerritoryID": f"{code:05d}", "TerritoryDescription": name, "RegionID": region_id}
        for code, name, region_id in zip(codes, names, region_ids)
    ]


def _customer_ids(rng: random.Random, count: int) -> list[str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    ids: set[str] = set()
    while len(ids) < count:
        ids.add("".join(rng.choices(letters, k=5)))
    return sorted(ids)


def _customers(rng: random.Random) -> list[Row]:
    ids = _customer_ids(rng, _CUSTOMER_COUNT)
    names = _distinct_names(rng, _COMPANY_WORDS, _COMPANY_KINDS, _CUSTOMER_COUNT)
    return [{"CustomerID": cid, **_company(rng, name)} for cid, name in zip(ids, names)]


def _employees(rng: random.Random) -> list[Row]:
    """Employee 1 is the root; every other one reports to an employee with a lower id."""
    return [_employee(rng, employee_id) for employee_id in range(1, _EMPLOYEE_COUNT + 1)]


def _employee(rng: random.Random, employee_id: int) -> Row:
    first, last = _FIRST_NAMES[employee_id], _LAST_NAMES[employee_id]
    address = _address(rng)
    return {
        "EmployeeID": employee_id,
        "LastName": last,
        "FirstName": first,
        "Title": "Vice President, Sales" if employee_id == 1 else rng.choice(_EMPLOYEE_TITLES),
        "TitleOfCourtesy": rng.choice(_COURTESY_TITLES),
        "BirthDate": datetime(1937, 1, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 30 * 365)),
        "HireDate": datetime(1992, 1, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 3 * 365)),
        **address,
        "HomePhone": _phone(rng),
        "Extension": f"{rng.randint(100, 9999)}",
        "Photo": _blob(rng),
        "Notes": f"{first} {last} joined the company in {address['City']}.",
        "ReportsTo": None if employee_id == 1 else rng.randint(1, employee_id - 1),
        "PhotoPath": f"http://accweb/employees/{last.lower()}.bmp",
    }


def _employee_territories(rng: random.Random, territories: list[Row]) -> list[Row]:
    """Each chosen territory goes to one employee; every employee gets at least one."""
    chosen = rng.sample([t["TerritoryID"] for t in territories], _EMPLOYEE_TERRITORY_COUNT)
    employee_ids = list(range(1, _EMPLOYEE_COUNT + 1))
    employee_ids += [rng.randint(1, _EMPLOYEE_COUNT) for _ in chosen[_EMPLOYEE_COUNT:]]
    links = sorted(zip(employee_ids, chosen))
    return [{"EmployeeID": employee, "TerritoryID": territory} for employee, territory in links]


def _products(rng: random.Random) -> list[Row]:
    names = _distinct_names(rng, _PRODUCT_ADJECTIVES, _PRODUCT_NOUNS, _PRODUCT_COUNT)
    return [
        {
            "ProductID": product_id,
            "ProductName": name,
            "SupplierID": 1 + (product_id - 1) % _SUPPLIER_COUNT,
            "CategoryID": rng.randint(1, len(_CATEGORY_NAMES)),
            "QuantityPerUnit": _quantity_per_unit(rng),
            "UnitPrice": _price(rng, 2, 265),
            "UnitsInStock": rng.randint(0, 125),
            "UnitsOnOrder": rng.choice((0, 0, 0, 10, 20, 40, 70, 100)),
            "ReorderLevel": rng.choice((0, 5, 10, 15, 20, 25, 30)),
            "Discontinued": rng.random() < 0.1,
        }
        for product_id, name in enumerate(names, start=1)
    ]


def _quantity_per_unit(rng: random.Random) -> str:
    count, size = rng.randint(1, 48), rng.choice((12, 100, 250, 500))
    return rng.choice(_QUANTITY_FORMATS).format(n=count, m=size)


def _orders(rng: random.Random, customers: list[Row]) -> list[Row]:
    """Orders spread evenly from _FIRST_DATE to _LAST_DATE; late ones may be unshipped."""
    span_days = (_LAST_DATE - _FIRST_DATE).days
    offsets = [index * span_days // (_ORDER_COUNT - 1) for index in range(_ORDER_COUNT)]
    dates = [_FIRST_DATE + timedelta(days=offset) for offset in offsets]
    return [
        _order(rng, order_id, order_date, rng.choice(customers))
        for order_id, order_date in enumerate(dates, start=_FIRST_ORDER_ID)
    ]


def _order(rng: random.Random, order_id: int, order_date: datetime, customer: Row) -> Row:
    shipped = order_date + timedelta(days=rng.randint(1, 35))
    return {
        "OrderID": order_id,
        "CustomerID": customer["CustomerID"],
        "EmployeeID": rng.randint(1, _EMPLOYEE_COUNT),
        "OrderDate": order_date,
        "RequiredDate": order_date + timedelta(days=rng.choice((14, 28, 28, 28, 42))),
        "ShippedDate": shipped if shipped <= _LAST_DATE else None,
        "ShipVia": rng.randint(1, len(_SHIPPER_NAMES)),
        "Freight": _price(rng, 0, 1000),
        "ShipName": customer["CompanyName"],
        "ShipAddress": customer["Address"],
        "ShipCity": customer["City"],
        "ShipRegion": customer["Region"],
        "ShipPostalCode": customer["PostalCode"],
        "ShipCountry": customer["Country"],
    }


def _lines_per_order(rng: random.Random) -> list[int]:
    """Split _ORDER_DETAIL_COUNT lines over the orders, 1 to _MAX_LINES_PER_ORDER each."""
    counts = [1] * _ORDER_COUNT
    extra = _ORDER_DETAIL_COUNT - _ORDER_COUNT
    while extra:
        index = rng.randrange(_ORDER_COUNT)
        if counts[index] < _MAX_LINES_PER_ORDER:
            counts[index] += 1
            extra -= 1
    return counts


def _order_details(rng: random.Random, orders: list[Row], products: list[Row]) -> list[Row]:
    return [
        {
            "OrderID": order["OrderID"],
            "ProductID": product["ProductID"],
            "UnitPrice": product["UnitPrice"],
            "Quantity": rng.randint(1, 120),
            "Discount": rng.choice(_DISCOUNTS),
        }
        for order, count in zip(orders, _lines_per_order(rng))
        for product in sorted(rng.sample(products, count), key=lambda p: p["ProductID"])
    ]
