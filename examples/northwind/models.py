"""SQLAlchemy models of the classic Northwind database.

Class names are the OData entity type names of the Northwind service (except
``OrderDetail``, whose entity type is ``Order_Detail``); attribute and column
names are its property names, relationship names its navigation property
names. Column types carry the facets of the reference ``$metadata``:
``String(n)`` → MaxLength n, ``Text``/``LargeBinary`` → no MaxLength,
``Numeric(19, 4)`` → Decimal(19, 4), ``REAL`` → Edm.Single and
``DateTime(timezone=True)`` → Edm.DateTimeOffset.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    REAL,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of the Northwind models."""


EmployeeTerritories = Table(
    "EmployeeTerritories",
    Base.metadata,
    Column(
        "EmployeeID",
        Integer,
        ForeignKey("Employees.EmployeeID"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("TerritoryID", String(20), ForeignKey("Territories.TerritoryID"), primary_key=True),
)

CustomerCustomerDemo = Table(
    "CustomerCustomerDemo",
    Base.metadata,
    Column("CustomerID", String(5), ForeignKey("Customers.CustomerID"), primary_key=True),
    Column(
        "CustomerTypeID",
        String(10),
        ForeignKey("CustomerDemographics.CustomerTypeID"),
        primary_key=True,
    ),
)


class Category(Base):
    """A product category."""

    __tablename__ = "Categories"

    CategoryID: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    CategoryName: Mapped[str] = mapped_column(String(15))
    Description: Mapped[str | None] = mapped_column(Text)
    Picture: Mapped[bytes | None] = mapped_column(LargeBinary)

    Products: Mapped[list[Product]] = relationship(back_populates="Category")


class CustomerDemographic(Base):
    """A customer type."""

    __tablename__ = "CustomerDemographics"

    CustomerTypeID: Mapped[str] = mapped_column(String(10), primary_key=True)
    CustomerDesc: Mapped[str | None] = mapped_column(Text)

    Customers: Mapped[list[Customer]] = relationship(
        secondary=CustomerCustomerDemo, back_populates="CustomerDemographics"
    )


class Customer(Base):
    """A customer company."""

    __tablename__ = "Customers"

    CustomerID: Mapped[str] = mapped_column(String(5), primary_key=True)
    CompanyName: Mapped[str] = mapped_column(String(40))
    ContactName: Mapped[str | None] = mapped_column(String(30))
    ContactTitle: Mapped[str | None] = mapped_column(String(30))
    Address: Mapped[str | None] = mapped_column(String(60))
    City: Mapped[str | None] = mapped_column(String(15))
    Region: Mapped[str | None] = mapped_column(String(15))
    PostalCode: Mapped[str | None] = mapped_column(String(10))
    Country: Mapped[str | None] = mapped_column(String(15))
    Phone: Mapped[str | None] = mapped_column(String(24))
    Fax: Mapped[str | None] = mapped_column(String(24))

    Orders: Mapped[list[Order]] = relationship(back_populates="Customer")
    CustomerDemographics: Mapped[list[CustomerDemographic]] = relationship(
        secondary=CustomerCustomerDemo, back_populates="Customers"
    )


class Employee(Base):
    """An employee; ``ReportsTo`` points at the manager."""

    __tablename__ = "Employees"

    EmployeeID: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    LastName: Mapped[str] = mapped_column(String(20))
    FirstName: Mapped[str] = mapped_column(String(10))
    Title: Mapped[str | None] = mapped_column(String(30))
    TitleOfCourtesy: Mapped[str | None] = mapped_column(String(25))
    BirthDate: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    HireDate: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    Address: Mapped[str | None] = mapped_column(String(60))
    City: Mapped[str | None] = mapped_column(String(15))
    Region: Mapped[str | None] = mapped_column(String(15))
    PostalCode: Mapped[str | None] = mapped_column(String(10))
    Country: Mapped[str | None] = mapped_column(String(15))
    HomePhone: Mapped[str | None] = mapped_column(String(24))
    Extension: Mapped[str | None] = mapped_column(String(4))
    Photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    Notes: Mapped[str | None] = mapped_column(Text)
    ReportsTo: Mapped[int | None] = mapped_column(Integer, ForeignKey("Employees.EmployeeID"))
    PhotoPath: Mapped[str | None] = mapped_column(String(255))

    Employees1: Mapped[list[Employee]] = relationship(back_populates="Employee1")
    Employee1: Mapped[Employee | None] = relationship(back_populates="Employees1", remote_side=[EmployeeID])
    Orders: Mapped[list[Order]] = relationship(back_populates="Employee")
    Territories: Mapped[list[Territory]] = relationship(secondary=EmployeeTerritories, back_populates="Employees")


class OrderDetail(Base):
    """One line of an order (entity type ``Order_Detail``)."""

    __tablename__ = "Order Details"

    OrderID: Mapped[int] = mapped_column(Integer, ForeignKey("Orders.OrderID"), primary_key=True, autoincrement=False)
    ProductID: Mapped[int] = mapped_column(
        Integer, ForeignKey("Products.ProductID"), primary_key=True, autoincrement=False
    )
    UnitPrice: Mapped[Decimal] = mapped_column(Numeric(19, 4))
    Quantity: Mapped[int] = mapped_column(SmallInteger)
    Discount: Mapped[float] = mapped_column(REAL)

    Order: Mapped[Order] = relationship(back_populates="Order_Details")
    Product: Mapped[Product] = relationship(back_populates="Order_Details")


class Order(Base):
    """A customer order; ``ShipVia`` is the shipper."""

    __tablename__ = "Orders"

    OrderID: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    CustomerID: Mapped[str | None] = mapped_column(String(5), ForeignKey("Customers.CustomerID"))
    EmployeeID: Mapped[int | None] = mapped_column(Integer, ForeignKey("Employees.EmployeeID"))
    OrderDate: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    RequiredDate: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ShippedDate: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ShipVia: Mapped[int | None] = mapped_column(Integer, ForeignKey("Shippers.ShipperID"))
    Freight: Mapped[Decimal | None] = mapped_column(Numeric(19, 4))
    ShipName: Mapped[str | None] = mapped_column(String(40))
    ShipAddress: Mapped[str | None] = mapped_column(String(60))
    ShipCity: Mapped[str | None] = mapped_column(String(15))
    ShipRegion: Mapped[str | None] = mapped_column(String(15))
    ShipPostalCode: Mapped[str | None] = mapped_column(String(10))
    ShipCountry: Mapped[str | None] = mapped_column(String(15))

    Customer: Mapped[Customer | None] = relationship(back_populates="Orders")
    Employee: Mapped[Employee | None] = relationship(back_populates="Orders")
    Order_Details: Mapped[list[OrderDetail]] = relationship(back_populates="Order")
    Shipper: Mapped[Shipper | None] = relationship(back_populates="Orders")


class Product(Base):
    """A product sold by a supplier."""

    __tablename__ = "Products"

    ProductID: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ProductName: Mapped[str] = mapped_column(String(40))
    SupplierID: Mapped[int | None] = mapped_column(Integer, ForeignKey("Suppliers.SupplierID"))
    CategoryID: Mapped[int | None] = mapped_column(Integer, ForeignKey("Categories.CategoryID"))
    QuantityPerUnit: Mapped[str | None] = mapped_column(String(20))
    UnitPrice: Mapped[Decimal | None] = mapped_column(Numeric(19, 4))
    UnitsInStock: Mapped[int | None] = mapped_column(SmallInteger)
    UnitsOnOrder: Mapped[int | None] = mapped_column(SmallInteger)
    ReorderLevel: Mapped[int | None] = mapped_column(SmallInteger)
    Discontinued: Mapped[bool] = mapped_column(Boolean)

    Category: Mapped[Category | None] = relationship(back_populates="Products")
    Order_Details: Mapped[list[OrderDetail]] = relationship(back_populates="Product")
    Supplier: Mapped[Supplier | None] = relationship(back_populates="Products")


class Region(Base):
    """A sales region (entity set ``Regions``)."""

    __tablename__ = "Region"

    RegionID: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    RegionDescription: Mapped[str] = mapped_column(String(50))

    Territories: Mapped[list[Territory]] = relationship(back_populates="Region")


class Shipper(Base):
    """A shipping company."""

    __tablename__ = "Shippers"

    ShipperID: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    CompanyName: Mapped[str] = mapped_column(String(40))
    Phone: Mapped[str | None] = mapped_column(String(24))

    Orders: Mapped[list[Order]] = relationship(back_populates="Shipper")


class Supplier(Base):
    """A product supplier."""

    __tablename__ = "Suppliers"

    SupplierID: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    CompanyName: Mapped[str] = mapped_column(String(40))
    ContactName: Mapped[str | None] = mapped_column(String(30))
    ContactTitle: Mapped[str | None] = mapped_column(String(30))
    Address: Mapped[str | None] = mapped_column(String(60))
    City: Mapped[str | None] = mapped_column(String(15))
    Region: Mapped[str | None] = mapped_column(String(15))
    PostalCode: Mapped[str | None] = mapped_column(String(10))
    Country: Mapped[str | None] = mapped_column(String(15))
    Phone: Mapped[str | None] = mapped_column(String(24))
    Fax: Mapped[str | None] = mapped_column(String(24))
    HomePage: Mapped[str | None] = mapped_column(Text)

    Products: Mapped[list[Product]] = relationship(back_populates="Supplier")


class Territory(Base):
    """A sales territory inside a region."""

    __tablename__ = "Territories"

    TerritoryID: Mapped[str] = mapped_column(String(20), primary_key=True)
    TerritoryDescription: Mapped[str] = mapped_column(String(50))
    RegionID: Mapped[int] = mapped_column(Integer, ForeignKey("Region.RegionID"))

    Region: Mapped[Region] = relationship(back_populates="Territories")
    Employees: Mapped[list[Employee]] = relationship(secondary=EmployeeTerritories, back_populates="Territories")
