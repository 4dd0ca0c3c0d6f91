"""Each app's periodic jobs live in `<app>/schedules.py` as data; this syncs them into beat.

django-celery-beat's database scheduler reads PeriodicTask rows; we own the rows we create
(marked in their description) and leave rows staff made by hand alone.

Rows that belong to one object (a report definition's cron schedule, compliance and analytics) are
kept in step by their app's service through `crontab_task_sync`, on a cron checked by `cron_validate`.
"""

import json
from importlib import import_module

from croniter import croniter
from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext as _
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from apps.core.errors import ApplicationError

MANAGED_MARK = "[managed by code: <app>/schedules.py]"


def declared_schedules() -> list[dict]:
    """Every app's SCHEDULES entries: {name, task, every_seconds}."""
    declared = []
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("apps."):
            continue
        try:
            module = import_module(f"{app_config.name}.schedules")
        except ModuleNotFoundError as error:
            if error.name != f"{app_config.name}.schedules":
                raise
            continue
        declared.extend(module.SCHEDULES)
    return declared


@transaction.atomic
def schedules_sync() -> tuple[int, int]:
    """Upsert the declared jobs and disable managed ones no longer declared: (synced, disabled)."""
    declared = declared_schedules()
    for entry in declared:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=entry["every_seconds"], period=IntervalSchedule.SECONDS
        )
        PeriodicTask.objects.update_or_create(
            name=entry["name"],
            defaults={"task": entry["task"], "interval": interval, "enabled": True, "description": MANAGED_MARK},
        )
    disabled = (
        PeriodicTask.objects.filter(description=MANAGED_MARK, enabled=True)
        .exclude(name__in=[entry["name"] for entry in declared])
        .update(enabled=False)
    )
    return len(declared), disabled


def cron_validate(cron: str, *, code: str = "invalid_schedule", field: str = "cron") -> str:
    """A five-field cron expression (minute hour day-of-month month day-of-week), normalized; '' is none."""
    cron = " ".join((cron or "").split())
    if cron == "":
        return ""
    fields = cron.split(" ")
    if len(fields) != 5 or not croniter.is_valid(cron):
        message = _(
            "%(cron)s is not a valid cron schedule: give five fields, minute hour day-of-month month "
            "day-of-week, e.g. '0 6 * * 1' for Mondays at 06:00 UTC."
        ) % {"cron": repr(cron)}
        raise ApplicationError(message, code=code, fields={field: [message]})
    return cron


def crontab_task_sync(
    *, task: PeriodicTask | None, name: str, task_name: str, cron: str, args: list, enabled: bool, description: str
) -> PeriodicTask | None:
    """Make one object's beat row match it: without a cron none (an existing row is deleted), else the row
    (created when missing) calls `task_name(*args)` on the cron, in UTC, enabled as given.

    Call inside the transaction that changes the object, with a cron checked by `cron_validate`."""
    if not cron:
        if task is not None:
            task.delete()
        return None
    minute, hour, day_of_month, month_of_year, day_of_week = cron.split(" ")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
        timezone="UTC",
    )
    values = {
        "task": task_name,
        "crontab": crontab,
        "interval": None,
        "args": json.dumps(args),
        "enabled": enabled,
        "description": description,
    }
    if task is None:
        return PeriodicTask.objects.create(name=name, **values)
    for key, value in values.items():
        setattr(task, key, value)
    task.save()
    return task
