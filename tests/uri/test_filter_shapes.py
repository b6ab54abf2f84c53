"""What uri/shapes.filter_shape cuts out of a $filter text, and what it leaves.

What it cuts wrongly (digits inside a geography literal) is not a concern here: a shape is
shared only when the binder finds each cut literal where the parser put it, which
tests/test_query_shapes.py checks through HTTP.
"""

from __future__ import annotations

import pytest

from odata_server.uri.shapes import filter_shape

CASES = [
    ("UnitPrice gt 20", [("integer", "20")]),
    ("UnitPrice gt -20", [("integer", "-20")]),
    ("UnitPrice gt 20.5", [("decimal", "20.5")]),
    ("Name eq 'O''Neil' or Name eq ''", [("string", "'O''Neil'"), ("string", "''")]),
    ("substring(Name,1,2) eq 'ab'", [("integer", "1"), ("integer", "2"), ("string", "'ab'")]),
    ("ID in (1,2,3)", [("integer", "1"), ("integer", "2"), ("integer", "3")]),
    ("Address2 eq 'x'", [("string", "'x'")]),
    ("@p1 eq 5", [("integer", "5")]),
    ("Price gt 1e5", []),
    ("Price gt -INF or Price lt INF", []),
    ("Born lt 2020-01-01", [("date", "2020-01-01")]),
    ("At lt 2020-01-01T10:00:00.5Z", [("date_time_offset", "2020-01-01T10:00:00.5Z")]),
    ("At lt 2020-01-01T10:00:00+01:00", [("date_time_offset", "2020-01-01T10:00:00+01:00")]),
    (
        "At lt 2020-01-01T10:00Z and Born ge 1990-05-17",
        [("date_time_offset", "2020-01-01T10:00Z"), ("date", "1990-05-17")],
    ),
    ("Time eq 12:30:00.25", [("time_of_day", "12:30:00.25")]),
    ("ID eq 01234567-89ab-cdef-0123-456789abcdef", [("guid", "01234567-89ab-cdef-0123-456789abcdef")]),
    ("ID eq 12345678-1234-1234-1234-123456789012", [("guid", "12345678-1234-1234-1234-123456789012")]),
    ("Span eq duration'PT1.5S'", []),
    ("Data eq binary'T0RhdGE='", []),
    ("Color has NS.Color'Red,2'", []),
    ("Color has NS.Flags'1,Red'", []),
    ("a sub-5 gt b", []),
    ("Name eq null and Flag eq true", []),
]


@pytest.mark.parametrize(("text", "literals"), CASES)
def test_the_literals_cut_out_of_a_filter(text: str, literals: list[tuple[str, str]]) -> None:
    shape = filter_shape(text)
    cuts = shape.literals if shape else ()
    assert [(cut.kind, cut.text) for cut in cuts] == literals
    assert all(text[cut.position : cut.position + len(cut.text)] == cut.text for cut in cuts)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("Price gt 5", "Price gt 700", True),
        ("Price gt 5", "Price gt -3", True),
        ("Name eq 'a'", "Name eq 'it''s'", True),
        ("Price gt 5", "Price gt 5.5", False),  # Int32 and Decimal
        ("Price gt 5", "Price gt 5000000000", False),  # Int32 and Int64
        ("Price gt 5.0", "Price gt 99999999999999999999", False),  # both Decimal, but written otherwise
        ("Price gt 5", "Price ge 5", False),
        ("Name eq 'a'", "Name eq 5", False),
        ("Born lt 2020-01-01", "Born lt 1999-12-31", True),
        ("At lt 2020-01-01T10:00:00Z", "At lt 2021-06-30T23:59:59.999+02:00", True),
        ("Born lt 2020-01-01", "Born lt 2020-01-01T00:00:00Z", False),  # Date and DateTimeOffset
    ],
)
def test_texts_of_one_template_differ_only_in_literals_of_one_type(first: str, second: str, same: bool) -> None:
    first_shape, second_shape = filter_shape(first), filter_shape(second)
    assert first_shape is not None and second_shape is not None
    assert (first_shape.template == second_shape.template) is same


def test_a_text_holding_the_template_mark_is_not_cut() -> None:
    assert filter_shape("Name eq '\x00Edm.String' and ID eq 1") is None
