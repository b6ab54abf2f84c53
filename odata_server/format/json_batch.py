"""The JSON batch format (OData JSON Format §19): request objects in, response objects out.

A body travels as a JSON value chosen by its media type (§19.1): JSON for
``application/json`` and ``+json`` types, a string for ``text/*``, and a base64url
string for anything else. Numbers inside a JSON body keep their exact text on the
way through (a ``Decimal`` of 30 digits is not rounded to a float).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from odata_server.format.media_type import MediaType, parse_media_type
from odata_server.format.values import base64url

_JSON = "application/json"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}\Z")


@dataclass(frozen=True, slots=True)
class RequestObject:
    """One request object of a JSON batch request (§19.1).

    Attributes:
        headers: header names in lower case. A request with a body and no
            ``content-type`` gets ``application/json``, the only type whose body
            can be any JSON value.
        body: the JSON value of ``body``; None when absent or null.
        condition: the ``if`` member, if any.
    """

    id: str
    method: str
    url: str
    atomicity_group: str | None
    depends_on: tuple[str, ...]
    headers: dict[str, str]
    body: Any
    condition: str | None


@dataclass(frozen=True, slots=True)
class ResponseObject:
    """One response object of a JSON batch response (§19.5)."""

    id: str | None
    atomicity_group: str | None
    status: int
    headers: Mapping[str, str]
    body: bytes


def read_json_batch(data: bytes) -> list[RequestObject]:
    """The request objects of a JSON batch request body.

    Raises:
        ValueError: the body is not a JSON batch request: not JSON, a name twice in
            one object (RFC 7493), no ``requests`` array, or a request object
            whose members have the wrong types.
    """
    try:
        document = json.loads(
            data,
            object_pairs_hook=_object_without_duplicates,
            parse_float=_exact_number,
            parse_int=_exact_number,
            parse_constant=_no_constant,
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"the body is not JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("requests"), list):
        raise ValueError('a JSON batch request is an object with a "requests" array')
    return [_request_object(item, position) for position, item in enumerate(document["requests"])]


def body_bytes(value: Any, media_type: MediaType) -> bytes:
    """The bytes of a request body given as ``value`` in a body of ``media_type``.

    Raises:
        ValueError: the value does not fit the media type (a number for
            ``text/plain``, a string that is not base64url for binary data).
    """
    if media_type.is_json:
        return orjson.dumps(value)
    if not isinstance(value, str):
        raise ValueError(f"the body of a {media_type.essence} request must be a string")
    if media_type.is_text:
        try:
            return value.encode(media_type.parameters.get("charset", "utf-8"))
        except (LookupError, UnicodeEncodeError) as error:
            raise ValueError(f"the body cannot be encoded as {media_type.essence}: {error}") from None
    not_base64url = ValueError(f"the body of a {media_type.essence} request must be base64url-encoded")
    if _BASE64URL.match(value) is None:
        raise not_base64url
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except binascii.Error:
        raise not_base64url from None


def write_json_batch(responses: Sequence[ResponseObject]) -> bytes:
    """``{"responses": [...]}``."""
    return orjson.dumps({"responses": [_response_object(response) for response in responses]})


def _response_object(response: ResponseObject) -> dict[str, Any]:
    written: dict[str, Any] = {}
    if response.id is not None:
        written["id"] = response.id
    if response.atomicity_group is not None:
        written["atomicityGroup"] = response.atomicity_group
    written["status"] = response.status
    headers = {name.lower(): value for name, value in response.headers.items()}
    if headers:
        written["headers"] = headers
    if response.body:
        written["body"] = _body_value(response.body, headers.get("content-type"))
    return written


def _body_value(body: bytes, content_type: str | None) -> Any:
    """A response body as a JSON value: the JSON itself, text, or base64url."""
    try:
        media_type = parse_media_type(content_type or _JSON)
    except ValueError:
        return base64url(body)
    if media_type.is_json:
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError:
            return base64url(body)
        return orjson.Fragment(body)
    if media_type.is_text:
        try:
            return body.decode(media_type.parameters.get("charset", "utf-8"))
        except (LookupError, UnicodeDecodeError):
            return base64url(body)
    return base64url(body)


def _request_object(item: object, position: int) -> RequestObject:
    where = f"request {position + 1}"
    if not isinstance(item, dict):
        raise ValueError(f"{where} is not an object")
    for name in ("id", "method", "url"):
        if not isinstance(item.get(name), str):
            raise ValueError(f'{where} needs "{name}" as a string')
    group = item.get("atomicityGroup")
    depends_on = item.get("dependsOn", [])
    headers = item.get("headers")
    condition = item.get("if")
    if group is not None and not isinstance(group, str):
        raise ValueError(f'the "atomicityGroup" of {where} must be a string')
    if not isinstance(depends_on, list) or not all(isinstance(name, str) for name in depends_on):
        raise ValueError(f'the "dependsOn" of {where} must be an array of strings')
    if condition is not None and not isinstance(condition, str):
        raise ValueError(f'the "if" of {where} must be a string')
    return RequestObject(
        id=item["id"],
        method=item["method"],
        url=item["url"],
        atomicity_group=group,
        depends_on=tuple(depends_on),
        headers=_headers(headers, item.get("body"), where),
        body=item.get("body"),
        condition=condition,
    )


def _headers(headers: object, body: object, where: str) -> dict[str, str]:
    if headers is None:
        headers = {}
    if not isinstance(headers, dict) or not all(isinstance(value, str) for value in headers.values()):
        raise ValueError(f'the "headers" of {where} must be an object of strings')
    lowered = {name.lower(): value for name, value in headers.items()}
    if len(lowered) != len(headers):
        raise ValueError(f'the "headers" of {where} name a header twice')
    if body is not None:
        lowered.setdefault("content-type", _JSON)
    return lowered


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        names = [name for name, _ in pairs]
        twice = next(name for position, name in enumerate(names) if name in names[:position])
        raise ValueError(f"the name {twice!r} appears twice in one object")
    return document


def _exact_number(text: str) -> orjson.Fragment:
    return orjson.Fragment(text)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


__all__ = ["RequestObject", "ResponseObject", "body_bytes", "read_json_batch", "write_json_batch"]
