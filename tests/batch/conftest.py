"""Batch test helpers: building multipart batches, reading multipart responses, a database to write.

Responses are read with the standard library's ``email`` parser, not with the
server's own multipart reader, so a test does not trust the code it tests.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import northwind_client, private_database

ROOT = "http://testserver/odata/"


# -- writing multipart batches


def http_request(method: str, url: str, headers: Mapping[str, str] | None = None, body: bytes | str = b"") -> bytes:
    """An ``application/http`` request message with CRLF line ends."""
    head = f"{method} {url} HTTP/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    return head.encode("latin-1") + b"\r\n" + (body.encode() if isinstance(body, str) else body)


def http_part(message: bytes, content_id: str | None = None) -> bytes:
    """A body part holding one request."""
    head = "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n"
    if content_id is not None:
        head += f"Content-ID: {content_id}\r\n"
    return head.encode() + b"\r\n" + message


def multipart(*parts: bytes, boundary: str = "batch_36522ad7") -> bytes:
    """A multipart body of ``parts``."""
    return b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts) + (
        b"--" + boundary.encode() + b"--\r\n"
    )


def change_set(*parts: bytes, boundary: str = "changeset_77162fcd") -> bytes:
    """A body part holding a change set of ``parts``."""
    return f"Content-Type: multipart/mixed; boundary={boundary}\r\n\r\n".encode() + multipart(*parts, boundary=boundary)


def multipart_headers(boundary: str = "batch_36522ad7", **extra: str) -> dict[str, str]:
    return {"Content-Type": f"multipart/mixed; boundary={boundary}", **extra}


async def post_multipart(client: httpx.AsyncClient, *parts: bytes, **headers: str) -> httpx.Response:
    return await client.post("$batch", content=multipart(*parts), headers=multipart_headers(**headers))


# -- reading multipart responses


@dataclass
class PartResponse:
    """One response inside a multipart batch response."""

    content_id: str | None
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Parts = list["PartResponse | list[PartResponse]"]


def read_multipart_response(response: httpx.Response) -> Parts:
    """The parts of a multipart batch response; a change set is a list of parts."""
    assert response.status_code == 200, response.text
    content_type = response.headers["content-type"]
    assert content_type.startswith("multipart/mixed; boundary="), content_type
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + response.content
    )
    if not message.is_multipart():  # the standard library does not read a multipart body without parts
        assert response.content == f"--{content_type.partition('boundary=')[2]}--\r\n".encode(), response.text
        return []
    return [_read_part(part) for part in message.get_payload()]  # type: ignore[union-attr]


def _read_part(part: Any) -> PartResponse | list[PartResponse]:
    if part.is_multipart():
        return [_read_part(member) for member in part.get_payload()]  # type: ignore[misc]
    assert part.get_content_type() == "application/http"
    data: bytes = part.get_payload(decode=True)
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    if "content-length" in headers:
        assert len(body) == int(headers["content-length"])
    return PartResponse(part.get("Content-ID"), int(status_line.split(" ")[1]), headers, body)


def flat(parts: Parts) -> list[PartResponse]:
    """Every response, change set members included, in order."""
    return [member for part in parts for member in (part if isinstance(part, list) else [part])]


def json_responses(response: httpx.Response) -> dict[str, dict[str, Any]]:
    """The response objects of a JSON batch response by id, checking the response's shape."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    responses = response.json()["responses"]
    assert all(isinstance(item["status"], int) for item in responses)
    by_id = {item["id"]: item for item in responses}
    assert len(by_id) == len(responses)
    return by_id


# -- a database of the module's own: these tests write


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
async def writable(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[httpx.AsyncClient]:
    """A Northwind of the test module's own, on each database."""
    name = f"batch_{request.module.__name__.rsplit('.', 1)[-1]}"
    async with private_database(request.param, name, tmp_path_factory.mktemp("batch")) as url:
        async with northwind_client(url) as client:
            yield client


def assert_part_error(part: PartResponse | dict[str, Any], status: int, message: str = "") -> dict[str, Any]:
    """Assert a response inside a batch (multipart part or JSON response object) is an OData error."""
    if isinstance(part, PartResponse):
        actual, headers, error = part.status, part.headers, part.json()["error"]
    else:
        actual, headers, error = part["status"], part["headers"], part["body"]["error"]
    assert actual == status, error
    assert headers["content-type"] == "application/json"
    assert headers["odata-version"] in ("4.0", "4.01")
    assert isinstance(error["code"], str) and error["code"]
    assert message in error["message"], error
    return error
