"""The README's quick start runs as written."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import httpx
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _quick_start() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README.md has no python block"
    return blocks[0]


async def test_quick_start_serves_people(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the example's SQLite file lands here
    module_path = tmp_path / "people.py"
    module_path.write_text(_quick_start())
    spec = importlib.util.spec_from_file_location("readme_people", module_path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "readme_people", module)
    spec.loader.exec_module(module)

    async with module.service.engine.begin() as connection:
        await connection.run_sync(module.Base.metadata.create_all)
        await connection.execute(module.Person.__table__.insert(), [{"name": "Ada", "email": None}])

    async with module.app.router.lifespan_context(module.app):
        transport = httpx.ASGITransport(app=module.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver/odata/") as client:
            people = (await client.get("People")).json()
            metadata = await client.get("$metadata")
    assert people["value"] == [{"id": 1, "name": "Ada", "email": None}]
    assert b'EntitySet Name="People" EntityType="People.Person"' in metadata.content
