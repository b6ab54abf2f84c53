"""Validators for the OASIS CSDL schemas in ``../shared/conformance/csdl``."""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from pathlib import Path

import jsonschema
import orjson
from lxml import etree

CSDL_DIR = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "csdl"


@functools.cache
def edmx_schema() -> etree.XMLSchema:
    # edmx.xsd imports edm.xsd by relative path; the parser reads only local files.
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(CSDL_DIR / "schemas" / "edmx.xsd"), parser))


@functools.cache
def csdl_json_validator() -> jsonschema.Draft7Validator:
    schema = orjson.loads((CSDL_DIR / "schemas" / "csdl.schema.json").read_bytes())
    translated = _python_patterns(schema)
    jsonschema.Draft7Validator.check_schema(translated)
    return jsonschema.Draft7Validator(translated)


def _python_patterns(node: object) -> object:
    """The schema with its ``\\p{..}`` classes spelled out, since Python's ``re`` lacks them."""
    if isinstance(node, dict):
        return {_expand_categories(key): _python_patterns(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_python_patterns(item) for item in node]
    return _expand_categories(node) if isinstance(node, str) else node


def _expand_categories(text: str) -> str:
    return re.sub(r"\\p\{(\w+)\}", lambda match: _category_class(match[1]), text)


@functools.cache
def _category_class(category: str) -> str:
    ranges = [r for code, found in _category_ranges().items() if code.startswith(category) for r in found]
    return "[" + "".join(f"\\U{start:08x}-\\U{end:08x}" for start, end in sorted(ranges)) + "]"


@functools.cache
def _category_ranges() -> dict[str, list[tuple[int, int]]]:
    ranges: dict[str, list[tuple[int, int]]] = {}
    for code in range(sys.maxunicode + 1):
        found = ranges.setdefault(unicodedata.category(chr(code)), [])
        if found and found[-1][1] == code - 1:
            found[-1] = (found[-1][0], code)
        else:
            found.append((code, code))
    return ranges
