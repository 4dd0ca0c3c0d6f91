"""Reactions to the incident signals (signals.py) and to the alerts, cases and checks that open incidents."""

from django.dispatch import receiver

from apps.compliance.choices import CheckStatus
from apps.compliance.signals import check_run_recorded
from apps.core.enqueue import enqueue
from apps.fraud.signals import fraud_case_opened
from apps.incidents.choices import RuleSource
from apps.incidents.services.rules import rule_may_match
from apps.incidents.tasks import (
    incident_open_for_alert_task,
    incident_open_for_check_run_task,
    incident_open_for_fraud_case_task,
)
from apps.security.signals import alert_raised

# --- opening by rule (services/rules.py): thin, an outbox row in the source's transaction ---------------


@receiver(alert_raised, dispatch_uid="incidents.open_for_alert")
def open_for_alert(sender, alert_id: int, rule_slug: str = "", **kwargs) -> None:
    if rule_may_match(source=RuleSource.SECURITY_ALERT, slug=rule_slug):
        enqueue(incident_open_for_alert_task, alert_id)


@receiver(fraud_case_opened, dispatch_uid="incidents.open_for_fraud_case")
def open_for_fraud_case(sender, case_id: int, kind: str = "", guild_id: str = "", **kwargs) -> None:
    if rule_may_match(source=RuleSource.FRAUD_CASE, fraud_kind=kind):
        enqueue(incident_open_for_fraud_case_task, case_id, guild_id)


@receiver(check_run_recorded, dispatch_uid="incidents.open_for_check_run")
def open_for_check_run(
    sender, check_run_id: int, status: str, check_id: str = "", previous_status: str | None = None, **kwargs
) -> None:
    # a check that goes on failing run after run is one problem: only the run that starts failing opens one
    newly_failing = status == CheckStatus.FAIL and previous_status != CheckStatus.FAIL
    if newly_failing and rule_may_match(source=RuleSource.CHECK_FAILED, check_id=check_id):
        enqueue(incident_open_for_check_run_task, check_run_id)
