"""Random request bodies never make a write answer 500, nor leave anything half-written.

Hypothesis builds JSON bodies from the properties and navigation properties of the
Northwind types, junk names, annotations and every kind of JSON value (huge numbers,
deep nesting, wrong types), and sends them as creates, updates, upserts, ``$ref``
changes and JSON batches.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NAMES = [
    "ProductName", "UnitPrice", "UnitsInStock", "Discontinued", "CategoryID", "SupplierID", "ProductID",
    "Category", "Order_Details", "Supplier", "CategoryName", "Products", "Quantity", "Discount", "OrderID",
    "Category@odata.bind", "Products@odata.bind", "Order_Details@delta", "@odata.id", "@id", "@type",
    "@odata.type", "@etag", "@removed", "Nope", "", "UnitPrice@type",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=50),
    st.sampled_from(
        ["Products(1)", "Categories(1)", "Categories(999)", "http://elsewhere/odata/Products(1)", "NaN", "1e999"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(NAMES), inner, max_size=5),
    ),
    max_leaves=20,
)
bodies = st.one_of(st.dictionaries(st.sampled_from(NAMES), values, max_size=8), values)

REQUESTS = [
    ("POST", "Products"),
    ("POST", "Categories"),
    ("POST", "Categories(1)/Products"),
    ("PATCH", "Products(2)"),
    ("PUT", "Products(3)"),
    ("PUT", "Customers('FUZZ1')"),
    ("PATCH", "Orders(10250)"),
    ("PUT", "Products(4)/ProductName"),
    ("PUT", "Products(5)/Category/$ref"),
    ("POST", "Categories(2)/Products/$ref"),
]

FINE = {200, 201, 204, 400, 404, 405, 409, 412, 413, 415, 428, 501}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=st.sampled_from(REQUESTS), body=bodies)
async def test_no_body_makes_a_500(client: httpx.AsyncClient, request: tuple[str, str], body: Any) -> None:
    method, path = request
    response = await client.request(
        method, path, content=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert response.status_code in FINE, (method, path, body, response.text)
    if response.status_code >= 400:
        assert response.json()["error"]["code"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(
        st.fixed_dictionaries(
            {
                "id": st.sampled_from(["1", "2", "3", "x"]),
                "method": st.sampled_from(["get", "post", "patch", "delete", "put", "nope"]),
            },
            optional={
                "url": st.sampled_from(
                    [
                        "Products",
                        "Products(1)",
                        "$1",
                        "$1/Products",
                        "Categories",
                        "/odata/Products(2)",
                        "http://x/y",
                        "",
                    ]
                ),
                "body": values,
                "atomicityGroup": st.sampled_from(["g", "h"]),
                "dependsOn": st.lists(st.sampled_from(["1", "2", "g", "zz"]), max_size=2),
                "headers": st.dictionaries(
                    st.sampled_from(["content-type", "if-match", "prefer"]), st.text(max_size=20), max_size=2
                ),
            },
        ),
        max_size=5,
    )
)
async def test_no_json_batch_makes_a_500(client: httpx.AsyncClient, parts: list[dict[str, Any]]) -> None:
    body = json.dumps({"requests": parts})  # NaN and Infinity too, which json= refuses
    response = await client.post("$batch", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code < 500, (parts, response.text)
    if response.status_code == 200:
        for answer in response.json()["responses"]:
            assert answer["status"] < 500 or answer["status"] == 501, (parts, answer)
