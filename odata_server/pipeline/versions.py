"""OData version negotiation (OData Protocol §8.1.5 OData-Version, §8.2.6 OData-MaxVersion).

The service speaks 4.0 and 4.01. A client that sends ``OData-MaxVersion: 4.0`` gets
4.0 responses; any other client gets 4.01.
"""

from __future__ import annotations

import re
from decimal import Decimal

from odata_server.errors import BadRequestError
from odata_server.messages import ODataRequest

SUPPORTED_VERSIONS = ("4.0", "4.01")
_VERSION = re.compile(r"\s*\d+\.\d+\s*\Z")


def _parse(text: str, header: str) -> Decimal:
    """Versions compare as decimals (Protocol §5.1): 4.1 is above 4.01."""
    if _VERSION.match(text) is None:
        raise BadRequestError(f"{header} must be a version such as 4.01, not {text!r}", target=header)
    return Decimal(text.strip())


def response_version(request: ODataRequest) -> str:
    """The OData version to answer ``request`` with.

    Raises:
        BadRequestError: the request is written in, or only accepts, a version this
            service does not speak.
    """
    requested = request.header("odata-version")
    if requested is not None and _parse(requested, "OData-Version") not in (Decimal("4.0"), Decimal("4.01")):
        raise BadRequestError(
            f"OData-Version {requested.strip()} is not supported; this service speaks "
            f"{' and '.join(SUPPORTED_VERSIONS)}",
            target="OData-Version",
        )
    maximum = request.header("odata-maxversion")
    if maximum is None:
        return "4.01"
    parsed = _parse(maximum, "OData-MaxVersion")
    if parsed < Decimal("4.0"):
        raise BadRequestError(
            f"OData-MaxVersion {maximum.strip()} is below 4.0, the lowest version this service speaks",
            target="OData-MaxVersion",
        )
    return "4.0" if parsed < Decimal("4.01") else "4.01"


__all__ = ["SUPPORTED_VERSIONS", "response_version"]
