"""Request payload values → Python values: ``format.decode`` for JSON bodies and raw ``$value`` bodies."""

from __future__ import annotations

import datetime as dt
import json
import math
import struct
import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from odata_server.edm.model import Property
from odata_server.edm.types import INTEGER_RANGES
from odata_server.edm.types import PrimitiveType as T
from odata_server.errors import BadRequestError
from odata_server.format.decode import decode_json_value, decode_raw_value
from odata_server.format.values import dumps, json_converter, raw_text

UTC = dt.timezone.utc
# Edm.Stream has no value in a payload: a stream is read and written at its own URL.
VALUE_TYPES = [edm_type for edm_type in T if edm_type is not T.STREAM]
GUID = uuid.UUID("01234567-89ab-cdef-0123-456789abcdef")
NAN = math.nan


def prop(edm_type: T, **facets: object) -> Property:
    return Property("Price", edm_type, **facets)  # type: ignore[arg-type]


def from_json(document: str) -> object:
    """A JSON value parsed the way the request body is."""
    return json.loads(document, parse_float=Decimal)


def float32(value: float) -> float:
    return struct.unpack("<f", struct.pack("<f", value))[0]


def assert_same(actual: object, expected: object) -> None:
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(actual, float) and math.isnan(actual)
    else:
        assert actual == expected
        assert type(actual) is type(expected)


def assert_rejected(error: pytest.ExceptionInfo[BadRequestError], code: str, edm_type: T) -> None:
    assert (error.value.status, error.value.code, error.value.target) == (400, code, "Products/Price")
    assert "Price" in error.value.message and edm_type.value in error.value.message


# ---------------------------------------------------------------- JSON values

JSON_VALID = [
    (T.STRING, {}, '"abc"', "abc"),
    (T.STRING, {}, '""', ""),
    (T.STRING, {"max_length": 3}, '"ÿ€😀"', "ÿ€😀"),  # MaxLength counts characters, not bytes
    (T.BOOLEAN, {}, "true", True),
    (T.BOOLEAN, {}, "false", False),
    (T.BYTE, {}, "0", 0),
    (T.BYTE, {}, "255", 255),
    (T.SBYTE, {}, "-128", -128),
    (T.SBYTE, {}, "127", 127),
    (T.INT16, {}, "-32768", -32768),
    (T.INT16, {}, "32767", 32767),
    (T.INT32, {}, "-2147483648", -2147483648),
    (T.INT32, {}, "2147483647", 2147483647),
    (T.INT64, {}, "-9223372036854775808", -9223372036854775808),
    (T.INT64, {}, "9223372036854775807", 9223372036854775807),
    (T.INT64, {}, '"9223372036854775807"', 9223372036854775807),  # IEEE754Compatible
    (T.INT64, {}, '"-42"', -42),
    (T.DECIMAL, {}, "1", Decimal(1)),
    (T.DECIMAL, {}, "12.50", Decimal("12.50")),
    (T.DECIMAL, {}, '"12.5"', Decimal("12.5")),  # IEEE754Compatible
    (T.DECIMAL, {}, "123456789012345678901234567890.123", Decimal("123456789012345678901234567890.123")),
    (T.DECIMAL, {"precision": 4, "scale": 2}, "99.99", Decimal("99.99")),
    (T.DECIMAL, {"precision": 4, "scale": 2}, "-99", Decimal(-99)),
    (T.DECIMAL, {"precision": 4, "scale": 1}, "12.50", Decimal("12.50")),  # a trailing zero loses nothing
    (T.DECIMAL, {"precision": 4, "scale": 0}, "1e3", Decimal("1E+3")),
    (T.DECIMAL, {"precision": 1, "scale": 0}, "0.000", Decimal("0.000")),
    (T.DECIMAL, {"precision": 2, "scale": 2}, "-0.05", Decimal("-0.05")),
    (T.DECIMAL, {"scale": 2}, "123456789.12", Decimal("123456789.12")),
    (T.DECIMAL, {"precision": 3}, "1.23", Decimal("1.23")),  # variable scale
    (T.DECIMAL, {"precision": 3}, "123", Decimal(123)),
    (T.DOUBLE, {}, "1.5", 1.5),
    (T.DOUBLE, {}, "1", 1.0),
    (T.DOUBLE, {}, "-0.0", -0.0),
    (T.DOUBLE, {}, "1e308", 1e308),
    (T.DOUBLE, {}, "1e-400", 0.0),
    (T.DOUBLE, {}, '"NaN"', NAN),
    (T.DOUBLE, {}, '"INF"', math.inf),
    (T.DOUBLE, {}, '"-INF"', -math.inf),
    (T.SINGLE, {}, "1.5", 1.5),
    (T.SINGLE, {}, "0.1", float32(0.1)),
    (T.SINGLE, {}, "3.4028235e38", float32(3.4028235e38)),
    (T.SINGLE, {}, '"-INF"', -math.inf),
    (T.DATE, {}, '"2024-01-31"', dt.date(2024, 1, 31)),
    (T.DATE, {}, '"0001-01-01"', dt.date(1, 1, 1)),
    (T.TIME_OF_DAY, {}, '"13:45"', dt.time(13, 45)),
    (T.TIME_OF_DAY, {}, '"13:45:30"', dt.time(13, 45, 30)),
    (T.TIME_OF_DAY, {}, '"00:00:00.5"', dt.time(0, 0, 0, 500000)),
    (T.TIME_OF_DAY, {}, '"23:59:59.999999999999"', dt.time(23, 59, 59, 999999)),
    (T.DATE_TIME_OFFSET, {}, '"2024-01-31T12:00:00Z"', dt.datetime(2024, 1, 31, 12, tzinfo=UTC)),
    (T.DATE_TIME_OFFSET, {}, '"2024-01-31T12:00Z"', dt.datetime(2024, 1, 31, 12, tzinfo=UTC)),
    (T.DATE_TIME_OFFSET, {}, '"2024-01-31t12:00:00z"', dt.datetime(2024, 1, 31, 12, tzinfo=UTC)),
    (T.DATE_TIME_OFFSET, {}, '"2024-01-31T13:30:00+01:30"', dt.datetime(2024, 1, 31, 12, tzinfo=UTC)),
    (T.DATE_TIME_OFFSET, {}, '"2024-01-01T00:30:00+01:00"', dt.datetime(2023, 12, 31, 23, 30, tzinfo=UTC)),
    (T.DATE_TIME_OFFSET, {}, '"2024-01-31T12:00:00.123456789012-00:00"', dt.datetime(2024, 1, 31, 12, 0, 0, 123456, tzinfo=UTC)),
    (T.DURATION, {}, '"P1DT2H3M4.5S"', dt.timedelta(days=1, hours=2, minutes=3, seconds=4.5)),
    (T.DURATION, {}, '"-PT1S"', dt.timedelta(seconds=-1)),
    (T.DURATION, {}, '"PT0S"', dt.timedelta(0)),
    (T.DURATION, {}, '"PT36H"', dt.timedelta(days=1.5)),
    (T.GUID, {}, '"01234567-89ab-cdef-0123-456789ABCDEF"', GUID),
    (T.BINARY, {}, '"-_8="', b"\xfb\xff"),  # base64url
    (T.BINARY, {}, '"-_8"', b"\xfb\xff"),  # unpadded
    (T.BINARY, {}, '"+/8="', b"\xfb\xff"),  # standard base64
    (T.BINARY, {}, '""', b""),
    (T.BINARY, {"max_length": 3}, '"AQID"', b"\x01\x02\x03"),  # MaxLength counts bytes
]  # fmt: skip


@pytest.mark.parametrize(("edm_type", "facets", "document", "expected"), JSON_VALID)
def test_json_value(edm_type: T, facets: dict[str, object], document: str, expected: object) -> None:
    assert_same(decode_json_value(from_json(document), prop(edm_type, **facets), target="Price"), expected)


def test_date_time_offset_is_utc() -> None:
    value = decode_json_value("2024-01-31T13:00:00+01:00", prop(T.DATE_TIME_OFFSET), target="Price")
    assert isinstance(value, dt.datetime) and value.tzinfo is UTC


JSON_INVALID = [
    (T.STRING, {}, "1", "InvalidValue"),
    (T.STRING, {}, "true", "InvalidValue"),
    (T.STRING, {"max_length": 4}, '"abcde"', "ValueTooLong"),
    (T.STRING, {"max_length": 1}, '"😀😀"', "ValueTooLong"),
    (T.BOOLEAN, {}, "1", "InvalidValue"),
    (T.BOOLEAN, {}, "0", "InvalidValue"),
    (T.BOOLEAN, {}, '"true"', "InvalidValue"),
    (T.INT32, {}, "true", "InvalidValue"),
    (T.INT32, {}, "1.0", "InvalidValue"),
    (T.INT32, {}, "1e2", "InvalidValue"),
    (T.INT32, {}, '"1"', "InvalidValue"),  # strings only for Int64
    (T.BYTE, {}, '"1"', "InvalidValue"),
    (T.BYTE, {}, "256", "ValueOutOfRange"),
    (T.BYTE, {}, "-1", "ValueOutOfRange"),
    (T.SBYTE, {}, "128", "ValueOutOfRange"),
    (T.SBYTE, {}, "-129", "ValueOutOfRange"),
    (T.INT16, {}, "32768", "ValueOutOfRange"),
    (T.INT16, {}, "-32769", "ValueOutOfRange"),
    (T.INT32, {}, "2147483648", "ValueOutOfRange"),
    (T.INT64, {}, "9223372036854775808", "ValueOutOfRange"),
    (T.INT64, {}, '"-9223372036854775809"', "ValueOutOfRange"),
    (T.INT64, {}, '"1.5"', "InvalidValue"),
    (T.INT64, {}, '"abc"', "InvalidValue"),
    (T.INT64, {}, '" 1"', "InvalidValue"),
    (T.INT64, {}, '""', "InvalidValue"),
    (T.INT64, {}, "true", "InvalidValue"),
    (T.DECIMAL, {}, "true", "InvalidValue"),
    (T.DECIMAL, {}, '"NaN"', "InvalidValue"),
    (T.DECIMAL, {}, '"INF"', "InvalidValue"),
    (T.DECIMAL, {}, '"-INF"', "InvalidValue"),
    (T.DECIMAL, {}, "NaN", "InvalidValue"),  # json.loads reads the bare token as a float
    (T.DECIMAL, {}, '"1,5"', "InvalidValue"),
    (T.DECIMAL, {}, '"abc"', "InvalidValue"),
    (T.DECIMAL, {}, '" 1"', "InvalidValue"),
    (T.DECIMAL, {"scale": 2}, "12.345", "PrecisionExceeded"),  # not rounded silently
    (T.DECIMAL, {"scale": 2}, '"12.345"', "PrecisionExceeded"),
    (T.DECIMAL, {"precision": 4, "scale": 2}, "123.4", "PrecisionExceeded"),
    (T.DECIMAL, {"precision": 4, "scale": 2}, "100", "PrecisionExceeded"),
    (T.DECIMAL, {"precision": 10, "scale": 0}, "1.5", "PrecisionExceeded"),
    (T.DECIMAL, {"precision": 3, "scale": 0}, "1000", "PrecisionExceeded"),
    (T.DECIMAL, {"precision": 3, "scale": 0}, "1e3", "PrecisionExceeded"),
    (T.DECIMAL, {"precision": 2}, "0.001", "PrecisionExceeded"),  # variable scale
    (T.DECIMAL, {"precision": 2}, "123", "PrecisionExceeded"),
    (T.DECIMAL, {}, '"1e9999999999999999999999999"', "ValueOutOfRange"),  # beyond Decimal's exponents
    (T.DOUBLE, {}, '"1.5"', "InvalidValue"),
    (T.DOUBLE, {}, '"nan"', "InvalidValue"),
    (T.DOUBLE, {}, '"Infinity"', "InvalidValue"),
    (T.DOUBLE, {}, "NaN", "InvalidValue"),
    (T.DOUBLE, {}, "true", "InvalidValue"),
    (T.DOUBLE, {}, "1e309", "ValueOutOfRange"),
    (T.DOUBLE, {}, str(10**400), "ValueOutOfRange"),
    (T.SINGLE, {}, "1e39", "ValueOutOfRange"),
    (T.SINGLE, {}, "-3.5e38", "ValueOutOfRange"),
    (T.SINGLE, {}, '"1.5"', "InvalidValue"),
    (T.DATE, {}, "20240131", "InvalidValue"),
    (T.DATE, {}, '"20240131"', "InvalidValue"),
    (T.DATE, {}, '"2024-W05-3"', "InvalidValue"),
    (T.DATE, {}, '"2024-1-31"', "InvalidValue"),
    (T.DATE, {}, '"2024-02-30"', "InvalidValue"),
    (T.DATE, {}, '"2024-13-01"', "InvalidValue"),
    (T.DATE, {}, '"0000-01-01"', "InvalidValue"),
    (T.DATE, {}, '"10000-01-01"', "InvalidValue"),
    (T.DATE, {}, '"2024-01-31T00:00:00Z"', "InvalidValue"),
    (T.TIME_OF_DAY, {}, '"24:00:00"', "InvalidValue"),
    (T.TIME_OF_DAY, {}, '"13:45:60"', "InvalidValue"),
    (T.TIME_OF_DAY, {}, '"13"', "InvalidValue"),
    (T.TIME_OF_DAY, {}, '"1345"', "InvalidValue"),
    (T.TIME_OF_DAY, {}, '"13:45:00Z"', "InvalidValue"),
    (T.TIME_OF_DAY, {}, '"13:45:00+01:00"', "InvalidValue"),
    (T.TIME_OF_DAY, {}, '"13:45:00.1234567890123"', "InvalidValue"),
    (T.DATE_TIME_OFFSET, {}, '"2024-01-31T12:00:00"', "InvalidValue"),  # no offset
    (T.DATE_TIME_OFFSET, {}, '"2024-01-31"', "InvalidValue"),
    (T.DATE_TIME_OFFSET, {}, '"2024-01-31 12:00:00Z"', "InvalidValue"),
    (T.DATE_TIME_OFFSET, {}, '"2024-01-31T12Z"', "InvalidValue"),
    (T.DATE_TIME_OFFSET, {}, '"2024-01-31T12:00:00+0100"', "InvalidValue"),
    (T.DATE_TIME_OFFSET, {}, '"2024-01-31T12:00:00+24:00"', "InvalidValue"),
    (T.DATE_TIME_OFFSET, {}, '"2024-01-31T25:00:00Z"', "InvalidValue"),
    (T.DATE_TIME_OFFSET, {}, "1706702400", "InvalidValue"),
    (T.DATE_TIME_OFFSET, {}, '"0001-01-01T00:00:00+01:00"', "ValueOutOfRange"),  # year 0 in UTC
    (T.DURATION, {}, '"P1Y"', "InvalidValue"),
    (T.DURATION, {}, '"P1M"', "InvalidValue"),
    (T.DURATION, {}, '"P"', "InvalidValue"),
    (T.DURATION, {}, '"PT"', "InvalidValue"),
    (T.DURATION, {}, '"1D"', "InvalidValue"),
    (T.DURATION, {}, '"P1.5D"', "InvalidValue"),
    (T.DURATION, {}, '"P\u0661D"', "InvalidValue"),  # an Arabic-Indic digit
    (T.DURATION, {}, "3600", "InvalidValue"),
    (T.GUID, {}, '"0123456789abcdef0123456789abcdef"', "InvalidValue"),
    (T.GUID, {}, '"{01234567-89ab-cdef-0123-456789abcdef}"', "InvalidValue"),
    (T.GUID, {}, '"urn:uuid:01234567-89ab-cdef-0123-456789abcdef"', "InvalidValue"),
    (T.GUID, {}, '"01234567-89ab-cdef-0123-456789abcdeg"', "InvalidValue"),
    (T.BINARY, {}, '"A"', "InvalidValue"),
    (T.BINARY, {}, '"AQ*D"', "InvalidValue"),
    (T.BINARY, {}, '"AQ ID"', "InvalidValue"),
    (T.BINARY, {}, '"QQ==QQ=="', "InvalidValue"),
    (T.BINARY, {}, '"AQID\u00e9"', "InvalidValue"),
    (T.BINARY, {}, "[1, 2]", "InvalidValue"),
    (T.BINARY, {"max_length": 3}, '"AQIDBA"', "ValueTooLong"),
]  # fmt: skip


@pytest.mark.parametrize(("edm_type", "facets", "document", "code"), JSON_INVALID)
def test_json_value_rejected(edm_type: T, facets: dict[str, object], document: str, code: str) -> None:
    with pytest.raises(BadRequestError) as error:
        decode_json_value(from_json(document), prop(edm_type, **facets), target="Products/Price")
    assert_rejected(error, code, edm_type)


@pytest.mark.parametrize("document", ["[]", "[1]", "{}", '{"value": 1}'])
@pytest.mark.parametrize("edm_type", VALUE_TYPES)
def test_arrays_and_objects_are_not_primitive_values(edm_type: T, document: str) -> None:
    with pytest.raises(BadRequestError) as error:
        decode_json_value(from_json(document), prop(edm_type), target="Products/Price")
    assert_rejected(error, "InvalidValue", edm_type)


@pytest.mark.parametrize("edm_type", [t for t in VALUE_TYPES if t is not T.BOOLEAN])
def test_booleans_are_only_booleans(edm_type: T) -> None:
    with pytest.raises(BadRequestError) as error:
        decode_json_value(True, prop(edm_type), target="Products/Price")
    assert_rejected(error, "InvalidValue", edm_type)


@pytest.mark.parametrize("edm_type", VALUE_TYPES)
def test_null(edm_type: T) -> None:
    assert decode_json_value(None, prop(edm_type), target="Price") is None
    with pytest.raises(BadRequestError) as error:
        decode_json_value(None, prop(edm_type, nullable=False), target="Products/Price")
    assert_rejected(error, "NullNotAllowed", edm_type)


# ---------------------------------------------------------------- raw values

RAW_VALID = [
    (T.STRING, {}, b"abc", "abc"),
    (T.STRING, {}, b"", ""),
    (T.STRING, {}, b"null", "null"),
    (T.STRING, {}, b" 42\n", " 42\n"),
    (T.STRING, {"max_length": 2}, "ÿ€".encode(), "ÿ€"),
    (T.BOOLEAN, {}, b"true", True),
    (T.BOOLEAN, {}, b"false", False),
    (T.BOOLEAN, {}, b"True", True),  # ABNF literals ignore case
    (T.BYTE, {}, b"255", 255),
    (T.SBYTE, {}, b"-128", -128),
    (T.INT32, {}, b"+7", 7),
    (T.INT64, {}, b"-9223372036854775808", -9223372036854775808),
    (T.DECIMAL, {"precision": 4, "scale": 2}, b"12.50", Decimal("12.50")),
    (T.DECIMAL, {}, b"42", Decimal(42)),
    (T.DECIMAL, {}, b"-1e-2", Decimal("-0.01")),
    (T.DOUBLE, {}, b"1.5", 1.5),
    (T.DOUBLE, {}, b"1e10", 1e10),
    (T.DOUBLE, {}, b"-5E-3", -0.005),
    (T.DOUBLE, {}, b"NaN", NAN),
    (T.DOUBLE, {}, b"INF", math.inf),
    (T.DOUBLE, {}, b"-INF", -math.inf),
    (T.SINGLE, {}, b"0.1", float32(0.1)),
    (T.SINGLE, {}, b"INF", math.inf),
    (T.DATE, {}, b"2024-01-31", dt.date(2024, 1, 31)),
    (T.TIME_OF_DAY, {}, b"13:45:30.5", dt.time(13, 45, 30, 500000)),
    (T.DATE_TIME_OFFSET, {}, b"2024-01-31T13:00:00+01:00", dt.datetime(2024, 1, 31, 12, tzinfo=UTC)),
    (T.DURATION, {}, b"P1DT2H3M4.5S", dt.timedelta(days=1, hours=2, minutes=3, seconds=4.5)),
    (T.DURATION, {}, b"-PT1S", dt.timedelta(seconds=-1)),
    (T.GUID, {}, b"01234567-89ab-cdef-0123-456789abcdef", GUID),
    (T.BINARY, {}, b"\x00\xff\xfe", b"\x00\xff\xfe"),  # the bytes themselves, not base64
    (T.BINARY, {}, b"", b""),
    (T.BINARY, {"max_length": 3}, b"abc", b"abc"),
]  # fmt: skip


@pytest.mark.parametrize(("edm_type", "facets", "body", "expected"), RAW_VALID)
def test_raw_value(edm_type: T, facets: dict[str, object], body: bytes, expected: object) -> None:
    assert_same(decode_raw_value(body, prop(edm_type, **facets), target="Price"), expected)


RAW_INVALID = [
    (T.STRING, {}, b"\xff\xfe", "InvalidValue"),  # not UTF-8
    (T.STRING, {"max_length": 4}, b"abcde", "ValueTooLong"),
    (T.BOOLEAN, {}, b"1", "InvalidValue"),
    (T.BOOLEAN, {}, b"yes", "InvalidValue"),
    (T.INT32, {}, b"1.0", "InvalidValue"),
    (T.INT32, {}, b"abc", "InvalidValue"),
    (T.INT32, {}, b" 1", "InvalidValue"),
    (T.INT32, {}, b"1\n", "InvalidValue"),
    (T.INT32, {}, b"null", "InvalidValue"),
    (T.INT32, {}, b"\xff", "InvalidValue"),
    (T.INT32, {}, b"2147483648", "ValueOutOfRange"),
    (T.BYTE, {}, b"-1", "ValueOutOfRange"),
    (T.INT64, {}, b"9" * 5000, "InvalidValue"),  # beyond the digits int() reads
    (T.DECIMAL, {}, b"NaN", "InvalidValue"),
    (T.DECIMAL, {}, b"INF", "InvalidValue"),
    (T.DECIMAL, {}, b"1,5", "InvalidValue"),
    (T.DECIMAL, {}, b"0x10", "InvalidValue"),
    (T.DECIMAL, {"scale": 2}, b"12.345", "PrecisionExceeded"),
    (T.DOUBLE, {}, b"nan", "InvalidValue"),
    (T.DOUBLE, {}, b"Infinity", "InvalidValue"),
    (T.DOUBLE, {}, b"1.5.5", "InvalidValue"),
    (T.DOUBLE, {}, b"1e400", "ValueOutOfRange"),
    (T.SINGLE, {}, b"1e39", "ValueOutOfRange"),
    (T.DOUBLE, {}, b"1e-9999999999999999999999999", "ValueOutOfRange"),
    (T.DATE, {}, b"2024-02-30", "InvalidValue"),
    (T.TIME_OF_DAY, {}, b"25:00", "InvalidValue"),
    (T.DATE_TIME_OFFSET, {}, b"2024-01-31T12:00:00", "InvalidValue"),
    (T.DURATION, {}, b"P1Y", "InvalidValue"),
    (T.DURATION, {}, b"duration'P1D'", "InvalidValue"),  # the URL literal form is not the raw form
    (T.GUID, {}, b"nope", "InvalidValue"),
    (T.BINARY, {"max_length": 3}, b"abcd", "ValueTooLong"),
]  # fmt: skip


@pytest.mark.parametrize(("edm_type", "facets", "body", "code"), RAW_INVALID)
def test_raw_value_rejected(edm_type: T, facets: dict[str, object], body: bytes, code: str) -> None:
    with pytest.raises(BadRequestError) as error:
        decode_raw_value(body, prop(edm_type, **facets), target="Products/Price")
    assert_rejected(error, code, edm_type)


@pytest.mark.parametrize("edm_type", [t for t in VALUE_TYPES if t not in (T.STRING, T.BINARY)])
def test_empty_raw_value_is_only_a_string_or_binary(edm_type: T) -> None:
    with pytest.raises(BadRequestError) as error:
        decode_raw_value(b"", prop(edm_type), target="Products/Price")
    assert_rejected(error, "InvalidValue", edm_type)


# ---------------------------------------------------------------- messages


def test_message_names_property_type_and_value() -> None:
    with pytest.raises(BadRequestError) as error:
        decode_json_value("12", Property("Quantity", T.INT16), target="Quantity")
    assert error.value.message == 'Quantity must be Edm.Int16: an integer from -32768 to 32767; got "12"'


@pytest.mark.parametrize(
    ("edm_type", "facets", "value", "message"),
    [
        (T.STRING, {"max_length": 3}, "abcd", 'must be Edm.String: a string of at most 3 characters; got "abcd"'),
        (T.DECIMAL, {"precision": 5, "scale": 2}, Decimal("1.234"), "at most 5 digits with at most 2 digits after"),
        (T.BINARY, {"max_length": 1}, "AQI", "at most 1 bytes; got"),
        (T.BOOLEAN, {}, 1, "Edm.Boolean: true or false; got 1"),
        (T.DATE, {}, False, "got false"),
        (T.GUID, {}, [], "got an array"),
        (T.GUID, {}, {}, "got an object"),
    ],
)
def test_message_facets_and_given_value(edm_type: T, facets: dict[str, object], value: object, message: str) -> None:
    with pytest.raises(BadRequestError) as error:
        decode_json_value(value, prop(edm_type, **facets), target="Price")
    assert message in error.value.message


@pytest.mark.parametrize(
    ("edm_type", "value"),
    [(T.INT32, "x" * 1_000_000), (T.DECIMAL, Decimal("1." + "1" * 1_000_000)), (T.STRING, "x" * 1_000_000)],
)
def test_message_cuts_long_values_short(edm_type: T, value: object) -> None:
    facets = {"max_length": 10} if edm_type is T.STRING else {"scale": 2}
    with pytest.raises(BadRequestError) as error:
        decode_json_value(value, prop(edm_type, **facets), target="Price")
    assert len(error.value.message) < 300
    assert "characters)" in error.value.message


def test_raw_message_shows_text_and_byte_counts() -> None:
    with pytest.raises(BadRequestError) as error:
        decode_raw_value(b"x" * 1_000_000, prop(T.INT32), target="Price")
    assert len(error.value.message) < 300 and '"xxxx' in error.value.message
    with pytest.raises(BadRequestError) as error:
        decode_raw_value(b"\x00" * 5, prop(T.BINARY, max_length=4), target="Price")
    assert error.value.message.endswith("got 5 bytes")
    with pytest.raises(BadRequestError) as error:
        decode_raw_value(b"\xff", prop(T.STRING), target="Price")
    assert "not UTF-8" in error.value.message


# ---------------------------------------------------------------- round trips with format.values

VALUES = {
    T.BINARY: st.binary(),
    T.BOOLEAN: st.booleans(),
    T.DATE: st.dates(),
    T.DATE_TIME_OFFSET: st.datetimes(timezones=st.just(UTC)),
    T.DECIMAL: st.decimals(allow_nan=False, allow_infinity=False),
    T.DOUBLE: st.floats(),
    T.DURATION: st.timedeltas(),
    T.GUID: st.uuids(),
    T.SINGLE: st.floats(width=32),
    T.STRING: st.text(),
    T.TIME_OF_DAY: st.times(),
    **{edm_type: st.integers(low, high) for edm_type, (low, high) in INTEGER_RANGES.items()},
}


@pytest.mark.parametrize("edm_type", VALUE_TYPES)
@given(data=st.data())
def test_raw_round_trip(edm_type: T, data: st.DataObject) -> None:
    value = data.draw(VALUES[edm_type])
    body = value if edm_type is T.BINARY else raw_text(value, edm_type).encode()
    assert_same(decode_raw_value(body, prop(edm_type), target="Price"), value)


@pytest.mark.parametrize("ieee754_compatible", [False, True])
@pytest.mark.parametrize("edm_type", VALUE_TYPES)
@given(data=st.data())
def test_json_round_trip(edm_type: T, ieee754_compatible: bool, data: st.DataObject) -> None:
    value = data.draw(VALUES[edm_type])
    convert = json_converter(edm_type, ieee754_compatible=ieee754_compatible)
    document = dumps(convert(value) if convert else value).decode()
    assert_same(decode_json_value(from_json(document), prop(edm_type), target="Price"), value)


def test_json_time_of_day_with_centiseconds() -> None:
    # orjson 3.13 alone writes "00:00:00.10000" (0.1 s): the converter writes times itself.
    convert = json_converter(T.TIME_OF_DAY, ieee754_compatible=False)
    assert convert is not None
    assert dumps(convert(dt.time(0, 0, 0, 10_000))) == b'"00:00:00.010000"'


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.decimals(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=4,
)
LITERAL_LIKE = st.from_regex(r"[-+0-9.eE:TtZzPDHMS]*", fullmatch=True)
RAW_BODIES = st.binary() | st.text().map(str.encode) | LITERAL_LIKE.map(str.encode)


@pytest.mark.parametrize("edm_type", VALUE_TYPES)
@given(value=JSON_VALUES | LITERAL_LIKE, body=RAW_BODIES)
def test_any_input_is_a_value_or_a_bad_request(edm_type: T, value: object, body: bytes) -> None:
    constrained = prop(edm_type, nullable=False, max_length=3, precision=5, scale=2)
    for decode, given_input in ((decode_json_value, value), (decode_raw_value, body)):
        try:
            decode(given_input, constrained, target="Price")  # type: ignore[operator]
        except BadRequestError as error:
            assert error.status == 400 and error.target == "Price"
