"""A small service with media entities and stream properties, for the media tests.

- ``Photos``: media entities whose bytes are in a column (``StreamColumns``), accepting
  JPEG and PNG only; ``Version`` is their ETag. ``GuardedPhotos`` is the same entity type
  requiring ``If-Match``.
- ``DiskPhotos``: media entities kept in files on ``memory://``; ``FilePhotos``: in files
  of a temporary local folder (``file://``).
- ``Albums`` 1-n ``Photos``: ``Albums(1)/Photos`` creates related media entities;
  ``Frames(1)/Photo`` is a single-valued navigation to one (``Frames(1)`` has none).
- ``Airlines``: entities with three stream properties: ``Logo`` (columns, nullable),
  ``Manual`` (a file on ``memory://``, nullable), ``Badge`` (columns, not nullable).
- Singletons: ``Featured`` is the photo 1000, ``Flagship`` the airline ``AA``.

Every media entity type leaves its properties to defaults: a POST of media sets none.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from fsspec import AbstractFileSystem
from sqlalchemy import ForeignKey, Integer, LargeBinary, String, insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from odata_server import ODataService, ServiceConfig, StreamColumns, StreamDisk
from odata_server.pipeline.streams import disk
from tests.conftest import ROOT, app_client

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + b"jpeg" * 300
LOGO = b"<svg>AA</svg>"
MAX_BODY = 2 << 20
"""The service's max_request_body."""


class Base(DeclarativeBase):
    pass


class Album(Base):
    __tablename__ = "media_albums"

    AlbumID: Mapped[int] = mapped_column(Integer, primary_key=True)
    Name: Mapped[str] = mapped_column(String(40))

    Photos: Mapped[list[Photo]] = relationship(back_populates="Album")


class Photo(Base):
    __tablename__ = "media_photos"

    PhotoID: Mapped[int] = mapped_column(Integer, primary_key=True)
    Title: Mapped[str] = mapped_column(String(40), default="Untitled")
    Version: Mapped[int] = mapped_column(Integer, default=1)
    AlbumID: Mapped[int | None] = mapped_column(ForeignKey("media_albums.AlbumID"))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(100))

    Album: Mapped[Album | None] = relationship(back_populates="Photos")


class Frame(Base):
    """A frame holds one photo, or none."""

    __tablename__ = "media_frames"

    FrameID: Mapped[int] = mapped_column(Integer, primary_key=True)
    PhotoID: Mapped[int | None] = mapped_column(ForeignKey("media_photos.PhotoID"))

    Photo: Mapped[Photo | None] = relationship()


class DiskPhoto(Base):
    __tablename__ = "media_disk_photos"

    PhotoID: Mapped[int] = mapped_column(Integer, primary_key=True)
    Title: Mapped[str | None] = mapped_column(String(40))
    content_type: Mapped[str | None] = mapped_column(String(100))


class FilePhoto(Base):
    __tablename__ = "media_file_photos"

    PhotoID: Mapped[int] = mapped_column(Integer, primary_key=True)
    Title: Mapped[str | None] = mapped_column(String(40))
    content_type: Mapped[str | None] = mapped_column(String(100))


class Airline(Base):
    __tablename__ = "media_airlines"

    Code: Mapped[str] = mapped_column(String(3), primary_key=True)
    Name: Mapped[str] = mapped_column(String(40))
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)
    logo_type: Mapped[str | None] = mapped_column(String(100))
    manual_type: Mapped[str | None] = mapped_column(String(100))
    badge: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    badge_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")


MEDIA_SETS = ("Photos", "DiskPhotos", "FilePhotos")
"""The entity sets of media entities, one per kind of storage."""

# Keys left to the database (1, 2, ...), so that its sequences go on from them on PostgreSQL.
ALBUMS = [{"Name": "Summer"}, {"Name": "Winter"}]
FRAMES = [{"PhotoID": None}]
FEATURED = {"PhotoID": 1000, "Title": "Featured", "data": PNG, "content_type": "image/png"}
AIRLINES = [
    {
        "Code": "AA",
        "Name": "American",
        "logo": LOGO,
        "logo_type": "image/svg+xml",
        "badge": b"AA",
        "badge_type": "text/plain",
    },
    {"Code": "LH", "Name": "Lufthansa", "logo": None, "logo_type": None, "badge": b"LH", "badge_type": "text/plain"},
]


@dataclass
class Photos:
    """The running service: an HTTP client, the service, and where the files of its disks are."""

    client: httpx.AsyncClient
    service: ODataService
    memory: str
    folder: Path

    def file_system(self, entity_set: str) -> tuple[AbstractFileSystem, str]:
        """The file system and root of the stream files of ``entity_set`` (``DiskPhotos``, ``FilePhotos``, ``Airlines``)."""
        return disk(self.folder.as_uri() if entity_set == "FilePhotos" else self.memory)

    def files(self, entity_set: str) -> list[str]:
        """Every file under the root of ``entity_set``'s disk (staged ones too)."""
        fs, root = self.file_system(entity_set)
        return sorted("/" + path.lstrip("/").removeprefix(root.lstrip("/")).lstrip("/") for path in fs.find(root))


@asynccontextmanager
async def photos_service(database_url: str, folder: Path, **config: object) -> AsyncIterator[Photos]:
    """The photo service on ``database_url``, its tables created and filled; files go to
    ``folder / "files"`` and a ``memory://`` root of its own."""
    memory = f"memory://media-{uuid.uuid4().hex}"
    settings = {"max_request_body": MAX_BODY, "async_disk": str(folder / "jobs"), **config}
    folder = folder / "files"
    service = ODataService(database_url, namespace="Media", config=ServiceConfig(**settings))  # type: ignore[arg-type]
    in_columns = StreamColumns(content="data", content_type="content_type", accept=["image/jpeg", "image/png"])
    service.add(Photo, media=in_columns, version="Version")
    service.add(Photo, name="GuardedPhotos", media=in_columns, version="Version", if_match_required=True)
    service.add(DiskPhoto, media=StreamDisk(memory, content_type="content_type"))
    service.add(FilePhoto, media=StreamDisk(folder.as_uri(), content_type="content_type"))
    service.singleton("Featured", Photo, key={"PhotoID": FEATURED["PhotoID"]})
    service.singleton("Flagship", Airline, key={"Code": "AA"})
    service.add(Album)
    service.add(Frame)
    service.add(
        Airline,
        streams={
            "Logo": StreamColumns(content="logo", content_type="logo_type"),
            "Manual": StreamDisk(memory, content_type="manual_type", accept=["application/pdf", "text/plain"]),
            "Badge": StreamColumns(content="badge", content_type="badge_type"),
        },
    )
    async with service.engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.run_sync(Base.metadata.create_all)
        for album in ALBUMS:
            await connection.execute(insert(Album), album)
        await connection.execute(insert(Frame), FRAMES)
        await connection.execute(insert(Airline), AIRLINES)
        await connection.execute(insert(Photo), [FEATURED])
    app = FastAPI()
    service.mount(app, "/odata")
    async with app_client(app) as client:
        yield Photos(client, service, memory, folder)


async def create(
    client: httpx.AsyncClient, collection: str, content: bytes = PNG, content_type: str = "image/png"
) -> str:
    """POST media to ``collection``; the new entity's path (``Photos(3)``)."""
    response = await client.post(collection, content=content, headers={"Content-Type": content_type})
    assert response.status_code == 201, response.text
    return response.headers["location"].removeprefix(ROOT)
