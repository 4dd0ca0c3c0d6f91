"""Report definitions: parameters, cron and recipients validated, and the beat schedule kept in step."""

import json
from datetime import UTC, datetime

import pytest
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from apps.audit.models import AuditEvent
from apps.compliance.choices import ReportKind
from apps.compliance.models import ReportDefinition
from apps.compliance.services.reports import (
    RUN_REPORT_TASK,
    report_definition_create,
    report_definition_delete,
    report_definition_update,
)
from apps.core.errors import ApplicationError, ConflictError
from dbsbm.celery import app as celery_app

pytestmark = pytest.mark.django_db


def _create(actor, **overrides):
    values = {
        "name": "Weekly integrity",
        "kind": ReportKind.BETTING_INTEGRITY,
        "parameters": {"days": 7},
        "cron": "0 6 * * 1",
        "recipients": ["dpo@dbsbm.test"],
    }
    return report_definition_create(actor=actor, **(values | overrides))


def _crontab(task: PeriodicTask) -> tuple:
    crontab = task.crontab
    return crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week


def test_a_scheduled_definition_gets_its_beat_row_calling_run_report(actor):
    definition = _create(actor)

    task = PeriodicTask.objects.get(pk=definition.periodic_task_id)
    assert (task.task, json.loads(task.args), task.enabled) == (RUN_REPORT_TASK, [definition.pk], True)
    assert _crontab(task) == ("0", "6", "*", "*", "1")
    assert str(task.crontab.timezone) == "UTC"
    assert definition.parameters == {"days": 7, "pending_hours": 48}
    assert (
        AuditEvent.objects.filter(action="compliance.report_definition_created", target_id=str(definition.pk)).count()
        == 1
    )


def test_beat_database_scheduler_sees_the_definition_schedule(actor):
    # django-celery-beat only loads crontab rows whose hour lies within two hours of
    # the current one, so the definition is scheduled for this hour.
    definition = _create(actor, cron=f"0 {datetime.now(tz=UTC).hour} * * *")

    entries = DatabaseScheduler(app=celery_app, lazy=True).all_as_schedule()

    entry = entries[definition.periodic_task.name]
    assert (entry.task, entry.args) == (RUN_REPORT_TASK, [definition.pk])


def test_changing_the_definition_changes_its_beat_row(actor):
    definition = _create(actor)
    task_id = definition.periodic_task_id

    report_definition_update(definition=definition, actor=actor, cron="30 7 1 * *")
    task = PeriodicTask.objects.get(pk=task_id)
    assert _crontab(task) == ("30", "7", "1", "*", "*")

    report_definition_update(definition=definition, actor=actor, is_enabled=False)
    assert PeriodicTask.objects.get(pk=task_id).enabled is False

    report_definition_update(definition=definition, actor=actor, cron="")
    assert not PeriodicTask.objects.filter(pk=task_id).exists()
    assert ReportDefinition.objects.get(pk=definition.pk).periodic_task is None
    actions = list(
        AuditEvent.objects.filter(target_id=str(definition.pk), action__startswith="compliance.report_definition")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["compliance.report_definition_created"] + ["compliance.report_definition_updated"] * 3


def test_deleting_a_definition_deletes_its_beat_row(actor):
    definition = _create(actor)
    task_id = definition.periodic_task_id

    report_definition_delete(definition=definition, actor=actor)

    assert not ReportDefinition.objects.exists()
    assert not PeriodicTask.objects.filter(pk=task_id).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"cron": "every monday"}, "cron", "'every monday' is not a valid cron schedule"),
        ({"cron": "0 6 * *"}, "cron", "is not a valid cron schedule: give five fields"),
        ({"cron": "61 6 * * 1"}, "cron", "is not a valid cron schedule"),
        ({"recipients": ["dpo@dbsbm.test", "not-an-address"]}, "recipients", "'not-an-address' is not a valid e-mail"),
        ({"parameters": {"dayz": 7}}, "parameters", "Unknown parameter(s) dayz for a betting_integrity report"),
        ({"parameters": {"days": 0}}, "parameters", "Parameter 'days' must be at least 1."),
        ({"parameters": {"days": "7"}}, "parameters", "Parameter 'days' must be a whole number."),
        ({"parameters": []}, "parameters", "Parameters must be a JSON object."),
        ({"kind": "tax_return"}, "kind", "Unknown report kind 'tax_return'"),
        (
            {"kind": ReportKind.AUDIT_TRAIL_EXTRACT, "parameters": {"start": "2026-11-01"}},
            "parameters",
            "Give both start and end",
        ),
        (
            {"kind": ReportKind.AUDIT_TRAIL_EXTRACT, "parameters": {"start": "2026-11-31", "end": "2026-12-01"}},
            "parameters",
            "must be a date written YYYY-MM-DD",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_writes_nothing(actor, overrides, field, message):
    with pytest.raises(ApplicationError) as refused:
        _create(actor, **overrides)

    assert refused.value.status_code == 400
    assert message in refused.value.message
    assert list(refused.value.fields) == [field]
    assert not ReportDefinition.objects.exists()
    assert not PeriodicTask.objects.filter(task=RUN_REPORT_TASK).exists()
    assert not AuditEvent.objects.filter(action__startswith="compliance.report").exists()


def test_a_bad_update_changes_neither_the_definition_nor_its_schedule(actor):
    definition = _create(actor)
    crontabs = CrontabSchedule.objects.count()

    with pytest.raises(ApplicationError, match="not a valid cron schedule"):
        report_definition_update(definition=definition, actor=actor, cron="0 25 * * *", recipients=["new@dbsbm.test"])

    definition.refresh_from_db()
    assert (definition.cron, definition.recipients) == ("0 6 * * 1", ["dpo@dbsbm.test"])
    assert _crontab(definition.periodic_task) == ("0", "6", "*", "*", "1")
    assert CrontabSchedule.objects.count() == crontabs


def test_names_are_unique_and_recipients_are_deduplicated(actor):
    definition = _create(actor, recipients="dpo@dbsbm.test, ciso@dbsbm.test; DPO@dbsbm.test")

    assert definition.recipients == ["dpo@dbsbm.test", "ciso@dbsbm.test"]
    with pytest.raises(ConflictError, match="already exists"):
        _create(actor)


def test_a_definition_without_cron_runs_on_demand_only(actor):
    definition = _create(actor, cron="  ")

    assert definition.periodic_task is None
    assert not PeriodicTask.objects.filter(task=RUN_REPORT_TASK).exists()
