"""Reactions of the compliance app: catalogue sync after migrate, evidence from other apps' activity,
alert evaluation after check runs, workflows started and moved by data-subject requests.

Detector runs: the security and fraud apps record no run rows and send no signal when a scheduled
detector finishes, so their Celery tasks' `task_postrun` is the hook (it fires in a worker and for eager
tasks alike); the task's return value is its number of findings or alerts.
"""

import logging

from celery.signals import task_postrun
from django.apps import apps
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from apps.compliance.choices import EvidenceKind
from apps.compliance.services.catalogues import catalogues_load
from apps.compliance.services.evidence import evidence_record
from apps.compliance.services.workflows import workflow_definitions_ensure
from apps.compliance.tasks import dsr_workflow_start_task, dsr_workflow_sync_task
from apps.core.enqueue import enqueue
from apps.keyring.signals import keys_rotated
from apps.privacy.choices import RequestEventAction
from apps.privacy.signals import data_subject_request_changed

logger = logging.getLogger(__name__)

DETECTOR_TASKS = {
    "apps.fraud.tasks.fraud_scan_task": "fraud scan (every integrity detector)",
    "apps.security.tasks.security_correlate_task": "security correlation (every detection rule)",
    "apps.security.tasks.security_baselines_task": "security behavioural baselines",
}


@receiver(post_migrate, dispatch_uid="compliance.catalogues_load")
def catalogues_load_after_migrate(sender, **kwargs) -> None:
    if getattr(sender, "label", None) != "compliance":
        return
    catalogues_load(actor=None)


@task_postrun.connect(dispatch_uid="compliance.detector_run_evidence")
def detector_run_evidence(sender=None, task_id=None, task=None, retval=None, state=None, **kwargs) -> None:
    name = getattr(task, "name", "")
    if name not in DETECTOR_TASKS:
        return
    try:
        evidence_record(
            kind=EvidenceKind.DETECTOR_RUN,
            source=name,
            summary=f"{DETECTOR_TASKS[name]}: {state}, result {retval if isinstance(retval, int) else '-'}",
            data={
                "task": name,
                "task_id": task_id,
                "state": state,
                "result": retval if isinstance(retval, int) else None,
            },
        )
    except Exception:  # evidence must never fail the detector's task
        logger.exception("could not record detector run evidence for %s", name)


@receiver(keys_rotated, dispatch_uid="compliance.key_rotation_evidence")
def key_rotation_evidence(sender=None, active_version=None, reencrypted=0, failed=(), retired_versions=(), **kwargs):
    actor = kwargs.get("actor")
    data = {
        "active_version": active_version,
        "reencrypted_values": reencrypted,
        "failed_count": len(failed),
        "failed": list(failed)[:20],
        "retired_versions": list(retired_versions),
        "actor": getattr(actor, "label", None),
    }
    try:
        evidence_record(
            kind=EvidenceKind.KEY_ROTATION,
            source="keyring",
            summary=f"key rotation: v{active_version} active, {reencrypted} values re-encrypted, "
            f"{len(failed)} failed, retired {list(retired_versions)}",
            data=data,
        )
    except Exception:  # evidence must never fail the rotation
        logger.exception("could not record key rotation evidence")


# the request changes that start or move its workflow
_REQUEST_PROGRESS = frozenset({RequestEventAction.VERIFIED, RequestEventAction.STATUS_CHANGED})


@receiver(data_subject_request_changed, dispatch_uid="compliance.dsr_workflow_on_request")
def follow_dsr_in_workflow(sender, request_id: int, change: str = "", **kwargs) -> None:
    if change == RequestEventAction.RECEIVED:
        enqueue(dsr_workflow_start_task, request_id)
    elif change in _REQUEST_PROGRESS:
        enqueue(dsr_workflow_sync_task, request_id)


@receiver(post_migrate, dispatch_uid="compliance.workflow_definitions_ensure")
def ensure_workflow_definitions(sender, app_config=None, **kwargs) -> None:
    if app_config is None or app_config is not list(apps.get_app_configs())[-1]:
        return
    workflow_definitions_ensure()
