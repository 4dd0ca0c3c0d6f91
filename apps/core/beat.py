"""Each app's periodic jobs live in `<app>/schedules.py` as data; this syncs them into beat.

django-celery-beat's database scheduler reads PeriodicTask rows; we own the rows we create
(marked in their description) and leave rows staff made by hand alone.
"""

from importlib import import_module

from django.apps import apps
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

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
