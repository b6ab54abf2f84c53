"""Media types (RFC 9110 §8.3.1): ``type/subtype; name=value; name="quoted value"``.

Type, subtype and parameter names are case-insensitive and kept in lower case;
parameter values keep their case (a multipart ``boundary`` is case-sensitive).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_TYPE = re.compile(rf"\s*({_TOKEN})/({_TOKEN})\s*")
# Unquoted values are read leniently: clients write boundaries such as ``a/b`` unquoted.
_PARAMETER = re.compile(rf';\s*({_TOKEN})\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))\s*')
_END = re.compile(r"\s*;?\s*\Z")
_QUOTED_PAIR = re.compile(r"\\(.)")


@dataclass(frozen=True, slots=True)
class MediaType:
    type: str
    subtype: str
    parameters: Mapping[str, str] = field(default_factory=dict)

    @property
    def essence(self) -> str:
        """``type/subtype`` without parameters."""
        return f"{self.type}/{self.subtype}"

    @property
    def is_json(self) -> bool:
        """``application/json`` or a structured ``+json`` type, with any parameters."""
        return self.type == "application" and (self.subtype == "json" or self.subtype.endswith("+json"))

    @property
    def is_text(self) -> bool:
        return self.type == "text"


def parse_media_type(text: str) -> MediaType:
    """Parse one media type; raises :class:`ValueError` if ``text`` is not one."""
    match = _TYPE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a media type")
    parameters: dict[str, str] = {}
    position = match.end()
    while _END.match(text, position) is None:
        parameter = _PARAMETER.match(text, position)
        if parameter is None:
            raise ValueError(f"{text!r} has a malformed parameter at {text[position:]!r}")
        name, quoted, token = parameter.groups()
        parameters[name.lower()] = _QUOTED_PAIR.sub(r"\1", quoted) if quoted is not None else token
        position = parameter.end()
    return MediaType(match.group(1).lower(), match.group(2).lower(), parameters)


__all__ = ["MediaType", "parse_media_type"]
