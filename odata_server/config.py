"""Service settings: one frozen object, from keyword arguments or the environment.

Every setting has an environment variable ``ODATA_<NAME>`` (upper case), read by
:meth:`ServiceConfig.from_env`; explicit keyword arguments win over the environment.
"""

from __future__ import annotations

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
    """

    stream_batch_rows: int = 500
    max_url_length: int = 8192
    max_page_size: int = 1000
    max_top: int = 1_000_000
    max_expression_nodes: int = 500
    max_expand_depth: int = 5
    max_expand_width: int = 20

    def __post_init__(self) -> None:
        for setting in fields(self):
            value = getattr(self, setting.name)
            if isinstance(value, int) and value <= 0:
                raise ValueError(f"ServiceConfig.{setting.name} must be positive, not {value}")

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
    if annotation in (int, "int"):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"ODATA_{name.upper()} must be an integer, not {raw!r}") from None
    return raw


__all__ = ["ServiceConfig"]
