from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Staff users and roles, Discord members, API keys."""

    name = "apps.accounts"
    label = "accounts"

    def ready(self) -> None:
        from apps.accounts import receivers, schema  # noqa: F401 - role sync after migrate; API key scheme
