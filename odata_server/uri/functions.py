"""The canonical functions of OData (URL Conventions §5.1.1.5-§5.1.1.11) and their signatures.

Names are lower case: 4.01 function names are case-insensitive (``matchesPattern``
is ``matchespattern`` here).
"""

from __future__ import annotations

from odata_server.edm.types import PrimitiveType as P

Signature = tuple[tuple[P, ...], P]

_TEMPORAL_PARTS = [((P.DATE_TIME_OFFSET,), P.INT32), ((P.DATE,), P.INT32)]
_TIME_PARTS = [((P.DATE_TIME_OFFSET,), P.INT32), ((P.TIME_OF_DAY,), P.INT32)]
_ROUNDING = [((P.DECIMAL,), P.DECIMAL), ((P.DOUBLE,), P.DOUBLE)]

#: Canonical function name → its overloads, each (parameter types, return type).
SIGNATURES: dict[str, list[Signature]] = {
    # §5.1.1.7 string and collection functions
    "contains": [((P.STRING, P.STRING), P.BOOLEAN)],
    "endswith": [((P.STRING, P.STRING), P.BOOLEAN)],
    "startswith": [((P.STRING, P.STRING), P.BOOLEAN)],
    "length": [((P.STRING,), P.INT32)],
    "indexof": [((P.STRING, P.STRING), P.INT32)],
    "substring": [((P.STRING, P.INT32), P.STRING), ((P.STRING, P.INT32, P.INT32), P.STRING)],
    "tolower": [((P.STRING,), P.STRING)],
    "toupper": [((P.STRING,), P.STRING)],
    "trim": [((P.STRING,), P.STRING)],
    "concat": [((P.STRING, P.STRING), P.STRING)],
    "matchespattern": [((P.STRING, P.STRING), P.BOOLEAN)],
    # §5.1.1.8 date and time functions
    "year": _TEMPORAL_PARTS,
    "month": _TEMPORAL_PARTS,
    "day": _TEMPORAL_PARTS,
    "hour": _TIME_PARTS,
    "minute": _TIME_PARTS,
    "second": _TIME_PARTS,
    "fractionalseconds": [((P.DATE_TIME_OFFSET,), P.DECIMAL), ((P.TIME_OF_DAY,), P.DECIMAL)],
    "date": [((P.DATE_TIME_OFFSET,), P.DATE)],
    "time": [((P.DATE_TIME_OFFSET,), P.TIME_OF_DAY)],
    "totaloffsetminutes": [((P.DATE_TIME_OFFSET,), P.INT32)],
    "totalseconds": [((P.DURATION,), P.DECIMAL)],
    "now": [((), P.DATE_TIME_OFFSET)],
    "mindatetime": [((), P.DATE_TIME_OFFSET)],
    "maxdatetime": [((), P.DATE_TIME_OFFSET)],
    # §5.1.1.9 arithmetic functions
    "round": _ROUNDING,
    "floor": _ROUNDING,
    "ceiling": _ROUNDING,
}

#: Canonical functions that parse and bind but are not evaluated yet: 501.
NOT_YET = frozenset(
    {
        "geo.distance",
        "geo.intersects",
        "geo.length",
        "hassubset",
        "hassubsequence",
        "isdefined",  # Data Aggregation Extension
    }
)

#: Widening order of the numeric types (URL Conventions §5.1.1.1 "Numeric Promotion").
NUMERIC_ORDER = (P.SBYTE, P.BYTE, P.INT16, P.INT32, P.INT64, P.DECIMAL, P.SINGLE, P.DOUBLE)


def promotes_to(source: P, target: P) -> bool:
    """Whether a ``source`` value may stand where ``target`` is expected."""
    if source is target:
        return True
    if source in NUMERIC_ORDER and target in NUMERIC_ORDER:
        return NUMERIC_ORDER.index(source) <= NUMERIC_ORDER.index(target)
    return False


def wider(left: P, right: P) -> P:
    """The numeric type both operands promote to."""
    return max(left, right, key=NUMERIC_ORDER.index)


#: The points in time and durations that arithmetic operators take (URL Conventions §5.1.1.2).
TEMPORAL = frozenset({P.DATE_TIME_OFFSET, P.DATE, P.DURATION})

#: ``add`` and ``sub`` of points in time and durations: (operator, left, right) → result.
_TEMPORAL_ADDITION: dict[tuple[str, P, P], P] = {
    ("add", P.DATE_TIME_OFFSET, P.DURATION): P.DATE_TIME_OFFSET,
    ("add", P.DURATION, P.DURATION): P.DURATION,
    ("add", P.DATE, P.DURATION): P.DATE,
    ("sub", P.DATE_TIME_OFFSET, P.DURATION): P.DATE_TIME_OFFSET,
    ("sub", P.DURATION, P.DURATION): P.DURATION,
    ("sub", P.DATE_TIME_OFFSET, P.DATE_TIME_OFFSET): P.DURATION,
    ("sub", P.DATE, P.DURATION): P.DATE,
    ("sub", P.DATE, P.DATE): P.DURATION,
}


def temporal_result(operator: str, left: P | None, right: P | None) -> P | None:
    """The type of ``left operator right`` where an operand is a point in time or a duration
    (URL Conventions §5.1.1.2), or None where the operator is not defined for them.

    ``add`` and ``sub`` take the pairs of :data:`_TEMPORAL_ADDITION`; ``mul`` multiplies a
    duration by a number (either way round), ``div`` and ``divby`` divide one by a number.
    A null operand (None) stands for the type that makes the operation defined, a duration
    first: ``OrderDate sub null`` is a point in time, ``null sub OrderDate`` a duration.
    """
    if operator in ("mul", "div", "divby"):
        numeric = (*NUMERIC_ORDER, None)
        if left is P.DURATION and right in numeric:
            return P.DURATION
        if operator == "mul" and right is P.DURATION and left in numeric:
            return P.DURATION
        return None
    for left_type in (left,) if left is not None else (P.DURATION, right):
        for right_type in (right,) if right is not None else (P.DURATION, left):
            result = _TEMPORAL_ADDITION.get((operator, left_type, right_type))  # type: ignore[arg-type]
            if result is not None:
                return result
    return None


__all__ = ["NOT_YET", "NUMERIC_ORDER", "SIGNATURES", "TEMPORAL", "Signature", "promotes_to", "temporal_result", "wider"]
