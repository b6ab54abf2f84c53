"""The ``Prefer`` request header (Protocol §8.2.8), and ``Preference-Applied``.

Preference names are case-insensitive and 4.01 accepts them with or without the
``odata.`` prefix; ``Preference-Applied`` echoes the name as the client wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass

from odata_server.messages import ODataRequest


@dataclass(frozen=True, slots=True)
class Preference:
    name: str
    """As the client wrote it, e.g. ``odata.maxpagesize``."""
    value: str | None


def preferences(request: ODataRequest) -> dict[str, Preference]:
    """Preference name (lower case, without ``odata.``) → the preference."""
    found: dict[str, Preference] = {}
    header = request.header("prefer") or ""
    for item in header.split(","):
        token, *_parameters = item.split(";")
        name, _, value = token.strip().partition("=")
        if not name:
            continue
        key = name.lower().removeprefix("odata.")
        found.setdefault(key, Preference(name, value.strip().strip('"') or None))
    return found


def max_page_size(request: ODataRequest) -> tuple[int | None, str | None]:
    """``Prefer: odata.maxpagesize=N``: N, and the ``Preference-Applied`` text to answer with.

    A value that is not a positive integer is ignored, as a preference may be.
    """
    preference = preferences(request).get("maxpagesize")
    if preference is None or preference.value is None or not preference.value.isdigit():
        return None, None
    size = int(preference.value)
    if size <= 0:
        return None, None
    return size, f"{preference.name}={size}"


__all__ = ["Preference", "max_page_size", "preferences"]
