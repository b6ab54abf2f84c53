"""The Capabilities annotations in $metadata tell the truth about what the server answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from odata_server.edm.annotations import Annotation, Record
from odata_server.edm.capabilities import CONTAINER_CAPABILITIES, ENTITY_SET_CAPABILITIES
from tests.conftest import northwind_client

JSON = {"Content-Type": "application/json"}

# Capability term → a request that uses it: (method, path, extra headers[, body]).
PROBES: dict[str, tuple[str, str, dict[str, str]] | tuple[str, str, dict[str, str], bytes]] = {
    "Capabilities.InsertRestrictions": ("POST", "Products", JSON, b'{"ProductName": "Probe", "Discontinued": false}'),
    "Capabilities.UpdateRestrictions": ("PATCH", "Orders(10248)", JSON, b'{"Freight": 1, "Order_Details@delta": []}'),
    "Capabilities.DeleteRestrictions": ("DELETE", "Order_Details(OrderID=10248,ProductID=11)", {}),
    "Capabilities.FilterRestrictions": ("GET", "Products?$filter=ProductID eq 1", {}),
    "Capabilities.SortRestrictions": ("GET", "Products?$orderby=ProductName", {}),
    "Capabilities.SearchRestrictions": ("GET", "Products?$search=Chai", {}),
    "Capabilities.ExpandRestrictions": ("GET", "Products?$expand=Category", {}),
    "Capabilities.SelectSupport": ("GET", "Products?$select=ProductName", {}),
    "Capabilities.CountRestrictions": ("GET", "Products?$count=true", {}),
    "Capabilities.TopSupported": ("GET", "Products?$top=1", {}),
    "Capabilities.SkipSupported": ("GET", "Products?$skip=1", {}),
    "Capabilities.KeyAsSegmentSupported": ("GET", "Products/1", {}),
    "Capabilities.BatchSupported": ("POST", "$batch", JSON, b'{"requests":[{"id":"1","method":"get","url":"./"}]}'),
    # A JSON batch that continues after an error and refers to an earlier request's ETag.
    "Capabilities.BatchSupport": (
        "POST",
        "$batch",
        {**JSON, "Prefer": "odata.continue-on-error"},
        b'{"requests":[{"id":"1","method":"get","url":"Products(1)"},'
        b'{"id":"2","method":"patch","url":"$1","headers":{"if-match":"$1"},"body":{"UnitsInStock":5},"dependsOn":["1"]}]}',
    ),
    "Capabilities.AsynchronousRequestsSupported": ("GET", "Products(1)", {"Prefer": "respond-async"}),
    "Aggregation.ApplySupportedDefaults": ("GET", "Products?$apply=groupby((CategoryID),aggregate($count as N))", {}),
}


@pytest.fixture(scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    """A Northwind of its own: the probes write."""
    async with northwind_client(f"sqlite:///{tmp_path_factory.mktemp('capabilities') / 'nw.db'}") as client:
        yield client


def _supported(annotation: Annotation) -> bool:
    if isinstance(annotation.value, Record):
        return all(value is not False for _, value in annotation.value.values)
    return annotation.value is not False


@pytest.mark.parametrize("annotation", [*ENTITY_SET_CAPABILITIES, *CONTAINER_CAPABILITIES], ids=lambda a: a.term)
async def test_advertised_capability_matches_the_answer(client: httpx.AsyncClient, annotation: Annotation) -> None:
    method, path, headers, *body = PROBES[annotation.term]
    response = await client.request(method, path, headers=headers, content=body[0] if body else None)
    if annotation.term == "Capabilities.AsynchronousRequestsSupported":
        assert (response.status_code == 202) is _supported(annotation)
    elif _supported(annotation):
        assert response.status_code < 300, response.text
    else:
        assert response.status_code == 501, response.text


def _apply_supported(set_name: str) -> dict[str, Any]:
    from examples.northwind.app import create_app

    model = create_app("sqlite://").state.odata.model
    (annotation,) = [a for a in model.entity_sets[set_name].annotations if a.term == "Aggregation.ApplySupported"]
    return dict(annotation.value.values)


APPLY = _apply_supported("Order_Details")
AGGREGATIONS = [
    (dict(record.values)["Property"].path, method)
    for record in APPLY["AggregatableProperties"]
    for method in dict(record.values)["SupportedAggregationMethods"]
]


@pytest.mark.parametrize(("name", "method"), AGGREGATIONS, ids=[f"{n}-{m}" for n, m in AGGREGATIONS])
async def test_each_advertised_aggregation_answers(client: httpx.AsyncClient, name: str, method: str) -> None:
    response = await client.get(f"Order_Details?$apply=aggregate({name} with {method} as Value)")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", [path.path for path in APPLY["GroupableProperties"]])
async def test_each_advertised_grouping_answers(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(f"Order_Details?$apply=groupby(({path}),aggregate($count as N))")
    assert response.status_code == 200, response.text
