"""Random and mutated query strings (``$apply`` among them) never make the server answer 500.

Hypothesis builds query strings from OData fragments (names, operators, functions,
literals, punctuation) and from valid queries with characters inserted, deleted or
replaced, and sends them through HTTP to the Northwind example.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import mutated

FRAGMENTS = [
    "ProductName", "UnitPrice", "CategoryID", "Category", "Order_Details", "Discontinued", "d", "o", "$it",
    "$root", "$count", "/", "(", ")", ",", ":", ";", "=", " ", "'", "''", "eq", "ne", "gt", "lt", "and", "or",
    "not", "add", "sub", "mul", "div", "divby", "mod", "in", "has", "any", "all", "contains", "startswith",
    "substring", "year", "round", "cast", "isof", "Edm.String", "null", "true", "1", "-1", "2.5", "1e308",
    "99999999999999999999", "'x'", "2020-01-01", "2020-01-01T00:00:00Z", "12:00", "duration'P1D'",
    "binary'AA'", "01234567-89ab-cdef-0123-456789abcdef", "INF", "NaN", "@p", "[", "]", "{", "}", "\"a\"",
    "$filter=", "$select=", "$expand=", "$top=", "asc", "desc", "as", "*", "$levels=max", "$ref", "%",
    "aggregate", "groupby", "with", "sum", "average", "countdistinct", "from", "rollup", "concat", "topcount",
    "toppercent", "identity", "filter", "compute", "$apply=", "Order_Details/Quantity", "Category/CategoryName",
]  # fmt: skip
OPTIONS = [
    "$filter",
    "$orderby",
    "$select",
    "$expand",
    "$top",
    "$skip",
    "$search",
    "$compute",
    "$apply",
    "$count",
    "$skiptoken",
    "$format",
    "@p",
    "$nope",
]
VALID = [
    "$filter=UnitPrice gt 5 and startswith(ProductName,'C')",
    "$filter=Order_Details/any(d:d/Quantity gt 10)&$orderby=UnitPrice desc",
    "$expand=Category($select=CategoryName),Order_Details($top=2;$orderby=Quantity)",
    "$select=ProductName&$compute=UnitPrice mul 2 as Twice&$orderby=Twice",
    '$search=chai OR "bottles"&$count=true&$top=3&$skip=1',
    "$apply=groupby((Category/CategoryName),aggregate(Order_Details/Quantity with sum as Q,$count as N))&$filter=Q gt 5",
    "$apply=filter(UnitPrice gt 5)/concat(topcount(2,UnitPrice),aggregate(UnitPrice with average as A))",
    "$apply=groupby((rollup(CategoryID,SupplierID)),aggregate(UnitPrice with sum from SupplierID with max as M))",
]

option_value = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12).map("".join)
random_query = st.lists(st.tuples(st.sampled_from(OPTIONS), option_value), min_size=1, max_size=4).map(
    lambda pairs: "&".join(f"{name}={quote(value, safe='')}" for name, value in pairs)
)


mutated_query = mutated(VALID, "()',;=/$@ \"[]{}:*-.0aZ%&").map(lambda text: quote(text, safe="&=$"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=st.one_of(random_query, mutated_query),
    path=st.sampled_from(["Products", "Categories(1)/Products", "Products(1)", "Products/$count"]),
)
async def test_no_query_string_makes_a_500(sqlite_northwind: httpx.AsyncClient, query: str, path: str) -> None:
    response = await sqlite_northwind.get(f"{path}?{query}")
    assert response.status_code < 500 or response.status_code == 501, (query, response.text)
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"]
