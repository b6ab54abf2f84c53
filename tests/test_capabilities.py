"""The Capabilities annotations in $metadata tell the truth about what the server answers."""

from __future__ import annotations

import httpx
import pytest

from odata_server.edm.annotations import Annotation, Record
from odata_server.edm.capabilities import CONTAINER_CAPABILITIES, ENTITY_SET_CAPABILITIES

# Capability term → a request that uses it: (method, path, extra headers).
PROBES: dict[str, tuple[str, str, dict[str, str]]] = {
    "Capabilities.InsertRestrictions": ("POST", "Products", {}),
    "Capabilities.UpdateRestrictions": ("PATCH", "Products(1)", {}),
    "Capabilities.DeleteRestrictions": ("DELETE", "Products(1)", {}),
    "Capabilities.FilterRestrictions": ("GET", "Products?$filter=ProductID eq 1", {}),
    "Capabilities.SortRestrictions": ("GET", "Products?$orderby=ProductName", {}),
    "Capabilities.SearchRestrictions": ("GET", "Products?$search=Chai", {}),
    "Capabilities.ExpandRestrictions": ("GET", "Products?$expand=Category", {}),
    "Capabilities.SelectSupport": ("GET", "Products?$select=ProductName", {}),
    "Capabilities.CountRestrictions": ("GET", "Products?$count=true", {}),
    "Capabilities.TopSupported": ("GET", "Products?$top=1", {}),
    "Capabilities.SkipSupported": ("GET", "Products?$skip=1", {}),
    "Capabilities.KeyAsSegmentSupported": ("GET", "Products/1", {}),
    "Capabilities.BatchSupported": ("POST", "$batch", {"Content-Type": "application/json"}),
    "Capabilities.AsynchronousRequestsSupported": ("GET", "Products(1)", {"Prefer": "respond-async"}),
}


def _supported(annotation: Annotation) -> bool:
    if isinstance(annotation.value, Record):
        return all(value is not False for _, value in annotation.value.values)
    return annotation.value is not False


@pytest.mark.parametrize("annotation", [*ENTITY_SET_CAPABILITIES, *CONTAINER_CAPABILITIES], ids=lambda a: a.term)
async def test_advertised_capability_matches_the_answer(
    sqlite_northwind: httpx.AsyncClient, annotation: Annotation
) -> None:
    method, path, headers = PROBES[annotation.term]
    response = await sqlite_northwind.request(method, path, headers=headers)
    if annotation.term == "Capabilities.AsynchronousRequestsSupported":
        assert (response.status_code == 202) is _supported(annotation)
    elif _supported(annotation):
        assert response.status_code < 300, response.text
    else:
        assert response.status_code == 501, response.text
