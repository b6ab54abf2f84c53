"""How fast the query language is: parse+bind+build per query, and requests per second against hand-written code.

1. For typical queries, the microseconds to parse the query options (Lark), bind
   them to the model, build the SQLAlchemy statement, and compile it to SQL text
   (SQLAlchemy's compiled cache is cleared for the compile figure). Target:
   parse+bind+build+compile of a 3-clause ``$filter`` under 100 µs. For scale, the
   table ends with the same three conditions written by hand in SQLAlchemy Core,
   built and compiled: what SQLAlchemy alone costs, with no query language.
   A query of a known shape (the same ``$filter`` with other string and integer
   literals, uri/shapes.py) skips all four: the second table times what it pays
   instead, cutting out its literals and converting them to parameters.
2. Requests per second through the ASGI app, against a hand-written FastAPI +
   SQLAlchemy endpoint that runs the same SQL on the same data and writes the same
   JSON, measured in the same run. Target: ratio >= 0.8. A repeated request reuses
   its parsed, bound and planned query (pipeline/cache.py); "new values, one shape"
   sends other literals each time, which share one shape, as do the words of "a new
   search word each time"; "first sight each time"
   empties the service's caches before each request, so each is parsed, bound and
   planned afresh (only SQLAlchemy's compiled SQL is reused).

Both run in this process over httpx's ASGI transport, one request at a time, so
the figures compare the work each side does per request (no network, no uvicorn).

Usage::

    python benchmarks/query_speed.py [--requests 2000] [--database sqlite:///path.db]
"""

from __future__ import annotations

import base64
import hashlib
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
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
from examples.northwind.models import Product  # noqa: E402
from odata_server.uri.literals import literal_type  # noqa: E402
from odata_server.uri.options import parse_query  # noqa: E402
from odata_server.uri.parser import _parse_cached  # noqa: E402
from odata_server.uri.path import ResourceKind  # noqa: E402
from odata_server.uri.shapes import filter_shape  # noqa: E402

QUERIES = {
    "3-clause $filter": "$filter=UnitPrice gt 20 and CategoryID eq 1 and startswith(ProductName,'C')",
    "navigation $filter": "$filter=Category/CategoryName eq 'Beverages'",
    "lambda $filter": "$filter=Order_Details/any(d:d/Quantity gt 100)",
    "filter+orderby+top": "$filter=UnitPrice gt 20&$orderby=UnitPrice desc,ProductName&$top=10",
    "select+expand": "$select=ProductName&$expand=Category($select=CategoryName)",
}


def time_per_call(function: Callable[[], object], repeat: int = 2000) -> float:
    """Median microseconds per call over ``repeat`` calls, in batches."""
    samples = []
    for _ in range(20):
        started = time.perf_counter()
        for _ in range(repeat // 20):
            function()
        samples.append((time.perf_counter() - started) / (repeat // 20) * 1e6)
    return statistics.median(samples)


def compile_figures(app: FastAPI) -> None:
    from odata_server.uri.bound_options import Limits

    service = app.state.odata
    parts = service.handler.service
    model, storage = parts.model, parts.storage
    entity_set = model.entity_sets["Products"]
    limits = Limits(max_top=10**6, max_expression_nodes=500, max_expand_depth=5, max_expand_width=20)
    dialect = service.engine.dialect
    print("First sight of a query (nothing cached): µs per step")
    print(f"{'query':<22} {'parse µs':>9} {'bind µs':>8} {'build µs':>9} {'compile µs':>11} {'total µs':>9}")
    for name, query in QUERIES.items():
        figures = _steps(query, model, storage, entity_set, limits, dialect)
        print(f"{name:<22} " + " ".join(f"{value:>{width}.1f}" for value, width in zip(figures, (9, 8, 9, 11, 9))))
    build_us, compile_us = _handwritten_steps(dialect)
    print(
        f"{'hand-written 3-clause':<22} {'-':>9} {'-':>8} {build_us:>9.1f} {compile_us:>11.1f} {build_us + compile_us:>9.1f}"
    )
    print("(the same three conditions written by hand in SQLAlchemy Core: no parse, no bind)")
    print("\nA query of a known shape (new literals): µs to cut them out and convert them")
    for name, query in QUERIES.items():
        known = _known_shape_us(parse_query(query).system.get("filter"))
        if known is not None:
            print(f"{name:<22} {known:>9.1f}")


def _known_shape_us(text: str | None) -> float | None:
    """µs for a request of a known shape to cut the literals out of its $filter and convert
    them to the types its shape bound them to; None if the text has no literal to cut."""
    shape = filter_shape(text) if text else None
    if text is None or shape is None:
        return None
    types = tuple(literal_type(cut) for cut in shape.literals)

    def known() -> None:
        shaped = filter_shape(text)
        assert shaped is not None
        shaped.parameters(types)

    return time_per_call(known)


def _steps(query: str, model: Any, storage: Any, entity_set: Any, limits: Any, dialect: Any) -> list[float]:
    """µs to parse (first sight), bind, build and compile one query, and their total."""
    from odata_server.query.plan import plan_collection
    from odata_server.uri.binder import bind_path
    from odata_server.uri.bound_options import bind_options
    from odata_server.uri.parser import START_RULES, parse

    options = parse_query(query)
    path = bind_path("Products", model)
    assert path.kind is ResourceKind.COLLECTION
    properties = tuple(entity_set.entity_type.properties.values())
    parsed_options = {option: text for option, text in options.system.items() if option in START_RULES}

    def parse_all() -> None:
        _parse_cached.cache_clear()  # the first time a query is seen
        for option, text in parsed_options.items():
            parse(text, option, where=option)

    def bound() -> Any:
        return bind_options(options, model, entity_set, limits)

    bound_options = bound()

    def build() -> Any:
        return (
            plan_collection(
                path.entity_segments,
                model=model,
                storage=storage,
                entity_set=entity_set,
                properties=properties,
                options=bound_options,
                max_page_size=1000,
                dialect=dialect.name,
            )
            .page(bound_options.top, bound_options.skip, None)
            .statement
        )

    statement = build()

    def compile_sql() -> None:
        statement.compile(dialect=dialect)

    parse_us = time_per_call(parse_all)
    bind_us = time_per_call(bound)  # parses again, from the parse cache
    build_us = time_per_call(build)
    compile_us = time_per_call(compile_sql, repeat=400)
    return [parse_us, bind_us, build_us, compile_us, parse_us + bind_us + build_us + compile_us]


def _handwritten_steps(dialect: Any) -> tuple[float, float]:
    """µs to build and to compile the statement of the 3-clause ``$filter`` as a hand-written
    endpoint would write it: what SQLAlchemy costs with no query language at all."""
    columns = list(Product.__table__.columns)

    def build() -> Any:
        return (
            sa.select(*columns)
            .where(Product.UnitPrice > Decimal(20), Product.CategoryID == 1, Product.ProductName.startswith("C"))
            .order_by(Product.ProductID)
            .limit(1001)
        )

    statement = build()
    return time_per_call(build), time_per_call(lambda: statement.compile(dialect=dialect), repeat=400)


def handwritten_app(database_url: str) -> FastAPI:
    """The same reads written by hand: FastAPI + SQLAlchemy Core + orjson, no OData framework."""
    from odata_server import async_engine

    engine = async_engine(database_url)
    app = FastAPI()
    columns = [column for column in Product.__table__.columns]

    names = [column.name for column in columns]
    versioned = [index for index, column in enumerate(columns) if not column.primary_key]

    def etag(row: Any) -> str:
        # The example declares Products with etag=True: each entity carries a digest of its
        # values, so the hand-written endpoint writes one too, to write the same JSON.
        digest = hashlib.blake2b(orjson.dumps([row[index] for index in versioned], default=str), digest_size=16)
        return 'W/"' + base64.urlsafe_b64encode(digest.digest())[:22].decode() + '"'

    async def rows_response(statement: sa.Select[Any], context: str) -> Response:
        async with engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        entities = [{"@etag": etag(row), **dict(zip(names, row))} for row in rows]
        body = orjson.dumps({"@context": context, "value": entities}, default=decimal_json)
        return Response(body, media_type="application/json")

    @app.get("/products/top-priced")
    async def top_priced(above: Decimal = Decimal(20), limit: int = 10) -> Response:
        statement = (
            sa.select(*columns)
            .where(Product.UnitPrice > above)
            .order_by(Product.UnitPrice.desc(), Product.ProductName, Product.ProductID)
            .limit(limit)
        )
        return await rows_response(statement, "http://bench/odata/$metadata#Products")

    @app.get("/products/search")
    async def search(term: str) -> Response:
        # $search: the term, lower case, in any string property (LIKE's own characters escaped).
        escaped = term.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
        pattern = sa.bindparam("pattern", f"%{escaped}%")
        texts = [column for column in columns if isinstance(column.type, sa.String)]
        statement = (
            sa.select(*columns)
            .where(sa.or_(*(sa.func.lower(column).like(pattern, escape="/") for column in texts)))
            .order_by(Product.ProductID)
            .limit(1001)
        )
        return await rows_response(statement, "http://bench/odata/$metadata#Products")

    @app.get("/products/{product_id}")
    async def product(product_id: int) -> Response:
        async with engine.connect() as connection:
            row = (await connection.execute(sa.select(*columns).where(Product.ProductID == product_id))).one()
        tag = etag(row)
        entity = {"@context": "http://bench/odata/$metadata#Products/$entity", "@etag": tag, **dict(zip(names, row))}
        body = orjson.dumps(entity, default=decimal_json)
        return Response(body, media_type="application/json", headers={"ETag": tag})

    @app.get("/products")
    async def all_products() -> Response:
        statement = sa.select(*columns).order_by(Product.ProductID).limit(1001)
        return await rows_response(statement, "http://bench/odata/$metadata#Products")

    app.state.engine = engine
    return app


def _word(n: int) -> str:
    """A two-letter search word, another for each ``n`` (of 676)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[abs(n) % 26] + letters[abs(n) // 26 % 26]


def _forget_queries(app: FastAPI) -> None:
    """Empty the service's caches of parsed, bound and planned queries, so that the next
    request is met as if for the first time (SQLAlchemy's compiled SQL is still reused)."""
    parts = app.state.odata.handler.service
    for cache in (parts.options_cache, parts.shape_cache, parts.plan_cache):
        cache.clear()
    _parse_cached.cache_clear()


async def throughput(odata_app: FastAPI, database_url: str, count: int) -> None:
    plain = handwritten_app(database_url)

    def first_sight(n: int) -> str:
        _forget_queries(odata_app)
        return f"Products?$filter=UnitPrice gt {n % 50}&$orderby=UnitPrice desc,ProductName&$top=10"

    pairs = {
        "filter+orderby+top": (
            lambda n: "Products?$filter=UnitPrice gt 20&$orderby=UnitPrice desc,ProductName&$top=10",
            lambda n: "products/top-priced",
        ),
        "whole collection": (lambda n: "Products", lambda n: "products"),
        "new values, one shape": (
            lambda n: f"Products?$filter=UnitPrice gt {n % 50}&$orderby=UnitPrice desc,ProductName&$top=10&n={n}",
            lambda n: f"products/top-priced?above={n % 50}",
        ),
        "a new key each time": (lambda n: f"Products({abs(n) % 77 + 1})", lambda n: f"products/{abs(n) % 77 + 1}"),
        "a new search word each time": (
            lambda n: f"Products?$search={_word(n)}",
            lambda n: f"products/search?term={_word(n)}",
        ),
        "first sight each time": (first_sight, lambda n: f"products/top-priced?above={n % 50}"),
    }
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(odata_app), base_url="http://bench/odata/") as odata,
        httpx.AsyncClient(transport=httpx.ASGITransport(plain), base_url="http://bench/") as hand,
    ):
        print(f"\n{'request':<28} {'odata req/s':>12} {'hand-written req/s':>19} {'ratio':>6}")
        for name, (odata_path, plain_path) in pairs.items():
            ours, theirs = await paired_rates(
                lambda n, path=odata_path: odata.get(path(n)),
                lambda n, path=plain_path: hand.get(path(n)),
                count,
                warmup=50,
            )
            print(f"{name:<28} {ours:>12.0f} {theirs:>19.0f} {ours / theirs:>6.2f}")
    await plain.state.engine.dispose()


async def measure(app: FastAPI, database_url: str, requests: int) -> None:
    compile_figures(app)
    await throughput(app, database_url, requests)


if __name__ == "__main__":
    northwind_benchmark(__doc__.splitlines()[0], create_app, measure, requests=2000)
