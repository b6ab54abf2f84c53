"""Requests that differ only in the literals of ``$filter`` share one bound and planned query
(``odata_server/uri/shapes.py``): a request answered from the shape of an earlier one must
answer exactly what it answers on its own.

Each case sends a first text, then a second one of the same shape, and compares the
second's response with that of the same query bound from its own text: with its values
given as parameter aliases, which a shape keeps as they are. Whether the second
request shared the first's work is seen in the parser: a shared shape parses no
``$filter``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import northwind_client, read_all
from tests.northwind_csv import northwind_table
from tests.shapes import ShapeCase, assert_answers_as_on_its_own, bound_on_its_own, filter_url, shared_answer


@pytest.fixture(scope="module")
async def northwind(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The Northwind example on a database of this module's: its caches have seen only the
    requests of these tests, so whether a request parsed its ``$filter`` says whether it
    shared a shape."""
    async with northwind_client(database_url) as client:
        yield client


# path, $filter with {} for the literals that change, first values, second values, and
# whether the second shares a shape met before (each False case has a template of its own)
CASES: list[ShapeCase] = [
    ("Products", "UnitPrice gt {}", ("20",), ("5",), True),
    ("Products", "ProductName eq {}", ("'Chai'",), ("'Chang'",), True),
    ("Products", "ProductName eq {}", ("'Chai'",), ("'Sir Rodney''s Scones'",), True),
    ("Products", "startswith(ProductName,{}) and UnitPrice lt {}", ("'C'", "30"), ("'G'", "100"), True),
    ("Products", "Category/CategoryName eq {}", ("'Beverages'",), ("'Seafood'",), True),
    ("Products", "Order_Details/any(d:d/Quantity gt {})", ("100",), ("120",), True),
    ("Products", "Order_Details/all(d:d/Quantity ge {})", ("1",), ("10",), True),
    ("Products", "Order_Details/$count gt {}", ("50",), ("5",), True),
    ("Products", "Order_Details/$filter(Quantity gt {})/$count gt {}", ("10", "5"), ("50", "1"), True),
    ("Products", "Order_Details/$count($filter=Discount ge {}) eq {}", ("0.1", "0"), ("0.25", "2"), True),
    ("Products", "ProductID in ({},{},{})", ("1", "2", "3"), ("4", "77", "100"), True),
    ("Products", "ProductName in ({},{})", ("'Chai'", "'Chang'"), ("'Tofu'", "'Konbu'"), True),
    ("Products", "substring(ProductName,{}) eq {}", ("1", "'hai'"), ("2", "'ng'"), True),
    ("Products", "substring(ProductName,{},{}) eq {}", ("0", "2", "'Ch'"), ("1", "3", "'ofu'"), True),
    ("Products", "length(ProductName) add {} gt {}", ("1", "20"), ("5", "30"), True),
    ("Products", "indexof(ProductName,{}) eq {}", ("'a'", "2"), ("'o'", "1"), True),
    ("Products", "concat(ProductName,{}) eq {}", ("'!'", "'Chai!'"), ("'?'", "'Tofu?'"), True),
    ("Products", "UnitsInStock mod {} eq {}", ("2", "0"), ("3", "1"), True),
    ("Products", "UnitsInStock div {} ge {}", ("10", "5"), ("7", "2"), True),
    (
        "Products",
        "tolower(ProductName) eq {} or contains(QuantityPerUnit,{})",
        ("'chai'", "'bags'"),
        ("'tofu'", "'jars'"),
        True,
    ),
    ("Products", "UnitPrice mul {} gt {}", ("2", "100"), ("3", "60"), True),
    ("Products", "ProductID eq {}", ("1",), ("5000000000",), False),  # an Int64 literal: another shape
    ("Products", "UnitPrice gt {}", ("20",), ("-5",), True),
    ("Products", "UnitPrice gt {}", ("20.5",), ("18.25",), True),
    ("Products", "UnitsInStock gt {}", ("20",), ("20.5",), False),  # a decimal is another shape than an integer
    ("Products", "UnitPrice gt {}", ("20",), ("2e1",), False),  # a number with an exponent is not cut out
    ("Products", "UnitPrice sub {} gt {}", ("-5.5", "30"), ("2.75", "-1"), True),
    ("Products", "ProductName eq {}", ("'Chai'",), ("null",), False),
    ("Products?$count=true&$top=3&$orderby=ProductName", "UnitPrice gt {}", ("20",), ("50",), True),
    ("Products?$select=ProductName&$expand=Category($select=CategoryName)", "UnitPrice lt {}", ("9",), ("12",), True),
    ("Products?$expand=Order_Details($filter=Quantity gt 10;$top=2)", "ProductID le {}", ("3",), ("6",), True),
    ("Products/$count", "UnitPrice gt {}", ("20",), ("50",), True),
    ("Products/$ref", "UnitPrice gt {}", ("20",), ("50",), True),
    ("Categories(1)/Products", "UnitPrice gt {}", ("10",), ("18",), True),
    ("Orders", "OrderDate lt 1997-01-01T00:00:00Z and EmployeeID eq {}", ("1",), ("4",), True),
    ("Orders", "year(OrderDate) eq {} and month(OrderDate) eq {}", ("1997", "1"), ("1998", "3"), True),
    ("Orders", "(ShippedDate sub OrderDate) mul {} gt duration'P50D'", ("2",), ("3",), True),
    ("Orders", "(ShippedDate sub OrderDate) divby {} lt duration'P2D'", ("4.0",), ("2.5",), True),
    ("Orders", "date(OrderDate) sub duration'PT1H' eq {}", ("1996-07-03",), ("1996-07-04",), True),
    ("Orders", "OrderDate add duration'P7D' gt {}", ("1996-07-12T00:00:00Z",), ("1997-01-01T10:00:00Z",), True),
    (
        "Orders",
        "OrderDate ge {} and OrderDate lt {}",
        ("1997-01-01T00:00:00Z", "1997-02-01T00:00:00Z"),
        ("1997-03-01T00:00:00+02:00", "1997-03-15T12:30Z"),
        True,
    ),
    ("Orders", "date(OrderDate) eq {}", ("1996-07-04",), ("1996-07-08",), True),
    ("Orders", "time(OrderDate) eq {}", ("00:00:00",), ("00:00",), True),
    ("Customers", "Country eq {} and City ne {}", ("'Germany'", "'Berlin'"), ("'France'", "'Paris'"), True),
    ("Products?@p=5", "UnitPrice gt @p and ProductID lt {}", ("30",), ("60",), True),
    ("Products?$compute=UnitPrice mul 2 as Double", "Double gt {}", ("40",), ("100",), True),
    ("Products?$count=true&$skip=2&$top=4&$orderby=UnitPrice", "UnitsInStock lt {}", ("20",), ("40",), True),
    ("Products?$search=sauce", "UnitPrice lt {}", ("25",), ("18",), True),
    ("Products", "$root/Products({})/UnitPrice lt UnitPrice", ("1",), ("2",), True),
    ("Products", "$root/Products({})/UnitPrice lt UnitPrice", ("2",), ("999",), True),  # no such product: null
    ("Orders", "CustomerID eq $root/Orders({})/CustomerID", ("10248",), ("10249",), True),
    ("Customers", "Country eq $root/Customers({})/Country", ("'ALFKI'",), ("'BONAP'",), True),
    (
        "Order_Details",
        "Quantity eq $root/Order_Details(OrderID={},ProductID={})/Quantity",
        ("10248", "11"),
        ("10249", "14"),
        True,
    ),
    ("Products", 'ProductName in ["Chai","Chang"] or UnitPrice gt {}', ("50",), ("100",), True),
    ("Products", "ProductID in [{},{}]", ("1", "2"), ("4", "77"), False),  # a JSON number is no literal of a shape
    ("Orders", 'ShipRegion in [null,"RJ"] and Freight gt {}', ("10",), ("100",), True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_a_request_sharing_a_shape_answers_as_on_its_own(
    northwind: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    case: ShapeCase,
) -> None:
    await assert_answers_as_on_its_own(northwind, monkeypatch, case)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"], exclude_characters="%&#+"), max_size=12),
    price=st.integers(0, 2**31 - 1),
)
async def test_any_values_of_a_shape_answer_as_on_their_own(
    northwind: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, name: str, price: int
) -> None:
    values = ("'" + name.replace("'", "''") + "'", str(price))
    template = "startswith(ProductName,{0}) or UnitPrice lt {1} or ProductName eq {0}"
    url = filter_url("Products", template, values)
    response, parsed_nothing = await shared_answer(
        northwind, filter_url("Products", template, ("'C'", "10")), url, monkeypatch
    )
    assert parsed_nothing
    reference = await northwind.get(bound_on_its_own("Products", template, values))
    assert response.status_code == reference.status_code == 200, response.text
    assert response.content == reference.content


async def test_pages_of_a_shared_shape_follow_their_ownfilter_url(northwind: httpx.AsyncClient) -> None:
    paged = {"Prefer": "odata.maxpagesize=3"}
    everything = await read_all(northwind, "Products?$filter=UnitPrice gt 10&$orderby=UnitPrice", headers=paged)
    assert len(everything) > 3
    costly = await read_all(northwind, "Products?$filter=UnitPrice gt 40&$orderby=UnitPrice", headers=paged)
    assert costly == [product for product in everything if product["UnitPrice"] > 40]
    assert len(costly) > 3


@pytest.mark.parametrize("page_size", [4, 1000])
@pytest.mark.parametrize(("skip", "top"), [(0, 10), (3, 10), (10, 3), (0, None), (20, None), (70, 20), (None, 0)])
async def test_windows_of_one_query_are_slices_of_its_entities(
    northwind: httpx.AsyncClient, skip: int | None, top: int | None, page_size: int
) -> None:
    """Every $skip, $top and page of one query share its plan; each answers its own window."""
    query = "Products?$filter=UnitPrice gt 10&$orderby=UnitPrice desc,ProductName&$select=ProductID"
    everything = [product["ProductID"] for product in await read_all(northwind, query)]
    window = "".join(f"&${name}={value}" for name, value in (("skip", skip), ("top", top)) if value is not None)
    paged = await read_all(northwind, query + window, headers={"Prefer": f"odata.maxpagesize={page_size}"})
    start = skip or 0
    end = None if top is None else start + top
    assert [product["ProductID"] for product in paged] == everything[start:end]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.text(st.sampled_from("abcehilnorstu%_/-0"), min_size=1, max_size=4),
    second=st.text(st.sampled_from("abcehilnorstu%_/-0"), min_size=1, max_size=4),
)
async def test_searches_whose_terms_alone_differ_find_what_each_says(
    northwind: httpx.AsyncClient, first: str, second: str
) -> None:
    """A search box sending one word after another: every search of one form shares a
    statement, each term a parameter (LIKE's own characters escaped)."""
    for word in (first, second):
        for form in ('"{}"', "{} OR NOT {}X"):
            search = form.format(word, word)
            found = await read_all(northwind, f"Products?$select=ProductID&$search={quote(search)}")
            expected = [
                p["ProductID"]
                for p in northwind_table("Products")
                if _matches(p, word) or (" OR NOT " in search and not _matches(p, word + "x"))
            ]
            assert [p["ProductID"] for p in found] == expected, search


def _matches(product: dict[str, object], term: str) -> bool:
    """What ``$search`` finds in Products: the term in its name or its quantity per unit, any case."""
    return any(term.lower() in str(product[name] or "").lower() for name in ("ProductName", "QuantityPerUnit"))


async def test_a_small_query_cache_drops_queries_and_binds_them_again(
    northwind: httpx.AsyncClient, database_url: str
) -> None:
    queries = [
        "Products?$filter=UnitPrice gt 20&$select=ProductID",
        "Products?$filter=UnitPrice gt 50&$select=ProductID",
        "Products?$search=chai&$select=ProductID",
        "Products?$orderby=ProductName&$top=5&$select=ProductID",
        "Categories?$expand=Products($select=ProductID;$top=2)&$select=CategoryID",
        "Products?$filter=Category/CategoryName eq 'Seafood'&$select=ProductID&$skip=3",
    ]
    expected = [(await northwind.get(query)).json() for query in queries]
    async with northwind_client(database_url, query_cache_size=2) as small:
        for _ in range(3):
            assert [(await small.get(query)).json() for query in queries] == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(product=st.integers(1, 77), category=st.integers(1, 8))
async def test_paths_that_differ_in_keys_alone_read_their_own_entities(
    northwind: httpx.AsyncClient, product: int, category: int
) -> None:
    """``Products(1)`` and ``Products(2)`` share a statement, their keys its parameters; so do
    ``Categories(1)/Products`` and ``Categories(2)/Products``, and the paths through them."""
    products = {p["ProductID"]: p for p in northwind_table("Products")}
    read = (await northwind.get(f"Products({product})?$select=ProductName")).json()
    assert read["ProductName"] == products[product]["ProductName"]
    name = (await northwind.get(f"Products({product})/ProductName")).json()["value"]
    assert name == products[product]["ProductName"]
    of_category = await read_all(northwind, f"Categories({category})/Products?$select=ProductID")
    assert [p["ProductID"] for p in of_category] == [i for i, p in products.items() if p["CategoryID"] == category]
    counted = await northwind.get(f"Categories({category})/Products/$count")
    assert counted.text == str(len(of_category))
    through = (await northwind.get(f"Products({product})/Category?$select=CategoryID")).json()
    assert through["CategoryID"] == products[product]["CategoryID"]
    line = next(d for d in northwind_table("Order_Details") if d["ProductID"] == product)
    detail = await northwind.get(f"Order_Details(OrderID={line['OrderID']},ProductID={product})?$select=Quantity")
    assert detail.json()["Quantity"] == line["Quantity"]


async def test_digits_inside_a_json_string_are_no_literals_of_a_shape(
    northwind: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shape cuts ``12`` and ``550`` out of ``"12 - 550 ml bottles"`` as numbers; the binder
    finds no literal there, so the shape is not shared and the second text is bound on its own."""
    template = 'QuantityPerUnit in ["{} - {} ml bottles"]'
    first, second = filter_url("Products", template, ("12", "550")), filter_url("Products", template, ("24", "250"))
    response, parsed_nothing = await shared_answer(northwind, first, second, monkeypatch)
    assert not parsed_nothing
    found = [p["ProductID"] for p in response.json()["value"]]
    assert found == [
        p["ProductID"] for p in northwind_table("Products") if p["QuantityPerUnit"] == "24 - 250 ml bottles"
    ]
    assert found


@pytest.mark.parametrize(
    ("first", "second"),
    [("1997-01-01T00:00:00Z", "1997-02-30T00:00:00Z"), ("1997-01-01T00:00:00Z", "1997-01-01T24:00:00Z")],
)
async def test_a_value_of_a_shape_that_is_no_value_of_its_type_is_refused_as_on_its_own(
    northwind: httpx.AsyncClient, first: str, second: str
) -> None:
    """A shape met before does not vouch for the values of another request: one that is no
    value of its type is bound from its own text, which answers why."""
    assert (await northwind.get(f"Orders?$filter=OrderDate lt {first}")).status_code == 200
    shared = await northwind.get(f"Orders?$filter=OrderDate lt {second}")
    alone = await northwind.get(f"Orders?$filter=(OrderDate lt {second})")
    assert shared.status_code == alone.status_code == 400, shared.text
    assert shared.json()["error"]["target"] == alone.json()["error"]["target"] == "$filter"
