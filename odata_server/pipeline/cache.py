"""A small least-recently-used cache for work that repeats across requests.

Clients repeat their queries (a dashboard refreshing, a grid paging), so the bound
query options and the planned statement of a URL are kept and reused: both are
immutable, and depend on nothing but the URL and the service.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LruCache(Generic[V]):
    """At most ``size`` values, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], V]) -> V:
        """The value for ``key``, built (and kept) if it is not there; errors are not kept."""
        try:
            self._values.move_to_end(key)
            return self._values[key]
        except KeyError:
            value = build()
            self._values[key] = value
            if len(self._values) > self.size:
                self._values.popitem(last=False)
            return value

    def clear(self) -> None:
        """Forget every value (a benchmark of first sights empties the caches between requests)."""
        self._values.clear()


__all__ = ["LruCache"]
