from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    """Security incident response (issue #13): incidents opened by hand or by rule from security alerts,
    fraud cases and failing checks; playbooks whose steps act on the platform; four escalation levels
    through the notification layer; evidence with a chained custody log; regulatory clocks; reviews.

    It sits above security, fraud, privacy and compliance (it links their alerts, cases and check runs and
    acts through their services) and below the portal, which shows it.
    """

    name = "apps.incidents"
    label = "incidents"
    verbose_name = "Incident response"

    def ready(self) -> None:
        from apps.incidents import checks, receivers  # noqa: F401 - reactions; the clocks' compliance check
        from apps.incidents.actions import evidence  # noqa: F401 - registers collect_evidence
