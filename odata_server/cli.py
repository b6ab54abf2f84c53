"""The ``odata-server`` command.

- ``odata-server serve MODULE:APP``: run an app with uvicorn.
- ``odata-server worker MODULE:APP``: run the asynchronous requests of the OData
  service mounted on an app, taken from the broker of ``ODATA_BROKER_URL``.
- ``odata-server db upgrade``: create or upgrade the job table (Alembic).
- ``odata-server metadata MODULE:APP``: print the ``$metadata`` of the OData service
  mounted on an app (``--json`` for CSDL JSON), e.g. to review model changes.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import make_url

from odata_server.format.csdl_json import csdl_json
from odata_server.format.csdl_xml import csdl_xml
from odata_server.service import ODataService


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    if not attribute:
        raise SystemExit(f"expected MODULE:ATTRIBUTE, such as examples.northwind.app:app, not {target!r}")
    sys.path.insert(0, ".")
    return getattr(importlib.import_module(module_name), attribute)


def _service(target: str) -> ODataService:
    found = _load(target)
    if isinstance(found, ODataService):
        return found
    service = getattr(getattr(found, "state", None), "odata", None)
    if isinstance(service, ODataService):
        return service
    raise SystemExit(f"{target} is neither an ODataService nor an app with one in app.state.odata")


def _run_worker(service: ODataService, threads: int | None) -> None:
    """Run the service's actors until SIGINT or SIGTERM, then finish the running jobs and stop."""
    queue = service.jobs
    if queue.embedded:
        raise SystemExit("ODATA_BROKER_URL is not set: the server runs its asynchronous requests itself")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    queue.start_workers(threads)
    broker = make_url(service.config.broker_url or "").render_as_string(hide_password=True)
    print(f"odata-server worker: running asynchronous requests from {broker}", flush=True)
    stop.wait()
    queue.stop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="odata-server", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run an app with uvicorn")
    serve.add_argument("app", help="MODULE:APP, e.g. examples.northwind.app:app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    worker = commands.add_parser("worker", help="run the workers of asynchronous requests")
    worker.add_argument("app", help="MODULE:APP or MODULE:SERVICE, e.g. examples.northwind.app:app")
    worker.add_argument("--threads", type=int, default=None, help="worker threads (default: ODATA_ASYNC_WORKERS)")
    database = commands.add_parser("db", help="manage the job table")
    database.add_argument("action", choices=["upgrade"], help="upgrade: apply the migrations in migrations/")
    database.add_argument("--url", help="database URL (default: ODATA_JOBS_DATABASE_URL or DATABASE_URL)")
    metadata = commands.add_parser("metadata", help="print the $metadata document of a service")
    metadata.add_argument("app", help="MODULE:APP or MODULE:SERVICE")
    metadata.add_argument("--json", action="store_true", help="CSDL JSON instead of CSDL XML")
    arguments = parser.parse_args(argv)

    if arguments.command == "serve":
        import uvicorn

        uvicorn.run(arguments.app, host=arguments.host, port=arguments.port, app_dir=".")
    elif arguments.command == "worker":
        _run_worker(_service(arguments.app), arguments.threads)
    elif arguments.command == "db":
        from odata_server.jobs.migrate import upgrade

        upgrade(arguments.url)
    else:
        model = _service(arguments.app).model
        document = csdl_json(model) if arguments.json else csdl_xml(model)
        sys.stdout.buffer.write(document + b"\n")


__all__ = ["main"]
