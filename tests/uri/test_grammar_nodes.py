"""The syntax nodes of the constructs added for the OASIS ABNF cases.

syntax.py has no dedicated node for some of them; these tests pin the closest node
the parser uses (see the docstring of ``_ToSyntax`` in uri/parser.py), so a change is
deliberate.
"""

from __future__ import annotations

from typing import Any

import pytest

from odata_server.errors import BadRequestError
from odata_server.uri.parser import RawSegment, parse, parse_segment
from odata_server.uri.syntax import (
    Alias,
    BinaryExpr,
    CountStep,
    ExpandItem,
    IdentifierSegment,
    JsonValue,
    KeyPredicate,
    LambdaArgument,
    ListExpr,
    Literal,
    MemberExpr,
    NameStep,
    NestedOptions,
    SearchBinary,
    SearchTerm,
    SelectItem,
    VariableStep,
)


def name(text: str, arguments: tuple[Any, ...] | None = None) -> NameStep:
    return NameStep(text, arguments)


def path(*steps: Any) -> MemberExpr:
    return MemberExpr(tuple(name(step) if isinstance(step, str) else step for step in steps))


def integer(text: str) -> Literal:
    return Literal("integer", text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("@p", Alias("@p"), id="alias"),
        pytest.param("@a/Street", path("@a", "Street"), id="alias path"),
        pytest.param("Price/@Measures.Currency", path("Price", "@Measures.Currency"), id="annotation"),
        pytest.param("@Core.Messages", path("@Core.Messages"), id="annotation alone"),
        pytest.param("Price/@Currency#Reporting", path("Price", "@Currency#Reporting"), id="qualified annotation"),
        pytest.param(
            "Items/$filter(a eq 1)/$count",
            path("Items", name("$filter", (BinaryExpr("eq", path("a"), integer("1")),)), CountStep()),
            id="$filter step",
        ),
        pytest.param(
            "Items/$count($filter=a eq 1)",
            path("Items", name("$filter", (BinaryExpr("eq", path("a"), integer("1")),)), CountStep()),
            id="$count with $filter",
        ),
        pytest.param(
            "Items/$count($search=blue)",
            path("Items", name("$search", (SearchTerm("blue"),)), CountStep()),
            id="$count with $search",
        ),
        pytest.param(
            "Items/any(i:i/a eq 1)",
            path("Items", name("any", (LambdaArgument("i", BinaryExpr("eq", path("i", "a"), integer("1"))),))),
            id="lambda",
        ),
        pytest.param(
            "case(a gt 0:1,true:0)",
            path(
                name(
                    "case",
                    (
                        BinaryExpr(":", BinaryExpr("gt", path("a"), integer("0")), integer("1")),
                        BinaryExpr(":", Literal("boolean", "true"), integer("0")),
                    ),
                )
            ),
            id="case",
        ),
        pytest.param(
            "Name in ('a',1)",
            BinaryExpr("in", path("Name"), ListExpr((Literal("string", "'a'"), integer("1")))),
            id="in list",
        ),
        pytest.param("Name in (Other)", BinaryExpr("in", path("Name"), path("Other")), id="in parentheses"),
        pytest.param("s has NS.E'A,B'", BinaryExpr("has", path("s"), Literal("enum", "NS.E'A,B'")), id="enum"),
        pytest.param(
            "[1,'a',\"b\",null,true,2.5,[],{}]",
            JsonValue([1, "a", "b", None, True, 2.5, [], {}]),
            id="json array",
        ),
        pytest.param(
            '{"a":Name,"b":[1, 2 add 3]}',
            JsonValue({"a": path("Name"), "b": [1, BinaryExpr("add", integer("2"), integer("3"))]}),
            id="json with expressions",
        ),
        pytest.param("$it/Name", path(VariableStep("$it"), "Name"), id="$it"),
    ],
)
def test_expression_nodes(text: str, expected: object) -> None:
    assert parse(text, "filter", where="$filter") == expected


@pytest.mark.parametrize(
    "text",
    [
        "any()",
        "all(x:true)",
        "Items/all()",
        "Items/all(true)",
        "Items/any(1,2)",
        "Name in (Other,Third)",
        "Name eq ('a','b')",
        "s has NS.E'A B'",
        '["\\q"]',
        "Items/$count($filter=true;$filter=false)",
    ],
)
def test_expression_rejects(text: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        parse(text, "filter", where="$filter")
    assert caught.value.code == "SyntaxError"


def test_key_alias() -> None:
    segment = parse_segment(RawSegment("F(p=@a)", 0))
    assert segment == IdentifierSegment("F", KeyPredicate((("p", Literal("alias", "@a")),)), parentheses=True)
    assert parse_segment(RawSegment("C(@k)", 0)) == IdentifierSegment(
        "C", KeyPredicate(((None, Literal("alias", "@k")),)), parentheses=True
    )


def test_select_nodes() -> None:
    assert parse("NS.F(A,B),@Core.Messages($top=5),Addr/@T.X", "select", where="$select") == (
        SelectItem(("NS.F(A,B)",)),
        SelectItem(("@Core.Messages",), NestedOptions(top=5)),
        SelectItem(("Addr", "@T.X")),
    )
    # an alias defined in the options parses but is not kept: NestedOptions has no field for it
    assert parse("A(@c=15;$top=1)", "select", where="$select") == (SelectItem(("A",), NestedOptions(top=1)),)


def test_expand_nodes() -> None:
    assert parse("@NS.T/Items($top=2),*($levels=max),Items/$ref($top=1)", "expand", where="$expand") == (
        ExpandItem(("@NS.T", "Items"), options=NestedOptions(top=2)),
        ExpandItem(("*",), options=NestedOptions(levels="max")),
        ExpandItem(("Items",), ref=True, options=NestedOptions(top=1)),
    )


@pytest.mark.parametrize(
    "text",
    ["A/$ref($select=B)", "A/$count($top=1)", "*($select=B)", "A($levels=0)", "A($levels=01)", "A($top=-1)"],
)
def test_expand_rejects(text: str) -> None:
    with pytest.raises(BadRequestError):
        parse(text, "expand", where="$expand")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("AND OR", SearchBinary("AND", SearchTerm("AND"), SearchTerm("OR")), id="operators as words"),
        pytest.param("'\"blue'", SearchTerm('"blue', phrase=True), id="incomplete"),
        pytest.param("Daniel's", SearchTerm("Daniel's"), id="quote in word"),
    ],
)
def test_search_nodes(text: str, expected: object) -> None:
    assert parse(text, "search", where="$search") == expected


def test_long_chains_do_not_exhaust_the_stack() -> None:
    parse("a eq 1 and " * 700 + "a eq 1", "filter", where="$filter")
    parse("word " * 2000, "search", where="$search")
