"""Domain errors that carry their HTTP status and a stable error code."""

from __future__ import annotations

from typing import Any


class CallCreditError(Exception):
    """Base of every error a user may see; rendered as JSON for the API, HTML for the web."""

    status_code: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        self.headers: dict[str, str] = {}  # extra response headers (e.g. Retry-After)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON body ``{"error": code, "message": ...}``."""
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(CallCreditError):
    status_code = 404
    code = "not_found"


class Conflict(CallCreditError):
    status_code = 409
    code = "conflict"


class InvalidInput(CallCreditError):
    status_code = 422
    code = "invalid_input"


class PayloadTooLarge(CallCreditError):
    status_code = 413
    code = "payload_too_large"


class Unauthorized(CallCreditError):
    status_code = 401
    code = "unauthorized"


class Forbidden(CallCreditError):
    status_code = 403
    code = "forbidden"


class TooManyRequests(CallCreditError):
    """Too many attempts in a short time; the answer says when to try again."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after_seconds": retry_after})
        self.headers = {"Retry-After": str(retry_after)}


class AudioError(CallCreditError):
    """The recording is empty, truncated, not audio or cannot be decoded."""

    status_code = 422
    code = "bad_audio"


class ConfigurationError(CallCreditError):
    """A setting points at something unusable (model folder, policy file); fails at start-up."""

    status_code = 500
    code = "configuration_error"
