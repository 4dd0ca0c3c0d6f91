"""Asking for a training job: the job row, its audit event and its outbox row, in one transaction (the task
is published to the `ml` queue after commit; apps/ml/registry/jobs.py runs it)."""

from django.db import transaction

from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.core.enqueue import enqueue
from apps.core.errors import ApplicationError
from apps.ml.models import TrainingJob
from apps.ml.registry.services import registered_model_get
from apps.ml.registry.tasks import training_job_run_task
from apps.ml.training import model_kind_get


@transaction.atomic
def training_job_enqueue(name: str, params: dict | None = None, *, actor: Actor, user=None) -> TrainingJob:
    """Queue a training job of a registered model kind (its task is published after commit)."""
    if model_kind_get(name) is None:
        raise ApplicationError(f"No trainer is registered for {name!r}.", code="model_not_found", status_code=404)
    if params is not None and not isinstance(params, dict):
        raise ApplicationError("Training parameters are a JSON object.", fields={"params": ["an object"]})
    model = registered_model_get(name=name)
    job = TrainingJob.objects.create(
        model=model, params=params or {}, requested_by=user, requested_by_label=actor.label[:150]
    )
    audit_record(actor=actor, action="ml.training_requested", target=job, changes={"model": name, "params": job.params})
    enqueue(training_job_run_task, job.pk)
    return job
