"""docs/operations.md runs as written: its example service, and each ``curl`` example with the output shown.

The ``curl`` commands are read with :mod:`shlex` and sent to the example app through
httpx; the options the page uses are understood (``-s``, ``-i``, ``-G``, ``-X``,
``-H``, ``-d``, ``--data-urlencode``), and a pipe into ``grep -A N pattern``.
"""

from __future__ import annotations

import http
import importlib.util
import re
import shlex
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

import httpx
import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


@dataclass
class Example:
    """One ``$ curl ...`` line of the page and the output shown under it."""

    command: str
    output: str


@dataclass
class Curl:
    method: str | None = None
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    data: list[str] = field(default_factory=list)
    include: bool = False
    get: bool = False

    @classmethod
    def parse(cls, arguments: list[str]) -> Curl:
        curl = cls()
        tokens = iter(arguments[1:])
        for token in tokens:
            if token == "-X":
                curl.method = next(tokens)
            elif token == "-H":
                name, _, value = next(tokens).partition(":")
                curl.headers[name.strip()] = value.strip()
            elif token == "-d":
                curl.data.append(next(tokens))
            elif token == "--data-urlencode":
                name, _, content = next(tokens).partition("=")
                curl.data.append(f"{name}={quote(content, safe='')}")
            elif token.startswith("-") and not token.startswith("--"):
                curl.include |= "i" in token
                curl.get |= "G" in token
                assert set(token[1:]) <= {"s", "i", "G"}, token
            else:
                curl.url = token
        return curl

    async def send(self, client: httpx.AsyncClient) -> httpx.Response:
        url, body = self.url, None
        if self.get and self.data:
            url += "?" + "&".join(self.data)
        elif self.data:
            body = "&".join(self.data).encode()
        method = self.method or ("POST" if body is not None else "GET")
        return await client.request(method, url, headers=self.headers, content=body)


def _examples() -> list[Example]:
    examples = []
    for block in re.findall(r"^( *)```console\n(.*?)^\1```", PAGE.read_text(), flags=re.S | re.M):
        lines = textwrap.dedent(block[1]).replace("\\\n", " ").splitlines()
        for line in lines:
            if line.startswith("$ "):
                examples.append(Example(line[2:], ""))
            else:
                examples[-1].output += line + "\n"
    return examples


def _module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The page's example service, run as the page says (its SQLite file lands in ``tmp_path``)."""
    monkeypatch.chdir(tmp_path)
    source = re.search(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)
    assert source is not None
    path = tmp_path / "airports.py"
    path.write_text(source[1])
    spec = importlib.util.spec_from_file_location("docs_airports", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "docs_airports", module)
    spec.loader.exec_module(module)
    return module


def _shown(response: httpx.Response, curl: Curl, expected: str) -> str:
    """The response as curl shows it: with ``-i``, the status line and the headers the page shows."""
    if not curl.include:
        return response.text
    head, _, _ = expected.partition("\n\n")
    names = [line.split(":")[0] for line in head.splitlines()[1:]]
    status = f"HTTP/1.1 {response.status_code} {http.HTTPStatus(response.status_code).phrase}"
    headers = [f"{name}: {response.headers[name]}" for name in names]
    return "\n".join([status, *headers]) + "\n\n" + response.text


def _grep(text: str, arguments: list[str]) -> str:
    assert arguments[:2] == ["grep", "-A"], arguments
    after, pattern = int(arguments[2]), arguments[3]
    lines = text.splitlines()
    found = [index for index, line in enumerate(lines) if pattern in line]
    return "".join(line + "\n" for index in found for line in lines[index : index + after + 1])


async def test_the_examples_run_as_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = _module(tmp_path, monkeypatch)
    examples = _examples()
    assert len(examples) >= 15
    async with module.app.router.lifespan_context(module.app):
        transport = httpx.ASGITransport(app=module.app)
        async with httpx.AsyncClient(transport=transport) as client:
            for example in examples:
                arguments = shlex.split(example.command)
                pipe = arguments.index("|") if "|" in arguments else len(arguments)
                curl = Curl.parse(arguments[:pipe])
                response = await curl.send(client)
                shown = _shown(response, curl, example.output)
                if pipe < len(arguments):
                    shown = _grep(shown, arguments[pipe + 1 :])
                assert shown.strip("\n") == example.output.strip("\n"), example.command
