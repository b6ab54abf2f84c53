"""Service settings: one frozen object, from keyword arguments or the environment.

Every setting has an environment variable ``ODATA_<NAME>`` (upper case), read by
:meth:`ServiceConfig.from_env`; explicit keyword arguments win over the environment.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceConfig:
    """Settings of one OData service.

    Attributes:
        stream_batch_rows: rows fetched from the database and encoded per chunk of a
            streamed response body. Larger is faster; memory grows with it, never
            with the size of the result.
        max_url_length: the longest request URL (path and query) accepted; longer
            ones get ``414 URI Too Long``.
        max_page_size: the most entities in one response; a longer collection is
            paged with ``@nextLink`` (server-driven paging). A client may ask for less
            with ``Prefer: odata.maxpagesize``.
        max_top: the largest ``$top`` accepted; a larger one is a 400.
        max_expression_nodes: the most operators, operands and function calls one
            expression (``$filter``, ``$orderby`` item) may have.
        max_expand_depth: how deep ``$expand`` may nest (``$levels=max`` goes this deep).
        max_expand_width: the most navigation properties one ``$expand`` level may name.
        max_request_body: the largest request body in bytes; a larger one gets
            ``413 Payload Too Large`` (a ``$batch`` included).
        max_batch_parts: the most requests one ``$batch`` may hold.
        query_cache_size: how many queries the service keeps parsed, bound and planned
            (and as many query shapes), the least recently used dropped first: enough
            for the distinct queries its clients send. Each kept plan holds its
            SQLAlchemy statements.
        broker_url: where asynchronous requests are queued: unset for the embedded
            queue (worker threads in the server process), ``redis://...`` or
            ``amqp://...`` for separate ``odata-server worker`` processes.
        async_disk: where the results of asynchronous requests are written: a
            folder or any fsspec URL (``s3://bucket/prefix``, ``memory://jobs``).
        jobs_database_url: the database of the job table; unset for the service's own.
        async_workers: worker threads of the embedded queue.
        async_result_expiry: seconds a finished result waits to be fetched before
            it is deleted.
        async_retry_after: the ``Retry-After`` seconds of a ``202`` from a status monitor.
        async_time_limit: seconds an asynchronous request may run; then it fails with 504.
        async_lease: seconds a worker holds the job it runs without renewing its lease;
            it renews every third of that while it runs. A job whose lease lapsed is
            presumed orphaned (its worker died) and may be run again.
        async_requeue_after: seconds a queued job's broker message is trusted to arrive;
            after that the sweep sends another one (a duplicate is harmless).
        async_status_passthrough: when on, the monitor of a finished job answers with
            the original status (a failed job's 4xx/5xx) instead of ``200`` with
            ``AsyncResult``, for clients that read status codes only.
        callback_allow: hosts or networks (``10.0.0.0/8``, ``hooks.internal``) that
            may receive callbacks although they are private or loopback addresses.
    """

    stream_batch_rows: int = 500
    max_url_length: int = 8192
    max_page_size: int = 1000
    max_top: int = 1_000_000
    max_expression_nodes: int = 500
    max_expand_depth: int = 5
    max_expand_width: int = 20
    max_request_body: int = 10 * 1024 * 1024
    max_batch_parts: int = 100
    query_cache_size: int = 1024
    broker_url: str | None = None
    async_disk: str = "odata-jobs"
    jobs_database_url: str | None = None
    async_workers: int = 2
    async_result_expiry: int = 3600
    async_retry_after: int = 1
    async_time_limit: int = 3600
    async_lease: float = 30.0
    async_requeue_after: float = 300.0
    async_status_passthrough: bool = False
    callback_allow: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for setting in fields(self):
            value = getattr(self, setting.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and not 0 < value < math.inf:
                raise ValueError(f"ServiceConfig.{setting.name} must be positive and finite, not {value}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> ServiceConfig:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for setting in fields(cls):
            raw = environ.get(f"ODATA_{setting.name.upper()}")
            if raw is not None:
                values[setting.name] = _parse(setting.type, raw, setting.name)
        values.update(overrides)
        return cls(**values)


def _parse(annotation: Any, raw: str, name: str) -> Any:
    """An environment variable's text as the setting's type (annotations are strings here)."""
    variable = f"ODATA_{name.upper()}"
    if annotation == "int":
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{variable} must be an integer, not {raw!r}") from None
    if annotation == "float":
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise ValueError(f"{variable} must be a number, not {raw!r}")
        return number
    if annotation == "bool":
        if raw.lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ValueError(f"{variable} must be true or false, not {raw!r}")
        return raw.lower() in ("1", "true", "yes", "on")
    if annotation.startswith("tuple"):
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    return raw or None if "None" in annotation else raw


__all__ = ["ServiceConfig"]
