"""Reactions of reports, alerts and workflows to other parts' signals (thin: enqueue a task).

- a recorded check run: evaluate the check and requirement alert rules;
- a new data-subject request (apps.privacy): start its "dsr" workflow; its progress moves the workflow;
- after migrate: create the default workflow definitions that are missing.
"""

from django.apps import apps
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from apps.compliance.services_workflows import workflow_definitions_ensure
from apps.compliance.signals import check_run_recorded
from apps.compliance.tasks_alerts import alerts_evaluate_check_run_task
from apps.compliance.tasks_workflows import dsr_workflow_start_task, dsr_workflow_sync_task
from apps.core.enqueue import enqueue
from apps.privacy.signals import data_subject_request_changed

# the RequestEventAction of a request just received (apps/privacy/choices.py)
_REQUEST_RECEIVED = "received"
_REQUEST_PROGRESS = frozenset({"verified", "status_changed"})


@receiver(check_run_recorded, dispatch_uid="compliance.alerts_on_check_run")
def evaluate_alerts_on_check_run(sender, check_run_id: int, **kwargs) -> None:
    enqueue(alerts_evaluate_check_run_task, check_run_id)


@receiver(data_subject_request_changed, dispatch_uid="compliance.dsr_workflow_on_request")
def follow_dsr_in_workflow(sender, request_id: int, change: str = "", **kwargs) -> None:
    if change == _REQUEST_RECEIVED:
        enqueue(dsr_workflow_start_task, request_id)
    elif change in _REQUEST_PROGRESS:
        enqueue(dsr_workflow_sync_task, request_id)


@receiver(post_migrate, dispatch_uid="compliance.workflow_definitions_ensure")
def ensure_workflow_definitions(sender, app_config=None, **kwargs) -> None:
    if app_config is None or app_config is not list(apps.get_app_configs())[-1]:
        return
    workflow_definitions_ensure()
