"""OpenAPI pieces shared by every API view: the error shape and the responses that use it."""

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
}
