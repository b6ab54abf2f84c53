"""The syntax nodes of ``$apply`` and of the aggregation extension's expressions.

``parse(text, "apply")`` gives ``tuple[Transformation, ...]`` (the ``$apply`` section of
uri/syntax.py); these tests pin the exact nodes for each transformation and each form
of aggregate expression, the errors the parser raises beyond the grammar, and that
the extension's words stay usable as property names.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from odata_server.errors import BadRequestError, FeatureNotImplementedError
from odata_server.uri.parser import parse
from odata_server.uri.syntax import (
    Aggregate,
    AggregateExpr,
    AggregateFrom,
    Alias,
    BinaryExpr,
    ComputeItem,
    ComputeTrafo,
    Concat,
    CountStep,
    Expr,
    FilterTrafo,
    GroupBy,
    Identity,
    Literal,
    MemberExpr,
    NameStep,
    OrderByItem,
    OrderByTrafo,
    OtherTrafo,
    Rollup,
    SearchBinary,
    SearchTerm,
    SearchTrafo,
    SkipTrafo,
    TopBottom,
    TopTrafo,
    VariableStep,
)


def path(*steps: Any) -> MemberExpr:
    return MemberExpr(tuple(NameStep(step) if isinstance(step, str) else step for step in steps))


def integer(text: str) -> Literal:
    return Literal("integer", text)


def agg(alias: str | None, expression: Expr | None = None, method: str | None = None, **fields: Any) -> AggregateExpr:
    return AggregateExpr(alias, expression, method, **fields)


AMOUNT = path("Amount")
SUM_AMOUNT = Aggregate((agg("Total", AMOUNT, "sum"),))
THESE = VariableStep("$these")


def apply(text: str) -> Any:
    return parse(text, "apply", where="$apply")


def expression(text: str) -> Any:
    return parse(text, "filter", where="$filter")


# ---------------------------------------------------------------- aggregate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Amount with sum as Total", agg("Total", AMOUNT, "sum"), id="property with sum"),
        pytest.param("Amount with min as M", agg("M", AMOUNT, "min"), id="min"),
        pytest.param("Amount with max as M", agg("M", AMOUNT, "max"), id="max"),
        pytest.param("Amount with average as M", agg("M", AMOUNT, "average"), id="average"),
        pytest.param(
            "(Amount sub Cost) mul TaxRate with sum as Tax",
            agg("Tax", BinaryExpr("mul", BinaryExpr("sub", AMOUNT, path("Cost")), path("TaxRate")), "sum"),
            id="expression",
        ),
        pytest.param(
            "Product/Name with Custom.concat as Names",
            agg("Names", path("Product", "Name"), "Custom.concat"),
            id="custom method",
        ),
        pytest.param(
            "Products/Self.DigitalProduct with Custom.discount as D",
            agg("D", path("Products", "Self.DigitalProduct"), "Custom.discount"),
            id="custom method after a cast",
        ),
        pytest.param(
            "Product with countdistinct as N",
            agg("N", path("Product"), "countdistinct"),
            id="countdistinct on a navigation path",
        ),
        pytest.param(
            "Product/SalesPlan('2015')/PlannedRevenue with sum as P",
            agg("P", path("Product", NameStep("SalesPlan", (Literal("string", "'2015'"),)), "PlannedRevenue"), "sum"),
            id="path with a key",
        ),
        pytest.param("$count as C", agg("C", count=True), id="$count"),
        pytest.param("Sales/$count as N", agg("N", path("Sales"), count=True), id="path/$count"),
        pytest.param(
            "Products/Self.DigitalProduct/$count as N",
            agg("N", path("Products", "Self.DigitalProduct"), count=True),
            id="cast/$count",
        ),
        pytest.param(
            "Sales/$count with sum as N",
            agg("N", path("Sales", CountStep()), "sum"),
            id="path/$count with sum is an expression",
        ),
        pytest.param("Forecast", agg(None, path("Forecast"), custom=True), id="custom aggregate"),
        pytest.param("Forecast as F", agg("F", path("Forecast"), custom=True), id="custom aggregate with alias"),
        pytest.param(
            "Self.DigitalProduct/Forecast",
            agg(None, path("Self.DigitalProduct", "Forecast"), custom=True),
            id="custom aggregate after a cast",
        ),
        pytest.param(
            "Sales/Forecast", agg(None, path("Sales", "Forecast"), custom=True), id="custom aggregate after a path"
        ),
        pytest.param(
            "Amount with sum from Time with average as A",
            agg("A", AMOUNT, "sum", from_=(AggregateFrom((("Time",),), "average"),)),
            id="from",
        ),
        pytest.param(
            "Amount with sum from Time with average from Product/Name with max as A",
            agg(
                "A",
                AMOUNT,
                "sum",
                from_=(AggregateFrom((("Time",),), "average"), AggregateFrom((("Product", "Name"),), "max")),
            ),
            id="from twice, in the order written",
        ),
        pytest.param(
            "Amount with average from Time,Product/Name with max as A",
            agg("A", AMOUNT, "average", from_=(AggregateFrom((("Time",), ("Product", "Name")), "max"),)),
            id="from two paths",
        ),
        pytest.param(
            "Sales/$count from Time with average as A",
            agg("A", path("Sales"), count=True, from_=(AggregateFrom((("Time",),), "average"),)),
            id="count from",
        ),
        pytest.param(
            "Forecast from Time as A",
            agg("A", path("Forecast"), custom=True, from_=(AggregateFrom((("Time",),)),)),
            id="custom aggregate from without with",
        ),
        pytest.param(
            "Forecast from Time with average from Product/Name as A",
            agg(
                "A",
                path("Forecast"),
                custom=True,
                from_=(AggregateFrom((("Time",),), "average"), AggregateFrom((("Product", "Name"),))),
            ),
            id="custom aggregate from with, then without",
        ),
    ],
)
def test_aggregate_expression(text: str, expected: AggregateExpr) -> None:
    assert apply(f"aggregate({text})") == (Aggregate((expected,)),)


def test_aggregate_items() -> None:
    assert apply("aggregate(Amount with sum as Actual, Forecast,$count as N)") == (
        Aggregate((agg("Actual", AMOUNT, "sum"), agg(None, path("Forecast"), custom=True), agg("N", count=True))),
    )


# ---------------------------------------------------------------- the other transformations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("identity", (Identity(),), id="identity"),
        pytest.param("filter(Amount gt 3)", (FilterTrafo(BinaryExpr("gt", AMOUNT, integer("3"))),), id="filter"),
        pytest.param(
            "compute(Amount mul 2 as Double, day(Date) as Day)",
            (
                ComputeTrafo(
                    (
                        ComputeItem(BinaryExpr("mul", AMOUNT, integer("2")), "Double"),
                        ComputeItem(path(NameStep("day", (path("Date"),))), "Day"),
                    )
                ),
            ),
            id="compute",
        ),
        pytest.param(
            "orderby(Country asc,Name desc)",
            (OrderByTrafo((OrderByItem(path("Country")), OrderByItem(path("Name"), descending=True))),),
            id="orderby",
        ),
        pytest.param("top(5)", (TopTrafo(5),), id="top"),
        pytest.param("skip(10)/top(5)", (SkipTrafo(10), TopTrafo(5)), id="skip then top"),
        pytest.param(
            "search(coffee OR tea)",
            (SearchTrafo(SearchBinary("OR", SearchTerm("coffee"), SearchTerm("tea"))),),
            id="search",
        ),
        pytest.param(
            "search(')/top(1')/top(1)",
            (SearchTrafo(SearchTerm(")/top(1", phrase=True)), TopTrafo(1)),
            id="search quoted",
        ),
        pytest.param("topcount(2,Amount)", (TopBottom("topcount", integer("2"), AMOUNT),), id="topcount"),
        pytest.param("bottomsum(15,Amount)", (TopBottom("bottomsum", integer("15"), AMOUNT),), id="bottomsum"),
        pytest.param(
            "toppercent($these/$count div 10,Amount)",
            (TopBottom("toppercent", BinaryExpr("div", path(THESE, CountStep()), integer("10")), AMOUNT),),
            id="toppercent of $these/$count",
        ),
        pytest.param("groupby((Name))", (GroupBy((("Name",),)),), id="groupby distinct"),
        pytest.param(
            "groupby((Customer/Country,Self.DigitalProduct/Region),aggregate(Amount with sum as Total)/top(1))",
            (GroupBy((("Customer", "Country"), ("Self.DigitalProduct", "Region")), (SUM_AMOUNT, TopTrafo(1))),),
            id="groupby with a sequence",
        ),
        pytest.param(
            "groupby((rollup(Customer/Country,Customer/Name),rollup(CustomerHierarchy),Currency/Code))",
            (
                GroupBy(
                    (
                        Rollup((("Customer", "Country"), ("Customer", "Name"))),
                        Rollup(hierarchy="CustomerHierarchy"),
                        ("Currency", "Code"),
                    )
                ),
            ),
            id="rollup",
        ),
        pytest.param(
            "groupby((rolluprecursive( $root/SalesOrganizations,SalesOrgHierarchy,ID )),aggregate($count as N))",
            (
                GroupBy(
                    (
                        OtherTrafo(
                            "rolluprecursive", "rolluprecursive( $root/SalesOrganizations,SalesOrgHierarchy,ID )"
                        ),
                    ),
                    (Aggregate((agg("N", count=True),)),),
                ),
            ),
            id="rolluprecursive",
        ),
        pytest.param(
            "concat(identity,concat(top(1),skip(1))/filter(true))",
            (
                Concat(
                    (
                        (Identity(),),
                        (Concat(((TopTrafo(1),), (SkipTrafo(1),))), FilterTrafo(Literal("boolean", "true"))),
                    )
                ),
            ),
            id="concat nested",
        ),
        pytest.param(
            "filter(Amount le 1)/aggregate(Amount with sum as Total)",
            (FilterTrafo(BinaryExpr("le", AMOUNT, integer("1"))), SUM_AMOUNT),
            id="sequence",
        ),
    ],
)
def test_transformation(text: str, expected: tuple[Any, ...]) -> None:
    assert apply(text) == expected


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("nest(groupby((Customer/ID)) as CustomerIDs,identity as All)", "nest"),
        ("addnested(Sales,filter(Amount gt 3) as FilteredSales)", "addnested"),
        ("join(Sales as Sale,filter(Customer/Country eq 'US'))", "join"),
        ("outerjoin(Sales/Self.BigSale as Sale)", "outerjoin"),
        ("ancestors($root/SalesOrganizations,SalesOrgHierarchy,ID,search(East)/top(3),2,keep start)", "ancestors"),
        ("descendants($root/SalesOrganizations,SalesOrgHierarchy,ID,filter(Name eq 'US'), 3)", "descendants"),
        (
            "traverse($root/SalesOrganizations,SalesOrgHierarchy,ID,preorder,filter(true)/top(2),Name desc,ID)",
            "traverse",
        ),
        ("Self.TopCountAndBalance(Count=1,Property='Total')", "Self.TopCountAndBalance"),
        ("Custom.condense()", "Custom.condense"),
    ],
)
def test_transformation_kept_as_text(text: str, name: str) -> None:
    assert apply(f"{text}/top(1)") == (OtherTrafo(name, text), TopTrafo(1))


# ---------------------------------------------------------------- expressions of the extension


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "$these/aggregate(Amount with sum)",
            path(THESE, NameStep("aggregate", (agg(None, AMOUNT, "sum"),))),
            id="$these/aggregate",
        ),
        pytest.param(
            "Sales/aggregate(Amount with sum from Time with average)",
            path(
                "Sales",
                NameStep("aggregate", (agg(None, AMOUNT, "sum", from_=(AggregateFrom((("Time",),), "average"),)),)),
            ),
            id="path/aggregate with from",
        ),
        pytest.param(
            "$these/aggregate($count)",
            path(THESE, NameStep("aggregate", (agg(None, count=True),))),
            id="aggregate($count)",
        ),
        pytest.param(
            "$these/aggregate(Product/Budget)",
            path(THESE, NameStep("aggregate", (agg(None, path("Product", "Budget"), custom=True),))),
            id="aggregate of a custom aggregate",
        ),
        pytest.param(
            "$these/aggregate(Products/Sales with countdistinct)",
            path(THESE, NameStep("aggregate", (agg(None, path("Products", "Sales"), "countdistinct"),))),
            id="aggregate with countdistinct",
        ),
        pytest.param(
            "Self.TopProduct()/Sales/aggregate($it/TaxRate mul Amount with sum)",
            path(
                NameStep("Self.TopProduct", ()),
                "Sales",
                NameStep(
                    "aggregate", (agg(None, BinaryExpr("mul", path(VariableStep("$it"), "TaxRate"), AMOUNT), "sum"),)
                ),
            ),
            id="aggregate after a function",
        ),
        pytest.param("$these/$count", path(THESE, CountStep()), id="$these/$count"),
        pytest.param(
            "isdefined(Customer/Name)",
            path(NameStep("isdefined", (path("Customer", "Name"),))),
            id="isdefined",
        ),
        pytest.param("isdefined(@p)", path(NameStep("isdefined", (Alias("@p"),))), id="isdefined of an alias"),
    ],
)
def test_expression(text: str, expected: Expr) -> None:
    assert expression(text) == expected


def test_aggregate_function_in_compute() -> None:
    assert apply("compute(Amount div $these/aggregate(Amount with sum) as Share)") == (
        ComputeTrafo(
            (
                ComputeItem(
                    BinaryExpr("div", AMOUNT, path(THESE, NameStep("aggregate", (agg(None, AMOUNT, "sum"),)))),
                    "Share",
                ),
            )
        ),
    )


def test_custom_function_parameters() -> None:
    """A custom function's parameters are parsed (so an error in them is one) though it is kept as text."""
    with pytest.raises(BadRequestError):
        apply("Self.Fn(Count=)")
    assert apply("Self.Fn(Count=@c,Names=['a'])") == (OtherTrafo("Self.Fn", "Self.Fn(Count=@c,Names=['a'])"),)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("aggregate()", "Syntax error", id="empty aggregate"),
        pytest.param("aggregate(Amount with sum)", "expected as or from", id="with needs as"),
        pytest.param("aggregate(Amount with total as T)", "not an aggregation method", id="unknown method"),
        pytest.param("aggregate(Amount with Sum as T)", "not an aggregation method", id="methods are case-sensitive"),
        pytest.param("aggregate($count with sum as N)", "$count takes no 'with'", id="$count with"),
        pytest.param("aggregate($count)", "needs an alias", id="$count needs as"),
        pytest.param("aggregate(Sales/$count from Time as N)", "names its method", id="count from needs with"),
        pytest.param("aggregate(Amount add 1 as N)", "needs 'with'", id="expression needs with"),
        pytest.param("aggregate(Sales(1)/Forecast)", "needs 'with'", id="custom aggregate path with a key"),
        pytest.param("aggregate(Self.Forecast)", "needs 'with'", id="custom aggregate is unqualified"),
        pytest.param("aggregate(Amount with sum from Time as N)", "expected with", id="from needs with"),
        pytest.param("aggregate(Forecast from Time)", "expected as or from", id="custom from needs as"),
        pytest.param(
            "groupby((Product/Self.DigitalProduct))", "not with the type cast", id="grouping ends with a cast"
        ),
        pytest.param("groupby((Self.A/Self.B/Name))", "Two type casts", id="two casts"),
        pytest.param("groupby((Price/@Measures.ISOCurrency))", "expected a name", id="annotation in grouping"),
        pytest.param("groupby((rollup(Customer/Country)))", "rollup(...) takes two", id="rollup of one path"),
        pytest.param("groupby(Name)", "Syntax error", id="groupby without parentheses"),
        pytest.param("topcount(Amount,Amount)", "starts with $these", id="top limit on an entity"),
        pytest.param("topcount(round(Amount),Amount)", "starts with $these", id="top limit in a call"),
        pytest.param("Self.Fn(1)", "Name=value", id="custom function positional parameter"),
        pytest.param("condense()", "Syntax error", id="unqualified function"),
        pytest.param("ancestors(Sales,H,ID,identity)", "$root", id="hierarchy without $root"),
        pytest.param("ancestors($root/S,H,ID,identity,keep)", "Syntax error", id="keep without start"),
        pytest.param("traverse($root/S,H,ID,inorder)", "Syntax error", id="traverse order"),
        pytest.param("nest(Products)", "Syntax error", id="nest of a path"),
        pytest.param("filter (true)", "Syntax error", id="a name touches its parenthesis"),
        pytest.param("Filter(true)", "Syntax error", id="names are case-sensitive"),
        pytest.param("top(-1)", "Syntax error", id="negative top"),
        pytest.param("identity/", "Syntax error", id="trailing slash"),
        pytest.param("", "Syntax error", id="empty"),
    ],
)
def test_apply_error(text: str, message: str) -> None:
    with pytest.raises(BadRequestError) as error:
        apply(text)
    assert message in error.value.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("aggregate(Amount with sum) gt 5", "Syntax error", id="aggregate without a path"),
        pytest.param("$these eq null", "$these", id="$these alone"),
        pytest.param("$these/Name eq 'a'", "$these", id="$these then a property"),
        pytest.param("Items/$these/$count gt 1", "$these", id="$these not first"),
        pytest.param("isdefined(1)", "isdefined takes one property path", id="isdefined of a literal"),
        pytest.param("isdefined(A,B)", "isdefined takes one property path", id="isdefined of two"),
        pytest.param("A/isdefined(B)", "not a step of a path", id="isdefined in a path"),
        pytest.param("Sales/aggregate(Amount with sum as Total) gt 1", "Syntax error", id="no alias in the function"),
    ],
)
def test_expression_error(text: str, message: str) -> None:
    with pytest.raises(BadRequestError) as error:
        expression(text)
    assert message in error.value.message


def test_apply_in_expand_is_parsed_then_refused() -> None:
    """``$apply`` inside ``$expand`` is valid syntax, but NestedOptions has no field for it:
    501 rather than dropping it, while a syntax error in it stays a 400."""
    with pytest.raises(FeatureNotImplementedError):
        parse("Products($apply=aggregate(Price with average as AveragePrice))", "expand", where="$expand")
    with pytest.raises(BadRequestError):
        parse("Products($apply=aggregate(Price with average))", "expand", where="$expand")
    with pytest.raises(BadRequestError, match=r"\$apply is not an option of a \$select item"):
        parse("Address($apply=identity)", "select", where="$select")


# ---------------------------------------------------------------- the words stay names


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("filter eq 1 and top gt 2 and aggregate eq 3 and with eq 4 and from eq 5 and rollup eq 6", "filter"),
        ("identity eq 1 or these eq 2 or groupby/concat eq 3", "filter"),
        ("Sales/aggregate eq 1", "filter"),
        ("with,from desc,aggregate", "orderby"),
        ("filter(filter eq 1)/groupby((rollup,filter,top/with))", "apply"),
        ("compute(with add from as sum)/aggregate(sum with sum as from)", "apply"),
    ],
)
def test_words_are_names_elsewhere(text: str, start: str) -> None:
    parse(text, start, where=start)


def test_words_as_names_give_plain_paths() -> None:
    assert apply("groupby((rollup,filter,top/with))") == (GroupBy((("rollup",), ("filter",), ("top", "with"))),)
    assert expression("Sales/aggregate eq 1") == BinaryExpr("eq", path("Sales", "aggregate"), integer("1"))


def test_nodes_are_cached_per_text() -> None:
    """The text of an OtherTrafo comes from the text being parsed, also when parses interleave."""
    first = apply("join(Sales as S)")
    assert apply("nest(identity as N)") == (OtherTrafo("nest", "nest(identity as N)"),)
    assert apply("join(Sales as S)") is first
    assert first == (OtherTrafo("join", "join(Sales as S)"),)


def test_text_of_other_transformations_in_threads() -> None:
    """Each thread's OtherTrafo text comes from its own parse (the parser keeps the text per thread)."""

    def parse_many(thread: int) -> list[str]:
        wrong = []
        for index in range(100):
            text = f"join(Sales{thread}x{index} as S)"
            if apply(f"{text}/identity") != (OtherTrafo("join", text), Identity()):
                wrong.append(text)
        return wrong

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)  # switch threads often, so parses interleave
    try:
        with ThreadPoolExecutor(4) as pool:
            assert [text for wrong in pool.map(parse_many, range(4)) for text in wrong] == []
    finally:
        sys.setswitchinterval(interval)
