"""Syntax nodes → URL text again: for links the service writes, such as the ``@nextLink`` of an
expanded collection, which repeats the options nested in ``$expand`` as a query of its own.

The text parses back to the same syntax nodes; binary expressions are parenthesized so
that no precedence is lost.
"""

from __future__ import annotations

import json

from odata_server.uri import syntax


def expression(node: object) -> str:
    if isinstance(node, syntax.Literal):
        return node.text
    if isinstance(node, syntax.Alias):
        return node.name
    if isinstance(node, syntax.BinaryExpr):
        return f"({expression(node.left)} {node.operator} {expression(node.right)})"
    if isinstance(node, syntax.UnaryExpr):
        return f"not {expression(node.operand)}" if node.operator == "not" else f"-{expression(node.operand)}"
    if isinstance(node, syntax.JsonValue):
        return _json(node.value)
    if isinstance(node, syntax.ListExpr):
        return f"({','.join(expression(item) for item in node.items)})"
    if isinstance(node, syntax.MemberExpr):
        return "/".join(_step(step) for step in node.steps)
    if isinstance(node, syntax.LambdaArgument):
        return f"{node.variable}:{expression(node.predicate)}"
    if isinstance(node, syntax.NamedArgument):
        return f"{node.name}={expression(node.value)}"
    raise TypeError(f"no URL text for {type(node).__name__}")


def _json(value: object) -> str:
    """A JSON array or object in a URL, or one of its values: JSON data, or an expression."""
    if isinstance(value, list):
        return f"[{','.join(_json(item) for item in value)}]"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(f"{json.dumps(name, ensure_ascii=False)}:{_json(item)}" for name, item in value.items())
            + "}"
        )
    if value is None or isinstance(value, str | bool | int | float):
        return json.dumps(value, ensure_ascii=False)
    return expression(value)


def _step(step: syntax.MemberStep) -> str:
    if isinstance(step, syntax.CountStep):
        return "$count"
    if isinstance(step, syntax.VariableStep):
        return step.name
    if step.arguments is None:
        return step.name
    return f"{step.name}({','.join(expression(argument) for argument in step.arguments)})"


def search(node: syntax.SearchExpr) -> str:
    if isinstance(node, syntax.SearchTerm):
        return f'"{node.text}"' if node.phrase else node.text
    if isinstance(node, syntax.SearchNot):
        return f"NOT ({search(node.operand)})"
    return f"({search(node.left)}) {node.operator} ({search(node.right)})"


def options(nested: syntax.NestedOptions, *, paging: bool = True) -> list[tuple[str, str]]:
    """``[("$filter", "..."), ...]``: the options as query option names and values.

    ``paging=False`` leaves out ``$skip`` (a next page starts from its ``$skiptoken``).
    """
    printed: list[tuple[str, str]] = []
    if nested.filter is not None:
        printed.append(("$filter", expression(nested.filter)))
    if nested.search is not None:
        printed.append(("$search", search(nested.search)))
    if nested.compute:
        printed.append(("$compute", ",".join(f"{expression(c.expression)} as {c.alias}" for c in nested.compute)))
    if nested.orderby:
        printed.append(
            ("$orderby", ",".join(expression(o.expression) + (" desc" if o.descending else "") for o in nested.orderby))
        )
    if nested.select:
        printed.append(("$select", ",".join(_select_item(item) for item in nested.select)))
    if nested.expand:
        printed.append(("$expand", ",".join(_expand_item(item) for item in nested.expand)))
    if nested.top is not None:
        printed.append(("$top", str(nested.top)))
    if nested.skip is not None and paging:
        printed.append(("$skip", str(nested.skip)))
    if nested.count is not None:
        printed.append(("$count", "true" if nested.count else "false"))
    if nested.levels is not None:
        printed.append(("$levels", str(nested.levels)))
    return printed


def _nested(nested: syntax.NestedOptions | None) -> str:
    printed = options(nested) if nested is not None else []
    return f"({';'.join(f'{name}={value}' for name, value in printed)})" if printed else ""


def _select_item(item: syntax.SelectItem) -> str:
    return "/".join(item.path) + _nested(item.options)


def _expand_item(item: syntax.ExpandItem) -> str:
    path = "/".join(item.path) + ("/$ref" if item.ref else "") + ("/$count" if item.count else "")
    return path + _nested(item.options)


__all__ = ["expression", "options", "search"]
