"""Singletons and contained entities inside ``$batch`` and with ``Prefer: respond-async``:
the same pipeline answers them, so nothing special is needed."""

from __future__ import annotations

import httpx

from odata_server import ODataService
from tests.batch.conftest import json_responses
from tests.conftest import ROOT, finished

RUSSELL = "People('russellwhyte')"


async def test_a_batch_creates_in_a_container_and_reads_through_the_new_entity(trips: httpx.AsyncClient) -> None:
    requests = [
        {"id": "me", "method": "GET", "url": "Me?$select=FirstName", "headers": {"X-User": "aprilcline"}},
        {
            "id": "trip",
            "atomicityGroup": "g",
            "method": "POST",
            "url": f"{RUSSELL}/Trips",
            "headers": {"Content-Type": "application/json"},
            "body": {"Name": "Trip in Rome"},
        },
        {
            "id": "item",
            "atomicityGroup": "g",
            "dependsOn": ["trip"],
            "method": "POST",
            "url": "$trip/PlanItems",
            "headers": {"Content-Type": "application/json"},
            "body": {"PlanItemId": 1, "ConfirmationCode": "ROME"},
        },
        {"id": "items", "dependsOn": ["g"], "method": "GET", "url": f"{RUSSELL}/Trips(6)/PlanItems"},
    ]
    responses = json_responses(await trips.post("$batch", json={"requests": requests}))
    assert responses["me"]["status"] == 200
    assert responses["me"]["body"]["@context"] == f"{ROOT}$metadata#Me(FirstName)"
    assert responses["trip"]["status"] == 201
    assert responses["trip"]["headers"]["location"] == f"{ROOT}{RUSSELL}/Trips(6)"
    assert responses["item"]["status"] == 201, responses["item"]
    assert responses["item"]["headers"]["location"] == f"{ROOT}{RUSSELL}/Trips(6)/PlanItems(1)"
    assert responses["items"]["body"]["@context"] == f"{ROOT}$metadata#{RUSSELL}/Trips(6)/PlanItems"
    assert [item["ConfirmationCode"] for item in responses["items"]["body"]["value"]] == ["ROME"]


async def test_respond_async_answers_as_the_request_would(
    served: tuple[httpx.AsyncClient, ODataService], trips: httpx.AsyncClient
) -> None:
    _, service = served
    for path in (f"{RUSSELL}/Trips(1)/PlanItems?$orderby=PlanItemId desc", "Admin?$expand=Trips"):
        synchronous = await trips.get(path)
        accepted = await trips.get(path, headers={"Prefer": "respond-async"})
        assert accepted.status_code == 202, accepted.text
        service.jobs.start_workers()
        result = await finished(trips, accepted.headers["location"])
        assert result.status_code == 200
        assert result.headers["asyncresult"] == "200"
        assert result.content == synchronous.content
