from django.apps import AppConfig


class TenantsConfig(AppConfig):
    """Discord guilds as tenants, the plan catalogue and its quotas."""

    name = "apps.tenants"
    label = "tenants"
