"""Media entity types and stream properties in ``$metadata``, and the declarations the model refuses."""

from __future__ import annotations

import re

import httpx
import pytest
import sqlalchemy as sa
from lxml import etree
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from odata_server import ModelError, ODataService, StreamColumns, StreamDisk
from tests.csdl_schemas import csdl_json_validator, edmx_schema

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


@pytest.fixture(scope="module")
async def xml(client: httpx.AsyncClient) -> etree._Element:
    response = await client.get("$metadata")
    assert response.status_code == 200
    return etree.fromstring(response.content)


@pytest.fixture(scope="module")
async def csdl(client: httpx.AsyncClient) -> dict:
    response = await client.get("$metadata?$format=json")
    assert response.status_code == 200
    return response.json()


def _entity_type(xml: etree._Element, name: str) -> etree._Element:
    found = xml.find(f".//{EDM}EntityType[@Name='{name}']")
    assert found is not None, name
    return found


def test_metadata_is_valid_csdl(xml: etree._Element, csdl: dict) -> None:
    schema = edmx_schema()
    assert schema.validate(xml), schema.error_log
    assert [error.message for error in csdl_json_validator().iter_errors(csdl)] == []


@pytest.mark.parametrize("name", ["Photo", "DiskPhoto", "FilePhoto"])
def test_media_entity_types_have_a_stream_and_hide_its_columns(xml: etree._Element, csdl: dict, name: str) -> None:
    entity_type = _entity_type(xml, name)
    assert entity_type.get("HasStream") == "true"
    properties = [prop.get("Name") for prop in entity_type.findall(f"{EDM}Property")]
    assert "content_type" not in properties and "data" not in properties
    assert csdl["Media"][name]["$HasStream"] is True
    assert "content_type" not in csdl["Media"][name]


def test_other_entity_types_have_no_stream(xml: etree._Element) -> None:
    assert _entity_type(xml, "Album").get("HasStream") is None


def test_acceptable_media_types_are_annotated(xml: etree._Element, csdl: dict) -> None:
    annotation = _entity_type(xml, "Photo").find(f"{EDM}Annotation[@Term='Core.AcceptableMediaTypes']")
    assert annotation is not None
    assert [item.text for item in annotation.iter(f"{EDM}String")] == ["image/jpeg", "image/png"]
    assert csdl["Media"]["Photo"]["@Core.AcceptableMediaTypes"] == ["image/jpeg", "image/png"]
    assert csdl["Media"]["Airline"]["Manual"]["@Core.AcceptableMediaTypes"] == ["application/pdf", "text/plain"]
    assert _entity_type(xml, "DiskPhoto").find(f"{EDM}Annotation") is None


@pytest.mark.parametrize(
    ("name", "nullable", "csdl_json"),
    [
        ("Logo", None, {"$Type": "Edm.Stream", "$Nullable": True}),
        (
            "Manual",
            None,
            {"$Type": "Edm.Stream", "$Nullable": True, "@Core.AcceptableMediaTypes": ["application/pdf", "text/plain"]},
        ),
        ("Badge", "false", {"$Type": "Edm.Stream"}),
    ],
)
def test_stream_properties(xml: etree._Element, csdl: dict, name: str, nullable: str | None, csdl_json: dict) -> None:
    airline = _entity_type(xml, "Airline")
    prop = airline.find(f"{EDM}Property[@Name='{name}']")
    assert prop is not None
    assert (prop.get("Type"), prop.get("Nullable")) == ("Edm.Stream", nullable)
    assert csdl["Media"]["Airline"][name] == csdl_json
    properties = [p.get("Name") for p in airline.findall(f"{EDM}Property")]
    assert properties == ["Code", "Name", "Logo", "Manual", "Badge"]  # the stream columns are not properties


class Base(DeclarativeBase):
    pass


class Picture(Base):
    __tablename__ = "pictures"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(40))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    mime: Mapped[str] = mapped_column(sa.String(40))
    more: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    caption: Mapped[str | None] = mapped_column(sa.String(40))


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (
            lambda s: s.add(Picture, media=StreamColumns(content="nope", content_type="mime")),
            "Picture: media= names content='nope', which is no mapped column",
        ),
        (
            lambda s: s.add(Picture, media=StreamColumns(content="title", content_type="mime")),
            "Picture.title: the content of media= must be a Edm.Binary column",
        ),
        (
            lambda s: s.add(Picture, media=StreamColumns(content="data", content_type="more")),
            "Picture.more: the content_type of media= must be a Edm.String column",
        ),
        (
            lambda s: s.add(Picture, media=StreamDisk("memory://pictures", content_type="id")),
            "Picture.id: the content_type of media= must be a Edm.String column",
        ),
        (
            lambda s: s.add(
                Picture,
                media=StreamColumns(content="data", content_type="mime"),
                streams={"More": StreamColumns(content="more", content_type="mime")},
            ),
            "Picture.mime is used by both media= and stream 'More'",
        ),
        (
            lambda s: s.add(Picture, streams={"title": StreamColumns(content="data", content_type="mime")}),
            "Picture: the stream property 'title' has the name of a property",
        ),
        (
            lambda s: s.add(Picture, streams={"2d": StreamColumns(content="data", content_type="mime")}),
            "stream property '2d' of Picture is not an OData identifier",
        ),
        (
            lambda s: s.add(Picture, media="data"),
            "Picture: media= must be StreamColumns(...) or StreamDisk(...), not 'data'",
        ),
        (
            lambda s: s.add(Picture, media=StreamDisk("nosuchprotocol://x", content_type="mime")),
            "StreamDisk(url='nosuchprotocol://x') names no file system fsspec can open",
        ),
        (
            lambda s: s.add(Picture, media=StreamColumns(content="data", content_type="mime")).add(
                Picture, name="Others"
            ),
            "Picture is exposed twice with different type_name, exclude or names (or media= or streams=)",
        ),
    ],
)
def test_wrong_stream_declarations_fail_at_start_up(declare: object, message: str) -> None:
    service = ODataService("sqlite://")
    declare(service)  # type: ignore[operator]
    with pytest.raises(ModelError, match=re.escape(message)):
        service.asgi()


@pytest.mark.parametrize(
    ("accept", "message"),
    [
        ("image/png", "accept= takes a list of media types, not the string 'image/png'"),
        (["image"], "accept= holds 'image', which is not a media type such as 'image/png'"),
        (["image/*; q=1"], "accept= holds 'image/*; q=1', which is not a media type"),
    ],
)
def test_accept_takes_media_types(accept: object, message: str) -> None:
    with pytest.raises(ModelError, match=re.escape(message)):
        StreamColumns(content="data", content_type="mime", accept=accept)  # type: ignore[arg-type]


def test_a_stream_is_nullable_when_all_its_columns_are() -> None:
    service = ODataService("sqlite://").add(
        Picture,
        streams={
            "Required": StreamColumns(content="data", content_type="mime"),
            "Optional": StreamDisk("memory://pictures", content_type="caption"),
            "Partly": StreamColumns(content="more", content_type="title"),
        },
    )
    entity_type = service.model.entity_sets["Pictures"].entity_type
    assert {name: prop.nullable for name, prop in entity_type.streams.items()} == {
        "Required": False,
        "Optional": True,
        "Partly": False,
    }
    assert list(entity_type.properties) == ["id"]
