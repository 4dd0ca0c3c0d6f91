"""The model registry (issue #16): registered models, skops artifacts with SHA-256, aliases moved with a
second person's approval, training jobs on the `ml` Celery queue, the predict path, its sampled log and
feature drift (PSI)."""
