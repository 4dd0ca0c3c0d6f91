from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """Framework catalogues, automated checks and evidence, scores, reports, alerts, workflows, portal."""

    name = "apps.compliance"
    label = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        from apps.compliance import receivers, tasks  # noqa: F401 - receivers; workers register the tasks
