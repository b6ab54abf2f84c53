"""Values of enumeration types: from member names (URLs, JSON) and back.

A value is what the storage holds (:attr:`EnumType.python_class`): a member of the
Python enum (a combination of members for a Flag), or the member name itself when
the column holds names.
"""

from __future__ import annotations

import enum
import functools
import operator
import re

from odata_server.edm.model import EnumMember, EnumType

_INTEGER = re.compile(r"[+-]?[0-9]+")


def enum_value(enum_type: EnumType, text: str) -> object:
    """The value ``text`` names: ``Female``, ``Wifi,Meals`` (flags), or an integer value
    (for flags, one that is a sum of members' values).

    Raises ValueError when ``text`` names no member, or several for a type without flags.
    """
    parts = [part.strip() for part in text.split(",")]
    if len(parts) > 1 and not enum_type.is_flags:
        raise ValueError(f"{enum_type.name} is not a flags type; give one member, not {text!r}")
    members: list[EnumMember] = []
    for part in parts:
        found = _members(enum_type, part)
        if found is None:
            names = ", ".join(m.name for m in enum_type.members)
            raise ValueError(f"{part!r} is not a member of {enum_type.name} ({names})")
        members.extend(found)
    if not members:  # the flags value 0, where no member has that value
        python_class = enum_type.python_class
        return python_class(0) if python_class is not None else "0"
    python_class = enum_type.python_class
    if python_class is None:
        return ",".join(member.name for member in members)
    values = [python_class[member.name] for member in members]
    return functools.reduce(operator.or_, values) if len(values) > 1 else values[0]


def _members(enum_type: EnumType, text: str) -> list[EnumMember] | None:
    """The member named ``text``, or whose value ``text`` is; for flags, the members whose
    values add up to it (none for 0)."""
    if not _INTEGER.fullmatch(text):
        member = enum_type.member(text)
        return None if member is None else [member]
    number = int(text)
    exact = [member for member in enum_type.members if member.value == number]
    if exact or not enum_type.is_flags:
        return exact[:1] or None
    parts = [member for member in enum_type.members if member.value and member.value & number == member.value]
    combined = functools.reduce(operator.or_, (member.value for member in parts), 0)
    return parts if combined == number else None


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
