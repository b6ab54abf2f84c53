"""Query shapes on the TripPin example: literals inside lambdas over collection properties,
paths into complex values, containment, singletons and derived types share their shape;
a string compared with an enumeration names members, so its shape is not shared."""

from __future__ import annotations

import httpx
import pytest

from tests.shapes import ShapeCase, assert_answers_as_on_its_own

CASES: list[ShapeCase] = [
    ("People", "Emails/any(e: endswith(e, {}))", ("'example.com'",), ("'contoso.com'",), True),
    ("People", "AddressInfo/any(a: a/City/Name eq {})", ("'Boise'",), ("'Seattle'",), True),
    ("People", "HomeAddress/City/Name eq {}", ("'Boise'",), ("'Seattle'",), True),
    ("People", "Emails/$count ge {}", ("2",), ("1",), True),
    ("People", "Gender eq {}", ("'Female'",), ("'Male'",), False),
    ("People/Trippin.Employee", "Cost gt {}", ("1000",), ("100000",), True),
    ("People('russellwhyte')/Trips", "Budget gt {}", ("1000",), ("2500",), True),
    ("Me/Friends", "FirstName ne {}", ("'Scott'",), ("'Ronald'",), True),
    ("Airports", "contains(Location/Address,{})", ("'Road'",), ("'Way'",), True),
    (
        "People('russellwhyte')/Trips",
        "ShareId ne {}",
        ("9d9b2fa0-efbf-490e-a5e3-bac8f7d47354",),
        ("f94e9116-8bdd-4dac-ab61-08438d0d9a71",),
        True,
    ),
    ("People('russellwhyte')/Trips", "StartsAt gt {}", ("2014-01-15T00:00:00Z",), ("2014-02-05T12:00:00+02:00",), True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_a_request_sharing_a_shape_answers_as_on_its_own(
    trippin: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    case: ShapeCase,
) -> None:
    response = await assert_answers_as_on_its_own(trippin, monkeypatch, case)
    assert response.json()["value"], "a case whose second query finds nothing shows little"
