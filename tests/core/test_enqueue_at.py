"""A timer through the outbox (`enqueue_at`): the row waits until it is due, then runs once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.enqueue import enqueue_at
from apps.core.models import OutboxMessage
from apps.core.outbox import outbox_dispatch, outbox_message_run, outbox_publish_at
from apps.incidents.tasks import escalation_sweep_task

pytestmark = pytest.mark.django_db


def test_a_timer_is_not_run_before_it_is_due_and_runs_once_after(django_capture_on_commit_callbacks):
    due = timezone.now() + timedelta(minutes=5)

    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue_at(escalation_sweep_task, at=due)

    message.refresh_from_db()
    assert (message.available_at, message.completed_at, message.dispatched_at) == (due, None, None)
    assert outbox_dispatch() == 0  # not due yet: the dispatcher leaves it

    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now() - timedelta(seconds=1))
    assert outbox_dispatch() == 1
    message.refresh_from_db()
    assert message.completed_at is not None
    assert outbox_message_run(message_id=message.pk) is False  # a second copy (the eta publish) runs nothing


def test_the_eta_publish_is_skipped_in_the_embedded_configuration():
    message = OutboxMessage.objects.create(task_name=escalation_sweep_task.name, available_at=timezone.now())

    assert outbox_publish_at(message_id=message.pk, task_name=message.task_name, at=message.available_at) is False
