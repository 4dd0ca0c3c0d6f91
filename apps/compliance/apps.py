from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """Framework catalogues, automated checks and evidence, scores, reports, alerts, workflows, portal."""

    name = "apps.compliance"
    label = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        # reports, alerts, workflows: their receivers, and their task modules (workers register the tasks)
        from apps.compliance import (  # noqa: F401
            receivers,  # noqa: F401 - catalogue sync, evidence from other apps
            receivers_automation,
            tasks_notifications,
            tasks_reports,
        )
