"""``$search`` → a WHERE condition (URL Conventions §5.1.7).

A search term matches an entity when one of its entity set's search properties
contains it, ignoring case; a phrase is one term, spaces included. ``NOT``, ``AND``
(also implied by juxtaposition) and ``OR`` combine terms.

A request's own ``$search`` compiles each term to a named parameter (``odata_search_0``
for the first term, and so on), so that a search box sending one word after another
reuses one statement: :func:`search_shape` is what such searches share, and
:func:`search_parameters` the values each brings.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from odata_server.uri.syntax import SearchBinary, SearchExpr, SearchNot, SearchTerm

SqlExpression = sa.ColumnElement[Any]


def search_condition(
    search: SearchExpr, columns: Sequence[SqlExpression], *, parameters: bool = False
) -> SqlExpression:
    """Entities matching ``search`` in any of ``columns``; with ``parameters``, each term is a
    named parameter (:func:`search_parameters`), else a value of the statement."""
    terms = itertools.count()  # numbered as _terms meets them

    def condition(search: SearchExpr) -> SqlExpression:
        if isinstance(search, SearchTerm):
            index = next(terms)
            pattern = _pattern(search.text)
            value = sa.bindparam(_parameter_name(index), pattern) if parameters else sa.literal(pattern)
            matches = [sa.func.lower(column).like(value, escape=_ESCAPE) for column in columns]
            return sa.or_(*matches) if matches else sa.false()
        if isinstance(search, SearchNot):
            return ~sa.func.coalesce(condition(search.operand), sa.false())
        assert isinstance(search, SearchBinary)
        left, right = condition(search.left), condition(search.right)
        return sa.and_(left, right) if search.operator == "AND" else sa.or_(left, right)

    return condition(search)


def search_shape(search: SearchExpr) -> str:
    """What searches whose terms alone differ have in common: ``AND(?,NOT(?))``."""
    if isinstance(search, SearchTerm):
        return "?"
    if isinstance(search, SearchNot):
        return f"NOT({search_shape(search.operand)})"
    return f"{search.operator}({search_shape(search.left)},{search_shape(search.right)})"


def search_parameters(search: SearchExpr) -> dict[str, str]:
    """The values of the parameters of ``search_condition(search, ..., parameters=True)``."""
    return {_parameter_name(index): _pattern(term.text) for index, term in enumerate(_terms(search))}


def _terms(search: SearchExpr) -> Iterator[SearchTerm]:
    """The terms, left to right: the order in which :func:`search_condition` meets them."""
    if isinstance(search, SearchTerm):
        yield search
    elif isinstance(search, SearchNot):
        yield from _terms(search.operand)
    else:
        yield from _terms(search.left)
        yield from _terms(search.right)


_ESCAPE = "/"


def _pattern(term: str) -> str:
    """``%term%`` for LIKE, lower case, with LIKE's own characters escaped."""
    escaped = term.lower().replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    return f"%{escaped}%"


def _parameter_name(index: int) -> str:
    return f"odata_search_{index}"


__all__ = ["search_condition", "search_parameters", "search_shape"]
