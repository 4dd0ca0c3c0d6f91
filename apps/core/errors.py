"""Errors: the one application error type, and the one shape every API 4xx answers with.

A business rule refuses with `ApplicationError` (or a subclass); DRF's EXCEPTION_HANDLER
(`api_exception_handler`) turns it, DRF's own errors and Django's into
`{"code": str, "message": str, "fields": {name: [str]}}`.
"""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from apps.core.signals import api_request_refused


class ApplicationError(Exception):
    """A business rule refused the action; `code` is stable, `message` is for a person; `headers` go on the
    answer (a quota's Retry-After)."""

    status_code = 400
    code = "invalid"
    headers: dict[str, str] = {}

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


logger = logging.getLogger(__name__)


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


def _flatten_messages(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [f"{key}: {message}" for key, value in detail.items() for message in _flatten_messages(value)]
    if isinstance(detail, list):
        return [message for item in detail for message in _flatten_messages(item)]
    return [str(detail)]


def split_field_errors(detail: Any) -> tuple[dict[str, Any], list[str]]:
    """Split DRF's validation detail into per-field messages and the non-field ones."""
    if not isinstance(detail, dict):
        return {}, _flatten_messages(detail)
    fields: dict[str, Any] = {}
    general: list[str] = []
    for name, value in detail.items():
        if name in ("non_field_errors", "__all__"):
            general.extend(_flatten_messages(value))
        elif isinstance(value, dict | list) and any(isinstance(item, dict) for item in value):
            # nested serializers keep their structure so a client can point at the exact item
            fields[name] = value
        else:
            fields[name] = _flatten_messages(value)
    return fields, general


def _validation_response(detail: Any) -> Response:
    fields, general = split_field_errors(detail)
    message = (
        " ".join(general)
        if general
        else _("Some fields are invalid: %(fields)s.") % {"fields": ", ".join(sorted(fields))}
    )
    return Response(error_body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)


_DRF_CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}


_REPORTED_STATUSES = {401, 403, 429}


def _report_refusal(context: dict[str, Any], status_code: int, code: str) -> None:
    """Tell the security app (through a core signal: core imports no app) about a refused request."""
    request = context.get("request")
    if status_code in _REPORTED_STATUSES and request is not None:
        http_request = getattr(request, "_request", request)
        api_request_refused.send(sender=api_exception_handler, request=http_request, status_code=status_code, code=code)


def _as_api_exception(exc: Exception) -> Exception:
    """Django's 404, permission and validation errors as DRF's; anything else unchanged."""
    if isinstance(exc, Http404):
        return exceptions.NotFound(_("Not found."))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    return exc


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every error a view raises becomes the one shape."""
    # rest_framework.views loads the authentication classes, which import this module's ApplicationError
    from rest_framework.views import set_rollback  # noqa: PLC0415 - a module-level import is circular

    if isinstance(exc, ApplicationError):
        set_rollback()
        _report_refusal(context, exc.status_code, exc.code)
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code, headers=exc.headers)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body("payload_too_large", _("The request body is larger than the API accepts.")),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    exc = _as_api_exception(exc)
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let Django log it and answer 500
    set_rollback()
    if isinstance(exc, exceptions.ValidationError):
        response = _validation_response(exc.detail)
    else:
        code = next((code for kind, code in _DRF_CODES.items() if isinstance(exc, kind)), None)
        code = code or str(getattr(exc, "default_code", "error"))
        if isinstance(exc, exceptions.ParseError):
            message = _("The request body could not be parsed: %(detail)s") % {"detail": exc.detail}
        else:
            message = " ".join(_flatten_messages(exc.detail))
        response = Response(error_body(code, message), status=exc.status_code)
    _report_refusal(context, response.status_code, response.data["code"])
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    return response
