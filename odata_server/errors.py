"""The OData error hierarchy.

Every failure a client can cause is raised as an :class:`ODataError` subclass and
rendered by the pipeline as the OData error JSON
(``{"error": {"code", "message", "target", "details"}}``, OData JSON Format §21).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One entry of ``error.details``."""

    code: str
    message: str
    target: str | None = None


@dataclass(eq=False)
class ODataError(Exception):
    """Base class: an HTTP status, a service-defined code, a message and a target.

    ``headers`` are added to the error response (``Allow`` for 405, for example).
    """

    message: str
    target: str | None = None
    code: str = ""
    details: tuple[ErrorDetail, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)

    status = 500
    default_code = "InternalServerError"

    def __post_init__(self) -> None:
        if not self.code:
            self.code = self.default_code
        super().__init__(self.message)


class BadRequestError(ODataError):
    status = 400
    default_code = "BadRequest"


class NotFoundError(ODataError):
    status = 404
    default_code = "NotFound"


class MethodNotAllowedError(ODataError):
    status = 405
    default_code = "MethodNotAllowed"


class NotAcceptableError(ODataError):
    status = 406
    default_code = "NotAcceptable"


class ConflictError(ODataError):
    """The request contradicts the data: a duplicate key, a row still referenced."""

    status = 409
    default_code = "Conflict"


class PreconditionFailedError(ODataError):
    """``If-Match`` / ``If-None-Match`` does not hold for the entity."""

    status = 412
    default_code = "PreconditionFailed"


class PayloadTooLargeError(ODataError):
    status = 413
    default_code = "PayloadTooLarge"


class UnsupportedMediaTypeError(ODataError):
    status = 415
    default_code = "UnsupportedMediaType"


class PreconditionRequiredError(ODataError):
    """The entity set requires ``If-Match`` on changes, and the request has none."""

    status = 428
    default_code = "PreconditionRequired"


class UriTooLongError(ODataError):
    status = 414
    default_code = "UriTooLong"


class FeatureNotImplementedError(ODataError):
    """A part of OData this server does not offer yet: the honest 501."""

    status = 501
    default_code = "NotImplemented"


class InternalServerError(ODataError):
    status = 500
    default_code = "InternalServerError"


class ModelError(Exception):
    """The SQLAlchemy models cannot be expressed as an OData model.

    Raised at start-up, never during a request; the message names the class and
    attribute at fault and says how to fix it.
    """


__all__ = [
    "BadRequestError",
    "ConflictError",
    "ErrorDetail",
    "FeatureNotImplementedError",
    "InternalServerError",
    "MethodNotAllowedError",
    "ModelError",
    "NotAcceptableError",
    "NotFoundError",
    "ODataError",
    "PayloadTooLargeError",
    "PreconditionFailedError",
    "PreconditionRequiredError",
    "UnsupportedMediaTypeError",
    "UriTooLongError",
]
