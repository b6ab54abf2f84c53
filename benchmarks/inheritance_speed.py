"""How fast sets with derived types read, against hand-written code running the same SQL.

The Trippin models of the tests (tests/inheritance/trippin.py) with generated rows: people
of three joined-table types (Person, Employee, Manager: the base table LEFT OUTER JOINed
to two more) and plan items of three single-table types. Each request reads a whole page
and writes each entity with the properties of its own type and its ``@type``; the
hand-written FastAPI + SQLAlchemy endpoint runs the same SELECT and builds the same JSON
by hand, in the same run. Target: ratio >= 0.8.

Usage::

    python benchmarks/inheritance_speed.py [--requests 500] [--rows 400] [--database sqlite:///path.db]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import Response
from sqlalchemy.orm import Session, with_polymorphic

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import paired_rates  # noqa: E402
from tests.inheritance.trippin import (  # noqa: E402
    Employee,
    Event,
    Flight,
    Manager,
    Person,
    PlanItem,
    PublicTransportation,
    TrippinBase,
    trippin_service,
)

PAGE = 1000


def _fill(connection: Any, rows: int) -> None:
    with Session(bind=connection) as session:
        kinds = (Person, Employee, Manager)
        session.add_all(
            kinds[n % 3](PersonID=n + 1, UserName=f"user{n}", **({"Cost": n} if n % 3 else {}))  # type: ignore[arg-type]
            for n in range(rows)
        )
        items = (Event, PublicTransportation, Flight)
        session.add_all(
            items[n % 3](PlanItemID=n + 1, ConfirmationCode=f"C{n}", **({"SeatNumber": "1A"} if n % 3 else {}))  # type: ignore[arg-type]
            for n in range(rows)
        )
        session.commit()


def handwritten_app(database_url: str) -> FastAPI:
    """The same reads by hand: one polymorphic SELECT, each row written with its own type's columns."""
    from odata_server import async_engine

    engine = async_engine(database_url)
    app = FastAPI()
    people = with_polymorphic(Person, [Employee, Manager], aliased=True, flat=True)
    person_columns = [people.PersonID, people.UserName]
    employee_columns = [people.Employee.Cost, people.Employee.ManagerID]
    manager_columns = [people.Manager.Budget]
    items = with_polymorphic(PlanItem, [Event, PublicTransportation, Flight], aliased=True, flat=True)
    item_columns = [items.PlanItemID, items.ConfirmationCode, items.TripID]
    shapes = {
        "event": ("#Trippin.Event", [items.Event.Description]),
        "public": ("#Trippin.PublicTransportation", [items.PublicTransportation.SeatNumber]),
        "flight": (
            "#Trippin.Flight",
            [items.PublicTransportation.SeatNumber, items.Flight.FlightNumber, items.Flight.AirlineCode],
        ),
    }
    item_extra = [column for _, columns in shapes.values() for column in columns]

    @app.get("/people")
    async def all_people() -> Response:
        statement = (
            sa.select(*person_columns, *employee_columns, *manager_columns, people.kind)
            .order_by(people.PersonID)
            .limit(PAGE + 1)
        )
        async with engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        value = []
        for row in rows[:PAGE]:
            kind = row[-1]
            entity: dict[str, Any] = {} if kind == "person" else {"@type": f"#Trippin.{kind.title()}"}
            entity.update(PersonID=row[0], UserName=row[1])
            if kind != "person":
                entity.update(Cost=row[2], ManagerID=row[3])
            if kind == "manager":
                entity["Budget"] = row[4]
            value.append(entity)
        body = orjson.dumps({"@context": "http://bench/odata/$metadata#People", "value": value})
        return Response(body, media_type="application/json")

    @app.get("/plan-items")
    async def all_plan_items() -> Response:
        statement = sa.select(*item_columns, *item_extra, items.kind).order_by(items.PlanItemID).limit(PAGE + 1)
        names = {column: column.key for column in item_extra}
        async with engine.connect() as connection:
            rows = (await connection.execute(statement)).mappings().all()
        value = []
        for row in rows[:PAGE]:
            type_name, columns = shapes[row["kind"]]
            entity = {"@type": type_name, **{column.key: row[column.key] for column in item_columns}}
            entity.update((names[column], row[names[column]]) for column in columns)
            value.append(entity)
        body = orjson.dumps({"@context": "http://bench/odata/$metadata#PlanItems", "value": value})
        return Response(body, media_type="application/json")

    app.state.engine = engine
    return app


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument(
        "--rows", type=int, default=400, help="rows per set; up to 500 they are one batch, not streamed"
    )
    parser.add_argument("--database", help="a SQLAlchemy URL of an empty database; default: a new SQLite file")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = arguments.database or f"sqlite:///{folder}/trippin.db"
        service = trippin_service(database_url)
        async with service.engine.begin() as connection:
            await connection.run_sync(TrippinBase.metadata.create_all)
            await connection.run_sync(_fill, arguments.rows)
        odata_app = FastAPI()
        service.mount(odata_app, "/odata")
        plain = handwritten_app(database_url)
        async with (
            odata_app.router.lifespan_context(odata_app),
            httpx.AsyncClient(transport=httpx.ASGITransport(odata_app), base_url="http://bench/odata/") as odata,
            httpx.AsyncClient(transport=httpx.ASGITransport(plain), base_url="http://bench/") as hand,
        ):
            print(f"{'request':<32} {'odata req/s':>12} {'hand-written req/s':>19} {'ratio':>6}")
            for name, odata_path, plain_path in (
                ("People (joined, 3 types)", "People", "people"),
                ("PlanItems (single table, 3 types)", "PlanItems", "plan-items"),
            ):
                same = (await odata.get(odata_path)).json()["value"] == (await hand.get(plain_path)).json()["value"]
                assert same, f"{name}: the two endpoints answer differently"
                ours, theirs = await paired_rates(
                    lambda n, p=odata_path: odata.get(p), lambda n, p=plain_path: hand.get(p), arguments.requests
                )
                print(f"{name:<32} {ours:>12.0f} {theirs:>19.0f} {ours / theirs:>6.2f}")
        await plain.state.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
