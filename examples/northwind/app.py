"""The Northwind OData service.

Run it with ``uvicorn examples.northwind.app:app``; the service is at
http://127.0.0.1:8000/odata/. Settings come from the environment:

- ``DATABASE_URL``: any SQLAlchemy URL (default ``sqlite:///northwind.db`` in the
  working directory; ``postgresql://user@host/db`` works too).
- ``NORTHWIND_CSV_DIR``: a folder or fsspec URL holding the classic Northwind CSV
  files, loaded on first start; without it a deterministic generator fills the
  tables with data of the same shape.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from examples.northwind.data import ensure_northwind
from examples.northwind.models import Base, Customer, Order, OrderDetail, Product
from odata_server import ODataService, ServiceConfig, async_engine


def create_app(database_url: str | None = None, csv_dir: str | None = None, **settings: int) -> FastAPI:
    """The FastAPI app serving Northwind at ``/odata``.

    Arguments default to the environment; ``settings`` override
    :class:`~odata_server.ServiceConfig` (``ODATA_*`` variables).
    """
    engine = async_engine(database_url or os.environ.get("DATABASE_URL", "sqlite:///northwind.db"))
    csv_dir = csv_dir or os.environ.get("NORTHWIND_CSV_DIR")

    service = ODataService(
        engine,
        namespace="NorthwindModel",
        container_name="NorthwindEntities",
        config=ServiceConfig.from_env(**settings),
    )
    service.add(OrderDetail, name="Order_Details", type_name="Order_Detail")
    # Optimistic concurrency: an ETag from all their values; a change must match it (If-Match).
    service.add(Product, etag=True)
    service.add(Order, etag=True)
    # Customers have keys chosen by the client: PUT to a new key creates one (upsert).
    service.add(Customer, upsert=True)
    service.add_all(Base)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_northwind(engine, csv_dir)
        yield
        await engine.dispose()

    app = FastAPI(title="Northwind OData service", lifespan=lifespan)
    service.mount(app, "/odata")
    app.state.odata = service
    return app


app = create_app()
