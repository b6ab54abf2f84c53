"""The OASIS OData ABNF test cases, run against the URL parser.

The cases come from ``odata-abnf-testcases.yaml``, ``odata-temporal-testcases.yaml`` and
``odata-aggregation-testcases.yaml`` (the Data Aggregation Extension 4.0: ``$apply``,
``isdefined``, ``$these`` and ``/aggregate(...)``), in ``../shared/conformance/abnf``
(see its README). Each case names an ABNF rule and an
input; a positive case must parse, a negative case (``FailAt``) must raise
:class:`BadRequestError`. The position of the failure is not compared.

Each ABNF rule maps to a function that parses the input the way the server does:
URLs are split into path and query, the path with :func:`split_path` and
:func:`parse_segment`, the query with :func:`parse_query` (split at ``&`` and the
first ``=``, each part percent-decoded), and each system query option's value with
the start rule of the same name. Literal rules parse with ``primitive_literal``,
expression rules with ``filter``. Payload and CSDL value rules (``…Value``) are not
percent-decoded: they never appear in a URL.

Cases that are out of scope are listed in :data:`OUT_OF_SCOPE` with the reason, and
reported as skipped. The summary at the end of the run (``conftest.py``) counts the
outcomes per rule.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson
import pytest
import yaml

from odata_server.errors import BadRequestError
from odata_server.uri.options import parse_query
from odata_server.uri.parser import RawSegment, parse, parse_segment, split_path
from odata_server.uri.syntax import (
    DollarSegment,
    IdentifierSegment,
    JsonValue,
    Literal,
    MemberExpr,
    NameStep,
    UnaryExpr,
)

ABNF = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "abnf"
FILES = ("odata-abnf-testcases.yaml", "odata-temporal-testcases.yaml", "odata-aggregation-testcases.yaml")

#: The name of each file's cases in test ids and in the summary ("" for the core file).
EXTENSIONS = {"odata-temporal-testcases.yaml": "temporal", "odata-aggregation-testcases.yaml": "aggregation"}

if not all((ABNF / name).is_file() for name in FILES):  # pragma: no cover - the data lives beside the checkout
    pytest.skip(f"the OASIS ABNF test cases are not in {ABNF}", allow_module_level=True)


# ---------------------------------------------------------------- loading


@dataclass(frozen=True, slots=True)
class Case:
    file: str
    index: int
    name: str
    rule: str
    input: str
    fail_at: int | None

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.file, "")

    @property
    def id(self) -> str:
        return f"{self.extension or 'abnf'}{self.index:03d}-{self.rule}-{self.name}"


def load(path: Path) -> list[Case]:
    """The test cases of one file, loaded as the conformance README says.

    A plain-scalar ``Input:`` containing a TAB is rewritten as a JSON (double-quoted
    YAML) string first, which PyYAML accepts; ``BaseLoader`` keeps every scalar a
    string, so dates stay text.
    """
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        head, separator, value = line.partition("Input: ")
        if separator and "\t" in value and head.strip() in ("", "-") and value[:1] not in ("'", '"'):
            line = head + separator + json.dumps(value)
        lines.append(line)
    document = yaml.load("\n".join(lines), Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds strings only
    return [
        Case(
            path.name,
            index,
            case["Name"],
            case["Rule"],
            case["Input"],
            int(case["FailAt"]) if "FailAt" in case else None,
        )
        for index, case in enumerate(document["TestCases"])
    ]


CASES = [case for name in FILES for case in load(ABNF / name)]


# ---------------------------------------------------------------- out of scope

_HEADER = "HTTP header syntax, not URL syntax: headers are read by the request pipeline, not by uri/grammar"
_CONTEXT = (
    "context URL fragment (#...): the server writes context URLs in responses (format/context_url.py) "
    "and never parses one; a client does not send the fragment of a URL"
)
_TEMPORAL = (
    "OData Temporal extension ($at, $from, $to, $toInclusive): not OData 4.01 core; "
    "parse_query answers 400 for these unknown $-options"
)
_MODEL = "needs the service model to decide"
_WHITESPACE = "the parser ignores whitespace between tokens, so this negative case parses"
_NEW_NODE = (
    "needs a new syntax node: a second parenthesized group after a function call or $filter(...) "
    "(IdentifierSegment and NameStep hold one)"
)
_DECODED = "percent-decoded before parsing, so %3B is ; which separates nested options or ends a search word"

#: Cases the parser is not meant to decide, keyed by ABNF rule (case-insensitive), by
#: case name, or by "name: input" where several cases share a name.
OUT_OF_SCOPE: dict[str, str] = {
    # rules
    "header": _HEADER,
    "prefer": _HEADER,
    "preference": _HEADER,
    "includeAnnotationsPreference": _HEADER,
    "maxpagesizePreference": _HEADER,
    "request-id": _HEADER + " (a batch request id is a Content-ID header value)",
    "context": _CONTEXT,
    # odataUri and odataRelativeUri with a context URL fragment
    "Context URL - Entity set": _CONTEXT,
    "Context URL - Entity set with $select": _CONTEXT,
    # the temporal extension (odata-temporal-testcases.yaml)
    "Temporal - at": _TEMPORAL,
    "Temporal - at with expand": _TEMPORAL,
    "Temporal - from and to with expand": _TEMPORAL,
    "Temporal - from and to nested within expand": _TEMPORAL,
    "Temporal - from and to with expand and filter": _TEMPORAL,
    "Where did she work back then": _TEMPORAL,
    "the department name when she joined that department": _TEMPORAL,
    "Temporal - at nested within expand": _TEMPORAL,
    "Temporal - from and to with special values": _TEMPORAL,
    "Temporal - from and to with date": _TEMPORAL,
    "Temporal - from and toInclusive with date": _TEMPORAL,
    "Temporal - from and to with datetimestamp": _TEMPORAL,
    "Temporal - from and toInclusive with datetimestamp": _TEMPORAL,
    # server design decisions
    "2 URL Components - unencoded forward slash": (
        "split_path deliberately keeps a '/' inside a quoted key ('a/b') in one segment, so this negative case parses"
    ),
    "4.3 Addressing entities - single entity (wrong): Categories('Tablet/Slate')": (
        "split_path deliberately keeps a '/' inside a quoted key ('a/b') in one segment, so this negative case parses"
    ),
    "5.1.1 Filter: no spaces: $filter= true": _WHITESPACE,
    "5.1.8 Format": "parse_query answers 400 for a system query option given twice; the ABNF does not count",
    "5.1.8 Format - value is case-insensitive": (
        "parse_query answers 400 for a system query option given twice; the ABNF does not count"
    ),
    "5.1.7 Search - simple term with percent-encoded semicolon": _DECODED,
    "5.1.7 Search - nested $search simple term with percent-encoded semicolon: $expand=Manager($search=a%3Bb)": (
        _DECODED
    ),
    # the model
    "5.1.7 Search - simple term with unencoded ampersand": (
        _MODEL + ": the ABNF test tool allows only the custom option names of its Constraints (find, !special, "
        "!deltatoken); to the server $search=more&more is $search plus a custom option 'more'"
    ),
    "4.3.4 $entity with OData URL, $select and $expand fails without type-cast": (
        "which options may accompany $entity is the request pipeline's check ($entity answers 501 so far), "
        "not the parser's"
    ),
    "4.3.4 $entity without $id fails": (
        "which options $entity needs is the request pipeline's check ($entity answers 501 so far), not the parser's"
    ),
    "4.5.1 Call action at service root": (
        _MODEL + ": Model.Rejection is a qualified name where an entity set, singleton or import is expected; "
        "the binder answers 404"
    ),
    "4.5.2 Call function import - only at service root": (
        _MODEL + ": TheBestProduct() after an entity set could be a bound function as far as syntax goes"
    ),
    "4.7 Addressing a Property Value - complex": _MODEL + ": whether Address is complex (no $value) or primitive",
    "4.7 Named Stream Property - $value does not make sense here": _MODEL + ": whether Thumbnail is a stream",
    "4.11 Inheritance - key access, then cast to subtype - only once": (
        _MODEL + ": the second Model.BestSellingProduct could be a bound function without parentheses"
    ),
    "Functions in commonExpr: Model.Available": (
        _MODEL + ": a qualified name alone is a type name (as in cast(Model.Customer)) or an error; the binder decides"
    ),
    "4.3 Addressing entities - function call with subsequent key segment": _NEW_NODE,
    "4.12 Filter Path Segment followed by key predicate": _NEW_NODE,
    # the Data Aggregation extension (odata-aggregation-testcases.yaml): the model
    "aggregate - forbidden arithmetic on collection": (
        _MODEL + ": Sales/Amount sub Sales/Cost is arithmetic on collections only if Sales is collection-valued"
    ),
    "aggregate - property requires method": (
        _MODEL + ": 'Amount as Total' has the form of a custom aggregate with an alias (aggregateCustom asAlias); "
        "only the model's Aggregation.CustomAggregate annotations tell that Amount is a property"
    ),
    "aggregate - property requires method and alias": (
        _MODEL + ": 'aggregate(Amount)' has the form of a custom aggregate (aggregateCustom); "
        "only the model tells that Amount is a property"
    ),
    "aggregate - property from requires with 2": (
        _MODEL + ": 'Amount from Time with average as DailyAverage' has the form of a custom aggregate with "
        "from (aggregateCustom customFrom); only the model tells that Amount is a property"
    ),
    "aggregate - groupby no two consecutive primitive properties": (
        _MODEL + ": Product/Price/Quantity is a grouping path if Price is complex or a navigation property"
    ),
    "aggregation methods - collection-valued navigation property": (
        _MODEL + ": groupby((Sales/Product/Name)) is a grouping path if Sales is single-valued"
    ),
    "aggregate - join with single-valued complex property": (
        _MODEL + ": join(ShipTo as Detail) needs ShipTo collection-valued"
    ),
    "aggregate in $expand": (
        "$apply inside $expand: the grammar reads it (expandOption =/ apply), but NestedOptions has no field "
        "for it yet, so the parser answers 501 rather than drop it (tests/uri/test_apply_nodes.py checks both)"
    ),
}


def out_of_scope(case: Case) -> str | None:
    for key in (case.rule.lower(), case.name, f"{case.name}: {case.input}"):
        if key in _OUT_OF_SCOPE_KEYS:
            return OUT_OF_SCOPE[_OUT_OF_SCOPE_KEYS[key]]
    return None


_OUT_OF_SCOPE_KEYS = {key: key for key in OUT_OF_SCOPE} | {key.lower(): key for key in OUT_OF_SCOPE}


# ---------------------------------------------------------------- parsing the way the server does


def syntax_error(message: str) -> BadRequestError:
    return BadRequestError(message, code="SyntaxError")


def resource_path(raw: str) -> None:
    """A resource path as the binder walks it, without a model.

    Each segment must parse, except one that follows another segment and is not
    dollar-prefixed: that may be a key-as-segment value or an ordinal index, which
    only the model can tell. Nothing may follow ``$count``, ``$ref``, ``$value`` or
    ``$query``, and no segment may be empty (a trailing slash is allowed), as in
    :func:`bind_path`.
    """
    segments = split_path(raw)
    if segments[-1].text == "" and len(segments) > 1:
        segments.pop()
    if segments == [RawSegment("", 0)]:
        return  # the service document
    final: str | None = None
    for index, segment in enumerate(segments):
        if segment.text == "":
            raise syntax_error(f"empty segment at {segment.offset}")
        if final is not None:
            raise syntax_error(f"nothing may follow {final}")
        try:
            node = parse_segment(segment)
        except BadRequestError:
            if index == 0 or segment.text.startswith("$"):
                raise
            continue  # a key-as-segment value or an ordinal index
        if isinstance(node, DollarSegment) and node.name in ("$count", "$ref", "$value", "$query"):
            final = node.name


def grammar(start: str) -> Callable[[str], object]:
    return lambda value: parse(value, start, where=f"${start}")


def digits(value: str) -> None:
    if not re.fullmatch(r"[0-9]+", value):
        raise syntax_error(f"{value!r} is not a non-negative integer")


def index_value(value: str) -> None:
    if not re.fullmatch(r"-?[0-9]+", value):
        raise syntax_error(f"{value!r} is not an integer")


def boolean_value(value: str) -> None:
    if parse(value, "primitive_literal", where="$count").kind != "boolean":
        raise syntax_error(f"{value!r} is not true or false")


def format_value(value: str) -> None:
    """``json``, ``xml``, ``atom`` or a media type (OData ABNF ``format``)."""
    if value.lower() not in ("json", "xml", "atom") and not re.fullmatch(r"[^/\s]+/[^/\s]+", value):
        raise syntax_error(f"{value!r} is not a format")


def non_empty(value: str) -> None:
    if not value:
        raise syntax_error("the value is empty")


def schemaversion_value(value: str) -> None:
    if value != "*" and not re.fullmatch(r"[A-Za-z0-9._~-]+", value):
        raise syntax_error(f"{value!r} is not a schema version")


#: The value of each system query option. Options the grammar has no start rule for
#: are checked against their ABNF here (they are a single token each).
SYSTEM_OPTIONS: dict[str, Callable[[str], object]] = {
    "apply": grammar("apply"),
    "compute": grammar("compute"),
    "expand": grammar("expand"),
    "filter": grammar("filter"),
    "levels": grammar("levels"),
    "orderby": grammar("orderby"),
    "search": grammar("search"),
    "select": grammar("select"),
    "count": boolean_value,
    "top": digits,
    "skip": digits,
    "index": index_value,
    "format": format_value,
    "id": non_empty,
    "skiptoken": non_empty,
    "deltatoken": non_empty,
    "schemaversion": schemaversion_value,
}


def query_options(query: str) -> None:
    """A query string: split and decoded by :func:`parse_query`, then each value parsed.

    Everything from ``#`` on is a fragment, which a client does not send.
    """
    options = parse_query(query.partition("#")[0])
    for name, value in options.system.items():
        SYSTEM_OPTIONS[name](value)
    for alias, value in options.aliases.items():
        parse(value, "filter", where=alias)  # parameterValue = arrayOrObject / commonExpr


def relative_uri(text: str) -> None:
    path, _, query = text.partition("#")[0].partition("?")
    resource_path(path)
    query_options(query)


def odata_uri(text: str) -> None:
    """An absolute URL: scheme and authority, then a service root and a relative URL.

    The server knows where its service root ends; the ABNF, and this test, accept
    the URL if any ``/`` of the path can end it.
    """
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises for a malformed port
    except ValueError as error:
        raise syntax_error(str(error)) from None
    if parts.scheme.lower() not in ("http", "https") or not text[len(parts.scheme) :].startswith("://"):
        raise syntax_error("an OData URL starts with http:// or https://")
    if not parts.netloc or not parts.path.startswith("/"):
        raise syntax_error("an OData URL has a host and a service root")
    relative = text[text.index(parts.netloc) + len(parts.netloc) :]
    error: BadRequestError | None = None
    for end in (match.start() for match in re.finditer("/", parts.path)):
        try:
            relative_uri(relative[end + 1 :])
            return
        except BadRequestError as caught:
            error = caught
    assert error is not None
    raise error


def single_option(name: str | None, *, system: bool = True) -> Callable[[str], None]:
    """One query option: ``name`` (any system option if None), or a custom option."""

    def check(text: str) -> None:
        if len([part for part in text.split("&") if part]) != 1:
            raise syntax_error(f"{text!r} is not one query option")
        options = parse_query(text)
        if not system:
            if not options.custom:
                raise syntax_error(f"{text!r} is not a custom query option")
            return
        if len(options.system) != 1 or (name is not None and name not in options.system):
            raise syntax_error(f"{text!r} is not the ${name} option")
        query_options(text)

    return check


def literal(*kinds: str, decode: bool = True, template: str = "{}") -> Callable[[str], Literal]:
    """A primitive literal of one of ``kinds``; ``template`` embeds a bare payload value in its URL form."""

    def check(text: str) -> Literal:
        node = parse(template.format(unquote(text) if decode else text), "primitive_literal", where="literal")
        assert isinstance(node, Literal)
        if node.kind not in kinds:
            raise syntax_error(f"{text!r} is a {node.kind} literal, not {' or '.join(kinds)}")
        return node

    return check


def quoted_or(kind: str, template: str) -> Callable[[str], None]:
    """``durationLiteral`` and ``enumLiteral``: the prefix is optional, so ``'...'`` is also one if its content is."""

    def check(text: str) -> None:
        node = literal(kind, "string")(text)
        if node.kind == "string":
            literal(kind, decode=False, template=template)(node.text[1:-1].replace("''", "'"))

    return check


def geo(prefix: str, kind: str) -> Callable[[str], None]:
    def check(text: str) -> None:
        node = literal("geo")(text)
        match = re.match(r"(\w+)'SRID=\d+;(\w+)\(", node.text)
        expected = "GeometryCollection" if kind == "Collection" else kind
        if not match or match.group(1).lower() != prefix or match.group(2).lower() != expected.lower():
            raise syntax_error(f"{text!r} is not a {prefix}{kind}")

    return check


def boolean_payload(text: str) -> None:
    """A payload boolean is a JSON ``true`` or ``false``."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise syntax_error(str(error)) from None
    if not isinstance(value, bool):
        raise syntax_error(f"{text!r} is not a JSON boolean")


def any_of(*checks: Callable[[str], object]) -> Callable[[str], None]:
    def check(text: str) -> None:
        error: BadRequestError | None = None
        for alternative in checks:
            try:
                alternative(text)
                return
            except BadRequestError as caught:
                error = caught
        assert error is not None
        raise error

    return check


def expression(*, node: type | None = None, test: Callable[[Any], bool] = lambda _: True) -> Callable[[str], None]:
    """A common expression, percent-decoded, optionally of one node type."""

    def check(text: str) -> None:
        result = parse(unquote(text), "filter", where="expression")
        if node is not None and not (isinstance(result, node) and test(result)):
            raise syntax_error(f"{text!r} parses as {result!r}")

    return check


def identifier(text: str) -> None:
    node = parse_segment(RawSegment(unquote(text), 0))
    if not isinstance(node, IdentifierSegment) or "." in node.name or node.parentheses:
        raise syntax_error(f"{text!r} is not an identifier")


def lambda_step(text: str) -> None:
    """``anyExpr`` is the last step of a path to a collection: parsed after ``Items/``."""
    result = parse("Items/" + unquote(text), "filter", where="expression")
    if not isinstance(result, MemberExpr) or not isinstance(result.steps[-1], NameStep):
        raise syntax_error(f"{text!r} is not a lambda")


def json_string(text: str) -> None:
    """A JSON string in a URL (``stringInUrl``) occurs in arrays and objects: parsed as ``[text]``."""
    result = parse("[" + unquote(text) + "]", "filter", where="expression")
    if not isinstance(result, JsonValue) or not isinstance(result.value, list) or not isinstance(result.value[0], str):
        raise syntax_error(f"{text!r} is not a JSON string")


_DECIMAL_VALUE = literal("decimal", "integer", decode=False)
_INTEGER_VALUE = literal("integer", decode=False)
_GEO_KINDS = ("Collection", "LineString", "MultiLineString", "MultiPoint", "MultiPolygon", "Point", "Polygon")

#: ABNF rule (lower case) → the function that parses its input.
RULES: dict[str, Callable[[str], object]] = {
    # URLs
    "odatauri": odata_uri,
    "odatarelativeuri": relative_uri,
    "resourcepath": resource_path,
    "queryoptions": query_options,
    "systemqueryoption": single_option(None),
    "customqueryoption": single_option(None, system=False),
    **{option: single_option(option) for option in SYSTEM_OPTIONS},
    "inlinecount": single_option("count"),
    "functionparameter": lambda text: resource_path(f"Function({text})"),
    "entitysetname": identifier,
    "odataidentifier": identifier,
    # expressions
    "commonexpr": expression(),
    "boolcommonexpr": expression(),
    "firstmemberexpr": expression(node=MemberExpr),
    "propertypathexpr": expression(node=MemberExpr),
    "notexpr": expression(node=UnaryExpr, test=lambda node: node.operator == "not"),
    "isofexpr": expression(
        node=MemberExpr, test=lambda node: isinstance(node.steps[0], NameStep) and node.steps[0].name == "isof"
    ),
    "anyexpr": lambda_step,
    "searchexpr": lambda text: parse(unquote(text), "search", where="$search"),
    "stringinurl": json_string,
    # literals in URLs
    "primitiveliteral": literal(
        "null",
        "boolean",
        "guid",
        "date_time_offset",
        "date",
        "time_of_day",
        "decimal",
        "integer",
        "string",
        "duration",
        "binary",
        "enum",
        "geo",
    ),
    "null": literal("null"),
    "boolean": literal("boolean"),
    "guid": literal("guid"),
    "date": literal("date"),
    "datetimeoffsetliteral": literal("date_time_offset"),
    "datetimeoffsetvalueinurl": literal("date_time_offset"),
    "timeofdayliteral": literal("time_of_day"),
    "decimalliteral": literal("decimal", "integer"),
    "doubleliteral": literal("decimal", "integer"),
    "singleliteral": literal("decimal", "integer"),
    "byte": literal("integer"),
    "sbyteliteral": literal("integer"),
    "int16literal": literal("integer"),
    "int32literal": literal("integer"),
    "int64literal": literal("integer"),
    "stringliteral": literal("string"),
    "binaryliteral": literal("binary"),
    "durationliteral": quoted_or("duration", "duration'{}'"),
    "enumliteral": quoted_or("enum", "Namespace.EnumType'{}'"),
    **{f"geography{kind.lower()}": geo("geography", kind) for kind in _GEO_KINDS},
    **{f"geometry{kind.lower()}": geo("geometry", kind) for kind in _GEO_KINDS},
    # values in payloads and CSDL: not percent-decoded; a bare value is embedded in its URL literal
    "booleanvalue": boolean_payload,
    "datevalue": literal("date", decode=False),
    "datetimeoffsetvalue": literal("date_time_offset", decode=False),
    "timeofdayvalue": literal("time_of_day", decode=False),
    "decimalvalue": _DECIMAL_VALUE,
    "doublevalue": _DECIMAL_VALUE,
    "singlevalue": _DECIMAL_VALUE,
    "bytevalue": _INTEGER_VALUE,
    "sbytevalue": _INTEGER_VALUE,
    "int16value": _INTEGER_VALUE,
    "int32value": _INTEGER_VALUE,
    "int64value": _INTEGER_VALUE,
    "durationvalue": literal("duration", decode=False, template="duration'{}'"),
    "enumvalue": literal("enum", decode=False, template="Namespace.EnumType'{}'"),
    "primitivevalue": any_of(
        boolean_payload,
        literal("guid", "date_time_offset", "date", "time_of_day", "decimal", "integer", decode=False),
        literal("duration", decode=False, template="duration'{}'"),
        literal("enum", decode=False, template="Namespace.EnumType'{}'"),
        literal("binary", decode=False, template="binary'{}'"),
        literal("geo", decode=False, template="geography'{}'"),
    ),
}


# ---------------------------------------------------------------- the test


def summary_rule(case: Case) -> str:
    rule = _RULE_SPELLING[case.rule.lower()]
    return f"{case.extension}: {rule}" if case.extension else rule


_RULE_SPELLING: dict[str, str] = {}
for _case in CASES:
    _RULE_SPELLING.setdefault(_case.rule.lower(), _case.rule)


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_abnf_case(case: Case, abnf_results: dict[str, Counter[str]]) -> None:
    counts = abnf_results.setdefault(summary_rule(case), Counter())
    reason = out_of_scope(case)
    if reason is not None:
        counts["out of scope"] += 1
        pytest.skip(reason)
    outcome = "failed"
    try:
        check = RULES.get(case.rule.lower())
        assert check is not None, f"no parse function for the ABNF rule {case.rule}"
        if case.fail_at is None:
            try:
                check(case.input)
            except BadRequestError as error:
                pytest.fail(f"{case.input!r} should parse as {case.rule}: {error.message}")
        else:
            with pytest.raises(BadRequestError):
                check(case.input)
        outcome = "passed"
    finally:
        counts[outcome] += 1


def test_out_of_scope_keys_match_cases() -> None:
    """Every entry of OUT_OF_SCOPE names a rule or a case of the files."""
    keys = {key for case in CASES for key in (case.rule.lower(), case.name, f"{case.name}: {case.input}")}
    assert [key for key in OUT_OF_SCOPE if key not in keys and key.lower() not in keys] == []
