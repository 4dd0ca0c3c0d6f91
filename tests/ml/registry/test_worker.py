"""A real Celery worker on the `ml` queue runs a training job asked for through the outbox."""

import pytest

from apps.ml.models import ModelAlias, TrainingJob
from apps.ml.registry import demo
from apps.ml.registry.services import training_job_enqueue
from dbsbm.celery import app as celery_app
from tests.celery_broker import use_broker
from tests.incidents.worker import Processes, wait_until


@pytest.fixture
def broker():
    own = Processes()
    own.start_redis()
    previous_url, previous_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    use_broker(own.url, eager=False)
    try:
        yield own
    finally:
        own.stop()
        use_broker(previous_url, eager=previous_eager)


@pytest.mark.django_db(transaction=True)  # the worker reads what the test committed
def test_a_worker_on_the_ml_queue_runs_a_training_job(broker, trainer):
    job = training_job_enqueue(demo.NAME, {"rows": 300, "seed": 5}, actor=trainer)  # committed, then published

    broker.start_worker(queues="ml")
    wait_until(lambda: TrainingJob.objects.get(pk=job.pk).status in ("succeeded", "failed"), timeout=90)

    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == ("succeeded", 1.0, "")
    assert job.version.number == 1 and job.version.trained_by_label == "trainer"
    assert job.started_at <= job.finished_at
    assert dict(ModelAlias.objects.filter(model__name=demo.NAME).values_list("name", "version__number")) == {
        "champion": 1,
        "challenger": 1,
    }
