"""The TripPin People service, modelled on the public OData TripPin reference service.

Run it with ``uvicorn examples.trippin.app:app``; the service is at
http://127.0.0.1:8000/odata/. ``DATABASE_URL`` chooses the database (default
``sqlite:///trippin.db`` in the working directory; ``postgresql://user@host/db``
works too). The sample data is loaded on first start.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from examples.trippin.data import ME, ensure_trippin
from examples.trippin.models import Airline, Airport, Person, Photo, Trip
from odata_server import ODataService, ServiceConfig, StreamColumns, async_engine


def trippin_service(engine: AsyncEngine, config: ServiceConfig | None = None) -> ODataService:
    """The service's model: what each entity set exposes of the SQLAlchemy models."""
    service = ODataService(engine, namespace="Trippin", container_name="Container", config=config)
    # Kind is the discriminator of the Person hierarchy; PhotoId is reached through Photo.
    # A person's trips exist only through the person: People('russellwhyte')/Trips(0).
    service.add(Person, name="People", exclude=["Kind", "PhotoId"], version="Concurrency", contains=["Trips"])
    service.contain(Trip, contains=["PlanItems"])
    # The signed-in user of TripPin; here always the same person.
    service.singleton("Me", Person, key={"UserName": ME}, version="Concurrency")
    service.add(Airline, streams={"Logo": StreamColumns(content="Logo", content_type="LogoType", accept=["image/*"])})
    # The coordinates serve GetNearestAirport; TripPin shows airports' places as Location.
    service.add(Airport, exclude=["Latitude", "Longitude"])
    # A photo is a media entity: GET Photos(1)/$value is the image.
    service.add(
        Photo, media=StreamColumns(content="Data", content_type="ContentType", accept=["image/jpeg", "image/png"])
    )
    return service


def create_app(database_url: str | None = None, **settings: int) -> FastAPI:
    """The FastAPI app serving TripPin at ``/odata``.

    Arguments default to the environment; ``settings`` override
    :class:`~odata_server.ServiceConfig` (``ODATA_*`` variables).
    """
    engine = async_engine(database_url or os.environ.get("DATABASE_URL", "sqlite:///trippin.db"))
    service = trippin_service(engine, ServiceConfig.from_env(**settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_trippin(engine)
        yield
        await engine.dispose()

    app = FastAPI(title="TripPin OData service", lifespan=lifespan)
    service.mount(app, "/odata")
    app.state.odata = service
    return app


app = create_app()
