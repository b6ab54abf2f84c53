"""Media requests the way other requests go: in ``$batch`` (multipart and JSON), with
``Prefer: respond-async``, under the service's body limit; stream files that follow the
transaction of their change set; large files streamed. SQLite and PostgreSQL."""

from __future__ import annotations

import base64

import httpx
import pytest

from odata_server import ODataRequest
from tests.batch.conftest import (
    change_set,
    flat,
    http_part,
    http_request,
    json_responses,
    post_multipart,
    read_multipart_response,
)
from tests.conftest import assert_error, finished
from tests.media.photos import JPEG, MAX_BODY, PNG, ROOT, Photos, create

# Bytes that look like the parts of a multipart message, to show the batch keeps them as they are.
AWKWARD = b"\r\n--batch_36522ad7\r\n\x00\xff" + bytes(range(256))


def _partials(photos: Photos, entity_set: str) -> list[str]:
    return [name for name in photos.files(entity_set) if name.endswith(".partial")]


@pytest.mark.parametrize("entity_set", ["Photos", "DiskPhotos", "FilePhotos"])
async def test_media_in_a_multipart_batch(client: httpx.AsyncClient, entity_set: str) -> None:
    path = await create(
        client, entity_set, AWKWARD, "application/octet-stream" if entity_set != "Photos" else "image/png"
    )
    response = await post_multipart(
        client,
        http_part(http_request("GET", f"{path}/$value")),
        http_part(http_request("GET", "Airlines('AA')/Logo")),
    )
    media, logo = flat(read_multipart_response(response))
    assert (media.status, media.body) == (200, AWKWARD)
    assert media.headers["etag"] == (await client.get(f"{path}/$value")).headers["etag"]
    assert (logo.status, logo.headers["content-type"]) == (200, "image/svg+xml")


async def test_media_in_a_json_batch(client: httpx.AsyncClient) -> None:
    """JSON Format §19: a body that is neither JSON nor text is base64url-encoded, both ways."""
    path = await create(client, "DiskPhotos")
    requests = [
        {"id": "1", "method": "get", "url": f"{path}/$value"},
        {
            "id": "2",
            "method": "put",
            "url": f"{path}/$value",
            "headers": {"content-type": "image/jpeg"},
            "body": base64.urlsafe_b64encode(JPEG).decode().rstrip("="),
        },
        {"id": "3", "method": "get", "url": f"{path}/$value", "dependsOn": ["2"]},
    ]
    responses = json_responses(await client.post("$batch", json={"requests": requests}))
    assert base64.urlsafe_b64decode(responses["1"]["body"] + "==") == PNG
    assert responses["2"]["status"] == 204
    assert base64.urlsafe_b64decode(responses["3"]["body"] + "==") == JPEG
    assert responses["3"]["headers"]["content-type"] == "image/jpeg"


@pytest.mark.parametrize("entity_set", ["DiskPhotos", "FilePhotos"])
async def test_a_change_set_puts_its_files_in_place_when_it_commits(
    client: httpx.AsyncClient, photos: Photos, entity_set: str
) -> None:
    kept = await create(client, entity_set)
    replaced = await create(client, entity_set)
    removed = await create(client, entity_set)
    response = await post_multipart(
        client,
        change_set(
            http_part(http_request("POST", entity_set, {"Content-Type": "image/jpeg"}, JPEG), "1"),
            http_part(http_request("PUT", f"{replaced}/$value", {"Content-Type": "image/jpeg"}, JPEG), "2"),
            http_part(http_request("DELETE", removed), "3"),
            http_part(http_request("POST", entity_set, {"Content-Type": "image/png"}, PNG), "4"),
            http_part(http_request("DELETE", "$4"), "5"),
        ),
    )
    assert [part.status for part in flat(read_multipart_response(response))] == [201, 204, 204, 201, 204]
    created = flat(read_multipart_response(response))[0].headers["location"].removeprefix(ROOT)
    assert (await client.get(f"{created}/$value")).content == JPEG
    assert (await client.get(f"{replaced}/$value")).content == JPEG
    assert (await client.get(f"{kept}/$value")).content == PNG
    assert_error(await client.get(removed), 404)
    names = photos.files(entity_set)
    type_name = entity_set.removesuffix("s")
    assert f"/{type_name}/{removed.split('(')[1].rstrip(')')}" not in names
    assert not _partials(photos, entity_set)
    assert len([name for name in names if name.startswith(f"/{type_name}/")]) == len(
        (await client.get(entity_set)).json()["value"]
    )


@pytest.mark.parametrize("entity_set", ["Photos", "DiskPhotos", "FilePhotos"])
async def test_a_failed_change_set_leaves_the_streams_as_they_were(
    client: httpx.AsyncClient, photos: Photos, entity_set: str
) -> None:
    replaced = await create(client, entity_set)
    removed = await create(client, entity_set)
    count = (await client.get(f"{entity_set}/$count")).text
    files = photos.files(entity_set) if entity_set != "Photos" else []
    response = await post_multipart(
        client,
        change_set(
            http_part(http_request("POST", entity_set, {"Content-Type": "image/jpeg"}, JPEG), "1"),
            http_part(http_request("PUT", f"{replaced}/$value", {"Content-Type": "image/jpeg"}, JPEG), "2"),
            http_part(http_request("DELETE", removed), "3"),
            http_part(http_request("PATCH", "Albums(999)", {"Content-Type": "application/json"}, "{}"), "4"),
        ),
    )
    failure = flat(read_multipart_response(response))
    assert [part.status for part in failure] == [404]
    assert (await client.get(f"{entity_set}/$count")).text == count
    replaced_media = await client.get(f"{replaced}/$value")
    assert (replaced_media.content, replaced_media.headers["content-type"]) == (PNG, "image/png")
    assert (await client.get(f"{removed}/$value")).content == PNG
    if entity_set != "Photos":
        assert photos.files(entity_set) == files  # nothing staged is left


async def test_an_asynchronous_request_for_media(client: httpx.AsyncClient) -> None:
    path = await create(client, "FilePhotos", AWKWARD, "application/octet-stream")
    accepted = await client.get(f"{path}/$value", headers={"Prefer": "respond-async"})
    assert accepted.status_code == 202, accepted.text
    result = await finished(client, accepted.headers["location"])
    assert (result.status_code, result.content) == (200, AWKWARD)
    assert result.headers["content-type"] == "application/octet-stream"
    assert result.headers["asyncresult"] == "200"


async def test_an_asynchronous_upload_creates_a_media_entity(client: httpx.AsyncClient) -> None:
    accepted = await client.post(
        "DiskPhotos", content=AWKWARD, headers={"Content-Type": "application/octet-stream", "Prefer": "respond-async"}
    )
    assert accepted.status_code == 202, accepted.text
    result = await finished(client, accepted.headers["location"])
    assert result.headers["asyncresult"] == "201"
    media = await client.get(result.headers["location"] + "/$value")
    assert media.content == AWKWARD


@pytest.mark.parametrize(
    ("method", "url"),
    [("POST", "DiskPhotos"), ("POST", "Photos"), ("PUT", "FilePhotos(1)/$value"), ("PUT", "Airlines('AA')/Logo")],
)
async def test_uploads_are_bound_by_the_request_body_limit(client: httpx.AsyncClient, method: str, url: str) -> None:
    response = await client.request(method, url, content=b"\0" * (MAX_BODY + 1), headers={"Content-Type": "image/png"})
    assert_error(response, 413)


async def test_the_largest_upload_the_service_takes(client: httpx.AsyncClient) -> None:
    content = bytes(range(256)) * (MAX_BODY // 256)
    path = await create(client, "FilePhotos", content, "application/octet-stream")
    assert (await client.get(f"{path}/$value")).content == content


@pytest.mark.parametrize("entity_set", ["DiskPhotos", "FilePhotos"])
async def test_a_file_is_streamed_in_chunks(client: httpx.AsyncClient, photos: Photos, entity_set: str) -> None:
    content = bytes(range(256)) * 4096  # 1 MiB
    path = await create(client, entity_set, content, "application/octet-stream")
    response = await photos.service.handler(ODataRequest("GET", ROOT, f"{path}/$value"))
    assert response.status == 200 and not isinstance(response.body, bytes)
    chunks = [chunk async for chunk in response.iter_body()]
    assert len(chunks) > 1 and b"".join(chunks) == content
    async with client.stream("GET", f"{path}/$value") as streamed:
        assert b"".join([chunk async for chunk in streamed.aiter_bytes()]) == content
