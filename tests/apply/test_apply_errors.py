"""Bad ``$apply`` requests (400) and the transformations this server does not run (501).

400 cases: the request breaks a rule of the Data Aggregation Extension 4.0 (CS03) or
of its ABNF (``odata-aggregation-abnf.txt``), so it is an OData error with status 400 and
``error.target`` ``$apply``:

- ``sum``/``average`` need numbers (section 3.2.1.3), so a string, a Boolean or an
  entity cannot be summed; an unknown dot-less method is not in the grammar (dot-less
  names are reserved, section 3.2.1.3.6);
- unknown properties, functions and transformations;
- ``groupby`` takes paths with single-valued segments only (section 3.2.3.1), so not a
  collection-valued navigation property;
- aliases must differ from the input type's properties, from the properties of the
  current input set, and from each other (section 3.1.1);
- ``with`` needs ``as``, and so does ``$count`` (section 3.2.1);
- ``topcount`` needs a positive count and ``toppercent`` a percentage up to 100
  (section 3.3.1), both computed on the whole collection (not a property of each
  instance), and ``top``/``skip`` a non-negative integer;
- ``$apply`` "MUST NOT be used if the resource path addresses a single instance"
  (section 3);
- syntax errors.

501 cases: transformations and aggregates the grammar knows but this server does not
run (``nest``, ``addnested``, ``join``, ``outerjoin``, the hierarchy transformations
``ancestors``, ``descendants``, ``traverse`` and ``rolluprecursive``, custom
aggregation methods and custom set-transforming functions): 501 Not Implemented with an
OData error whose target is ``$apply`` and whose message names what is not run, as section 3 asks of a service that does not support a
request's ``$apply`` ("MUST fail with 501 Not Implemented and a meaningful human-readable
error message").
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import assert_error

BAD = [
    # Aggregation methods on values they do not apply to.
    ("Products", "aggregate(ProductName with sum as S)"),
    ("Products", "aggregate(ProductName with average as A)"),
    ("Products", "aggregate(Discontinued with sum as S)"),
    ("Products", "aggregate(Category with sum as S)"),
    ("Order_Details", "aggregate(Product with average as A)"),
    ("Products", "groupby((CategoryID),aggregate(QuantityPerUnit with sum as S))"),
    # Unknown methods and names (dot-less method names are reserved, section 3.2.1.3.6).
    ("Products", "aggregate(UnitPrice with median as M)"),
    ("Products", "aggregate(UnitPrice with Sum as S)"),
    ("Products", "aggregate(Price with sum as S)"),
    ("Products", "aggregate(Category/Price with max as M)"),
    ("Products", "groupby((Colour))"),
    ("Products", "groupby((Category/Colour),aggregate($count as N))"),
    ("Products", "filter(Colour eq 'red')/aggregate($count as N)"),
    ("Products", "groupby((CategoryID),aggregate(UnitPrice with sum as Total))/orderby(Totl desc)"),
    ("Products", "compute(nosuchfunction(UnitPrice) as X)"),
    ("Products", "frobnicate(UnitPrice)"),
    # groupby on collection-valued navigation.
    ("Products", "groupby((Order_Details),aggregate($count as N))"),
    ("Products", "groupby((Order_Details/Quantity))"),
    ("Categories", "groupby((Products/ProductName))"),
    # Aliases.
    ("Products", "aggregate(UnitPrice with sum as ProductName)"),
    ("Products", "aggregate(UnitPrice with sum as UnitPrice)"),
    ("Products", "aggregate(UnitPrice with sum as Category)"),
    ("Products", "groupby((CategoryID),aggregate(UnitPrice with sum as CategoryID))"),
    ("Products", "aggregate(UnitPrice with sum as T,UnitPrice with max as T)"),
    ("Products", "compute(UnitPrice mul 2 as UnitsInStock)"),
    ("Products", "compute(UnitPrice mul 2 as X)/aggregate(UnitPrice with sum as X)"),
    # Missing aliases.
    ("Products", "aggregate(UnitPrice with sum)"),
    ("Products", "aggregate($count)"),
    ("Products", "aggregate(UnitPrice with sum from CategoryID with average)"),
    # Arguments out of range.
    ("Products", "topcount(0,UnitPrice)"),
    ("Products", "topcount(-1,UnitPrice)"),
    ("Products", "toppercent(101,UnitPrice)"),
    ("Products", "topcount(UnitsInStock,UnitPrice)"),
    ("Products", "top(-1)"),
    ("Products", "skip(x)"),
    # Malformed.
    ("Products", ""),
    ("Products", "groupby(CategoryID)"),
    ("Products", "groupby((CategoryID)"),
    ("Products", "groupby(())"),
    ("Products", "aggregate(UnitPrice with sum as T"),
    ("Products", "aggregate()"),
    ("Products", "aggregate(UnitPrice sum as T)"),
    ("Products", "aggregate(UnitPrice with sum as T)/"),
    ("Products", "/aggregate(UnitPrice with sum as T)"),
    ("Products", "aggregate(UnitPrice with sum as T)//identity"),
    ("Products", "filter(UnitPrice gt)"),
    ("Products", "filter(UnitPrice)"),
    ("Products", "concat(identity)"),
    ("Products", "identity()"),
    ("Products", "groupby((rollup(CategoryID,)),aggregate($count as N))"),
    # A property written where a custom aggregate would be: it needs a method.
    ("Products", "aggregate(UnitPrice)"),
    ("Products", "groupby((CategoryID),aggregate(UnitPrice as P))"),
    # A single entity.
    ("Products(1)", "identity"),
    ("Products(1)", "aggregate($count as N)"),
    ("Categories(1)/Products(1)", "identity"),
]


async def check_bad(client: httpx.AsyncClient, resource: str, apply: str) -> None:
    """``resource?$apply=apply`` is a 400 OData error whose target is ``$apply``."""
    response = await client.get(f"{resource}?$apply={apply}")
    assert_error(response, 400, target="$apply")


@pytest.mark.parametrize(("resource", "apply"), BAD, ids=[f"{r}?$apply={a}" for r, a in BAD])
async def test_bad_apply(northwind: httpx.AsyncClient, resource: str, apply: str) -> None:
    await check_bad(northwind, resource, apply)


NOT_RUN = [
    ("Products", "nest(groupby((CategoryID)) as Groups)", "nest"),
    ("Products", "addnested(Order_Details,filter(Quantity gt 10) as BigLines)", "addnested"),
    ("Products", "join(Order_Details as Line)", "join"),
    ("Products", "outerjoin(Order_Details as Line,filter(Quantity gt 100))", "outerjoin"),
    ("Employees", "ancestors($root/Employees,EmployeeHierarchy,EmployeeID,filter(EmployeeID eq 5),1)", "ancestors"),
    ("Employees", "descendants($root/Employees,EmployeeHierarchy,EmployeeID,filter(EmployeeID eq 2),1)", "descendants"),
    ("Employees", "traverse($root/Employees,EmployeeHierarchy,EmployeeID,preorder)", "traverse"),
    (
        "Employees",
        "groupby((rolluprecursive($root/Employees,EmployeeHierarchy,EmployeeID)),aggregate($count as N))",
        "rolluprecursive",
    ),
    ("Products", "aggregate(UnitPrice with Custom.median as Median)", "Custom.median"),
    ("Products", "aggregate(Forecast)", "Custom aggregates"),
    ("Products", "topcount($these/$count,UnitPrice)", "$these"),
    ("Categories", "filter(Products/aggregate(UnitPrice with sum) gt 5)", "aggregate"),
    ("Products", "filter(isdefined(UnitPrice))", "isdefined"),
    ("Products", "groupby((CategoryID),aggregate(ProductName with Custom.concat as Names))", "Custom.concat"),
    ("Products", "NorthwindModel.TopSellers(Count=5)", "NorthwindModel.TopSellers"),
    (
        "Products",
        "filter(UnitPrice gt 10)/NorthwindModel.TopSellers(Count=5)/aggregate($count as N)",
        "NorthwindModel.TopSellers",
    ),
]


@pytest.mark.parametrize(("resource", "apply", "name"), NOT_RUN, ids=[f"{r}?$apply={a}" for r, a, _ in NOT_RUN])
async def test_not_implemented(northwind: httpx.AsyncClient, resource: str, apply: str, name: str) -> None:
    """501, with a message that names what is not run (so not the 501 of $apply as a whole)."""
    response = await northwind.get(f"{resource}?$apply={apply}")
    error = assert_error(response, 501, target="$apply")
    assert name.lower() in error["message"].lower(), error
