"""The TripPin People service, modelled on the public OData TripPin reference service.

Run it with ``uvicorn examples.trippin.app:app``; the service is at
http://127.0.0.1:8000/odata/. ``DATABASE_URL`` chooses the database (default
``sqlite:///trippin.db`` in the working directory; ``postgresql://user@host/db``
works too). The sample data is loaded on first start.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from examples.trippin.data import ME, ensure_trippin, reset_trippin
from examples.trippin.models import Airline, Airport, Flight, Person, PersonFriends, Photo, Trip
from odata_server import ODataService, OperationContext, ServiceConfig, StreamColumns, async_engine
from odata_server.errors import BadRequestError


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
    declare_operations(service)
    return service


def declare_operations(service: ODataService) -> None:
    """TripPin's functions and actions."""

    @service.function(composable=True, entity_set="Airports", include_in_service_document=True)
    async def GetNearestAirport(lat: float, lon: float) -> Airport:
        """The airport nearest to a position (by squared degrees, which is enough to tell the nearest)."""
        distance = (Airport.Latitude - lat) * (Airport.Latitude - lat) + (Airport.Longitude - lon) * (
            Airport.Longitude - lon
        )
        return select(Airport).order_by(distance, Airport.IcaoCode).limit(1)

    @service.function(bound=True, composable=True)
    async def GetFavoriteAirline(context: OperationContext, person: Person) -> Airline | None:
        """The airline of most of the person's flights."""
        favorite = (
            select(Flight.AirlineCode)
            .where(Flight.UserName == person.UserName, Flight.AirlineCode.is_not(None))
            .group_by(Flight.AirlineCode)
            .order_by(func.count().desc(), Flight.AirlineCode)
            .limit(1)
        )
        code = await context.connection.scalar(favorite)
        return None if code is None else select(Airline).where(Airline.AirlineCode == code)

    @service.function(bound=True, composable=True, entity_set_path="person/Friends/Trips")
    async def GetFriendsTrips(person: Person, userName: str) -> list[Trip]:
        """The trips of the person's friend ``userName`` (none if they are not friends)."""
        friends = select(PersonFriends.c.FriendUserName).where(PersonFriends.c.UserName == person.UserName)
        return select(Trip).where(Trip.UserName == userName, Trip.UserName.in_(friends))

    @service.function(bound=True, composable=True)
    async def GetInvolvedPeople(trip: Trip) -> list[Person]:
        """Everyone with a trip of the same ShareId: the people the trip was shared with."""
        if trip.ShareId is None:
            return select(Person).where(Person.UserName == trip.UserName)
        return select(Person).where(Person.UserName.in_(select(Trip.UserName).where(Trip.ShareId == trip.ShareId)))

    @service.action(bound=True)
    async def ShareTrip(context: OperationContext, person: Person, userName: str, tripId: int) -> None:
        """Gives ``userName`` a copy of one of the person's trips, with the same ShareId."""
        trip = await context.session.get(Trip, (person.UserName, tripId))
        if trip is None:
            raise BadRequestError(f"{person.UserName} has no trip {tripId}", target="tripId")
        if await context.session.get(Person, userName) is None:
            raise BadRequestError(f"There is no person {userName!r}", target="userName")
        if trip.ShareId is None:
            trip.ShareId = uuid.uuid4()
        last = await context.connection.scalar(select(func.max(Trip.TripId)).where(Trip.UserName == userName))
        context.session.add(
            Trip(
                UserName=userName,
                TripId=0 if last is None else last + 1,
                ShareId=trip.ShareId,
                Name=trip.Name,
                Budget=trip.Budget,
                Description=trip.Description,
                Tags=list(trip.Tags),
                StartsAt=trip.StartsAt,
                EndsAt=trip.EndsAt,
            )
        )

    @service.action()
    async def ResetDataSource(context: OperationContext) -> None:
        """Puts the sample data back as it was at the first start."""
        await reset_trippin(context.connection)


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
