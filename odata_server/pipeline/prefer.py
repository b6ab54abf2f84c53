"""The ``Prefer`` request header (Protocol §8.2.8), and ``Preference-Applied``.

Preference names are case-insensitive and 4.01 accepts them with or without the
``odata.`` prefix; ``Preference-Applied`` echoes the name as the client wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from odata_server.messages import ODataRequest


@dataclass(frozen=True, slots=True)
class Preference:
    name: str
    """As the client wrote it, e.g. ``odata.maxpagesize``."""
    value: str | None
    parameters: dict[str, str]
    """``callback; url="..."``: parameter name (lower case) → value."""


def preferences(request: ODataRequest) -> dict[str, Preference]:
    """Preference name (lower case, without ``odata.``) → the preference; the first one wins,
    except that ``callback`` wins over ``odata.callback`` (Protocol §8.2.8.2)."""
    found: dict[str, Preference] = {}
    for item in _items(request.header("prefer") or ""):
        token, *raw_parameters = _split(item, ";")
        name, _, value = token.strip().partition("=")
        if not name:
            continue
        parameters = {}
        for raw in raw_parameters:
            key, _, text = raw.strip().partition("=")
            parameters[key.strip().lower()] = text.strip().strip('"')
        key = name.lower().removeprefix("odata.")
        preference = Preference(name, value.strip().strip('"') or None, parameters)
        if key not in found or name.lower() == "callback":
            found[key] = preference
    return found


def _items(header: str) -> list[str]:
    return _split(header, ",")


def _split(text: str, separator: str) -> list[str]:
    """Split at ``separator`` outside double quotes (a callback URL may hold commas)."""
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


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


def return_preference(request: ODataRequest) -> tuple[str | None, str | None]:
    """``Prefer: return=minimal|representation`` (Protocol §8.2.8.7): the value, and the
    ``Preference-Applied`` text to answer with; (None, None) without one."""
    preference = preferences(request).get("return")
    if preference is None or preference.value not in ("minimal", "representation"):
        return None, None
    return preference.value, f"{preference.name}={preference.value}"


def without_preference(request: ODataRequest, name: str) -> ODataRequest:
    """The request with one preference (and its ``odata.`` spelling) taken out of ``Prefer``."""
    kept = [
        item.strip()
        for item in _items(request.header("prefer") or "")
        if item.split(";")[0].split("=")[0].strip().lower().removeprefix("odata.") != name
    ]
    headers = {key: value for key, value in request.headers.items() if key != "prefer"}
    if any(kept):
        headers["prefer"] = ", ".join(item for item in kept if item)
    return replace(request, headers=headers)


__all__ = ["Preference", "max_page_size", "preferences", "return_preference", "without_preference"]
