"""Values of enumeration types: from member names (URLs, JSON) and back.

A value is what the storage holds (:attr:`EnumType.python_class`): a member of the
Python enum (a combination of members for a Flag), or the member name itself when
the column holds names.
"""

from __future__ import annotations

import enum
import functools
import operator

from odata_server.edm.model import EnumType


def enum_value(enum_type: EnumType, text: str) -> object:
    """The value ``text`` names: ``Female``, ``Wifi,Meals`` (flags), or an integer value.

    Raises ValueError when ``text`` names no member, or several for a type without flags.
    """
    parts = [part.strip() for part in text.split(",")]
    if len(parts) > 1 and not enum_type.is_flags:
        raise ValueError(f"{enum_type.name} is not a flags type; give one member, not {text!r}")
    members = []
    for part in parts:
        member = enum_type.member(part)
        if member is None and part.lstrip("-").isdigit():
            member = next((m for m in enum_type.members if m.value == int(part)), None)
        if member is None:
            names = ", ".join(m.name for m in enum_type.members)
            raise ValueError(f"{part!r} is not a member of {enum_type.name} ({names})")
        members.append(member)
    python_class = enum_type.python_class
    if python_class is None:
        return members[0].name
    values = [python_class[member.name] for member in members]
    return functools.reduce(operator.or_, values) if len(values) > 1 else values[0]


def enum_text(enum_type: EnumType, value: object) -> str:
    """The member names of a value, comma-separated for a combination of flags."""
    if isinstance(value, enum.Flag):
        names = [
            member.name for member in enum_type.members if member.value and value.value & member.value == member.value
        ]
        return ",".join(names) if names else str(value.value)
    if isinstance(value, enum.Enum):
        return value.name
    return str(value)


def enum_number(enum_type: EnumType, value: object) -> int:
    """The underlying integer of a value."""
    if isinstance(value, enum.Flag):
        return int(value.value)
    name = value.name if isinstance(value, enum.Enum) else str(value)
    member = enum_type.member(name)
    assert member is not None
    return member.value


__all__ = ["enum_number", "enum_text", "enum_value"]
