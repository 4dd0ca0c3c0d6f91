"""The ml app's Celery tasks, found by Celery's autodiscovery (one import line per area)."""

from apps.ml.registry.tasks import drift_check_task, training_job_run_task  # noqa: F401 - the registry (mlreg)
