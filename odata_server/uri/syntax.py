"""Syntax nodes: what a URL says, before it is bound to the model.

Model-free, like odata.net's SyntacticAst: a segment named ``Products`` is just an
identifier here; the binder decides it is an entity set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True, slots=True)
class Literal:
    """A primitive literal as written: its ABNF kind and its text.

    ``kind`` is one of null, boolean, guid, date_time_offset, date, time_of_day,
    decimal, integer, string, duration, binary. The binder converts the text once it
    knows the expected Edm type. ``position`` is where it starts in the text parsed (-1
    when it was not parsed from a text): the slot of a query shape (``uri/shapes.py``).
    """

    kind: str
    text: str
    position: int = field(default=-1, compare=False)


@dataclass(frozen=True, slots=True)
class KeyPredicate:
    """``(1)`` or ``(OrderID=1,ProductID=2)``: values with their names (``None`` for a simple key)."""

    values: tuple[tuple[str | None, Literal], ...]


@dataclass(frozen=True, slots=True)
class IdentifierSegment:
    """A path segment naming something: ``Products``, ``Products(1)``, ``NS.Type``.

    ``parentheses`` is True when the segment had ``(...)``, even empty ones.
    """

    name: str
    key: KeyPredicate | None = None
    parentheses: bool = False


@dataclass(frozen=True, slots=True)
class DollarSegment:
    """A dollar-prefixed path segment: ``$metadata``, ``$count``, ``$crossjoin(A,B)`` ..."""

    name: str
    arguments: tuple[Argument, ...] | None = None


Segment = IdentifierSegment | DollarSegment


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Alias:
    """A parameter alias, ``@p``; its value comes from the query string."""

    name: str


@dataclass(frozen=True, slots=True)
class JsonValue:
    """A JSON array or object written in the URL (ABNF arrayOrObject), as Python data."""

    value: object


@dataclass(frozen=True, slots=True)
class ListExpr:
    """``(1,2,3)``: the right operand of ``in``."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class BinaryExpr:
    """``left operator right``; the operator in lower case (``eq``, ``and``, ``add`` ...)."""

    operator: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class UnaryExpr:
    """``not x`` or ``-x``."""

    operator: str
    operand: Expr


@dataclass(frozen=True, slots=True)
class NamedArgument:
    """``name=value`` inside parentheses: a function parameter or a key property."""

    name: str
    value: Expr


@dataclass(frozen=True, slots=True)
class LambdaArgument:
    """``o: predicate`` inside ``any(...)`` or ``all(...)``."""

    variable: str
    predicate: Expr


Argument = Union["Expr", NamedArgument, LambdaArgument]


@dataclass(frozen=True, slots=True)
class NameStep:
    """One step of a member path: a (qualified) name, with arguments if parentheses followed.

    ``arguments`` is None without parentheses and ``()`` for empty ones, so
    ``any()`` and ``any`` differ.
    """

    name: str
    arguments: tuple[Argument, ...] | None = None


@dataclass(frozen=True, slots=True)
class VariableStep:
    """``$it``, ``$root`` or ``$this``."""

    name: str


@dataclass(frozen=True, slots=True)
class CountStep:
    """``/$count`` in a member path."""


MemberStep = NameStep | VariableStep | CountStep


@dataclass(frozen=True, slots=True)
class MemberExpr:
    """A path: ``Name``, ``Category/CategoryName``, ``Orders/$count``, ``contains(Name,'x')``,
    ``Orders/any(o:o/Freight gt 5)``. Method calls are one-step paths with arguments;
    the binder tells properties, functions, casts and lambdas apart."""

    steps: tuple[MemberStep, ...]


Expr = Union[Literal, Alias, JsonValue, ListExpr, BinaryExpr, UnaryExpr, MemberExpr]


# ---------------------------------------------------------------- query options


@dataclass(frozen=True, slots=True)
class OrderByItem:
    expression: Expr
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ComputeItem:
    expression: Expr
    alias: str


@dataclass(frozen=True, slots=True)
class SearchTerm:
    """A search word, or a ``"phrase"`` (``phrase`` True)."""

    text: str
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class SearchNot:
    operand: SearchExpr


@dataclass(frozen=True, slots=True)
class SearchBinary:
    """``a AND b`` (also ``a b``) or ``a OR b``."""

    operator: str
    left: SearchExpr
    right: SearchExpr


SearchExpr = Union[SearchTerm, SearchNot, SearchBinary]


@dataclass(frozen=True, slots=True)
class NestedOptions:
    """The options of a ``$select`` or ``$expand`` item, or of a whole request.

    ``levels`` is an int or ``"max"``.
    """

    filter: Expr | None = None
    orderby: tuple[OrderByItem, ...] | None = None
    select: tuple[SelectItem, ...] | None = None
    expand: tuple[ExpandItem, ...] | None = None
    top: int | None = None
    skip: int | None = None
    count: bool | None = None
    search: SearchExpr | None = None
    compute: tuple[ComputeItem, ...] | None = None
    levels: int | str | None = None


@dataclass(frozen=True, slots=True)
class SelectItem:
    """``Name``, ``Address/City``, ``NS.Type/Prop``, ``Emails($top=2)``; ``*`` is ``("*",)``
    and ``NS.*`` (all operations of a schema) is ``("NS.*",)``."""

    path: tuple[str, ...]
    options: NestedOptions | None = None


@dataclass(frozen=True, slots=True)
class ExpandItem:
    """``Orders($top=2)``, ``Category/$ref``, ``Orders/$count``, ``*``, ``$value``.

    ``path`` holds names and ``*``; ``ref`` and ``count`` tell whether the path ended
    with ``/$ref`` or ``/$count``.
    """

    path: tuple[str, ...]
    ref: bool = False
    count: bool = False
    options: NestedOptions = NestedOptions()


# ---------------------------------------------------------------- $apply (Data Aggregation Extension 4.0)
# ``$apply`` parses (start rule "apply") into ``tuple[Transformation, ...]``. The
# extension's expressions use the expression nodes above: ``$these`` is
# ``VariableStep("$these")``, first in a path and followed by ``$count``,
# ``aggregate(...)``, another call or an annotation; ``Sales/aggregate(Amount with sum)``
# is a ``NameStep("aggregate", (AggregateExpr(None, ...),))`` step (see AggregateExpr);
# ``isdefined(Customer/Name)`` is ``NameStep("isdefined", (MemberExpr(...),))``.

Path = tuple[str, ...]
"""A property path as names: ``("Category", "CategoryName")``; casts are qualified names in it."""


@dataclass(frozen=True, slots=True)
class AggregateFrom:
    """``from Time,Product/Name with average``: group by ``grouping`` first, then aggregate
    those groups with ``method`` (None when a custom aggregate's ``from`` names none).

    Only a custom aggregate's ``from`` may omit ``with``; after an expression ``with``
    a method, or after a count, every ``from`` has its method (the parser checks)."""

    grouping: tuple[Path, ...]
    method: str | None = None


@dataclass(frozen=True, slots=True)
class AggregateExpr:
    """One item of ``aggregate(...)``.

    - ``Amount with sum as Total``: ``expression`` the path or expression, ``method`` "sum";
    - ``$count as Count``: ``count`` True, no expression;
    - ``Sales/$count as N``: ``count`` True, ``expression`` the path before ``/$count``;
    - ``Customer with countdistinct as N``: a navigation path with ``countdistinct``;
    - ``Forecast`` (a custom aggregate): ``custom`` True, ``expression`` its path, ``alias`` may be None.

    ``method`` is "sum", "min", "max", "average", "countdistinct" or a qualified custom
    method (``Custom.concat``); None for counts and custom aggregates without ``with``.

    As parsed:

    - ``expression`` is a :class:`MemberExpr` for paths (``Product`` with countdistinct,
      ``Products/Self.DigitalProduct`` with a custom method), or any expression with ``with``;
    - ``count`` is True only without ``with``: ``Sales/$count with sum as N`` is an
      ordinary aggregated expression whose ``expression`` ends with :class:`CountStep`;
    - a count's or custom aggregate's path holds names and casts only (no keys,
      calls, annotations or variables), and a custom aggregate's last name is
      unqualified; whether that name is a custom aggregate or a property (then
      ``with`` was missing) only the model tells;
    - ``from_`` is in the order written: ``... from Time with average from Product/Name
      with max`` is ``(AggregateFrom((("Time",),), "average"), AggregateFrom((("Product", "Name"),), "max"))``;
    - ``alias`` is None only for a custom aggregate without ``from``, and in the
      collection function ``$these/aggregate(...)``/``Sales/aggregate(...)``
      (aggregateFunctionExpr), which has no alias: it is
      ``NameStep("aggregate", (AggregateExpr(None, ...),))``, after ``/`` only.
    """

    alias: str | None
    expression: Expr | None = None
    method: str | None = None
    count: bool = False
    custom: bool = False
    from_: tuple[AggregateFrom, ...] = ()


@dataclass(frozen=True, slots=True)
class Rollup:
    """``rollup(Country,Name)``: the grouping paths from the top level down; or
    ``rollup(CustomerHierarchy)``, a named leveled hierarchy (``hierarchy``).

    One path is a hierarchy name, two or more are ``paths`` (the ABNF has no rollup
    of one path): ``rollup(A)`` is ``Rollup(hierarchy="A")``."""

    paths: tuple[Path, ...] = ()
    hierarchy: str | None = None


GroupingElement = Union[Path, Rollup, "Transformation"]
"""A grouping property path, a ``rollup``, or (``rolluprecursive``) a hierarchy transformation."""


@dataclass(frozen=True, slots=True)
class Aggregate:
    items: tuple[AggregateExpr, ...]


@dataclass(frozen=True, slots=True)
class GroupBy:
    """``groupby((A,B/C),aggregate(...))``: ``apply`` is what runs within each group.

    A grouping :data:`Path` holds names and casts, never ends with a cast and has no
    two casts in a row; ``rolluprecursive(...)`` is an :class:`OtherTrafo`. Without
    a transformation (``groupby((A))``) ``apply`` is ``()``."""

    grouping: tuple[GroupingElement, ...]
    apply: tuple[Transformation, ...] = ()


@dataclass(frozen=True, slots=True)
class FilterTrafo:
    expression: Expr


@dataclass(frozen=True, slots=True)
class ComputeTrafo:
    items: tuple[ComputeItem, ...]


@dataclass(frozen=True, slots=True)
class OrderByTrafo:
    items: tuple[OrderByItem, ...]


@dataclass(frozen=True, slots=True)
class TopTrafo:
    count: int


@dataclass(frozen=True, slots=True)
class SkipTrafo:
    count: int


@dataclass(frozen=True, slots=True)
class SearchTrafo:
    expression: SearchExpr


@dataclass(frozen=True, slots=True)
class Identity:
    """``identity``."""


@dataclass(frozen=True, slots=True)
class Concat:
    """``concat(apply1,apply2,...)``: the union of what each sequence gives, in order."""

    branches: tuple[tuple[Transformation, ...], ...]


@dataclass(frozen=True, slots=True)
class TopBottom:
    """``topcount(5,Amount)`` and kin: ``kind`` is topcount, bottomcount, toppercent,
    bottompercent, topsum or bottomsum; ``limit`` the count, percentage or sum; ``value``
    the expression that ranks.

    ``limit`` is computed on the whole input (collectionExpr): a path in it starts
    with ``$these`` or ``$root`` (``$these/$count div 10``), as the parser checks."""

    kind: str
    limit: Expr
    value: Expr


@dataclass(frozen=True, slots=True)
class OtherTrafo:
    """A transformation the grammar reads but this server does not run (``nest``,
    ``addnested``, ``join``, ``outerjoin``, ``ancestors``, ``descendants``, ``traverse``,
    ``rolluprecursive``, custom functions): its name and its text, for the 501.

    ``name`` is the keyword, or a custom function's qualified name (``Custom.condense``);
    ``text`` is the transformation as written, from its name to its closing parenthesis
    (``Custom.condense()``), whitespace included. A custom function's parameters are
    ``Name=value`` pairs."""

    name: str
    text: str


Transformation = Union[
    Aggregate,
    GroupBy,
    FilterTrafo,
    ComputeTrafo,
    OrderByTrafo,
    TopTrafo,
    SkipTrafo,
    SearchTrafo,
    Identity,
    Concat,
    TopBottom,
    OtherTrafo,
]


__all__ = [
    "Aggregate",
    "AggregateExpr",
    "AggregateFrom",
    "Alias",
    "Argument",
    "BinaryExpr",
    "ComputeItem",
    "ComputeTrafo",
    "Concat",
    "CountStep",
    "DollarSegment",
    "ExpandItem",
    "Expr",
    "FilterTrafo",
    "GroupBy",
    "GroupingElement",
    "IdentifierSegment",
    "Identity",
    "JsonValue",
    "KeyPredicate",
    "LambdaArgument",
    "ListExpr",
    "Literal",
    "MemberExpr",
    "MemberStep",
    "NameStep",
    "NamedArgument",
    "NestedOptions",
    "OrderByItem",
    "OrderByTrafo",
    "OtherTrafo",
    "Path",
    "Rollup",
    "SearchBinary",
    "SearchExpr",
    "SearchNot",
    "SearchTerm",
    "SearchTrafo",
    "Segment",
    "SelectItem",
    "SkipTrafo",
    "TopBottom",
    "TopTrafo",
    "Transformation",
    "UnaryExpr",
    "VariableStep",
]
