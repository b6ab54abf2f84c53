"""The URL parser: Lark LALR over the grammar files in ``uri/grammar``, built once.

A resource path is first split into segments at each ``/`` that is not inside a
quoted string or parentheses; each segment is then percent-decoded and parsed. A
syntax error becomes a 400 whose message names the position in the path and what
was expected there.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any
from urllib.parse import unquote

import orjson
from lark import Lark, Token, Transformer, Tree, UnexpectedInput
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

from odata_server.errors import BadRequestError, FeatureNotImplementedError
from odata_server.uri.syntax import (
    Aggregate,
    AggregateExpr,
    AggregateFrom,
    Alias,
    Argument,
    BinaryExpr,
    ComputeItem,
    ComputeTrafo,
    Concat,
    CountStep,
    DollarSegment,
    ExpandItem,
    Expr,
    FilterTrafo,
    GroupBy,
    GroupingElement,
    IdentifierSegment,
    Identity,
    JsonValue,
    KeyPredicate,
    LambdaArgument,
    ListExpr,
    Literal,
    MemberExpr,
    MemberStep,
    NamedArgument,
    NameStep,
    NestedOptions,
    OrderByItem,
    OrderByTrafo,
    OtherTrafo,
    Path,
    Rollup,
    SearchBinary,
    SearchExpr,
    SearchNot,
    SearchTerm,
    SearchTrafo,
    Segment,
    SelectItem,
    SkipTrafo,
    TopBottom,
    TopTrafo,
    Transformation,
    UnaryExpr,
    VariableStep,
)


@dataclass(frozen=True, slots=True)
class RawSegment:
    """A path segment as it was in the URL: percent-decoded ``text``, at ``offset`` in the raw path."""

    text: str
    offset: int


#: The start rules of the grammar, one per kind of text parsed.
START_RULES = (
    "path_segment",
    "primitive_literal",
    "filter",
    "orderby",
    "select",
    "expand",
    "search",
    "compute",
    "levels",
    "apply",
)


class _Source(threading.local):
    """The text being parsed in this thread, for the transformer: a transformation kept as
    text (:class:`OtherTrafo`) is cut out of it by the positions of its tokens. A parse
    runs to its end without yielding, so one per thread is enough. It is set only for
    the start rules whose text may hold a transformation, so that parsing $filter and
    the others pays nothing for it."""

    text = ""


_SOURCE = _Source()
_TRANSFORMATION_STARTS = frozenset({"apply", "expand"})  # $expand: expandOption =/ apply


@cache
def _parser() -> Lark:
    """The parser, built once. The transformer runs inside the LALR parser as each rule is
    reduced, so no parse tree is built, and a long expression (``a and b and ...``)
    needs no recursion."""
    grammar = resources.files("odata_server.uri") / "grammar" / "odata.lark"
    with resources.as_file(grammar) as path:
        return Lark.open(
            str(path),
            start=list(START_RULES),
            parser="lalr",
            maybe_placeholders=False,
            transformer=_ToSyntax(),
        )


def split_path(raw_path: str) -> list[RawSegment]:
    """Split a percent-encoded resource path into decoded segments.

    A ``/`` inside ``'...'`` or ``(...)`` does not split; an encoded ``%2F`` never
    splits, so a key-as-segment value may contain a slash.
    """
    segments: list[RawSegment] = []
    depth, quoted, start = 0, False, 0
    i = 0
    while i < len(raw_path):
        char = raw_path[i]
        if raw_path.startswith("%27", i):
            char, width = "'", 3
        else:
            width = 1
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth <= 0 and char == "/":
            segments.append(RawSegment(unquote(raw_path[start:i]), start))
            start = i + 1
        i += width
    segments.append(RawSegment(unquote(raw_path[start:]), start))
    return segments


class _ToSyntax(Transformer[Token, object]):
    """Parse tree → syntax nodes. Rules imported from literals.lark arrive namespaced.

    Where syntax.py has no node for a construct, the closest one is used:
    ``@NS.Term`` annotations and ``@p/...`` alias paths are :class:`NameStep` named
    ``@...``; ``/$filter(e)`` is ``NameStep("$filter", (e,))``; ``/$count($filter=e)``
    is ``/$filter(e)/$count``; a ``case`` pair ``c:v`` is ``BinaryExpr(":", c, v)``
    (a lambda ``x:p`` is a :class:`LambdaArgument`); an alias as key value is
    ``Literal("alias", "@p")``; parameter aliases defined inside ``$select``/``$expand``
    options are parsed but not kept (:class:`NestedOptions` has no field for them).

    Data aggregation (``$apply``, see the ``$apply`` section of syntax.py): the
    collection path expression ``Sales/aggregate(Amount with sum)`` is
    ``NameStep("aggregate", (AggregateExpr(alias=None, ...),))``, never the first step
    of a path (the grammar has it only after ``/``); ``$these`` is
    ``VariableStep("$these")``, always first and followed by ``$count``,
    ``aggregate(...)``, another call or an annotation; ``isdefined(Path)`` is
    ``NameStep("isdefined", (MemberExpr(...),))``. ``$apply`` inside ``$expand``
    options parses but answers 501: :class:`NestedOptions` has no field for it yet.
    """

    # -- resource path

    def identifier_segment(self, children: list[object]) -> IdentifierSegment:
        name = children[0]
        key = children[1] if len(children) > 1 else None
        assert isinstance(name, str)
        if isinstance(key, KeyPredicate):
            return IdentifierSegment(name, key if key.values else None, parentheses=True)
        return IdentifierSegment(name)

    def dollar_segment(self, children: list[Any]) -> DollarSegment:
        return DollarSegment(str(children[0]), children[1] if len(children) > 1 else None)

    def qualified_name(self, children: list[Token]) -> str:
        return ".".join(children)

    def empty_key(self, children: list[object]) -> KeyPredicate:
        return KeyPredicate(())

    def simple_key(self, children: list[Literal]) -> KeyPredicate:
        return KeyPredicate(((None, children[0]),))

    def compound_key(self, children: list[tuple[str, Literal]]) -> KeyPredicate:
        return KeyPredicate(tuple(children))

    def key_value_pair(self, children: list[object]) -> tuple[str, object]:
        return str(children[0]), children[1]

    def key_alias(self, children: list[Token]) -> Literal:
        name = str(children[0])
        if not self._is_alias(name):
            raise BadRequestError(
                f"{name} is an annotation, not a parameter alias; it cannot be a key value", code="SyntaxError"
            )
        return Literal("alias", name)

    # -- expressions

    def filter(self, children: list[Expr]) -> Expr:
        return children[0]

    def operations(self, children: list[Any]) -> BinaryExpr:
        """``operand (operator operand)+`` grouped by precedence, each level from the left."""
        operands: list[Any] = [children[0]]
        operators: list[str] = []

        def group() -> None:
            right, left = operands.pop(), operands.pop()
            operands.append(BinaryExpr(operators.pop(), left, right))

        for index in range(1, len(children), 2):
            operator = str(children[index]).lower()
            while operators and _PRECEDENCE[operators[-1]] >= _PRECEDENCE[operator]:
                group()
            operators.append(operator)
            operands.append(children[index + 1])
        while operators:
            group()
        result = operands[0]
        assert isinstance(result, BinaryExpr)
        return result

    def unary(self, children: list[Any]) -> UnaryExpr:
        operator, operand = children
        return UnaryExpr(str(operator).lower(), operand)

    def list_expr(self, children: list[Expr]) -> ListExpr:
        for item in children:
            if not isinstance(item, Literal):
                raise BadRequestError("A list in parentheses after in holds literals only", code="SyntaxError")
        return ListExpr(tuple(children))

    def member_expr(self, children: list[Any]) -> Expr:
        steps: list[MemberStep] = []
        for child in children:
            if isinstance(child, list):
                steps.extend(child)
            elif isinstance(child, Token):  # AT_NAME: an alias (alone or first) or an annotation
                if len(children) == 1 and self._is_alias(child):
                    return Alias(str(child))
                steps.append(NameStep(str(child)))
            else:
                steps.append(child)
        for index, step in enumerate(steps):
            if isinstance(step, NameStep):
                if step.arguments is not None and step.name in _CHECKED_CALLS:
                    if step.name == "isdefined":
                        self._check_isdefined(step, alone=len(steps) == 1)
                    else:
                        self._check_lambda(step, first=index == 0)
            elif step == _THESE:
                self._check_these(steps, index)
        return MemberExpr(tuple(steps))

    def name_segment(self, children: list[Any]) -> NameStep:
        return NameStep(children[0], children[1] if len(children) > 1 else None)

    def at_segment(self, children: list[Token]) -> Token:
        return children[0]

    def arguments(self, children: list[Argument]) -> tuple[Argument, ...]:
        return tuple(children)

    def colon_argument(self, children: list[Any]) -> Argument:
        left, right = children
        if (
            isinstance(left, MemberExpr)
            and len(left.steps) == 1
            and isinstance(left.steps[0], NameStep)
            and left.steps[0].arguments is None
            and "." not in left.steps[0].name
        ):
            return LambdaArgument(left.steps[0].name, right)
        return BinaryExpr(":", left, right)

    def named_argument(self, children: list[Any]) -> NamedArgument:
        return NamedArgument(str(children[0]), children[1])

    def variable_segment(self, children: list[Token]) -> VariableStep:
        return VariableStep(str(children[0]))

    def count_segment(self, children: list[object]) -> CountStep:
        return CountStep()

    def count_step(self, children: list[Any]) -> list[MemberStep]:
        steps: list[MemberStep] = [NameStep(f"${name}", (value,)) for name, value in (children[0] if children else ())]
        return [*steps, CountStep()]

    def count_options(self, children: list[tuple[str, object]]) -> list[tuple[str, object]]:
        if len({name for name, _ in children}) < len(children):
            raise BadRequestError("An option appears twice in the parentheses after $count", code="SyntaxError")
        return children

    def filter_step(self, children: list[Expr]) -> NameStep:
        return NameStep("$filter", (children[0],))

    def aggregate_step(self, children: list[Any]) -> NameStep:
        return NameStep("aggregate", (children[1],))

    def json_array(self, children: list[Any]) -> JsonValue:
        return JsonValue([self._json_value(child) for child in children])

    def json_object(self, children: list[tuple[str, Any]]) -> JsonValue:
        return JsonValue({name: self._json_value(value) for name, value in children})

    def json_member(self, children: list[Any]) -> tuple[str, Any]:
        return self._json_string(children[0]), children[1]

    @staticmethod
    def _json_string(token: Token) -> str:
        try:
            text = orjson.loads(str(token))
        except orjson.JSONDecodeError as error:
            raise BadRequestError(f"{token} is not a valid JSON string: {error}", code="SyntaxError") from None
        assert isinstance(text, str)
        return text

    @classmethod
    def _json_value(cls, value: object) -> object:
        """A value inside a JSON array or object: Python data, or the syntax node of an expression."""
        if isinstance(value, Token):
            return cls._json_string(value)
        if isinstance(value, JsonValue):
            return value.value
        if isinstance(value, Literal):
            if value.kind == "null":
                return None
            if value.kind == "boolean":
                return value.text.lower() == "true"
            if value.kind == "integer":
                return int(value.text)
            if value.kind == "string":
                return value.text[1:-1].replace("''", "'")
            if value.kind == "decimal" and value.text not in ("NaN", "INF", "-INF"):
                return float(value.text)
        return value

    # -- query options

    def orderby(self, children: list[OrderByItem]) -> tuple[OrderByItem, ...]:
        return tuple(children)

    def orderby_item(self, children: list[Any]) -> OrderByItem:
        descending = len(children) > 1 and str(children[1]).lower() == "desc"
        return OrderByItem(children[0], descending)

    def select(self, children: list[SelectItem]) -> tuple[SelectItem, ...]:
        return tuple(children)

    def select_all(self, children: list[object]) -> SelectItem:
        return SelectItem(("*",))

    def select_all_operations(self, children: list[Token]) -> SelectItem:
        return SelectItem((str(children[0]),))

    def select_item(self, children: list[Any]) -> SelectItem:
        return SelectItem(children[0], children[1] if len(children) > 1 else None)

    def select_function(self, children: list[Any]) -> SelectItem:
        """``NS.Function(P1,P2)``: a function overload by its parameter names, kept as the path's last step."""
        path, *names = children
        return SelectItem((*path[:-1], f"{path[-1]}({','.join(str(name) for name in names)})"))

    def select_path(self, children: list[str]) -> tuple[str, ...]:
        return tuple(children)

    def annotation_segment(self, children: list[Token]) -> str:
        return str(children[0])

    def select_options(self, children: list[tuple[str, object]]) -> NestedOptions:
        return _nested_options([pair for pair in children if pair[0] != "alias"], within="$select")

    def expand(self, children: list[ExpandItem]) -> tuple[ExpandItem, ...]:
        return tuple(children)

    def expand_value(self, children: list[object]) -> ExpandItem:
        return ExpandItem(("$value",))

    def expand_item(self, children: list[Any]) -> ExpandItem:
        options = children.pop() if children and isinstance(children[-1], NestedOptions) else NestedOptions()
        ref = count = False
        if children and children[-1] in (_REF, CountStep()):
            ref, count = children[-1] is _REF, children[-1] == CountStep()
            children.pop()
        if not children or any(not isinstance(step, str) for step in children):
            raise BadRequestError("In $expand, $ref and $count may only end a path", target="$expand")
        given = {name for name in NestedOptions.__slots__ if getattr(options, name) is not None}
        allowed, after = (
            (self._EXPAND_COUNT_OPTIONS, "/$count")
            if count
            else (self._EXPAND_REF_OPTIONS, "/$ref")
            if ref
            else (frozenset({"levels"}), "*")
            if children[-1] == "*"
            else (given, "")
        )
        if not given <= allowed:
            wrong = ", ".join(f"${name}" for name in sorted(given - allowed))
            raise BadRequestError(f"In $expand, {wrong} cannot follow {after}", target="$expand", code="SyntaxError")
        return ExpandItem(tuple(children), ref=ref, count=count, options=options)

    def star_segment(self, children: list[object]) -> str:
        return "*"

    def ref_segment(self, children: list[object]) -> object:
        return _REF

    def expand_options(self, children: list[tuple[str, object]]) -> NestedOptions:
        return _nested_options([pair for pair in children if pair[0] != "alias"], within="$expand")

    def nested_option(self, children: list[Any]) -> tuple[str, object]:
        """``$top=2`` inside parentheses: (option name, value); the name token is ``$top=``."""
        name = str(children[0]).lower().lstrip("$").rstrip("=")
        convert = _NESTED_VALUES.get(name)
        return name, convert(str(children[1])) if convert else children[1]

    def nested_alias(self, children: list[Any]) -> tuple[str, object]:
        name = str(children[0])
        if not self._is_alias(name):
            raise BadRequestError(f"{name} is not a parameter alias", code="SyntaxError")
        return "alias", (name, children[1])

    def levels(self, children: list[Token]) -> int | str:
        text = str(children[0])
        return "max" if text.lower() == "max" else int(text)

    def search(self, children: list[SearchExpr]) -> SearchExpr:
        return children[0]

    def search_incomplete(self, children: list[Token]) -> SearchTerm:
        """A single-quoted search text (searchExpr-incomplete): searched for as a phrase."""
        return SearchTerm(str(children[0])[1:-1].replace("''", "'"), phrase=True)

    def search_or(self, children: list[Any]) -> SearchBinary:
        return SearchBinary("OR", children[0], children[2])

    def search_and(self, children: list[Any]) -> SearchBinary:
        return SearchBinary("AND", children[0], children[-1])

    def search_not(self, children: list[Any]) -> SearchNot:
        return SearchNot(children[1])

    def search_phrase(self, children: list[Token]) -> SearchTerm:
        return SearchTerm(str(children[0])[1:-1], phrase=True)

    def search_word(self, children: list[Token]) -> SearchTerm:
        return SearchTerm(str(children[0]))

    def compute(self, children: list[ComputeItem]) -> tuple[ComputeItem, ...]:
        return tuple(children)

    def compute_item(self, children: list[Any]) -> ComputeItem:
        return ComputeItem(children[0], str(children[2]))

    # -- $apply (OData Data Aggregation Extension 4.0)

    def apply(self, children: list[tuple[Transformation, ...]]) -> tuple[Transformation, ...]:
        return children[0]

    def apply_expr(self, children: list[Transformation]) -> tuple[Transformation, ...]:
        return tuple(children)

    def aggregate_trafo(self, children: list[Any]) -> Aggregate:
        return Aggregate(tuple(children[1:]))

    def compute_trafo(self, children: list[Any]) -> ComputeTrafo:
        return ComputeTrafo(tuple(children[1:]))

    def concat_trafo(self, children: list[Any]) -> Concat:
        return Concat(tuple(children[1:]))

    def groupby_trafo(self, children: list[Any]) -> GroupBy:
        return GroupBy(children[1], children[2] if len(children) > 2 else ())

    def groupby_list(self, children: list[GroupingElement]) -> tuple[GroupingElement, ...]:
        return tuple(children)

    def rollup(self, children: list[Any]) -> Rollup:
        paths: list[Path] = children[1:]
        if len(paths) > 1:
            return Rollup(tuple(paths))
        if len(paths[0]) > 1:
            raise _syntax_error(
                "rollup(...) takes two or more grouping paths, or the name of a leveled hierarchy; "
                f"not the one path {'/'.join(paths[0])}"
            )
        return Rollup(hierarchy=paths[0][0])

    def top_bottom_trafo(self, children: list[Any]) -> TopBottom:
        kind, limit, value = children
        _check_collection_expr(limit, str(kind))
        return TopBottom(str(kind), limit, value)

    def filter_trafo(self, children: list[Any]) -> FilterTrafo:
        return FilterTrafo(children[1])

    def identity_trafo(self, children: list[object]) -> Identity:
        return Identity()

    def orderby_trafo(self, children: list[Any]) -> OrderByTrafo:
        return OrderByTrafo(children[1])

    def search_trafo(self, children: list[Any]) -> SearchTrafo:
        return SearchTrafo(children[1])

    def skip_trafo(self, children: list[Token]) -> SkipTrafo:
        return SkipTrafo(int(children[1]))

    def top_trafo(self, children: list[Token]) -> TopTrafo:
        return TopTrafo(int(children[1]))

    def aggregate_expr(self, children: list[Any]) -> AggregateExpr:
        """``expression with method [from ...] as Alias``."""
        expression, method, *froms, alias = children
        return _aggregate_expr(expression, method, tuple(froms), alias, in_function=False)

    def aggregate_count_or_custom(self, children: list[Any]) -> AggregateExpr:
        """``$count``, ``Path/$count`` or a custom aggregate, with ``from`` and ``as``."""
        expression, *rest = children
        alias = rest.pop() if rest and isinstance(rest[-1], str) else None
        return _aggregate_expr(expression, None, tuple(rest), alias, in_function=False)

    def aggregate_function_expr(self, children: list[Any]) -> AggregateExpr:
        expression, method, *froms = children
        return _aggregate_expr(expression, method, tuple(froms), None, in_function=True)

    def aggregate_function_count_or_custom(self, children: list[Any]) -> AggregateExpr:
        expression, *froms = children
        return _aggregate_expr(expression, None, tuple(froms), None, in_function=True)

    def aggregate_with(self, children: list[Any]) -> str:
        return children[1]

    def aggregate_method(self, children: list[str]) -> str:
        method = children[0]
        if "." not in method and method not in _AGGREGATION_METHODS:
            raise _syntax_error(
                f"{method} is not an aggregation method: sum, min, max, average, countdistinct, "
                "or a custom method Namespace.Name"
            )
        return method

    def aggregate_from(self, children: list[Any]) -> AggregateFrom:
        return AggregateFrom(children[1], children[2])

    def custom_from(self, children: list[Any]) -> AggregateFrom:
        return AggregateFrom(children[1], children[2] if len(children) > 2 else None)

    def as_alias(self, children: list[Token]) -> str:
        return str(children[1])

    def grouping_property(self, children: list[str]) -> Path:
        path = tuple(children)
        if "." in path[-1]:
            raise _syntax_error(f"A grouping path ends with a property, not with the type cast {path[-1]}")
        for before, after in zip(path, path[1:], strict=False):
            if "." in before and "." in after:
                raise _syntax_error(f"Two type casts follow each other in a grouping path: {before}/{after}")
        return path

    def grouping_properties(self, children: list[Path]) -> tuple[Path, ...]:
        return tuple(children)

    def names_path(self, children: list[str]) -> Path:
        return tuple(children)

    def join_property(self, children: list[Any]) -> Path:
        return tuple(str(child) for child in children)

    def nest_apply_expr(self, children: list[Any]) -> list[Any]:
        return children

    def preserving_trafos(self, children: list[Transformation]) -> tuple[Transformation, ...]:
        return tuple(children)

    def traverse_trafos(self, children: list[Transformation]) -> tuple[Transformation, ...]:
        return tuple(children)

    def rec_hier_reference(self, children: list[Any]) -> list[Any]:
        """recHierReference: ``$root/...`` to the hierarchy's nodes, its qualifier, a node property path."""
        nodes = children[0]
        if not (isinstance(nodes, MemberExpr) and nodes.steps[0] == _ROOT and len(nodes.steps) > 1):
            raise _syntax_error("A recursive hierarchy is named by $root/... to its nodes, its qualifier and a path")
        return children

    def rollup_recursive(self, children: list[Any]) -> OtherTrafo:
        return self._other(str(children[0]), children)

    def join_trafo(self, children: list[Any]) -> OtherTrafo:
        return self._other(str(children[0]), children)

    def nest_trafo(self, children: list[Any]) -> OtherTrafo:
        return self._other(str(children[0]), children)

    def hierarchy_trafo(self, children: list[Any]) -> OtherTrafo:
        return self._other(str(children[0]), children)

    def custom_function(self, children: list[Any]) -> OtherTrafo:
        """``Namespace.Function(Name=value,...)``: a custom set transformation, by parameter names."""
        for argument in children[4] if len(children) > 5 else ():
            if not isinstance(argument, NamedArgument):
                raise _syntax_error("A function used as a transformation takes its parameters as Name=value")
        return self._other(f"{children[0]}.{children[2]}", children)

    def function_parameters(self, children: list[Argument]) -> tuple[Argument, ...]:
        return tuple(children)

    @staticmethod
    def _other(name: str, children: list[Any]) -> OtherTrafo:
        """A transformation kept as its text, from its first token to its closing parenthesis."""
        first, last = children[0], children[-1]
        assert isinstance(first, Token) and isinstance(last, Token)
        return OtherTrafo(name, _SOURCE.text[first.start_pos : last.end_pos])

    # -- helpers

    _EXPAND_REF_OPTIONS = frozenset({"filter", "search", "orderby", "skip", "top", "count"})
    _EXPAND_COUNT_OPTIONS = frozenset({"filter", "search"})

    @staticmethod
    def _is_alias(name: str) -> bool:
        """``@p`` (a parameter alias, or an unqualified annotation) rather than ``@NS.Term`` or ``@Term#q``."""
        return "." not in name and "#" not in name

    @staticmethod
    def _check_lambda(step: NameStep, *, first: bool) -> None:
        """any() and all() follow a path to a collection; all() and a non-empty any() take one x:predicate."""
        if first:
            raise BadRequestError(
                f"{step.name}() must follow a path to a collection, as in Items/{step.name}(...)", code="SyntaxError"
            )
        arguments = step.arguments or ()
        if (step.name == "all" or arguments) and (len(arguments) != 1 or not isinstance(arguments[0], LambdaArgument)):
            raise BadRequestError(f"{step.name}() takes one lambda argument, variable:predicate", code="SyntaxError")

    @staticmethod
    def _check_isdefined(step: NameStep, *, alone: bool) -> None:
        """isdefined(Path): one path, or a parameter alias (isdefinedExpr takes a firstMemberExpr)."""
        arguments = step.arguments or ()
        if not alone:
            raise _syntax_error("isdefined(...) is a function, not a step of a path")
        if len(arguments) != 1 or not isinstance(arguments[0], MemberExpr | Alias):
            raise _syntax_error("isdefined takes one property path, as in isdefined(Customer/Name)")

    @staticmethod
    def _check_these(steps: list[MemberStep], index: int) -> None:
        """``$these`` (currCollectionExpr) starts a path and is followed by $count, aggregate(...),
        another function or an annotation: it is a collection, not an entity with properties."""
        follower = steps[1] if index == 0 and len(steps) > 1 else None
        if not (
            isinstance(follower, CountStep)
            or (isinstance(follower, NameStep) and (follower.arguments is not None or follower.name[0] == "@"))
        ):
            raise _syntax_error(
                "$these, the current collection, starts a path and is followed by /$count, /aggregate(...), "
                "a function or an annotation"
            )

    def __default__(self, data: str, children: list[Token], meta: object) -> object:
        if data.startswith("_"):
            return Tree(data, children)  # Lark's own helper rules (repetitions): it inlines them
        kind = data.rsplit("__", 1)[-1]
        if kind in _LITERAL_KINDS:
            token = children[0]
            return Literal(kind, str(token), token.start_pos)
        raise AssertionError(f"no syntax node for grammar rule {data}")  # pragma: no cover


#: Binary operators by precedence, lowest first (URL Conventions, "Operator Precedence").
_PRECEDENCE = {
    **dict.fromkeys(("or",), 1),
    **dict.fromkeys(("and",), 2),
    **dict.fromkeys(("eq", "ne"), 3),
    **dict.fromkeys(("lt", "le", "gt", "ge", "has", "in"), 4),
    **dict.fromkeys(("add", "sub"), 5),
    **dict.fromkeys(("mul", "div", "divby", "mod"), 6),
}

_REF = object()
_THESE = VariableStep("$these")
_ROOT = VariableStep("$root")

#: Calls that member_expr checks: lambdas, and isdefined.
_CHECKED_CALLS = frozenset({"any", "all", "isdefined"})

#: aggregateMethod without a namespace (case-sensitive, as in the ABNF).
_AGGREGATION_METHODS = frozenset({"sum", "min", "max", "average", "countdistinct"})


def _syntax_error(message: str) -> BadRequestError:
    return BadRequestError(message, code="SyntaxError")


def _plain_names(steps: tuple[MemberStep, ...]) -> bool:
    """A data aggregation path: names and casts only (no keys, calls, annotations or variables)."""
    return all(isinstance(step, NameStep) and step.arguments is None and step.name[0] not in "@$" for step in steps)


def _aggregate_expr(
    expression: Expr, method: str | None, froms: tuple[AggregateFrom, ...], alias: str | None, *, in_function: bool
) -> AggregateExpr:
    """aggregateExpr (``in_function`` False) or aggregateFunctionExpr: which of its forms, and its node.

    With ``with`` the expression is any expression or path (aggregatableExpW,
    nonprimAggWith); without, it is ``$count``, a path of names ending in ``/$count``
    (aggregateCount, whose ``from`` needs ``with`` and which needs ``as`` in
    ``aggregate(...)``), or a path of names ending in an unqualified name: a custom
    aggregate (aggregateCustom; the grammar makes ``as`` follow its ``from``).
    """
    steps = expression.steps if isinstance(expression, MemberExpr) else ()
    if method is not None:
        if steps == (CountStep(),):
            raise _syntax_error("$count takes no 'with': write $count as Name")
        return AggregateExpr(alias, expression, method, from_=froms)
    if steps and isinstance(steps[-1], CountStep) and _plain_names(steps[:-1]):
        if any(step.method is None for step in froms):
            raise _syntax_error("In aggregate, each 'from' after $count names its method: from Time with average")
        if alias is None and not in_function:
            raise _syntax_error("A count in aggregate(...) needs an alias: $count as Name")
        return AggregateExpr(alias, MemberExpr(steps[:-1]) if len(steps) > 1 else None, count=True, from_=froms)
    if steps and _plain_names(steps) and "." not in steps[-1].name:  # type: ignore[union-attr]
        return AggregateExpr(alias, expression, custom=True, from_=froms)
    raise _syntax_error(
        "An aggregated expression needs 'with' and a method (Amount with sum as Total); only $count, "
        "a path to /$count and a custom aggregate stand alone"
    )


def _check_collection_expr(expression: object, where: str) -> None:
    """collectionExpr: an expression on the whole collection, so each path in it starts with
    ``$these`` or ``$root`` (or is a function call, whose arguments are checked)."""
    if isinstance(expression, BinaryExpr):
        _check_collection_expr(expression.left, where)
        _check_collection_expr(expression.right, where)
    elif isinstance(expression, UnaryExpr):
        _check_collection_expr(expression.operand, where)
    elif isinstance(expression, NamedArgument):
        _check_collection_expr(expression.value, where)
    elif isinstance(expression, MemberExpr):
        first = expression.steps[0]
        if first in (_THESE, _ROOT):
            return
        if isinstance(first, NameStep) and first.arguments is not None:  # round(...), Namespace.Function(...)
            for argument in first.arguments:
                _check_collection_expr(argument, where)
            return
        raise _syntax_error(
            f"The first argument of {where} is computed on the whole collection: "
            "a path in it starts with $these, as in $these/$count"
        )


#: Nested options whose value is a token to convert rather than a syntax node.
_NESTED_VALUES: dict[str, Any] = {"top": int, "skip": int, "count": lambda text: text.lower() == "true"}

_LITERAL_KINDS = frozenset(
    {
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
    }
)


def _nested_options(pairs: list[tuple[str, object]], *, within: str) -> NestedOptions:
    values: dict[str, object] = {}
    for name, value in pairs:
        if name in values:
            raise BadRequestError(f"The option ${name} appears twice in the same parentheses", target=f"${name}")
        values[name] = value
    if "apply" in values:  # expandOption =/ apply; NestedOptions has no field for it yet
        if within == "$expand":
            raise FeatureNotImplementedError("$apply inside $expand is not supported yet", target=within)
        raise BadRequestError(f"$apply is not an option of a {within} item", target=within, code="SyntaxError")
    return NestedOptions(**values)  # type: ignore[arg-type]


def parse_segment(segment: RawSegment) -> Segment:
    """Parse one decoded path segment."""
    result = parse(segment.text, "path_segment", where="resource path", offset=segment.offset, target=None)
    assert isinstance(result, IdentifierSegment | DollarSegment)
    return result


def parse_literal(text: str, *, where: str, target: str | None = None) -> Literal:
    """Parse a whole text as one primitive literal (a key-as-segment value, for example)."""
    result = parse(text, "primitive_literal", where=where, target=target)
    assert isinstance(result, Literal)
    return result


def parse(text: str, start: str, *, where: str, offset: int = 0, target: str | None = "") -> Any:
    """Parse ``text`` with one of :data:`START_RULES` into syntax nodes.

    ``where`` names the text in error messages (``$filter``); it is also the error
    target unless ``target`` is given.

    Raises:
        BadRequestError: a syntax error, with its position and what was expected.
    """
    try:
        return _parse_cached(text, start)
    except UnexpectedInput as error:
        raise BadRequestError(
            _describe(error, text, offset, where), code="SyntaxError", target=where if target == "" else target
        ) from None
    except BadRequestError as error:  # a rule the grammar cannot say, checked as the parser reduces
        if error.target is None:
            error.target = where if target == "" else target
        raise


@lru_cache(maxsize=4096)
def _parse_cached(text: str, start: str) -> Any:
    """Parsing is the costliest step of a request, and clients repeat their queries; the
    syntax nodes are immutable, so a repeated text reuses its nodes. Errors are not cached."""
    if start in _TRANSFORMATION_STARTS:
        _SOURCE.text = text
    return _parser().parse(text, start=start)


def _describe(error: UnexpectedInput, text: str, offset: int, where: str) -> str:
    position = offset + (error.column - 1 if isinstance(error.column, int) and error.column > 0 else len(text))
    if isinstance(error, UnexpectedEOF):
        return f"Syntax error in the {where}: {text!r} ends too early; expected {_expected(error.expected)}"
    if isinstance(error, UnexpectedCharacters):
        found = text[error.pos_in_stream] if error.pos_in_stream < len(text) else "end"
        return f"Syntax error in the {where} at position {position}: unexpected {found!r}"
    if isinstance(error, UnexpectedToken):
        found = "end of segment" if error.token.type == "$END" else repr(str(error.token))
        return (
            f"Syntax error in the {where} at position {position}: unexpected {found}; "
            f"expected {_expected(error.expected)}"
        )
    return f"Syntax error in the {where} at position {position}"


_TERMINAL_NAMES = {
    "RPAR": "')'",
    "LPAR": "'('",
    "COMMA": "','",
    "EQUAL": "'='",
    "DOT": "'.'",
    "ODATA_IDENTIFIER": "a name",
    "DOLLAR_SEGMENT": "a $-segment",
    "AT_NAME": "a parameter alias or annotation",
    "JSON_STRING": "a JSON string",
    "SEMICOLON": "';'",
    "SLASH": "'/'",
    "COLON": "':'",
    "AS": "as",
    "WITH": "with",
    "FROM": "from",
    "TOP_BOTTOM": "topcount, topsum, toppercent, bottomcount, bottomsum or bottompercent",
    "TRAVERSE_ORDER": "preorder or postorder",
    "KEEP_START": "'keep start'",
    **{
        keyword: keyword.lower()
        for keyword in (
            "AGGREGATE",
            "COMPUTE",
            "CONCAT",
            "GROUPBY",
            "ROLLUP",
            "ROLLUPRECURSIVE",
            "JOIN",
            "OUTERJOIN",
            "NEST",
            "ADDNESTED",
            "FILTER",
            "IDENTITY",
            "ORDERBY",
            "SEARCH",
            "SKIP",
            "TOP",
            "ANCESTORS",
            "DESCENDANTS",
            "TRAVERSE",
        )
    },
}


def _expected(terminals: set[str] | frozenset[str] | list[str]) -> str:
    names = set()
    for terminal in terminals:
        short = terminal.rsplit("__", 1)[-1]
        names.add(_TERMINAL_NAMES.get(short, "a literal" if short.isupper() else short))
    return " or ".join(sorted(names))


__all__ = ["START_RULES", "RawSegment", "parse", "parse_literal", "parse_segment", "split_path"]
