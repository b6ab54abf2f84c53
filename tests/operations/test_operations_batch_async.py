"""Functions and actions inside ``$batch`` and with ``Prefer: respond-async``: the same pipeline, the same answers.

An action inside a change set (an atomicity group) runs in the change set's
transaction, so it is written together with the other requests or not at all.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.batch.conftest import (
    PartResponse,
    assert_part_error,
    change_set,
    http_part,
    http_request,
    json_responses,
    post_multipart,
    read_multipart_response,
)
from tests.conftest import finished
from tests.operations.trippin import trippin_client


@pytest.fixture(scope="module")
async def client(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    """The travel service, answering asynchronous requests with its embedded queue."""
    folder: Path = tmp_path_factory.mktemp("jobs")
    async with trippin_client(database_url, async_disk=str(folder), async_result_expiry=3600) as client:
        yield client


async def _trip_names(client: httpx.AsyncClient, owner: str) -> list[str]:
    response = await client.get(f"People('{owner}')/Trippin.TripNames()")
    assert response.status_code == 200, response.text
    return response.json()["value"]


async def test_functions_and_actions_in_a_json_batch(client: httpx.AsyncClient) -> None:
    requests = [
        {"id": "1", "method": "get", "url": "GetNearestAirport(lat=33,lon=-118)?$select=IcaoCode"},
        {
            "id": "2",
            "atomicityGroup": "g",
            "method": "post",
            "url": "People('russellwhyte')/Trippin.ShareTrip",
            "headers": {"content-type": "application/json"},
            "body": {"userName": "javieralfred", "tripId": 1},
        },
        {
            "id": "3",
            "atomicityGroup": "g",
            "method": "post",
            "url": "AddTrip",
            "headers": {"content-type": "application/json"},
            "body": {"userName": "javieralfred", "name": "Batch", "budget": 5},
        },
        {"id": "4", "method": "get", "url": "People('javieralfred')/Trippin.TripNames()", "dependsOn": ["g"]},
        {"id": "5", "method": "get", "url": "CountPeople()"},
    ]
    responses = json_responses(await client.post("$batch", json={"requests": requests}))
    assert responses["1"]["status"] == 200 and responses["1"]["body"]["IcaoCode"] == "KLAX"
    assert responses["2"]["status"] == 204
    assert responses["3"]["status"] == 200 and responses["3"]["body"]["Name"] == "Batch"
    assert responses["4"]["body"]["value"] == ["Trip in US", "Batch"]
    assert responses["5"]["body"]["value"] == 4
    assert (await client.post("ResetDataSource")).status_code == 204


async def test_an_action_in_a_failed_atomicity_group_is_rolled_back(client: httpx.AsyncClient) -> None:
    requests = [
        {
            "id": "1",
            "atomicityGroup": "g",
            "method": "post",
            "url": "People('russellwhyte')/Trippin.ShareTrip",
            "headers": {"content-type": "application/json"},
            "body": {"userName": "javieralfred", "tripId": 2},
        },
        {
            "id": "2",
            "atomicityGroup": "g",
            "method": "post",
            "url": "People('russellwhyte')/Trippin.ShareTrip",
            "headers": {"content-type": "application/json"},
            "body": {"userName": "javieralfred", "tripId": 3},  # not Russell's: 400
        },
    ]
    responses = json_responses(await client.post("$batch", json={"requests": requests}))
    assert_part_error(responses["2"], 400)
    assert_part_error(responses["1"], 424, "rolled back")
    assert await _trip_names(client, "javieralfred") == []


async def test_a_failing_action_fails_its_change_set(client: httpx.AsyncClient) -> None:
    body = json.dumps({"userName": "javieralfred", "tripId": 2})
    share = http_request("POST", "People('russellwhyte')/Trippin.ShareTrip", {"Content-Type": "application/json"}, body)
    fail = http_request("POST", "Fail", {"Content-Type": "application/json"}, json.dumps({"how": "odata"}))
    answers = read_multipart_response(
        await post_multipart(client, change_set(http_part(share, "1"), http_part(fail, "2")))
    )
    (failure,) = answers
    assert isinstance(failure, PartResponse) and failure.content_id == "2"
    assert_part_error(failure, 400, "Failing as asked")
    assert await _trip_names(client, "javieralfred") == []
    assert (await client.get("Trips(999)")).status_code == 404


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "TopAirports(count=3)?$select=Name", None),
        ("GET", "People('russellwhyte')/Trippin.GetFriendsTrips(userName='scottketchum')/$count", None),
        ("GET", "People/Trippin.AverageAge()", None),
        ("POST", "EchoCityAction", {"value": {"Name": "X", "Location": {"Address": "a", "Latitude": 1}, "Tags": []}}),
    ],
)
async def test_respond_async_answers_what_the_synchronous_request_answers(
    client: httpx.AsyncClient, method: str, url: str, body: object
) -> None:
    synchronous = await client.request(method, url, json=body)
    accepted = await client.request(method, url, json=body, headers={"Prefer": "respond-async"})
    assert accepted.status_code == 202, accepted.text
    result = await finished(client, accepted.headers["location"])
    assert result.status_code == 200
    assert result.headers["asyncresult"] == str(synchronous.status_code)
    assert result.content == synchronous.content


async def test_an_asynchronous_action_changes_data(client: httpx.AsyncClient) -> None:
    accepted = await client.post(
        "AddTrip",
        json={"userName": "javieralfred", "name": "Later", "budget": 9},
        headers={"Prefer": "respond-async"},
    )
    assert accepted.status_code == 202, accepted.text
    result = await finished(client, accepted.headers["location"])
    assert result.headers["asyncresult"] == "200"
    assert result.json()["Name"] == "Later"
    assert await _trip_names(client, "javieralfred") == ["Later"]
    assert (await client.post("ResetDataSource")).status_code == 204


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("GET", "GetNearestAirport(lat='x',lon=1)", None, 400),
        ("GET", "GetNearestAirport(lat=1)", None, 400),
        ("POST", "AddTrip", {"userName": "javieralfred"}, 400),
        ("POST", "GetNearestAirport(lat=1,lon=1)", None, 405),
    ],
)
async def test_bad_invocations_are_refused_at_once(
    client: httpx.AsyncClient, method: str, url: str, body: object, status: int
) -> None:
    response = await client.request(method, url, json=body, headers={"Prefer": "respond-async"})
    assert response.status_code == status, response.text
    assert "location" not in response.headers
