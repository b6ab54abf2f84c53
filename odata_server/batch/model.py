"""What a batch is made of, whichever format it came in, and what it answers.

A batch (OData Protocol §11.7) is a sequence of individual requests and atomicity
groups. A multipart change set and a JSON ``atomicityGroup`` are the same thing here:
an :class:`AtomicityGroup`, run in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from odata_server.errors import ODataError


class BatchFormat(Enum):
    MULTIPART = "multipart/mixed"
    JSON = "application/json"


class FailedDependencyError(ODataError):
    """A request that depends on a failed one is not run (JSON Format §19.1)."""

    status = 424
    default_code = "FailedDependency"


@dataclass(frozen=True, slots=True)
class Part:
    """One individual request of a batch, as the client wrote it.

    Attributes:
        id: the request identifier (``Content-ID`` or ``id``), if any.
        method: the HTTP method as written.
        url: the request URL as written: absolute, an absolute path, or relative
            to the service root, perhaps starting with a ``$<id>`` reference.
        headers: header names in lower case.
        depends_on: ids and atomicity groups that must succeed before this request runs.
        problem: why the request cannot be run, if it cannot: it is answered with this
            error instead (a malformed part of a multipart batch, say).
    """

    id: str | None
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes = b""
    depends_on: tuple[str, ...] = ()
    problem: ODataError | None = None


@dataclass(frozen=True, slots=True)
class AtomicityGroup:
    """Requests that all succeed or all fail: a change set, or a JSON atomicity group."""

    name: str
    parts: tuple[Part, ...]


Item = Part | AtomicityGroup


@dataclass(frozen=True, slots=True)
class Batch:
    """The requests of a batch, and the format they were written in."""

    format: BatchFormat
    items: tuple[Item, ...]

    def parts(self) -> list[Part]:
        """Every individual request, inside atomicity groups too, in order."""
        return [part for item in self.items for part in (item.parts if isinstance(item, AtomicityGroup) else (item,))]


@dataclass(frozen=True, slots=True)
class Answer:
    """The response to one individual request, its body read."""

    part: Part
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def failed(self) -> bool:
        return self.status >= 400


@dataclass(frozen=True, slots=True)
class GroupAnswer:
    """The responses to an atomicity group.

    Attributes:
        answers: one per request of the group. In a failed group, the requests
            that were rolled back or never attempted answer 424.
        failure: the response that made the group fail, if it failed.
    """

    group: AtomicityGroup
    answers: tuple[Answer, ...]
    failure: Answer | None = None


Outcome = Answer | GroupAnswer

__all__ = [
    "Answer",
    "AtomicityGroup",
    "Batch",
    "BatchFormat",
    "FailedDependencyError",
    "GroupAnswer",
    "Item",
    "Outcome",
    "Part",
]
