"""Unit tests of ``odata_server.uri``: splitting, parsing and binding URLs, and typing literals.

No HTTP here: paths are bound against the Northwind model built straight from its
SQLAlchemy classes, the way the example app declares them.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from decimal import Decimal
from typing import Any

import pytest

from examples.northwind.models import Base, OrderDetail
from odata_server.edm import EntitySetDeclaration, Model, PrimitiveType, build_model
from odata_server.errors import BadRequestError, FeatureNotImplementedError, NotFoundError, ODataError
from odata_server.uri import ODataPath, ResourceKind, bind_path, parse_query
from odata_server.uri.literals import LiteralTypeError, typed_value
from odata_server.uri.parser import RawSegment, parse_literal, parse_segment, split_path
from odata_server.uri.path import (
    CountSegment,
    EntitySetSegment,
    KeySegment,
    NavigationSegment,
    PathSegment,
    PropertySegment,
    RefSegment,
    ValueSegment,
)
from odata_server.uri.syntax import DollarSegment, IdentifierSegment, KeyPredicate, Literal

P = PrimitiveType
UTC = dt.UTC
PLUS_1 = dt.timezone(dt.timedelta(hours=1))
MINUS_5_30 = dt.timezone(-dt.timedelta(hours=5, minutes=30))


def param(*values: object, id: str | None = None, marks: Any = ()) -> Any:  # noqa: A002 - pytest's name
    """A parameter set named after its first value."""
    return pytest.param(*values, id=id or str(values[0]) or "<empty>", marks=marks)


# split_path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        param("", [("", 0)]),
        param("Products", [("Products", 0)]),
        param("Products/", [("Products", 0), ("", 9)]),
        param("Products/$count", [("Products", 0), ("$count", 9)]),
        param("Products(1)/Category", [("Products(1)", 0), ("Category", 12)]),
        param(
            "Order_Details(OrderID=1,ProductID=2)/Product",
            [("Order_Details(OrderID=1,ProductID=2)", 0), ("Product", 37)],
        ),
        param("Customers('a/b')/Orders", [("Customers('a/b')", 0), ("Orders", 17)]),
        param("Customers(%27a/b%27)/Orders", [("Customers('a/b')", 0), ("Orders", 21)]),
        param("Customers('O''Neil/x')/Orders", [("Customers('O''Neil/x')", 0), ("Orders", 23)]),
        param("Customers(')')/Orders", [("Customers(')')", 0), ("Orders", 15)]),
        param("Customers('(')/Orders", [("Customers('(')", 0), ("Orders", 15)]),
        param("Customers('A%20B')", [("Customers('A B')", 0)]),
        param("Customers/A%2FB/Orders", [("Customers", 0), ("A/B", 10), ("Orders", 16)]),
        param("Customers/A%2fB", [("Customers", 0), ("A/B", 10)]),
        param("Products(1)%2FCategory", [("Products(1)/Category", 0)]),
        param("Caf%C3%A9s/x", [("Cafés", 0), ("x", 11)]),
        param("a//b", [("a", 0), ("", 2), ("b", 3)]),
        param("/Products", [("", 0), ("Products", 1)]),
    ],
)
def test_split_path(raw: str, expected: list[tuple[str, int]]) -> None:
    assert split_path(raw) == [RawSegment(text, offset) for text, offset in expected]


# parse_segment


def simple(name: str, kind: str, text: str) -> IdentifierSegment:
    return IdentifierSegment(name, KeyPredicate(((None, Literal(kind, text)),)), parentheses=True)


def compound(name: str, *pairs: tuple[str, str, str]) -> IdentifierSegment:
    values = tuple((key, Literal(kind, text)) for key, kind, text in pairs)
    return IdentifierSegment(name, KeyPredicate(values), parentheses=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        param("Products", IdentifierSegment("Products")),
        param("_private", IdentifierSegment("_private")),
        param("Prödukts", IdentifierSegment("Prödukts")),
        param("NorthwindModel.Product", IdentifierSegment("NorthwindModel.Product")),
        param("A.B.C", IdentifierSegment("A.B.C")),
        param("Products()", IdentifierSegment("Products", None, parentheses=True)),
        param("Products(1)", simple("Products", "integer", "1")),
        param("Products(-1)", simple("Products", "integer", "-1")),
        param("Products(+1)", simple("Products", "integer", "+1")),
        param("Products(1.5)", simple("Products", "decimal", "1.5")),
        param("Products(1e3)", simple("Products", "decimal", "1e3")),
        param("Products(-1.5E-3)", simple("Products", "decimal", "-1.5E-3")),
        param("Products(INF)", simple("Products", "decimal", "INF")),
        param("Products(-INF)", simple("Products", "decimal", "-INF")),
        param("Products(NaN)", simple("Products", "decimal", "NaN")),
        param("Products(null)", simple("Products", "null", "null")),
        param("Products(true)", simple("Products", "boolean", "true")),
        param("Products(FALSE)", simple("Products", "boolean", "FALSE")),
        param("Customers('ALFKI')", simple("Customers", "string", "'ALFKI'")),
        param("Customers('O''Neil')", simple("Customers", "string", "'O''Neil'")),
        param("Customers('')", simple("Customers", "string", "''")),
        param("Customers('a,b=c)')", simple("Customers", "string", "'a,b=c)'")),
        param("X(2012-12-03)", simple("X", "date", "2012-12-03")),
        param("X(2012-12-03T07:16:23Z)", simple("X", "date_time_offset", "2012-12-03T07:16:23Z")),
        param("X(2012-12-03T07:16:23.5+01:00)", simple("X", "date_time_offset", "2012-12-03T07:16:23.5+01:00")),
        param("X(07:59:59)", simple("X", "time_of_day", "07:59:59")),
        param("X(07:59)", simple("X", "time_of_day", "07:59")),
        param("X(01234567-89ab-cdef-0123-456789ABCDEF)", simple("X", "guid", "01234567-89ab-cdef-0123-456789ABCDEF")),
        param("X(duration'P1DT2H')", simple("X", "duration", "duration'P1DT2H'")),
        param("X(binary'AQID')", simple("X", "binary", "binary'AQID'")),
        param(
            "Order_Details(OrderID=1,ProductID=2)",
            compound("Order_Details", ("OrderID", "integer", "1"), ("ProductID", "integer", "2")),
        ),
        param(
            "Order_Details(ProductID=2,OrderID=1)",
            compound("Order_Details", ("ProductID", "integer", "2"), ("OrderID", "integer", "1")),
        ),
        param("Products(ProductID=1)", compound("Products", ("ProductID", "integer", "1"))),
        param("X(a='x',b=null)", compound("X", ("a", "string", "'x'"), ("b", "null", "null"))),
        param("$metadata", DollarSegment("$metadata")),
        param("$batch", DollarSegment("$batch")),
        param("$count", DollarSegment("$count")),
        param("$value", DollarSegment("$value")),
        param("$ref", DollarSegment("$ref")),
        param("$entity", DollarSegment("$entity")),
        param("$all", DollarSegment("$all")),
        param("$crossjoin", DollarSegment("$crossjoin")),
        param("$each", DollarSegment("$each")),
    ],
)
def test_parse_segment(text: str, expected: IdentifierSegment | DollarSegment) -> None:
    assert parse_segment(RawSegment(text, 0)) == expected


@pytest.mark.parametrize(
    "text",
    [
        param(""),
        param("1abc"),
        param("Products(1"),
        param("Products(1,)"),
        param("Products(1))"),
        param("Products(1)(2)"),
        param("Products(=1)"),
        param("Products(a=)"),
        param("Products('a)"),
        param("Products(1 2)"),
        param("Products(a=1,2)"),
        param("a..b"),
        param(".a"),
        param("a."),
        param("$nope"),
        param("$Metadata"),
        param("Pro ducts"),
    ],
)
def test_parse_segment_rejects(text: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        parse_segment(RawSegment(text, 0))
    assert caught.value.code == "SyntaxError"


@pytest.mark.parametrize(
    ("text", "offset", "position"),
    [
        param("Products(1,)", 0, 10, id="Products(1,) at 0"),
        param("Products(1,)", 5, 15, id="Products(1,) at 5"),
        param("a..b", 0, 2, id="a..b at 0"),
        param("a..b", 12, 14, id="a..b at 12"),
        param("1abc", 7, 7, id="1abc at 7"),
    ],
)
def test_parse_segment_error_names_position_in_path(text: str, offset: int, position: int) -> None:
    with pytest.raises(BadRequestError, match=f"position {position}:"):
        parse_segment(RawSegment(text, offset))


# typed_value


def convert(text: str, edm_type: PrimitiveType) -> object:
    return typed_value(parse_literal(text, where="test"), edm_type)


def same(actual: object, expected: object) -> bool:
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(actual, float) and math.isnan(actual)
    return type(actual) is type(expected) and actual == expected


@pytest.mark.parametrize(
    ("text", "edm_type", "expected"),
    [
        param("0", P.BYTE, 0),
        param("255", P.BYTE, 255),
        param("-128", P.SBYTE, -128),
        param("+127", P.SBYTE, 127),
        param("-32768", P.INT16, -32768),
        param("32767", P.INT16, 32767),
        param("-0", P.INT16, 0),
        param("-2147483648", P.INT32, -2147483648),
        param("2147483647", P.INT32, 2147483647),
        param("007", P.INT32, 7),
        param("-9223372036854775808", P.INT64, -(2**63)),
        param("9223372036854775807", P.INT64, 2**63 - 1),
        param("1", P.DECIMAL, Decimal(1)),
        param("-1.50", P.DECIMAL, Decimal("-1.50")),
        param("1e3", P.DECIMAL, Decimal("1E+3")),
        param("12345678901234567890.123456789", P.DECIMAL, Decimal("12345678901234567890.123456789")),
        param("1", P.DOUBLE, 1.0),
        param("1.5e-3", P.DOUBLE, 0.0015),
        param("-2.5", P.SINGLE, -2.5),
        param("INF", P.DOUBLE, math.inf),
        param("-INF", P.DOUBLE, -math.inf),
        param("NaN", P.DOUBLE, math.nan),
        param("INF", P.SINGLE, math.inf),
        param("NaN", P.SINGLE, math.nan),
        param("'ALFKI'", P.STRING, "ALFKI"),
        param("''", P.STRING, ""),
        param("'O''Neil'", P.STRING, "O'Neil"),
        param("''''", P.STRING, "'"),
        param("'a/b (c), d=e'", P.STRING, "a/b (c), d=e"),
        param("'null'", P.STRING, "null"),
        param("true", P.BOOLEAN, True),
        param("false", P.BOOLEAN, False),
        param("TRUE", P.BOOLEAN, True),
        param("False", P.BOOLEAN, False),
        param("01234567-89ab-cdef-0123-456789abcdef", P.GUID, uuid.UUID("01234567-89ab-cdef-0123-456789abcdef")),
        param("01234567-89AB-CDEF-0123-456789ABCDEF", P.GUID, uuid.UUID("01234567-89ab-cdef-0123-456789abcdef")),
        param("2012-12-03", P.DATE, dt.date(2012, 12, 3)),
        param("2000-02-29", P.DATE, dt.date(2000, 2, 29)),
        param("2012-12-03T07:16:23Z", P.DATE_TIME_OFFSET, dt.datetime(2012, 12, 3, 7, 16, 23, tzinfo=UTC)),
        param("2012-12-03t07:16:23z", P.DATE_TIME_OFFSET, dt.datetime(2012, 12, 3, 7, 16, 23, tzinfo=UTC)),
        param("2012-12-03T07:16Z", P.DATE_TIME_OFFSET, dt.datetime(2012, 12, 3, 7, 16, tzinfo=UTC)),
        param(
            "2012-12-03T07:16:23+01:00",
            P.DATE_TIME_OFFSET,
            dt.datetime(2012, 12, 3, 7, 16, 23, tzinfo=PLUS_1),
        ),
        param(
            "2012-12-03T07:16:23-05:30",
            P.DATE_TIME_OFFSET,
            dt.datetime(2012, 12, 3, 7, 16, 23, tzinfo=MINUS_5_30),
        ),
        param(
            "2012-12-03T07:16:23.1Z",
            P.DATE_TIME_OFFSET,
            dt.datetime(2012, 12, 3, 7, 16, 23, 100000, tzinfo=UTC),
        ),
        param(
            "2012-12-03T07:16:23.123456Z",
            P.DATE_TIME_OFFSET,
            dt.datetime(2012, 12, 3, 7, 16, 23, 123456, tzinfo=UTC),
        ),
        param(
            "2012-12-03T07:16:23.1234567+01:00",
            P.DATE_TIME_OFFSET,
            dt.datetime(2012, 12, 3, 7, 16, 23, 123456, tzinfo=PLUS_1),
        ),
        param(
            "2012-12-03T07:16:23.999999999999Z",
            P.DATE_TIME_OFFSET,
            dt.datetime(2012, 12, 3, 7, 16, 23, 999999, tzinfo=UTC),
        ),
        param("07:59:59", P.TIME_OF_DAY, dt.time(7, 59, 59)),
        param("07:59", P.TIME_OF_DAY, dt.time(7, 59)),
        param("00:00:00.000", P.TIME_OF_DAY, dt.time(0, 0)),
        param("07:59:59.999", P.TIME_OF_DAY, dt.time(7, 59, 59, 999000)),
        param("23:59:59.1234567", P.TIME_OF_DAY, dt.time(23, 59, 59, 123456)),
        param("duration'P1DT2H3M4.5S'", P.DURATION, dt.timedelta(days=1, hours=2, minutes=3, seconds=4.5)),
        param("duration'P1D'", P.DURATION, dt.timedelta(days=1)),
        param("duration'PT0.5S'", P.DURATION, dt.timedelta(microseconds=500000)),
        param("duration'PT36H'", P.DURATION, dt.timedelta(hours=36)),
        param("duration'-PT1H'", P.DURATION, -dt.timedelta(hours=1)),
        param("DURATION'P2D'", P.DURATION, dt.timedelta(days=2)),
        param("'PT1H'", P.DURATION, dt.timedelta(hours=1)),
        param("'-P1D'", P.DURATION, -dt.timedelta(days=1)),
        param("binary'AQID'", P.BINARY, b"\x01\x02\x03"),
        param("binary'AQI'", P.BINARY, b"\x01\x02"),
        param("binary'AQI='", P.BINARY, b"\x01\x02"),
        param("binary'AQ=='", P.BINARY, b"\x01"),
        param("binary'-_8'", P.BINARY, b"\xfb\xff"),
        param("BINARY'AA'", P.BINARY, b"\x00"),
        param("binary''", P.BINARY, b""),
    ],
)
def test_typed_value(text: str, edm_type: PrimitiveType, expected: object) -> None:
    value = convert(text, edm_type)
    assert same(value, expected), f"{value!r} != {expected!r}"


@pytest.mark.parametrize("edm_type", [param(t, id=t.value) for t in PrimitiveType])
def test_typed_value_of_null_is_none(edm_type: PrimitiveType) -> None:
    assert convert("null", edm_type) is None


@pytest.mark.parametrize(
    ("text", "edm_type"),
    [
        param("256", P.BYTE),
        param("-1", P.BYTE),
        param("128", P.SBYTE),
        param("-129", P.SBYTE),
        param("32768", P.INT16),
        param("-32769", P.INT16),
        param("2147483648", P.INT32),
        param("-2147483649", P.INT32),
        param("99999999999", P.INT32),
        param("9223372036854775808", P.INT64),
        param("-9223372036854775809", P.INT64),
        param("1.0", P.INT32),
        param("1e2", P.INT64),
        param("INF", P.INT32),
        param("'1'", P.INT32),
        param("true", P.BYTE),
        param("NaN", P.DECIMAL),
        param("INF", P.DECIMAL),
        param("-INF", P.DECIMAL),
        param("'1.5'", P.DECIMAL),
        param("'1'", P.DOUBLE),
        param("1", P.STRING),
        param("true", P.STRING),
        param("01234567-89ab-cdef-0123-456789abcdef", P.STRING),
        param("2012-12-03", P.STRING),
        param("1", P.BOOLEAN),
        param("'true'", P.BOOLEAN),
        param("'01234567-89ab-cdef-0123-456789abcdef'", P.GUID),
        param("2012-02-30", P.DATE),
        param("2013-02-29", P.DATE),
        param("2012-12-03T07:16:23Z", P.DATE),
        param("'2012-12-03'", P.DATE),
        param("2012-12-03", P.DATE_TIME_OFFSET),
        param("2012-02-30T07:16:23Z", P.DATE_TIME_OFFSET),
        param("2012-12-03T07:16:60Z", P.DATE_TIME_OFFSET),
        param("23:59:60", P.TIME_OF_DAY),
        param("2012-12-03T07:16:23Z", P.TIME_OF_DAY),
        param("duration'P'", P.DURATION),
        param("duration'PT'", P.DURATION),
        param("duration'P1DT'", P.DURATION),
        param("'abc'", P.DURATION),
        param("'P1Y'", P.DURATION),
        param("'P1D2H'", P.DURATION),
        param("duration'P1000000000D'", P.DURATION),
        param("duration'PT99999999999999999999H'", P.DURATION),
        param("07:59", P.DURATION),
        param("1", P.DURATION),
        param("binary'A'", P.BINARY),
        param("binary'A=B='", P.BINARY),
        param("'AQID'", P.BINARY),
    ],
)
def test_typed_value_rejects(text: str, edm_type: PrimitiveType) -> None:
    with pytest.raises(LiteralTypeError):
        convert(text, edm_type)


@pytest.mark.parametrize(
    "text",
    [
        param(""),
        param("1."),
        param(".5"),
        param("1e"),
        param("0x10"),
        param("1_000"),
        param("abc"),
        param("nan"),
        param("inf"),
        param("'unterminated"),
        param("'a'b'"),
        param("1 2"),
        param("2012-13-01"),
        param("24:00"),
        param("2012-12-03T07:16:23"),
        param("duration'P1Y'"),
        param("duration'P1.5D'"),
        param("binary'+/'"),
        param("X'00'"),
        param("guid'01234567-89ab-cdef-0123-456789abcdef'"),
    ],
)
def test_parse_literal_rejects_syntax(text: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        parse_literal(text, where="test")
    assert caught.value.code == "SyntaxError"


# parse_query


@pytest.mark.parametrize(
    ("query", "system", "aliases", "custom"),
    [
        param("", {}, {}, {}),
        param("&", {}, {}, {}),
        param("$top=1", {"top": "1"}, {}, {}),
        param("top=1", {"top": "1"}, {}, {}),
        param("TOP=1", {"top": "1"}, {}, {}),
        param("$Top=1", {"top": "1"}, {}, {}),
        param("$FILTER=x", {"filter": "x"}, {}, {}),
        param("%24top=1", {"top": "1"}, {}, {}),
        param("$format=json", {"format": "json"}, {}, {}),
        param("$top=1&&$skip=2", {"top": "1", "skip": "2"}, {}, {}),
        param("$filter=Name%20eq%20'a'", {"filter": "Name eq 'a'"}, {}, {}),
        param("$filter=a+b", {"filter": "a+b"}, {}, {}),
        param("$filter=d%20eq%202012-09-03T08:00:00+01:00", {"filter": "d eq 2012-09-03T08:00:00+01:00"}, {}, {}),
        param("$filter=a%2Bb", {"filter": "a+b"}, {}, {}),
        param("$filter=a=b", {"filter": "a=b"}, {}, {}),
        param("$search=caf%C3%A9", {"search": "café"}, {}, {}),
        param("$select=", {"select": ""}, {}, {}),
        param("$count", {"count": ""}, {}, {}),
        param("@p=1", {}, {"@p": "1"}, {}),
        param("@p=%27x%27&@q=null", {}, {"@p": "'x'", "@q": "null"}, {}),
        param("@top=1", {}, {"@top": "1"}, {}),
        param("%40p=1", {}, {"@p": "1"}, {}),
        param("foo=bar", {}, {}, {"foo": "bar"}),
        param("Foo=Bar", {}, {}, {"Foo": "Bar"}),
        param("foo", {}, {}, {"foo": ""}),
        param("foo=a+b", {}, {}, {"foo": "a+b"}),
        param("my%20option=x%26y", {}, {}, {"my option": "x&y"}),
        param(
            "$filter=@p&@p=1&debug=true&$top=2",
            {"filter": "@p", "top": "2"},
            {"@p": "1"},
            {"debug": "true"},
        ),
    ],
)
def test_parse_query(query: str, system: dict[str, str], aliases: dict[str, str], custom: dict[str, str]) -> None:
    options = parse_query(query)
    assert dict(options.system) == system
    assert dict(options.aliases) == aliases
    assert dict(options.custom) == custom


@pytest.mark.parametrize(
    ("query", "expected"),
    [param("", None), param("$format=json", "json"), param("FORMAT=xml", "xml"), param("foo=json", None)],
)
def test_parse_query_format(query: str, expected: str | None) -> None:
    assert parse_query(query).format == expected


@pytest.mark.parametrize(
    ("query", "target"),
    [
        param("$nope=1", "$nope"),
        param("$Nope=1", "$Nope"),
        param("$=1", "$"),
        param("%24nope=1", "$nope"),
        param("$top=1&$nope=2", "$nope"),
        param("$top=1&$top=2", "$top"),
        param("$top=1&top=2", "$top"),
        param("$top=1&TOP=2", "$top"),
        param("$format=json&format=json", "$format"),
        param("filter=a&$FILTER=b", "$filter"),
        param("$top=1&%24top=1", "$top"),
    ],
)
def test_parse_query_rejects(query: str, target: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        parse_query(query)
    assert caught.value.target == target


# bind_path


@pytest.fixture(scope="module")
def model() -> Model:
    """The Northwind model, declared as ``examples/northwind/app.py`` declares it."""
    others = sorted((m.class_ for m in Base.registry.mappers if m.class_ is not OrderDetail), key=lambda c: c.__name__)
    declarations = [
        EntitySetDeclaration(OrderDetail, name="Order_Details", type_name="Order_Detail"),
        *(EntitySetDeclaration(cls) for cls in others),
    ]
    return build_model(declarations, namespace="NorthwindModel", container_name="NorthwindEntities")[0]


def describe(segment: PathSegment) -> str:
    """A bound segment as short text: ``Products``, ``(ProductID=1)``, ``Category->Categories``, ``.ProductName``."""
    match segment:
        case EntitySetSegment(entity_set):
            return entity_set.name
        case KeySegment(values):
            return "(" + ",".join(f"{prop.name}={value!r}" for prop, value in values) + ")"
        case NavigationSegment(navigation, entity_set):
            return f"{navigation.name}->{entity_set.name}"
        case PropertySegment(prop):
            return f".{prop.name}"
        case CountSegment():
            return "$count"
        case ValueSegment():
            return "$value"
        case RefSegment():
            return "$ref"
    raise AssertionError(segment)


K = ResourceKind


@pytest.mark.parametrize(
    ("raw", "kind", "segments", "entity_set"),
    [
        param("", K.SERVICE_DOCUMENT, [], None),
        param("/", K.SERVICE_DOCUMENT, [], None),
        param("$metadata", K.METADATA, [], None),
        param("$metadata/", K.METADATA, [], None),
        param("$batch", K.BATCH, [], None),
        param("Products", K.COLLECTION, ["Products"], "Products"),
        param("Products/", K.COLLECTION, ["Products"], "Products"),
        param("Order_Details", K.COLLECTION, ["Order_Details"], "Order_Details"),
        param("Products(1)", K.ENTITY, ["Products", "(ProductID=1)"], "Products"),
        param("Products(1)/", K.ENTITY, ["Products", "(ProductID=1)"], "Products"),
        param("Products(+1)", K.ENTITY, ["Products", "(ProductID=1)"], "Products"),
        param("Products(ProductID=1)", K.ENTITY, ["Products", "(ProductID=1)"], "Products"),
        param("Products/1", K.ENTITY, ["Products", "(ProductID=1)"], "Products"),
        param("Products/-7", K.ENTITY, ["Products", "(ProductID=-7)"], "Products"),
        param("Customers('ALFKI')", K.ENTITY, ["Customers", "(CustomerID='ALFKI')"], "Customers"),
        param("Customers(%27ALFKI%27)", K.ENTITY, ["Customers", "(CustomerID='ALFKI')"], "Customers"),
        param("Customers('O''Neil')", K.ENTITY, ["Customers", '(CustomerID="O\'Neil")'], "Customers"),
        param("Customers('a/b')", K.ENTITY, ["Customers", "(CustomerID='a/b')"], "Customers"),
        param("Customers/ALFKI", K.ENTITY, ["Customers", "(CustomerID='ALFKI')"], "Customers"),
        param("Customers/A%2FB", K.ENTITY, ["Customers", "(CustomerID='A/B')"], "Customers"),
        param("Customers/A%20B", K.ENTITY, ["Customers", "(CustomerID='A B')"], "Customers"),
        param("Territories/01581", K.ENTITY, ["Territories", "(TerritoryID='01581')"], "Territories"),
        param(
            "Order_Details(OrderID=10248,ProductID=11)",
            K.ENTITY,
            ["Order_Details", "(OrderID=10248,ProductID=11)"],
            "Order_Details",
        ),
        param(
            "Order_Details(ProductID=11,OrderID=10248)",
            K.ENTITY,
            ["Order_Details", "(OrderID=10248,ProductID=11)"],
            "Order_Details",
        ),
        param("Order_Details/10248/11", K.ENTITY, ["Order_Details", "(OrderID=10248,ProductID=11)"], "Order_Details"),
        param("Products(1)/ProductName", K.PROPERTY, ["Products", "(ProductID=1)", ".ProductName"], "Products"),
        param("Products/1/ProductName", K.PROPERTY, ["Products", "(ProductID=1)", ".ProductName"], "Products"),
        param("Products(1)/ProductName/", K.PROPERTY, ["Products", "(ProductID=1)", ".ProductName"], "Products"),
        param(
            "Order_Details/10248/11/Quantity",
            K.PROPERTY,
            ["Order_Details", "(OrderID=10248,ProductID=11)", ".Quantity"],
            "Order_Details",
        ),
        param(
            "Products(1)/ProductName/$value",
            K.PROPERTY_VALUE,
            ["Products", "(ProductID=1)", ".ProductName", "$value"],
            "Products",
        ),
        param(
            "Categories(1)/Picture/$value",
            K.PROPERTY_VALUE,
            ["Categories", "(CategoryID=1)", ".Picture", "$value"],
            "Categories",
        ),
        param("Products/$count", K.COUNT, ["Products", "$count"], "Products"),
        param(
            "Categories(1)/Products/$count",
            K.COUNT,
            ["Categories", "(CategoryID=1)", "Products->Products", "$count"],
            "Products",
        ),
        param(
            "Customers/ALFKI/Orders/$count",
            K.COUNT,
            ["Customers", "(CustomerID='ALFKI')", "Orders->Orders", "$count"],
            "Orders",
        ),
        param("Products/$ref", K.REFERENCE_COLLECTION, ["Products", "$ref"], "Products"),
        param(
            "Categories(1)/Products/$ref",
            K.REFERENCE_COLLECTION,
            ["Categories", "(CategoryID=1)", "Products->Products", "$ref"],
            "Products",
        ),
        param("Products(1)/$ref", K.REFERENCE, ["Products", "(ProductID=1)", "$ref"], "Products"),
        param(
            "Products(1)/Category/$ref",
            K.REFERENCE,
            ["Products", "(ProductID=1)", "Category->Categories", "$ref"],
            "Categories",
        ),
        param(
            "Categories(1)/Products(2)/$ref",
            K.REFERENCE,
            ["Categories", "(CategoryID=1)", "Products->Products", "(ProductID=2)", "$ref"],
            "Products",
        ),
        param(
            "Products(1)/Category",
            K.ENTITY,
            ["Products", "(ProductID=1)", "Category->Categories"],
            "Categories",
        ),
        param(
            "Products(1)/Category/CategoryName",
            K.PROPERTY,
            ["Products", "(ProductID=1)", "Category->Categories", ".CategoryName"],
            "Categories",
        ),
        param(
            "Categories(1)/Products",
            K.COLLECTION,
            ["Categories", "(CategoryID=1)", "Products->Products"],
            "Products",
        ),
        param(
            "Categories(1)/Products(2)",
            K.ENTITY,
            ["Categories", "(CategoryID=1)", "Products->Products", "(ProductID=2)"],
            "Products",
        ),
        param(
            "Categories(1)/Products/2",
            K.ENTITY,
            ["Categories", "(CategoryID=1)", "Products->Products", "(ProductID=2)"],
            "Products",
        ),
        param(
            "Products(1)/Order_Details(OrderID=10248,ProductID=1)",
            K.ENTITY,
            ["Products", "(ProductID=1)", "Order_Details->Order_Details", "(OrderID=10248,ProductID=1)"],
            "Order_Details",
        ),
        param(
            "Products(1)/Order_Details/10248/1",
            K.ENTITY,
            ["Products", "(ProductID=1)", "Order_Details->Order_Details", "(OrderID=10248,ProductID=1)"],
            "Order_Details",
        ),
        param(
            "Order_Details(OrderID=10248,ProductID=11)/Order/Customer/Orders",
            K.COLLECTION,
            [
                "Order_Details",
                "(OrderID=10248,ProductID=11)",
                "Order->Orders",
                "Customer->Customers",
                "Orders->Orders",
            ],
            "Orders",
        ),
        param(
            "Employees(1)/Employee1/Employees1",
            K.COLLECTION,
            ["Employees", "(EmployeeID=1)", "Employee1->Employees", "Employees1->Employees"],
            "Employees",
        ),
        param(
            "Employees(1)/Territories('01581')/Region",
            K.ENTITY,
            ["Employees", "(EmployeeID=1)", "Territories->Territories", "(TerritoryID='01581')", "Region->Regions"],
            "Regions",
        ),
        param(
            "Products(1)/Category/Products(1)/Supplier/CompanyName/$value",
            K.PROPERTY_VALUE,
            [
                "Products",
                "(ProductID=1)",
                "Category->Categories",
                "Products->Products",
                "(ProductID=1)",
                "Supplier->Suppliers",
                ".CompanyName",
                "$value",
            ],
            "Suppliers",
        ),
    ],
)
def test_bind_path(model: Model, raw: str, kind: ResourceKind, segments: list[str], entity_set: str | None) -> None:
    path = bind_path(raw, model)
    assert path.kind is kind
    assert [describe(segment) for segment in path.segments] == segments
    assert (path.entity_set.name if path.entity_set else None) == entity_set


@pytest.mark.parametrize(
    ("raw", "target_property"),
    [
        param("Products(1)", None),
        param("Products(1)/ProductName", "ProductName"),
        param("Products(1)/ProductName/$value", "ProductName"),
        param("Products(1)/Category/CategoryName", "CategoryName"),
    ],
)
def test_bound_path_target_property(model: Model, raw: str, target_property: str | None) -> None:
    prop = bind_path(raw, model).target_property
    assert (prop.name if prop else None) == target_property


def test_bound_key_values_are_typed(model: Model) -> None:
    path: ODataPath = bind_path("Order_Details(OrderID=10248,ProductID=11)", model)
    key = path.segments[1]
    assert isinstance(key, KeySegment)
    assert [(prop.name, type(value)) for prop, value in key.values] == [("OrderID", int), ("ProductID", int)]


@pytest.mark.parametrize(
    ("raw", "error", "target"),
    [
        param("Nope", NotFoundError, "Nope"),
        param("Products(1)/Nope", NotFoundError, "Nope"),
        param("/Products", BadRequestError, None),
        param("Products//1", BadRequestError, None),
        param("$count", BadRequestError, "$count"),
        param("Products/$value", BadRequestError, "$value"),
        param("Products(1)/$value", BadRequestError, "$value"),
        param("Products(1)/ProductName/x", BadRequestError, "x"),
        param("Products/$count/x", BadRequestError, "x"),
        param("Products('1')", BadRequestError, "ProductID"),
        param("Order_Details/10248", BadRequestError, "ProductID"),
        param("Order_Details(10248)", BadRequestError, "Order_Details"),
        param("Products(1)/Category(1)", BadRequestError, "Category"),
        param("$all", FeatureNotImplementedError, "$all"),
        param("$crossjoin", FeatureNotImplementedError, "$crossjoin"),
        param("Products/NorthwindModel.Discontinue", NotFoundError, "NorthwindModel.Discontinue"),
        param("Products/NorthwindModel.Category", BadRequestError, "NorthwindModel.Category"),
        param("Products(1)/NorthwindModel.Category", BadRequestError, "NorthwindModel.Category"),
    ],
)
def test_bind_path_rejects(model: Model, raw: str, error: type[ODataError], target: str | None) -> None:
    with pytest.raises(error) as caught:
        bind_path(raw, model)
    assert type(caught.value) is error
    assert caught.value.target == target
