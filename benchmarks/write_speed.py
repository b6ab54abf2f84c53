"""How fast writes are: requests per second against hand-written code doing the same work.

Each OData request is compared, in the same run and on the same database, with a
hand-written FastAPI + SQLAlchemy Core endpoint that does what the request does in
one transaction and answers the same JSON:

- create: ``POST Products`` → INSERT, read the row back, 201 with the entity;
- update with If-Match: ``PATCH Products(n)`` → lock the row, compare the ETag
  (a digest of the values), UPDATE, 204 with the new ETag;
- deep insert: ``POST Orders`` with five ``Order_Details`` → six INSERTs, 201 with
  the order and its lines (OData 4.01 §11.4.2.2 expands what was inserted).

Target: ratio >= 0.6 (the framework parses and validates the payload against the
model, checks types and facets, and maps integrity errors; the hand-written code
trusts its input). Requests run one at a time over httpx's ASGI transport, so the
figures compare the work per request, not the network or uvicorn.

Usage::

    python benchmarks/write_speed.py [--requests 1000] [--database postgresql://...]
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import Response

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import decimal_json, northwind_benchmark, paired_rates  # noqa: E402
from examples.northwind.app import create_app  # noqa: E402
from examples.northwind.models import Order, OrderDetail, Product  # noqa: E402


def handwritten_app(database_url: str) -> FastAPI:
    """The same writes by hand: FastAPI + SQLAlchemy Core + orjson, no validation beyond the database's."""
    from odata_server import async_engine

    engine = async_engine(database_url)
    app = FastAPI()
    product_columns = list(Product.__table__.columns)
    product_names = [column.name for column in product_columns]

    def etag(row: Any) -> str:
        values = [value for name, value in zip(product_names, row) if name != "ProductID"]
        digest = hashlib.sha256(orjson.dumps(values, default=decimal_json)).hexdigest()[:22]
        return f'W/"{digest}"'

    @app.post("/products")
    async def create(request: Request) -> Response:
        document = orjson.loads(await request.body())
        async with engine.begin() as connection:
            result = await connection.execute(sa.insert(Product.__table__).values(document))
            key = result.inserted_primary_key[0]
            row = (await connection.execute(sa.select(*product_columns).where(Product.ProductID == key))).one()
        body = orjson.dumps(
            {"@context": "http://bench/$metadata#Products/$entity", **dict(zip(product_names, row))},
            default=decimal_json,
        )
        return Response(body, 201, media_type="application/json", headers={"Location": f"http://bench/Products({key})"})

    @app.patch("/products/{key}")
    async def update(key: int, request: Request) -> Response:
        document = orjson.loads(await request.body())
        async with engine.begin() as connection:
            select = sa.select(*product_columns).where(Product.ProductID == key)
            if connection.dialect.name != "sqlite":
                select = select.with_for_update()
            row = (await connection.execute(select)).one()
            if etag(row) != request.headers["if-match"]:
                return Response(status_code=412)
            await connection.execute(sa.update(Product.__table__).where(Product.ProductID == key).values(document))
            row = (await connection.execute(sa.select(*product_columns).where(Product.ProductID == key))).one()
        return Response(status_code=204, headers={"ETag": etag(row)})

    @app.get("/products/{key}/etag")
    async def read_etag(key: int) -> Response:
        async with engine.connect() as connection:
            row = (await connection.execute(sa.select(*product_columns).where(Product.ProductID == key))).one()
        return Response(status_code=200, headers={"ETag": etag(row)})

    @app.post("/orders")
    async def deep_insert(request: Request) -> Response:
        document = orjson.loads(await request.body())
        details = document.pop("Order_Details")
        async with engine.begin() as connection:
            result = await connection.execute(sa.insert(Order.__table__).values(document))
            key = result.inserted_primary_key[0]
            await connection.execute(
                sa.insert(OrderDetail.__table__), [{**detail, "OrderID": key} for detail in details]
            )
            row = (await connection.execute(sa.select(*Order.__table__.columns).where(Order.OrderID == key))).one()
            lines = (
                await connection.execute(sa.select(*OrderDetail.__table__.columns).where(OrderDetail.OrderID == key))
            ).all()
        document = {
            "@context": "http://bench/$metadata#Orders(Order_Details())/$entity",
            **row._asdict(),
            "Order_Details": [line._asdict() for line in lines],
        }
        body = orjson.dumps(document, default=decimal_json)
        return Response(body, 201, media_type="application/json")

    app.state.engine = engine
    return app


def _product(n: int) -> dict[str, Any]:
    return {"ProductName": f"Bench {n}", "UnitPrice": 1.5, "UnitsInStock": 10, "Discontinued": False, "CategoryID": 1}


def _order(n: int, customer: str) -> dict[str, Any]:
    details = [
        {"ProductID": product, "UnitPrice": 2.5, "Quantity": n % 50 + 1, "Discount": 0} for product in range(1, 6)
    ]
    return {"CustomerID": customer, "Freight": 3.25, "Order_Details": details}


async def throughput(odata_app: FastAPI, database_url: str, count: int) -> None:
    plain = handwritten_app(database_url)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(odata_app), base_url="http://bench/odata/") as odata,
        httpx.AsyncClient(transport=httpx.ASGITransport(plain), base_url="http://bench/") as hand,
    ):
        customer = (await odata.get("Customers?$top=1&$select=CustomerID")).json()["value"][0]["CustomerID"]

        async def odata_patch(n: int) -> httpx.Response:
            tag = (await odata.get("Products(1)?$select=ProductID")).headers["etag"]
            return await odata.patch("Products(1)", json={"UnitsInStock": n % 100}, headers={"If-Match": tag})

        async def hand_patch(n: int) -> httpx.Response:
            tag = (await hand.get("products/1/etag")).headers["etag"]
            return await hand.patch("products/1", json={"UnitsInStock": n % 100}, headers={"If-Match": tag})

        pairs = {
            "create": (
                lambda n: odata.post("Products", json=_product(n)),
                lambda n: hand.post("products", json=_product(n)),
                201,
            ),
            "GET etag + PATCH If-Match": (odata_patch, hand_patch, 204),
            "deep insert (1 + 5)": (
                lambda n: odata.post("Orders", json=_order(n, customer)),
                lambda n: hand.post("orders", json=_order(n, customer)),
                201,
            ),
        }
        print(f"{'request':<26} {'odata req/s':>12} {'hand-written req/s':>19} {'ratio':>6}")
        for name, (ours_call, theirs_call, status) in pairs.items():
            ours, theirs = await paired_rates(ours_call, theirs_call, count, status=status)
            print(f"{name:<26} {ours:>12.0f} {theirs:>19.0f} {ours / theirs:>6.2f}")
    await plain.state.engine.dispose()


if __name__ == "__main__":
    northwind_benchmark(__doc__.splitlines()[0], create_app, throughput)
