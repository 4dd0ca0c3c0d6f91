from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """Framework catalogues, automated checks and evidence, scores, reports, alerts, workflows, portal."""

    name = "apps.compliance"
    label = "compliance"
    verbose_name = "Compliance"
