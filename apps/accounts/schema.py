"""Teaches drf-spectacular how API keys authenticate (a bearer token)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "dbsbm_<prefix>_<secret>",
            "description": "An API key created in the admin, by `manage.py create_api_key` or by the API.",
        }
