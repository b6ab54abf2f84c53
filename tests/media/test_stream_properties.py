"""Stream properties through HTTP (OData Protocol §11.2.4.1, §11.4.8; JSON Format §9): ``Logo``
in columns (nullable), ``Manual`` in a file on ``memory://`` (nullable, PDF or text only),
``Badge`` in columns (not nullable), on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools

import httpx
import pytest

from tests.conftest import ROOT, assert_error
from tests.media.photos import LOGO, Photos

PDF = b"%PDF-1.7\n" + bytes(range(256))
STREAMS = {"Logo": ("image/svg+xml", LOGO), "Manual": ("application/pdf", PDF), "Badge": ("text/plain", b"XX")}
_codes = (f"Z{number:02d}" for number in itertools.count())

streams = pytest.mark.parametrize("stream", list(STREAMS))


async def airline(client: httpx.AsyncClient, *with_streams: str) -> str:
    """A new airline with the named streams; its path."""
    code = next(_codes)
    response = await client.post("Airlines", json={"Code": code, "Name": f"Airline {code}"})
    assert response.status_code == 201, response.text
    path = f"Airlines('{code}')"
    for name in with_streams:
        content_type, content = STREAMS[name]
        written = await client.put(f"{path}/{name}", content=content, headers={"Content-Type": content_type})
        assert written.status_code == 204, written.text
    return path


async def test_a_stream_property_is_read_at_its_url(client: httpx.AsyncClient) -> None:
    response = await client.get("Airlines('AA')/Logo")
    assert response.status_code == 200
    assert (response.content, response.headers["content-type"]) == (LOGO, "image/svg+xml")
    etag = response.headers["etag"]
    not_modified = await client.get("Airlines('AA')/Logo", headers={"If-None-Match": etag})
    assert (not_modified.status_code, not_modified.headers["etag"]) == (304, etag)
    assert_error(await client.get("Airlines('AA')/Logo", headers={"Accept": "image/png"}), 406, "Accept")
    assert (await client.get("Airlines('AA')/Logo?$format=json")).content == LOGO  # $format does not apply


@streams
async def test_a_stream_property_without_a_stream_answers_204(client: httpx.AsyncClient, stream: str) -> None:
    path = await airline(client)
    response = await client.get(f"{path}/{stream}")
    if stream == "Badge":  # not nullable: the default the database gave it
        assert (response.status_code, response.content) == (200, b"")
    else:
        assert (response.status_code, response.content) == (204, b"")


@streams
async def test_put_replaces_a_stream(client: httpx.AsyncClient, photos: Photos, stream: str) -> None:
    path = await airline(client, stream)
    content_type, content = STREAMS[stream]
    response = await client.get(f"{path}/{stream}")
    assert (response.status_code, response.content, response.headers["content-type"]) == (200, content, content_type)
    before = response.headers["etag"]
    written = await client.put(f"{path}/{stream}", content=b"new", headers={"Content-Type": "text/plain"})
    assert written.status_code == 204, written.text
    after = await client.get(f"{path}/{stream}")
    assert (after.content, after.headers["content-type"]) == (b"new", "text/plain")
    assert after.headers["etag"] != before
    if stream == "Manual":
        assert "etag" not in written.headers
        assert f"/Airline.Manual/{path.removeprefix('Airlines(').rstrip(')')}" in photos.files("Airlines")
    else:
        assert written.headers["etag"] == after.headers["etag"]


@streams
async def test_an_empty_stream_is_a_stream(client: httpx.AsyncClient, stream: str) -> None:
    path = await airline(client)
    written = await client.put(f"{path}/{stream}", content=b"", headers={"Content-Type": "text/plain"})
    assert written.status_code == 204
    response = await client.get(f"{path}/{stream}")
    assert (response.status_code, response.content, response.headers["content-type"]) == (200, b"", "text/plain")


@streams
async def test_put_honours_if_match_and_if_none_match(client: httpx.AsyncClient, stream: str) -> None:
    path = await airline(client)
    only_if_new = {"Content-Type": "text/plain", "If-None-Match": "*"}
    if stream != "Badge":  # no stream yet: If-Match fails, If-None-Match: * holds
        headers = {"Content-Type": "text/plain", "If-Match": "*"}
        assert_error(await client.put(f"{path}/{stream}", content=b"1", headers=headers), 412)
        assert (await client.put(f"{path}/{stream}", content=b"1", headers=only_if_new)).status_code == 204
    assert_error(await client.put(f"{path}/{stream}", content=b"2", headers=only_if_new), 412)
    etag = (await client.get(f"{path}/{stream}")).headers["etag"]
    headers = {"Content-Type": "text/plain", "If-Match": etag}
    assert (await client.put(f"{path}/{stream}", content=b"3", headers=headers)).status_code == 204
    assert_error(await client.put(f"{path}/{stream}", content=b"4", headers=headers), 412)
    assert (await client.get(f"{path}/{stream}")).content == b"3"


@streams
async def test_put_with_return_representation_answers_the_stream(client: httpx.AsyncClient, stream: str) -> None:
    path = await airline(client)
    headers = {"Content-Type": "text/plain", "Prefer": "return=representation"}
    response = await client.put(f"{path}/{stream}", content=b"shown", headers=headers)
    assert response.status_code == 200
    assert (response.content, response.headers["content-type"]) == (b"shown", "text/plain")
    assert response.headers["preference-applied"] == "return=representation"


async def test_a_stream_property_refuses_other_media_types(client: httpx.AsyncClient) -> None:
    path = await airline(client, "Manual")
    for headers in ({"Content-Type": "image/png"}, {}):
        assert_error(await client.put(f"{path}/Manual", content=b"x", headers=headers), 415)
    assert (await client.get(f"{path}/Manual")).content == PDF
    response = await client.put(f"{path}/Logo", content=b"x", headers={"Content-Type": "image/png"})
    assert response.status_code == 204  # Logo accepts any


@pytest.mark.parametrize("stream", ["Logo", "Manual"])
async def test_delete_clears_a_nullable_stream(client: httpx.AsyncClient, photos: Photos, stream: str) -> None:
    path = await airline(client, stream)
    response = await client.delete(f"{path}/{stream}")
    assert (response.status_code, response.content) == (204, b"")
    assert (await client.get(f"{path}/{stream}")).status_code == 204
    assert f"{stream}@mediaContentType" not in (await client.get(path)).json()
    assert not [name for name in photos.files("Airlines") if path.removeprefix("Airlines(").rstrip(")") in name]


async def test_delete_of_a_stream_that_cannot_be_null_is_400(client: httpx.AsyncClient) -> None:
    path = await airline(client, "Badge")
    assert_error(await client.delete(f"{path}/Badge"), 400, "Badge")
    assert (await client.get(f"{path}/Badge")).content == b"XX"


async def test_deleting_the_entity_removes_the_files_of_its_streams(client: httpx.AsyncClient, photos: Photos) -> None:
    path = await airline(client, "Manual", "Logo")
    code = path.removeprefix("Airlines(").rstrip(")")
    assert f"/Airline.Manual/{code}" in photos.files("Airlines")
    assert (await client.delete(path)).status_code == 204
    assert f"/Airline.Manual/{code}" not in photos.files("Airlines")
    assert_error(await client.get(f"{path}/Manual"), 404)


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "Airlines('AA')/Logo/$value", 400),
        ("GET", "Airlines('AA')/Logo(1)", 400),
        ("GET", "Airlines('XX')/Logo", 404),
        ("PUT", "Airlines('XX')/Logo", 404),
        ("DELETE", "Airlines('XX')/Logo", 404),
        ("PATCH", "Airlines('AA')/Logo", 405),
        ("POST", "Airlines('AA')/Logo", 405),
        ("GET", "Airlines('AA')?$expand=Logo", 501),
        ("GET", "Airlines?$filter=Logo eq null", 400),
        ("PATCH", "Airlines('AA')", 501),
    ],
)
async def test_what_a_stream_property_does_not_do(
    client: httpx.AsyncClient, method: str, url: str, status: int
) -> None:
    body = b'{"Logo": "PHN2Zz4"}' if method == "PATCH" and url.endswith("')") else b"x"
    response = await client.request(method, url, content=body, headers={"Content-Type": "application/json"})
    assert_error(response, status)


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        ("", "application/json", {"Logo@mediaContentType": "image/svg+xml", "Badge@mediaContentType": "text/plain"}),
        ("?$select=Name", "application/json", {}),
        ("?$select=Logo", "application/json", {"Logo@mediaContentType": "image/svg+xml"}),
        ("?$select=Name,Manual", "application/json", {}),  # AA has no manual
        (
            "?$select=Logo",
            "application/json;metadata=full",
            {
                "Logo@mediaReadLink": f"{ROOT}Airlines('AA')/Logo",
                "Logo@mediaEditLink": f"{ROOT}Airlines('AA')/Logo",
                "Logo@mediaContentType": "image/svg+xml",
            },
        ),
        ("?$select=Logo", "application/json;odata.metadata=minimal", {"Logo@mediaContentType": "image/svg+xml"}),
        ("?$select=Logo", "application/json;metadata=none", {}),
    ],
)
async def test_stream_properties_in_entity_payloads(
    client: httpx.AsyncClient, query: str, accept: str, expected: dict[str, str]
) -> None:
    """JSON Format §9: a stream property has no value in the payload, only media control information."""
    for url in (f"Airlines('AA'){query}", f"Airlines{query}{'&' if query else '?'}$filter=Code eq 'AA'"):
        body = (await client.get(url, headers={"Accept": accept})).json()
        entity = body["value"][0] if "value" in body else body
        assert {name: value for name, value in entity.items() if "media" in name} == expected
        assert not {"Logo", "Manual", "Badge", "logo", "logo_type"} & set(entity)


async def test_selected_stream_properties_are_in_the_context_url(client: httpx.AsyncClient) -> None:
    body = (await client.get("Airlines('AA')?$select=Name,Logo")).json()
    assert body["@context"] == f"{ROOT}$metadata#Airlines(Name,Logo)/$entity"


async def test_the_4_0_form_of_stream_control_information(client: httpx.AsyncClient) -> None:
    headers = {"OData-MaxVersion": "4.0", "Accept": "application/json;odata.metadata=full"}
    entity = (await client.get("Airlines('AA')?$select=Logo", headers=headers)).json()
    assert {name for name in entity if "media" in name} == {
        "Logo@odata.mediaReadLink",
        "Logo@odata.mediaEditLink",
        "Logo@odata.mediaContentType",
    }


async def test_an_entity_read_can_be_written_back(client: httpx.AsyncClient) -> None:
    """Media control information in a request body is ignored (JSON Format §4.5.12)."""
    path = await airline(client, "Logo")
    entity = (await client.get(path, headers={"Accept": "application/json;metadata=full"})).json()
    entity["Name"] = "Renamed"
    entity["Logo@mediaContentType"] = "text/html"
    response = await client.put(path, json=entity)
    assert response.status_code == 204, response.text
    assert (await client.get(path)).json()["Name"] == "Renamed"
    logo = await client.get(f"{path}/Logo")
    assert (logo.content, logo.headers["content-type"]) == (LOGO, "image/svg+xml")


async def test_a_stream_property_of_a_singleton(client: httpx.AsyncClient) -> None:
    response = await client.get("Flagship/Logo")
    assert (response.status_code, response.content) == (200, LOGO)
    entity = (await client.get("Flagship?$select=Logo", headers={"Accept": "application/json;metadata=full"})).json()
    assert entity["Logo@mediaReadLink"] == f"{ROOT}Flagship/Logo"
