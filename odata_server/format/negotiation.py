"""Content negotiation: ``$format`` and ``Accept`` → the representation to write.

OData Protocol §8.2.1 and §11.2.11: ``$format`` overrides ``Accept``; a request
whose acceptable types the resource cannot be represented in gets 406. JSON
Format §3: the ``odata.metadata`` (4.01: also ``metadata``), ``IEEE754Compatible``
and ``odata.streaming`` parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from odata_server.edm.model import ComplexType, EnumType
from odata_server.edm.types import PrimitiveType
from odata_server.errors import NotAcceptableError


class MetadataLevel(Enum):
    MINIMAL = "minimal"
    FULL = "full"
    NONE = "none"


class Representation(Enum):
    """The kinds of body a resource can be written as."""

    JSON = "application/json"
    XML = "application/xml"
    TEXT = "text/plain"
    BINARY = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Negotiated:
    """The chosen representation, the response's OData version and, for JSON, its parameters."""

    representation: Representation
    metadata: MetadataLevel = MetadataLevel.MINIMAL
    ieee754_compatible: bool = False
    version: str = "4.01"

    def control(self, name: str) -> str:
        """The name of control information: ``@odata.id`` in 4.0, ``@id`` in 4.01 (JSON Format §4.5)."""
        return f"@odata.{name}" if self.version == "4.0" else f"@{name}"

    def primitive_type(self, edm_type: PrimitiveType) -> str:
        """A primitive type as an ``@type`` value: ``#Decimal`` in 4.0, ``Decimal`` in 4.01."""
        return f"#{edm_type.short_name}" if self.version == "4.0" else edm_type.short_name

    def type_annotation(self, edm_type: PrimitiveType | EnumType | ComplexType, collection: bool = False) -> str:
        """Any property type as an ``@type`` value (JSON Format §4.5.3): primitive types unqualified
        (without ``#`` in 4.01), other types qualified, collections as ``Collection(...)``."""
        if not isinstance(edm_type, PrimitiveType):
            name = edm_type.qualified_name
            return f"#Collection({name})" if collection else f"#{name}"
        if not collection:
            return self.primitive_type(edm_type)
        return f"#Collection({edm_type.short_name})" if self.version == "4.0" else f"Collection({edm_type.short_name})"


@dataclass(frozen=True, slots=True)
class _MediaRange:
    type: str
    subtype: str
    parameters: dict[str, str]
    quality: float

    def matches(self, media_type: str) -> bool:
        """Whether the range takes ``media_type`` (``type/subtype``, lower case)."""
        type_, _, subtype = media_type.partition("/")
        return self.type in ("*", type_) and self.subtype in ("*", subtype)


_FORMAT_SHORTHANDS = {"json": "application/json", "xml": "application/xml"}


def negotiate(
    offered: tuple[Representation, ...], *, accept: str | None, format_option: str | None, version: str = "4.01"
) -> Negotiated:
    """Pick the first of ``offered`` (in the server's order of preference) that the client accepts.

    Raises:
        NotAcceptableError: nothing offered is acceptable.
    """
    if format_option is not None:
        ranges = _parse_ranges(_FORMAT_SHORTHANDS.get(format_option.lower(), format_option))
        source = "$format"
    else:
        ranges = _parse_ranges(accept or "*/*")
        source = "Accept"
    best: tuple[float, int, Negotiated] | None = None
    for position, representation in enumerate(offered):
        for media_range in ranges:
            if media_range.quality <= 0 or not media_range.matches(representation.value):
                continue
            negotiated = _with_parameters(representation, media_range.parameters, version)
            if negotiated is None:
                continue
            rank = (media_range.quality, -position, negotiated)
            if best is None or rank[:2] > best[:2]:
                best = rank
    if best is None:
        requested = format_option if format_option is not None else accept
        raise NotAcceptableError(
            f"This resource is available as {', '.join(r.value for r in offered)}; {source} asks for {requested!r}",
            target=source,
        )
    return best[2]


def _with_parameters(representation: Representation, parameters: dict[str, str], version: str) -> Negotiated | None:
    """The representation with the client's JSON parameters, or None if a parameter has an unknown value."""
    if representation is not Representation.JSON:
        return Negotiated(representation, version=version)
    level = parameters.get("odata.metadata", parameters.get("metadata", "minimal")).lower()
    ieee754 = parameters.get("ieee754compatible", "false").lower()
    if level not in {m.value for m in MetadataLevel} or ieee754 not in ("true", "false"):
        return None
    return Negotiated(representation, MetadataLevel(level), ieee754 == "true", version)


def _parse_ranges(header: str) -> list[_MediaRange]:
    ranges = []
    for item in header.split(","):
        media_type, *raw_parameters = (part.strip() for part in item.split(";"))
        if not media_type:
            continue
        type_, _, subtype = media_type.lower().partition("/")
        parameters: dict[str, str] = {}
        quality = 1.0
        for raw in raw_parameters:
            name, _, value = raw.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
            else:
                parameters[name] = value
        ranges.append(_MediaRange(type_, subtype or "*", parameters, quality))
    return ranges


def accepts(accept: str | None, media_type: str) -> bool:
    """Whether an ``Accept`` header takes a response of ``media_type`` (its parameters aside):
    how a stream, which has the one media type it was stored with, is negotiated."""
    essence = media_type.partition(";")[0].strip().lower()
    return any(
        media_range.quality > 0 and media_range.matches(essence) for media_range in _parse_ranges(accept or "*/*")
    )


def json_content_type(negotiated: Negotiated) -> str:
    """The Content-Type of a JSON response (JSON Format §4.1): ``metadata`` always,
    ``IEEE754Compatible`` when numbers are strings, ``odata.`` prefixes only in 4.0."""
    prefix = "odata." if negotiated.version == "4.0" else ""
    content_type = f"application/json;{prefix}metadata={negotiated.metadata.value};{prefix}streaming=true"
    if negotiated.ieee754_compatible:
        content_type += ";IEEE754Compatible=true"
    return content_type


__all__ = ["MetadataLevel", "Negotiated", "Representation", "accepts", "json_content_type", "negotiate"]
