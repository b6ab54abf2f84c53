"""``$search`` → a WHERE condition (URL Conventions §5.1.7).

A search term matches an entity when one of its entity set's search properties
contains it, ignoring case; a phrase is one term, spaces included. ``NOT``, ``AND``
(also implied by juxtaposition) and ``OR`` combine terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from odata_server.uri.syntax import SearchBinary, SearchExpr, SearchNot, SearchTerm

SqlExpression = sa.ColumnElement[Any]


def search_condition(search: SearchExpr, columns: Sequence[SqlExpression]) -> SqlExpression:
    """Entities matching ``search`` in any of ``columns``."""
    if isinstance(search, SearchTerm):
        term = search.text.lower()
        matches = [sa.func.lower(column).contains(term, autoescape=True) for column in columns]
        return sa.or_(*matches) if matches else sa.false()
    if isinstance(search, SearchNot):
        return ~sa.func.coalesce(search_condition(search.operand, columns), sa.false())
    assert isinstance(search, SearchBinary)
    left, right = search_condition(search.left, columns), search_condition(search.right, columns)
    return sa.and_(left, right) if search.operator == "AND" else sa.or_(left, right)


__all__ = ["search_condition"]
