"""How fast functions and actions are: requests per second against hand-written code doing the same work.

A service over the Northwind models declares three operations; each OData request is
compared, in the same run and on the same database, with a hand-written FastAPI +
SQLAlchemy Core endpoint that runs the same SQL and answers the same JSON:

- a composable function returning entities, shaped by query options:
  ``TopProducts(count=20)?$select=ProductID,ProductName,UnitPrice`` → one SELECT of the
  20 dearest products (the framework joins the function's ``Select`` as a subquery,
  keeps its order with a row number, and binds the options); beside it, the same
  query on the entity set (``Products?$orderby=UnitPrice desc&$top=20&$select=...``),
  whose plan is cached, as a function's cannot be;
- a bound function returning a value: ``Categories(n)/NorthwindModel.ProductCount()``
  → load the category, one COUNT;
- a bound action changing data: ``POST Products(n)/NorthwindModel.Restock`` with
  ``{"units": 1}`` → load the product, one UPDATE, in one transaction, 204.

Before timing, each pair's answers are compared. Requests run one at a time over
httpx's ASGI transport, so the figures compare the work per request, not the network.
Target: ratio >= 0.6, as for writes (benchmarks/write_speed.py): the framework parses
and binds the URL, types the arguments, and loads the binding entity as an ORM instance.
A composable function stays below the same query on its entity set (0.4 to 0.6 against
0.8, SQLite and PostgreSQL): each call returns a new ``Select``, so the plan around it and
SQLAlchemy's cache key of the whole statement are made afresh every time.

Usage::

    python benchmarks/operation_speed.py [--requests 1000] [--database postgresql://...] [--csv ../shared/northwind]
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import Response

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import decimal_json, northwind_benchmark, paired_rates  # noqa: E402
from examples.northwind.data import ensure_northwind  # noqa: E402
from examples.northwind.models import Base, Category, OrderDetail, Product  # noqa: E402
from odata_server import ODataService, OperationContext, async_engine  # noqa: E402

ROOT = "http://bench/odata/"
TOP = "TopProducts(count=20)?$select=ProductID,ProductName,UnitPrice"
SAME_QUERY = "Products?$select=ProductID,ProductName,UnitPrice&$orderby=UnitPrice desc&$top=20"


def odata_app(database_url: str, csv_dir: str | None) -> FastAPI:
    """The Northwind models with three operations."""
    service = ODataService(database_url, namespace="NorthwindModel", container_name="NorthwindEntities")
    service.add(OrderDetail, name="Order_Details", type_name="Order_Detail")
    service.add_all(Base)

    @service.function(composable=True)
    async def TopProducts(count: int) -> list[Product]:
        return sa.select(Product).order_by(Product.UnitPrice.desc(), Product.ProductID).limit(count)

    @service.function(bound=True)
    async def ProductCount(context: OperationContext, category: Category) -> int:
        counted = sa.select(sa.func.count()).where(Product.CategoryID == category.CategoryID)
        return int(await context.connection.scalar(counted) or 0)

    @service.action(bound=True)
    async def Restock(context: OperationContext, product: Product, units: int) -> None:
        stock = Product.__table__.c.UnitsInStock
        await context.connection.execute(
            sa.update(Product.__table__)
            .where(Product.__table__.c.ProductID == product.ProductID)
            .values(UnitsInStock=sa.func.coalesce(stock, 0) + units)
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_northwind(service.engine, csv_dir)
        yield

    app = FastAPI(lifespan=lifespan)
    service.mount(app, "/odata")
    return app


def handwritten_app(database_url: str) -> FastAPI:
    """The same work by hand: FastAPI + SQLAlchemy Core + orjson, no OData framework."""
    engine = async_engine(database_url)
    app = FastAPI()
    product, category = Product.__table__, Category.__table__

    @app.get("/top")
    async def top(count: int) -> Response:
        statement = (
            sa.select(product.c.ProductID, product.c.ProductName, product.c.UnitPrice)
            .order_by(product.c.UnitPrice.desc(), product.c.ProductID)
            .limit(count)
        )
        async with engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        value = [row._asdict() for row in rows]
        context = f"{ROOT}$metadata#Products(ProductID,ProductName,UnitPrice)"
        return Response(orjson.dumps({"@context": context, "value": value}, default=decimal_json))

    @app.get("/categories/{category_id}/product-count")
    async def product_count(category_id: int) -> Response:
        async with engine.connect() as connection:
            exists = await connection.scalar(
                sa.select(category.c.CategoryID).where(category.c.CategoryID == category_id)
            )
            if exists is None:
                return Response(status_code=404)
            count = await connection.scalar(sa.select(sa.func.count()).where(product.c.CategoryID == category_id))
        body = {"@context": f"{ROOT}$metadata#Edm.Int32", "value": count}
        return Response(orjson.dumps(body), media_type="application/json")

    @app.post("/products/{product_id}/restock")
    async def restock(product_id: int, request: Request) -> Response:
        units = orjson.loads(await request.body())["units"]
        if not isinstance(units, int):
            return Response(status_code=400)
        async with engine.begin() as connection:
            found = await connection.scalar(sa.select(product.c.ProductID).where(product.c.ProductID == product_id))
            if found is None:
                return Response(status_code=404)
            await connection.execute(
                sa.update(product)
                .where(product.c.ProductID == product_id)
                .values(UnitsInStock=sa.func.coalesce(product.c.UnitsInStock, 0) + units)
            )
        return Response(status_code=204)

    app.state.engine = engine
    return app


Call = Callable[[httpx.AsyncClient, int], Any]

PAIRS: dict[str, tuple[Call, Call]] = {
    "the same, as a query": (
        lambda client, n: client.get(SAME_QUERY),
        lambda client, n: client.get("top?count=20"),
    ),
    "composable function": (
        lambda client, n: client.get(TOP),
        lambda client, n: client.get("top?count=20"),
    ),
    "bound function": (
        lambda client, n: client.get(f"Categories({n % 8 + 1})/NorthwindModel.ProductCount()"),
        lambda client, n: client.get(f"categories/{n % 8 + 1}/product-count"),
    ),
    "bound action": (
        lambda client, n: client.post(f"Products({n % 77 + 1})/NorthwindModel.Restock", json={"units": 1}),
        lambda client, n: client.post(f"products/{n % 77 + 1}/restock", json={"units": 1}),
    ),
}


async def throughput(odata: FastAPI, database_url: str, count: int) -> None:
    plain = handwritten_app(database_url)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(odata), base_url=ROOT) as ours,
        httpx.AsyncClient(transport=httpx.ASGITransport(plain), base_url="http://bench/") as theirs,
    ):
        hand_top = await theirs.get("top?count=20")
        for path in (TOP, SAME_QUERY):
            top = await ours.get(path)
            assert top.status_code == 200 and top.json() == hand_top.json(), (top.text, hand_top.text)
        counted = await ours.get("Categories(1)/NorthwindModel.ProductCount()")
        assert counted.json() == (await theirs.get("categories/1/product-count")).json(), counted.text
        print(f"{'request':<22} {'odata req/s':>12} {'hand-written req/s':>19} {'ratio':>6}")
        for name, (odata_call, plain_call) in PAIRS.items():
            status = 204 if name == "bound action" else 200
            ours_rate, theirs_rate = await paired_rates(
                lambda n, call=odata_call: call(ours, n),
                lambda n, call=plain_call: call(theirs, n),
                count,
                status=status,
            )
            print(f"{name:<22} {ours_rate:>12.0f} {theirs_rate:>19.0f} {ours_rate / theirs_rate:>6.2f}")
    await plain.state.engine.dispose()


if __name__ == "__main__":
    northwind_benchmark(__doc__.splitlines()[0], odata_app, throughput, csv=True)
