"""The rules for names in a model: OData identifiers, and names that must differ."""

from __future__ import annotations

import re
from collections.abc import Iterable

from odata_server.errors import ModelError

# CSDL §15.2 SimpleIdentifier: a letter or underscore, then up to 127 letters, digits, underscores.
_IDENTIFIER = re.compile(r"[^\W\d]\w{0,127}\Z")


def check_identifier(name: str, what: str) -> None:
    if not _IDENTIFIER.match(name):
        raise ModelError(
            f"{what} is not an OData identifier: it must start with a letter or '_' and "
            "hold only letters, digits and '_' (at most 128 characters)"
        )


def check_unique(names: Iterable[str], what: str, hint: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ModelError(f"two {what} are both named {name!r}; {hint}")
        seen.add(name)


__all__ = ["check_identifier", "check_unique"]
