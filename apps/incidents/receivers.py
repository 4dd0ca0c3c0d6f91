"""Reactions to the incident signals (signals.py) and to the alerts, cases and checks that open incidents."""

from django.db.models.signals import post_migrate
from django.dispatch import receiver

from apps.compliance.choices import CheckStatus
from apps.compliance.signals import check_run_recorded
from apps.core.enqueue import enqueue
from apps.fraud.signals import fraud_case_opened
from apps.incidents.choices import IncidentStatus, RuleSource
from apps.incidents.models import Incident
from apps.incidents.services.clocks import clocks_start
from apps.incidents.services.escalation import escalation_start
from apps.incidents.services.playbooks import playbooks_load
from apps.incidents.services.rules import rule_may_match
from apps.incidents.signals import incident_opened, incident_status_changed, incident_updated
from apps.incidents.tasks import (
    incident_open_for_alert_task,
    incident_open_for_check_run_task,
    incident_open_for_fraud_case_task,
    playbook_start_task,
    review_generate_task,
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


# --- escalation (services/escalation.py) ---------------------------------------------------------------


# The start level is notified inside the incident's own transaction (a few rows, no I/O: the deliveries are
# outbox rows, sent after the commit on the urgent queue). A task of its own would put one more queue wait
# between a detection and the first page; a rolled-back opening still notifies nobody.
@receiver(incident_opened, dispatch_uid="incidents.escalation_start")
def escalation_start_on_open(sender, incident, **kwargs) -> None:
    escalation_start(incident_id=incident.pk)


# --- playbooks (services/playbooks.py) ----------------------------------------------------------------


@receiver(incident_opened, dispatch_uid="incidents.playbook_start")
def playbook_start_on_open(sender, incident, **kwargs) -> None:
    """Run the kind's playbook once the incident is committed (the outbox row rolls back with it)."""
    enqueue(playbook_start_task, incident.pk)


@receiver(post_migrate, dispatch_uid="incidents.playbooks_load")
def playbooks_load_after_migrate(sender, **kwargs) -> None:
    """A fresh install (and every migrate) has the repo's playbooks: changed files become new versions."""
    if getattr(sender, "label", None) != "incidents":
        return
    playbooks_load()


# --- regulatory clocks and reviews (services/clocks.py, services/reviews.py) ------------------------------

# a change of one of these may make another regulatory clock apply
CLOCK_FIELDS = frozenset({"personal_data_involved", "severity", "kind"})


# The clocks start inside the incident's own transaction (no I/O, a few rows): an incident is never seen
# without the legal deadlines that already run for it.
@receiver(incident_opened, dispatch_uid="incidents.clocks_on_opened")
def start_clocks_on_opened(sender, incident: Incident, actor=None, **kwargs) -> None:
    clocks_start(incident=incident, actor=actor)


@receiver(incident_updated, dispatch_uid="incidents.clocks_on_updated")
def start_clocks_on_updated(sender, incident: Incident, actor=None, changes=None, **kwargs) -> None:
    if CLOCK_FIELDS & set(changes or ()):
        clocks_start(incident=incident, actor=actor)


@receiver(incident_status_changed, dispatch_uid="incidents.review_on_closed")
def generate_review_on_closed(sender, incident: Incident, to_status: str = "", **kwargs) -> None:
    if to_status == IncidentStatus.CLOSED:
        enqueue(review_generate_task, incident.pk)
