"""Helpers of the tests of query shapes (``odata_server/uri/shapes.py``): a request of a shape
met before, and the same request bound from its own text to compare it with."""

from __future__ import annotations

import httpx
import pytest

from odata_server.uri import parser

#: The path, the ``$filter`` with ``{}`` for its literals, the first values, the second values,
#: and whether the second request shares a shape met before.
ShapeCase = tuple[str, str, tuple[str, ...], tuple[str, ...], bool]


def filter_url(path: str, template: str, values: tuple[str, ...]) -> str:
    separator = "&" if "?" in path else "?"
    return f"{path}{separator}$filter={template.format(*values)}"


def bound_on_its_own(path: str, template: str, values: tuple[str, ...]) -> str:
    """The same request with each value given as a parameter alias (``@v0=...``); a list after
    ``in`` holds literals only, so there the same request with ``$filter`` in parentheses,
    another shape, met first here."""
    if " in (" in template:
        return filter_url(path, f"({template})", values)
    names = [f"@v{index}" for index in range(len(values))]
    aliases = "".join(f"&{name}={value}" for name, value in zip(names, values))
    return filter_url(path, template, tuple(names)) + aliases


async def shared_answer(
    client: httpx.AsyncClient, first: str, second: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[httpx.Response, bool]:
    """The response to ``second`` after ``first``, and whether it parsed no ``$filter`` of its own."""
    response = await client.get(first)
    assert response.status_code == 200, response.text
    parsed: list[str] = []
    parse = parser._parse_cached

    def recording(text: str, start: str) -> object:
        if start == "filter":
            parsed.append(text)
        return parse(text, start)

    with monkeypatch.context() as patch:
        patch.setattr(parser, "_parse_cached", recording)
        response = await client.get(second)
    return response, not parsed


async def assert_answers_as_on_its_own(
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    case: ShapeCase,
) -> httpx.Response:
    """Send a case's first request, then its second, of the same template; assert whether the
    second shared a shape met before, and that it answers as the same request bound on its own.
    """
    path, template, first, second, shared = case
    second_url = filter_url(path, template, second)
    response, parsed_nothing = await shared_answer(client, filter_url(path, template, first), second_url, monkeypatch)
    assert parsed_nothing is shared
    reference = await client.get(bound_on_its_own(path, template, second))
    assert response.status_code == reference.status_code == 200, response.text
    assert response.content == reference.content
    return response
