"""How fast ``$apply`` is: grouped aggregates over Order_Details against hand-written code.

Each OData request is compared, in the same run and on the same database, with a
hand-written FastAPI + SQLAlchemy Core endpoint that runs the same aggregation in SQL
and writes the same JSON, in the same order (the service sorts groups by their grouping
values, for paging):

- per product: ``Order_Details?$apply=groupby((ProductID),aggregate(Quantity with sum
  as Quantity,UnitPrice mul Quantity with sum as Gross))`` → one ``GROUP BY ProductID``;
- per category and year: ``Order_Details?$apply=compute(year(Order/OrderDate) as
  Year)/groupby((Product/CategoryID,Year),aggregate(UnitPrice mul Quantity mul (1 sub
  Discount) with sum as Sales))`` → a join of Order Details, Orders and Products grouped
  by category and year;
- grand total: ``Order_Details?$apply=aggregate(UnitPrice mul Quantity mul (1 sub
  Discount) with sum as Sales,$count as Lines)`` → one row;
- a new query each time: the per-category request with a ``filter(Quantity gt n)``
  first, a different text each time, so nothing parsed or planned is reused.

Before timing, each pair's answers are compared (the same instances with the same values),
so the figures compare equal work. Requests run one at a time over httpx's ASGI
transport, so they measure the work per request, not the network or uvicorn.
Target: ratio >= 0.8, as for reads (benchmarks/query_speed.py).

Usage::

    python benchmarks/apply_speed.py [--requests 1000] [--database sqlite:///path.db] [--csv ../shared/northwind]
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import Response

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import decimal_json, northwind_benchmark, paired_rates  # noqa: E402
from examples.northwind.app import create_app  # noqa: E402
from examples.northwind.models import Order, OrderDetail, Product  # noqa: E402

ROOT = "http://bench/odata/"

PER_PRODUCT = (
    "Order_Details?$apply=groupby((ProductID),"
    "aggregate(Quantity with sum as TotalQuantity,UnitPrice mul Quantity with sum as Gross))"
)
PER_CATEGORY_YEAR = (
    "Order_Details?$apply={filter}compute(year(Order/OrderDate) as Year)/groupby((Product/CategoryID,Year),"
    "aggregate(UnitPrice mul Quantity mul (1 sub Discount) with sum as Sales))"
)
GRAND_TOTAL = (
    "Order_Details?$apply=aggregate(UnitPrice mul Quantity mul (1 sub Discount) with sum as Sales,$count as Lines)"
)


def handwritten_app(database_url: str) -> FastAPI:
    """The same aggregates by hand: FastAPI + SQLAlchemy Core + orjson, no OData framework."""
    from odata_server import async_engine

    engine = async_engine(database_url)
    app = FastAPI()
    detail, order, product = OrderDetail.__table__, Order.__table__, Product.__table__
    net = detail.c.UnitPrice * detail.c.Quantity * (1 - detail.c.Discount)

    async def rows(statement: sa.Select[Any]) -> list[Any]:
        async with engine.connect() as connection:
            return (await connection.execute(statement)).all()

    def respond(context: str, value: list[dict[str, Any]]) -> Response:
        body = orjson.dumps({"@context": ROOT + "$metadata#" + context, "value": value}, default=decimal_json)
        return Response(body, media_type="application/json")

    @app.get("/per-product")
    async def per_product() -> Response:
        statement = (
            sa.select(
                detail.c.ProductID,
                sa.func.sum(detail.c.Quantity).label("TotalQuantity"),
                sa.func.sum(detail.c.UnitPrice * detail.c.Quantity).label("Gross"),
            )
            .group_by(detail.c.ProductID)
            .order_by(detail.c.ProductID)
        )
        value = [
            {
                "ProductID": row.ProductID,
                "TotalQuantity@type": "Int64",
                "TotalQuantity": row.TotalQuantity,
                "Gross@type": "Decimal",
                "Gross": row.Gross,
            }
            for row in await rows(statement)
        ]
        return respond("Order_Details(ProductID,TotalQuantity,Gross)", value)

    @app.get("/per-category-year")
    async def per_category_year(above: int | None = None) -> Response:
        year = sa.cast(sa.extract("year", order.c.OrderDate), sa.Integer)
        statement = (
            sa.select(product.c.CategoryID, year.label("Year"), sa.func.sum(net).label("Sales"))
            .select_from(detail.join(order).join(product))
            .group_by(product.c.CategoryID, year)
            .order_by(product.c.CategoryID, year)
        )
        if above is not None:
            statement = statement.where(detail.c.Quantity > above)
        value = [
            {
                "Product": {"CategoryID": row.CategoryID},
                "Year@type": "Int32",
                "Year": row.Year,
                "Sales@type": "Decimal",
                "Sales": row.Sales,
            }
            for row in await rows(statement)
        ]
        return respond("Order_Details(Product(CategoryID),Year,Sales)", value)

    @app.get("/grand-total")
    async def grand_total() -> Response:
        statement = sa.select(sa.func.sum(net).label("Sales"), sa.func.count().label("Lines")).select_from(detail)
        row = (await rows(statement))[0]
        value = [{"Sales@type": "Decimal", "Sales": row.Sales, "Lines@type": "Int64", "Lines": row.Lines}]
        return respond("Order_Details(Sales,Lines)", value)

    app.state.engine = engine
    return app


PAIRS: dict[str, tuple[Callable[[int], str], Callable[[int], str], tuple[str, ...]]] = {
    "per product": (lambda n: PER_PRODUCT, lambda n: "per-product", ("ProductID",)),
    "per category and year": (
        lambda n: PER_CATEGORY_YEAR.format(filter=""),
        lambda n: "per-category-year",
        ("Product", "Year"),
    ),
    "grand total": (lambda n: GRAND_TOTAL, lambda n: "grand-total", ()),
    "a new query each time": (
        lambda n: PER_CATEGORY_YEAR.format(filter=f"filter(Quantity gt {n % 40})/") + f"&n={n}",
        lambda n: f"per-category-year?above={n % 40}",
        ("Product", "Year"),
    ),
}


def _same_instances(ours: list[Any], theirs: list[Any], keys: tuple[str, ...]) -> None:
    """Fail unless two answers hold the same instances, in any order (grouped by ``keys``)."""
    assert len(ours) == len(theirs), f"{len(ours)} != {len(theirs)} instances"

    def key(row: dict[str, Any]) -> bytes:
        return orjson.dumps([row.get(name) for name in keys], option=orjson.OPT_SORT_KEYS)

    for index, (a, b) in enumerate(zip(sorted(ours, key=key), sorted(theirs, key=key), strict=True)):
        _same(a, b, f"value[{index}]")


def _same(ours: Any, theirs: Any, where: str) -> None:
    """Fail unless two decoded instances hold the same data (annotations aside)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        names = {k for k in ours if "@" not in k}
        assert names == {k for k in theirs if "@" not in k}, f"{where}: {sorted(ours)} != {sorted(theirs)}"
        for name in names:
            _same(ours[name], theirs[name], f"{where}/{name}")
    elif isinstance(ours, (int, float)) and isinstance(theirs, (int, float)):
        assert math.isclose(ours, theirs, rel_tol=1e-6), f"{where}: {ours} != {theirs}"
    else:
        assert ours == theirs, f"{where}: {ours!r} != {theirs!r}"


async def throughput(odata_app: FastAPI, database_url: str, count: int) -> None:
    plain = handwritten_app(database_url)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(odata_app), base_url=ROOT) as odata,
        httpx.AsyncClient(transport=httpx.ASGITransport(plain), base_url="http://bench/") as hand,
    ):
        for name, (odata_path, plain_path, keys) in PAIRS.items():
            ours, theirs = await odata.get(odata_path(7)), await hand.get(plain_path(7))
            assert ours.status_code == 200, f"{name}: {ours.status_code} {ours.text}"
            _same_instances(ours.json()["value"], theirs.json()["value"], keys)
            assert ours.json()["@context"] == theirs.json()["@context"], (
                ours.json()["@context"],
                theirs.json()["@context"],
            )
        print(f"{'request':<24} {'rows':>5} {'odata req/s':>12} {'hand-written req/s':>19} {'ratio':>6}")
        for name, (odata_path, plain_path, _) in PAIRS.items():
            size = len((await hand.get(plain_path(0))).json()["value"])
            ours_rate, theirs_rate = await paired_rates(
                lambda n, path=odata_path: odata.get(path(n)), lambda n, path=plain_path: hand.get(path(n)), count
            )
            print(f"{name:<24} {size:>5} {ours_rate:>12.0f} {theirs_rate:>19.0f} {ours_rate / theirs_rate:>6.2f}")
    await plain.state.engine.dispose()


if __name__ == "__main__":
    northwind_benchmark(__doc__.splitlines()[0], create_app, throughput, csv=True)
