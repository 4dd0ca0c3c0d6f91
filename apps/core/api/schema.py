"""OpenAPI pieces shared by every API view: the error shape and the responses that use it."""

import copy

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(help_text="Stable machine-readable code, e.g. invalid, not_found."),
        "message": serializers.CharField(help_text="What went wrong and what to do, for a person."),
        "fields": serializers.DictField(help_text="Per-field messages for invalid input."),
    },
)

ERROR_RESPONSES = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
    401: OpenApiResponse(ErrorSerializer, description="Missing or invalid API key"),
    403: OpenApiResponse(ErrorSerializer, description="The key lacks a scope, or the tenant is suspended"),
    404: OpenApiResponse(ErrorSerializer, description="No such resource for this key"),
    429: OpenApiResponse(
        ErrorSerializer,
        description=(
            "Rate limited (code `throttled`): the key's plan quota per minute, requests without a valid "
            "key per address, or bet placements per capper. Retry after `Retry-After` seconds."
        ),
    ),
}

_INTEGER = {"schema": {"type": "integer"}}
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": {"description": "Requests allowed in the current window.", **_INTEGER},
    "RateLimit-Remaining": {"description": "Requests left in the current window.", **_INTEGER},
    "RateLimit-Reset": {"description": "Seconds until the current window ends.", **_INTEGER},
}
RETRY_AFTER_HEADER = {"Retry-After": {"description": "Seconds to wait before retrying.", **_INTEGER}}


_THROTTLED_RESPONSE = {
    "description": "Rate limited (code `throttled`). Retry after `Retry-After` seconds.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def add_rate_limit_headers(result, generator, request, public):
    """drf-spectacular postprocessing hook: every API response documents the RateLimit-* headers."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            # every endpoint is throttled, including those that list their own error responses
            responses.setdefault("429", copy.deepcopy(_THROTTLED_RESPONSE))
            for status_code, response in responses.items():
                # fresh copies: a shared dict would come out of the YAML renderer as an alias
                headers = {**response.get("headers", {}), **copy.deepcopy(RATE_LIMIT_HEADERS)}
                if status_code == "429":
                    headers.update(copy.deepcopy(RETRY_AFTER_HEADER))
                response["headers"] = headers
    return result
