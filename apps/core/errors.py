"""The one application error type; the API turns it into `{"code", "message", "fields"}`."""

from typing import Any


class ApplicationError(Exception):
    """A business rule refused the action; `code` is stable, `message` is for a person."""

    status_code = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.fields = fields or {}
        if status_code is not None:
            self.status_code = status_code


class NotFoundError(ApplicationError):
    status_code = 404
    code = "not_found"


class ConflictError(ApplicationError):
    status_code = 409
    code = "conflict"


class PermissionDeniedError(ApplicationError):
    status_code = 403
    code = "permission_denied"
