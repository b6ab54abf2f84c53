"""The callback of an asynchronous request (OData Protocol §8.2.8.2 ``callback``).

When a job finishes, the service sends a GET with no body to the URL the client gave.
A client must not be able to make the server reach its own internal hosts, so a URL
whose host resolves to a loopback, private, link-local or otherwise reserved address
is refused unless the service's ``callback_allow`` names it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

import httpx

from odata_server.errors import BadRequestError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _allowed(host: str, address: Address, allow: Sequence[str]) -> bool:
    for entry in allow:
        if entry.lower() == host.lower():
            return True
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _internal(address: Address) -> bool:
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


async def check_callback_url(url: str, allow: Sequence[str]) -> None:
    """Refuse a callback URL that is not http(s) or that reaches an internal address.

    Raises:
        BadRequestError: the URL may not be called back; the message says why.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequestError(f"The callback URL {url!r} is not an http(s) URL", target="Prefer")
    host = parts.hostname
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
    except OSError:
        raise BadRequestError(f"The callback host {host!r} cannot be resolved", target="Prefer") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if _internal(address) and not _allowed(host, address, allow):
            raise BadRequestError(
                f"The callback URL {url!r} reaches an internal address ({address}), which this service does not call",
                target="Prefer",
            )


async def send_callback(url: str, allow: Sequence[str], *, timeout: float = 10.0) -> None:
    """GET ``url`` (checked again: its host may resolve differently now).

    Raises:
        httpx.HTTPError: the callback failed; the caller retries with backoff.
    """
    await check_callback_url(url, allow)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        response = await client.get(url)
        response.raise_for_status()


__all__ = ["check_callback_url", "send_callback"]
