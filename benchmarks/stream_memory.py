"""Peak memory of serving one large collection: streamed by odata-server vs built whole.

Creates a SQLite table of N rows (default 1,000,000), then in separate child
processes (so each peak RSS is its own):

- ``odata``: GET the entity set through the odata-server ASGI app, reading the body
  chunk by chunk as a client would;
- ``baseline``: the hand-written way, ``fetchall()`` and one ``orjson.dumps`` of the
  whole list, as a typical FastAPI endpoint returns it.

Prints rows, bytes, seconds and peak RSS for each. Usage::

    python benchmarks/stream_memory.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from odata_server import ODataService, ServiceConfig, async_engine  # noqa: E402


class Base(DeclarativeBase):
    pass


class Reading(Base):
    __tablename__ = "readings"
    id: Mapped[int] = mapped_column(primary_key=True)
    sensor: Mapped[str] = mapped_column(sa.String(20))
    value: Mapped[float]
    taken: Mapped[int]


def create_database(path: Path, rows: int) -> None:
    engine = sa.create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        batch = 50_000
        for start in range(0, rows, batch):
            connection.execute(
                Reading.__table__.insert(),
                [
                    {"id": i + 1, "sensor": f"sensor-{i % 97}", "value": i * 0.5, "taken": 1_700_000_000 + i}
                    for i in range(start, min(start + batch, rows))
                ],
            )
    engine.dispose()


async def serve_with_odata(path: Path) -> int:
    service = ODataService(f"sqlite:///{path}", config=ServiceConfig(max_page_size=10**9)).add(Reading)
    app = service.asgi()
    received = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal received
        received += len(message.get("body", b""))

    scope = {
        "type": "http", "method": "GET", "scheme": "http", "path": "/Readings", "raw_path": b"/Readings",
        "root_path": "", "query_string": b"", "headers": [(b"host", b"bench")], "server": ("bench", 80),
    }  # fmt: skip
    await app(scope, receive, send)
    await service.aclose()
    return received


async def serve_whole(path: Path) -> int:
    engine = async_engine(f"sqlite:///{path}")
    async with engine.connect() as connection:
        rows = (await connection.execute(sa.select(Reading.__table__))).mappings().fetchall()
        body = orjson.dumps({"value": [dict(row) for row in rows]})
    await engine.dispose()
    return len(body)


def child(mode: str, path: Path) -> None:
    started = time.perf_counter()
    size = asyncio.run(serve_with_odata(path) if mode == "odata" else serve_whole(path))
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        orjson.dumps(
            {"mode": mode, "bytes": size, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_mb, 1)}
        ).decode()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--child", choices=["odata", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments.child, arguments.database)
        return
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "readings.db"
        create_database(database, arguments.rows)
        print(f"{arguments.rows} rows")
        for mode in ("odata", "baseline"):
            result = subprocess.run(
                [sys.executable, __file__, "--child", mode, "--database", str(database)],
                capture_output=True,
                text=True,
                check=True,
            )
            figures = orjson.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"{mode:>9}: {figures['bytes']:>12,} bytes  {figures['seconds']:>6} s  peak RSS {figures['peak_rss_mb']:>7} MB"
            )


if __name__ == "__main__":
    main()
