from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Platform pieces used by every app: errors, actors, base views, probes, schedules."""

    name = "apps.core"
    label = "core"

    def ready(self) -> None:
        from apps.core import receivers  # noqa: F401 - connects the schedule sync and task monitoring
        from apps.core.observability import receivers as observability_receivers  # noqa: F401 - tracing, task metrics
