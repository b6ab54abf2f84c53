"""A small service for what Northwind does not have: a version property with If-Match
required, a computed (generated) column, and a one-to-one relationship.

- ``Gadgets``: ``version="Version"`` (the server increments it, its value is the ETag)
  and ``if_match_required`` (428 without If-Match); ``DoublePrice`` is a generated column.
- ``Makers`` 1-n ``Gadgets`` through the nullable ``Gadget.MakerID``.
- ``Gadgets`` 1-1 ``Manuals`` through the nullable, unique ``Manual.GadgetID``:
  ``Gadgets(1)/Manual`` is single-valued, and the foreign key is in the target's row.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

import httpx
from fastapi import FastAPI
from sqlalchemy import Computed, ForeignKey, Integer, Numeric, String, insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from odata_server import ODataService
from tests.conftest import app_client


class GadgetBase(DeclarativeBase):
    pass


class Maker(GadgetBase):
    __tablename__ = "test_makers"

    MakerID: Mapped[int] = mapped_column(Integer, primary_key=True)
    Name: Mapped[str] = mapped_column(String(20))

    Gadgets: Mapped[list[Gadget]] = relationship(back_populates="Maker")


class Gadget(GadgetBase):
    __tablename__ = "test_gadgets"

    GadgetID: Mapped[int] = mapped_column(Integer, primary_key=True)
    Name: Mapped[str] = mapped_column(String(20))
    Price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    DoublePrice: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), Computed('"Price" * 2', persisted=True))
    Version: Mapped[int] = mapped_column(Integer, default=1)
    MakerID: Mapped[int | None] = mapped_column(ForeignKey("test_makers.MakerID"))

    Maker: Mapped[Maker | None] = relationship(back_populates="Gadgets")
    Manual: Mapped[Manual | None] = relationship(back_populates="Gadget")


class Manual(GadgetBase):
    __tablename__ = "test_manuals"

    ManualID: Mapped[int] = mapped_column(Integer, primary_key=True)
    Title: Mapped[str] = mapped_column(String(40))
    GadgetID: Mapped[int | None] = mapped_column(ForeignKey("test_gadgets.GadgetID"), unique=True)

    Gadget: Mapped[Gadget | None] = relationship(back_populates="Manual")


MAKERS = [{"MakerID": 1, "Name": "Acme"}, {"MakerID": 2, "Name": "Globex"}]
GADGETS = [
    {"GadgetID": number, "Name": f"Gadget {number}", "Price": Decimal("1.50"), "MakerID": 1} for number in range(1, 9)
]
MANUALS = [{"ManualID": number, "Title": f"Manual {number}", "GadgetID": number} for number in range(1, 5)] + [
    {"ManualID": number, "Title": f"Manual {number}", "GadgetID": None} for number in range(5, 9)
]


@asynccontextmanager
async def gadgets_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the gadget service, its tables created and filled in ``database_url``."""
    service = ODataService(database_url, namespace="Gadgets")
    service.add(Gadget, version="Version", if_match_required=True)
    service.add_all(GadgetBase)
    async with service.engine.begin() as connection:
        await connection.run_sync(GadgetBase.metadata.create_all)
        for model, rows in ((Maker, MAKERS), (Gadget, GADGETS), (Manual, MANUALS)):
            await connection.execute(insert(model), rows)
    app = FastAPI()
    service.mount(app, "/odata")
    async with app_client(app) as client:
        yield client


async def etag(client: httpx.AsyncClient, path: str) -> str:
    """The current ETag of the entity at ``path``."""
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return response.headers["etag"]
