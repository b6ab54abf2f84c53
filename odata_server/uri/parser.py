"""The URL parser: Lark LALR over the grammar files in ``uri/grammar``, built once.

A resource path is first split into segments at each ``/`` that is not inside a
quoted string or parentheses; each segment is then percent-decoded and parsed. A
syntax error becomes a 400 whose message names the position in the path and what
was expected there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import unquote

from lark import Lark, Token, Transformer, Tree, UnexpectedInput
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedToken

from odata_server.errors import BadRequestError
from odata_server.uri.syntax import DollarSegment, IdentifierSegment, KeyPredicate, Literal, Segment


@dataclass(frozen=True, slots=True)
class RawSegment:
    """A path segment as it was in the URL: percent-decoded ``text``, at ``offset`` in the raw path."""

    text: str
    offset: int


@cache
def _parser() -> Lark:
    grammar = resources.files("odata_server.uri") / "grammar" / "path.lark"
    with resources.as_file(grammar) as path:
        return Lark.open(
            str(path),
            start=["path_segment", "primitive_literal"],
            parser="lalr",
            propagate_positions=False,
            maybe_placeholders=False,
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
    """Parse tree → syntax nodes. Rules imported from literals.lark arrive namespaced."""

    def identifier_segment(self, children: list[object]) -> IdentifierSegment:
        name = children[0]
        key = children[1] if len(children) > 1 else None
        assert isinstance(name, str)
        if isinstance(key, KeyPredicate):
            return IdentifierSegment(name, key if key.values else None, parentheses=True)
        return IdentifierSegment(name)

    def dollar_segment(self, children: list[Token]) -> DollarSegment:
        return DollarSegment(str(children[0]))

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

    def __default__(self, data: str, children: list[Token], meta: object) -> object:
        kind = data.rsplit("__", 1)[-1]
        if kind in _LITERAL_KINDS:
            return Literal(kind, str(children[0]))
        return Tree(data, children)  # pragma: no cover - every rule is handled above


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
    }
)
_TO_SYNTAX = _ToSyntax()


def parse_segment(segment: RawSegment) -> Segment:
    """Parse one decoded path segment."""
    tree = _parse(segment.text, "path_segment", segment.offset, "resource path")
    result = _TO_SYNTAX.transform(tree)
    assert isinstance(result, IdentifierSegment | DollarSegment)
    return result


def parse_literal(text: str, *, where: str) -> Literal:
    """Parse a whole text as one primitive literal (a key-as-segment value, for example)."""
    result = _TO_SYNTAX.transform(_parse(text, "primitive_literal", 0, where))
    assert isinstance(result, Literal)
    return result


def _parse(text: str, start: str, offset: int, where: str) -> Tree[Token]:
    try:
        return _parser().parse(text, start=start)
    except UnexpectedInput as error:
        raise BadRequestError(_describe(error, text, offset, where), code="SyntaxError") from None


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
}


def _expected(terminals: set[str] | frozenset[str] | list[str]) -> str:
    names = set()
    for terminal in terminals:
        short = terminal.rsplit("__", 1)[-1]
        names.add(_TERMINAL_NAMES.get(short, "a literal" if short.isupper() else short))
    return " or ".join(sorted(names))


__all__ = ["RawSegment", "parse_literal", "parse_segment", "split_path"]
