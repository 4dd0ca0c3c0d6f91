"""Training jobs: asked for through the outbox (one row, published after commit to the `ml` queue), run by a
worker that calls the model kind's trainer with a progress callback (progress and log lines are saved as they
come), then stores the new version. A trainer that raises (TrainingFailed for too little data, or anything
else) fails the job with its message; no version is created and no alias moves."""

import logging
import traceback

from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.ml.models import TrainingJob
from apps.ml.registry.choices import JobStatus
from apps.ml.registry.services import model_version_create
from apps.ml.training import TrainingFailed, model_kind_get

logger = logging.getLogger(__name__)
LOG_LINES_MAX = 500  # the newest lines of a job's log are kept
LINE_CHARS_MAX = 500


class _Progress:
    """The trainer's progress callback: each call saves the fraction and appends the line."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.lines: list[str] = []
        self.fraction = 0.0

    def __call__(self, fraction: float, line: str = "") -> None:
        self.fraction = min(1.0, max(self.fraction, float(fraction)))
        if line:
            self.lines.append(f"{timezone.now():%H:%M:%S} {str(line)[:LINE_CHARS_MAX]}")
            self.lines = self.lines[-LOG_LINES_MAX:]
        TrainingJob.objects.filter(pk=self.job_id).update(progress=self.fraction, log=self.lines)


def _claim(job_id: int) -> TrainingJob | None:
    with transaction.atomic():
        job = TrainingJob.objects.select_for_update().select_related("model").filter(pk=job_id).first()
        if job is None or job.status != JobStatus.QUEUED:
            return None  # run already (a redelivered message), or gone
        job.status = JobStatus.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
        return job


def _fail(job: TrainingJob, progress: _Progress, error: str) -> None:
    progress.lines.append(f"{timezone.now():%H:%M:%S} failed: {error[:LINE_CHARS_MAX]}")
    with transaction.atomic():
        TrainingJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=error[:4000], log=progress.lines[-LOG_LINES_MAX:], finished_at=timezone.now()
        )
        audit_record(
            actor=Actor.system("ml training"),
            action="ml.training_failed",
            target=job,
            changes={"model": job.model.name, "error": error[:500]},
        )


def training_job_run(*, job_id: int) -> TrainingJob | None:
    """Run a queued job once: train, store the version (succeeded) or record the error (failed)."""
    job = _claim(job_id)
    if job is None:
        return None
    progress = _Progress(job.pk)
    kind = model_kind_get(job.model.name)
    if kind is None:
        _fail(job, progress, f"No trainer is registered for {job.model.name!r} in this process.")
        return TrainingJob.objects.get(pk=job.pk)
    progress(0.0, f"training {kind.name} with {job.params or 'default parameters'}")
    try:
        result = kind.train(dict(job.params), progress)
        actor = Actor.system("ml training")
        if job.requested_by_label:
            actor = Actor(kind="system", identifier="ml training", label=job.requested_by_label)
        with transaction.atomic():
            version = model_version_create(kind.name, result, actor=actor, user=job.requested_by)
            progress(1.0, f"stored version {version.number} ({version.artifact_sha256[:12]})")
            TrainingJob.objects.filter(pk=job.pk).update(
                status=JobStatus.SUCCEEDED, version=version, finished_at=timezone.now()
            )
    except TrainingFailed as error:
        _fail(job, progress, error.message)
    except Exception as error:  # any bug of a trainer fails its job, never the worker or the aliases
        logger.exception("training job %s failed", job.pk)
        tail = traceback.format_exception_only(type(error), error)[-1].strip()
        _fail(job, progress, f"The trainer crashed: {tail}")
    return TrainingJob.objects.get(pk=job.pk)
