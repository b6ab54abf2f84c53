"""Media entities through HTTP (OData Protocol §11.2.3, §11.4.7; JSON Format §4.5.12), with
their streams in a column (``Photos``), on ``memory://`` (``DiskPhotos``) and in a local
folder (``FilePhotos``), on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import insert

from tests.conftest import assert_error
from tests.media.photos import JPEG, MEDIA_SETS, PNG, ROOT, DiskPhoto, Photos, create

DISK_SETS = ("DiskPhotos", "FilePhotos")
TYPE_NAMES = {"Photos": "Photo", "DiskPhotos": "DiskPhoto", "FilePhotos": "FilePhoto"}

media_sets = pytest.mark.parametrize("entity_set", MEDIA_SETS)


def _key(path: str) -> str:
    """The key in an entity's path: ``3`` of ``Photos(3)``."""
    return path.split("(")[1].rstrip(")")


async def media_etag(client: httpx.AsyncClient, path: str) -> str:
    response = await client.get(f"{path}/$value")
    assert response.status_code == 200, response.text
    return response.headers["etag"]


@media_sets
async def test_post_of_media_creates_a_media_entity(client: httpx.AsyncClient, entity_set: str) -> None:
    response = await client.post(entity_set, content=PNG, headers={"Content-Type": "image/png"})
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    assert location.startswith(f"{ROOT}{entity_set}(")
    entity = response.json()
    assert entity["@context"] == f"{ROOT}$metadata#{entity_set}/$entity"
    assert entity["@mediaContentType"] == "image/png"
    assert location == f"{ROOT}{entity_set}({entity['PhotoID']})"  # the key the database generated
    assert entity["Title"] == ("Untitled" if entity_set == "Photos" else None)  # the default
    assert not {"data", "content_type", "$value"} & set(entity)
    again = await client.get(location)
    assert again.json() == entity


@media_sets
async def test_return_minimal_answers_204_with_the_location(client: httpx.AsyncClient, entity_set: str) -> None:
    response = await client.post(
        entity_set, content=JPEG, headers={"Content-Type": "image/jpeg", "Prefer": "return=minimal"}
    )
    assert response.status_code == 204 and response.content == b""
    assert response.headers["preference-applied"] == "return=minimal"
    media = await client.get(response.headers["location"] + "/$value")
    assert media.content == JPEG


@media_sets
async def test_the_media_is_read_at_value(client: httpx.AsyncClient, entity_set: str) -> None:
    path = await create(client, entity_set)
    response = await client.get(f"{path}/$value")
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["etag"].removeprefix("W/").startswith('"')
    head = await client.head(f"{path}/$value")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == response.headers["etag"]


@media_sets
async def test_conditional_reads_of_the_media(client: httpx.AsyncClient, entity_set: str) -> None:
    path = await create(client, entity_set)
    etag = await media_etag(client, path)
    not_modified = await client.get(f"{path}/$value", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    modified = await client.get(f"{path}/$value", headers={"If-None-Match": 'W/"other"'})
    assert modified.status_code == 200 and modified.content == PNG
    assert_error(await client.get(f"{path}/$value", headers={"If-Match": 'W/"other"'}), 412)
    assert (await client.get(f"{path}/$value", headers={"If-Match": etag})).status_code == 200


@media_sets
@pytest.mark.parametrize(
    ("accept", "status"),
    [
        ("image/png", 200),
        ("image/*", 200),
        ("*/*", 200),
        ("image/jpeg, image/png;q=0.5", 200),
        ("application/json", 406),
        ("image/jpeg", 406),
        ("image/png;q=0", 406),
    ],
)
async def test_accept_must_allow_the_media_type(
    client: httpx.AsyncClient, entity_set: str, accept: str, status: int
) -> None:
    path = await create(client, entity_set)
    response = await client.get(f"{path}/$value", headers={"Accept": accept})
    if status == 200:
        assert response.status_code == 200 and response.content == PNG
    else:
        assert_error(response, status, "Accept")


@media_sets
async def test_format_does_not_apply_to_a_stream(client: httpx.AsyncClient, entity_set: str) -> None:
    path = await create(client, entity_set)
    response = await client.get(f"{path}/$value?$format=json")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"


@media_sets
async def test_patch_sets_the_properties_of_a_new_media_entity(client: httpx.AsyncClient, entity_set: str) -> None:
    path = await create(client, entity_set)
    response = await client.patch(path, json={"Title": "Beach"})
    assert response.status_code == 204, response.text
    entity = (await client.get(path)).json()
    assert (entity["Title"], entity["@mediaContentType"]) == ("Beach", "image/png")
    assert (await client.get(f"{path}/$value")).content == PNG


@media_sets
async def test_put_replaces_the_media(client: httpx.AsyncClient, photos: Photos, entity_set: str) -> None:
    path = await create(client, entity_set)
    before = await media_etag(client, path)
    response = await client.put(f"{path}/$value", content=JPEG, headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 204 and response.content == b""
    media = await client.get(f"{path}/$value")
    assert (media.content, media.headers["content-type"]) == (JPEG, "image/jpeg")
    assert media.headers["etag"] != before
    if entity_set == "Photos":  # known at once for a stream in a column; a file's once it is in place
        assert response.headers["etag"] == media.headers["etag"]
    else:
        assert "etag" not in response.headers
        fs, root = photos.file_system(entity_set)
        assert fs.cat_file(f"{root}/{TYPE_NAMES[entity_set]}/{_key(path)}") == JPEG
        assert not [name for name in photos.files(entity_set) if name.endswith(".partial")]
    assert (await client.get(path)).json()["@mediaContentType"] == "image/jpeg"


async def test_a_new_stream_is_a_change_of_the_entity(client: httpx.AsyncClient) -> None:
    path = await create(client, "Photos")
    etag = (await client.get(path)).headers["etag"]
    await client.put(f"{path}/$value", content=JPEG, headers={"Content-Type": "image/jpeg"})
    entity = await client.get(path)
    assert entity.headers["etag"] != etag  # the version went up
    assert entity.json()["Version"] == 2


@media_sets
async def test_put_honours_if_match(client: httpx.AsyncClient, entity_set: str) -> None:
    path = await create(client, entity_set)
    first = await media_etag(client, path)
    headers = {"Content-Type": "image/jpeg", "If-Match": first}
    assert (await client.put(f"{path}/$value", content=JPEG, headers=headers)).status_code == 204
    stale = await client.put(f"{path}/$value", content=PNG, headers=headers)
    assert_error(stale, 412)
    assert (await client.get(f"{path}/$value")).content == JPEG
    current = await media_etag(client, path)
    headers["If-Match"] = current
    assert (await client.put(f"{path}/$value", content=PNG, headers=headers)).status_code == 204
    headers["If-Match"] = "*"
    assert (await client.put(f"{path}/$value", content=JPEG, headers=headers)).status_code == 204
    headers = {"Content-Type": "image/png", "If-None-Match": "*"}  # only if there is no stream yet
    assert_error(await client.put(f"{path}/$value", content=PNG, headers=headers), 412)


async def test_if_match_is_required_where_the_set_requires_it(client: httpx.AsyncClient) -> None:
    path = await create(client, "GuardedPhotos")
    response = await client.put(f"{path}/$value", content=JPEG, headers={"Content-Type": "image/jpeg"})
    assert_error(response, 428)
    etag = await media_etag(client, path)
    headers = {"Content-Type": "image/jpeg", "If-Match": etag}
    assert (await client.put(f"{path}/$value", content=JPEG, headers=headers)).status_code == 204


@media_sets
async def test_put_with_return_representation_answers_the_media_entity(
    client: httpx.AsyncClient, entity_set: str
) -> None:
    path = await create(client, entity_set)
    headers = {"Content-Type": "image/jpeg", "Prefer": "return=representation"}
    response = await client.put(f"{path}/$value", content=JPEG, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["preference-applied"] == "return=representation"
    entity = response.json()
    assert entity["@context"] == f"{ROOT}$metadata#{entity_set}/$entity"
    assert entity["@mediaContentType"] == "image/jpeg"


@pytest.mark.parametrize(
    ("collection", "headers"),
    [
        ("Photos", {"Content-Type": "text/plain"}),
        ("Photos", {"Content-Type": "application/json"}),
        ("Photos", {"Content-Type": "image/png; charset"}),
        ("Photos", {}),
        ("Photos", {"Content-Type": "not a media type"}),
        ("Albums(1)/Photos", {"Content-Type": "image/gif"}),
        ("DiskPhotos", {}),
        ("FilePhotos", {"Content-Type": "image"}),
    ],
)
async def test_unacceptable_media_types_are_refused(
    client: httpx.AsyncClient, collection: str, headers: dict[str, str]
) -> None:
    path = await create(client, collection.split("/")[-1])
    count = (await client.get(f"{collection}/$count")).text
    assert_error(await client.post(collection, content=b"GIF89a", headers=headers), 415, "Content-Type")
    assert (await client.get(f"{collection}/$count")).text == count
    assert_error(await client.put(f"{path}/$value", content=b"GIF89a", headers=headers), 415, "Content-Type")
    assert (await client.get(f"{path}/$value")).content == PNG


@pytest.mark.parametrize("entity_set", DISK_SETS)
async def test_a_json_body_is_media_too(client: httpx.AsyncClient, entity_set: str) -> None:
    """Protocol §11.4.7.1: the body of a POST to media entities is always the media."""
    body = b'{"Title": "not a property value"}'
    path = await create(client, entity_set, body, "application/json")
    entity = (await client.get(path)).json()
    assert (entity["Title"], entity["@mediaContentType"]) == (None, "application/json")
    media = await client.get(f"{path}/$value")
    assert (media.content, media.headers["content-type"]) == (body, "application/json")


@media_sets
@pytest.mark.parametrize("deleted", ["", "/$value"])
async def test_delete_deletes_the_entity_and_its_stream(
    client: httpx.AsyncClient, photos: Photos, entity_set: str, deleted: str
) -> None:
    path = await create(client, entity_set)
    key = _key(path)
    own_file = f"/{TYPE_NAMES[entity_set]}/{key}"
    if entity_set in DISK_SETS:
        assert own_file in photos.files(entity_set)
    response = await client.delete(f"{path}{deleted}")
    assert response.status_code == 204, response.text
    assert_error(await client.get(path), 404)
    assert_error(await client.get(f"{path}/$value"), 404)
    if entity_set in DISK_SETS:
        assert own_file not in photos.files(entity_set)
        assert not [name for name in photos.files(entity_set) if name.endswith(".partial")]


@media_sets
async def test_files_are_named_after_the_entity_type_and_key(
    client: httpx.AsyncClient, photos: Photos, entity_set: str
) -> None:
    path = await create(client, entity_set)
    if entity_set not in DISK_SETS:
        return
    fs, root = photos.file_system(entity_set)
    key = _key(path)
    assert fs.cat_file(f"{root}/{TYPE_NAMES[entity_set]}/{key}") == PNG


@pytest.mark.parametrize("method", ["GET", "PUT"])
async def test_the_media_of_a_missing_entity_is_404(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "Photos(999999)/$value", content=PNG, headers={"Content-Type": "image/png"})
    assert_error(response, 404)


async def test_a_single_valued_navigation_reaches_the_media(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("Frames(1)/Photo/$value"), 404)  # no photo in the frame
    path = await create(client, "Photos")
    photo_id = int(_key(path))
    assert (await client.patch("Frames(1)", json={"PhotoID": photo_id})).status_code == 204
    response = await client.get("Frames(1)/Photo/$value")
    assert (response.status_code, response.content) == (200, PNG)


async def test_an_entity_that_is_not_a_media_entity_has_no_value(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("Albums(1)/$value"), 400, "$value")


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_methods_a_media_stream_does_not_take(client: httpx.AsyncClient, method: str) -> None:
    path = await create(client, "Photos")
    response = await client.request(method, f"{path}/$value", content=PNG, headers={"Content-Type": "image/png"})
    assert_error(response, 405)
    assert response.headers["allow"] == "DELETE, GET, HEAD, PUT"


async def test_an_entity_without_its_stream(client: httpx.AsyncClient, photos: Photos) -> None:
    """A row written outside the service, without a media type (or a file): GET ``$value`` answers 204."""
    async with photos.service.engine.begin() as connection:
        await connection.execute(insert(DiskPhoto), [{"PhotoID": 9001, "Title": "no media"}])
        await connection.execute(insert(DiskPhoto), [{"PhotoID": 9002, "content_type": "image/png"}])
    for path in ("DiskPhotos(9001)", "DiskPhotos(9002)"):
        response = await client.get(f"{path}/$value")
        assert (response.status_code, response.content) == (204, b"")
    assert "@mediaContentType" not in (await client.get("DiskPhotos(9001)")).json()
    response = await client.put("DiskPhotos(9001)/$value", content=PNG, headers={"Content-Type": "image/png"})
    assert response.status_code == 204
    assert (await client.get("DiskPhotos(9001)/$value")).content == PNG


async def test_media_entities_related_to_another_entity(client: httpx.AsyncClient) -> None:
    response = await client.post("Albums(2)/Photos", content=JPEG, headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["AlbumID"], created["@mediaContentType"]) == (2, "image/jpeg")
    listed = (await client.get("Albums(2)/Photos")).json()["value"]
    assert [photo["@mediaContentType"] for photo in listed] == ["image/jpeg"]
    expanded = (await client.get("Albums(2)?$expand=Photos")).json()["Photos"]
    assert expanded == listed
    full = await client.get("Albums(2)?$expand=Photos", headers={"Accept": "application/json;odata.metadata=full"})
    photo = full.json()["Photos"][0]
    link = f"{ROOT}Photos({created['PhotoID']})/$value"
    assert (photo["@mediaReadLink"], photo["@mediaEditLink"]) == (link, link)


@media_sets
@pytest.mark.parametrize(
    ("accept", "version", "expected"),
    [
        ("application/json", "4.01", {"@mediaContentType"}),
        ("application/json;odata.metadata=minimal", "4.0", {"@odata.mediaContentType"}),
        ("application/json;metadata=full", "4.01", {"@mediaReadLink", "@mediaEditLink", "@mediaContentType"}),
        (
            "application/json;odata.metadata=full",
            "4.0",
            {"@odata.mediaReadLink", "@odata.mediaEditLink", "@odata.mediaContentType"},
        ),
        ("application/json;metadata=none", "4.01", set()),
    ],
)
async def test_media_control_information_by_metadata_level(
    client: httpx.AsyncClient, entity_set: str, accept: str, version: str, expected: set[str]
) -> None:
    path = await create(client, entity_set)
    headers = {"Accept": accept, "OData-MaxVersion": version}
    for url in (path, f"{entity_set}?$filter=PhotoID eq {_key(path)}"):
        body = (await client.get(url, headers=headers)).json()
        entity = body["value"][0] if "value" in body else body
        media = {name for name in entity if "media" in name}
        assert media == expected
        for name in media:
            if "Link" in name:
                assert entity[name] == f"{ROOT}{path}/$value"
            else:
                assert entity[name] == "image/png"


@media_sets
async def test_select_leaves_the_media_control_information(client: httpx.AsyncClient, entity_set: str) -> None:
    path = await create(client, entity_set)
    entity = (await client.get(f"{path}?$select=Title")).json()
    shown = {"@context", "@id", "@mediaContentType", "Title"}  # @id: the key is not selected
    assert set(entity) == shown | ({"@etag"} if entity_set == "Photos" else set())


async def test_a_singleton_media_entity(client: httpx.AsyncClient) -> None:
    media = await client.get("Featured/$value")
    assert (media.status_code, media.content, media.headers["content-type"]) == (200, PNG, "image/png")
    response = await client.put("Featured/$value", content=JPEG, headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 204
    assert (await client.get("Featured/$value")).content == JPEG
    assert (await client.get("Photos(1000)/$value")).content == JPEG  # the same entity
    full = (await client.get("Featured", headers={"Accept": "application/json;metadata=full"})).json()
    assert (full["@mediaReadLink"], full["@mediaContentType"]) == (f"{ROOT}Featured/$value", "image/jpeg")


async def test_a_media_entity_nested_in_a_deep_insert_needs_its_stream(client: httpx.AsyncClient) -> None:
    """Only a POST of its media creates a media entity with its stream; Photos keep theirs in
    columns that take no NULL, so a nested one cannot be created without it."""
    count = (await client.get("Albums/$count")).text
    response = await client.post("Albums", json={"Name": "Deep", "Photos": [{"Title": "no media"}]})
    assert_error(response, 400)
    assert (await client.get("Albums/$count")).text == count
