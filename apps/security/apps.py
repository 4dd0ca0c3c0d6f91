from django.apps import AppConfig


class SecurityConfig(AppConfig):
    """Security events, detection and correlation rules, alerts and behavioural baselines."""

    name = "apps.security"
    label = "security"

    def ready(self) -> None:
        from apps.security import receivers  # noqa: F401 - captures events from auth, axes, core and accounts
