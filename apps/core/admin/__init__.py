"""Admin building blocks shared by every app, and fixes to third-party admins."""

from django.contrib import admin
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, SolarSchedule

from apps.core.admin.theme import adopt_registered_admins, themed
from apps.core.admin.tools import ReadOnlyAdmin
from apps.core.models import LeakSuspect, MemorySnapshot, OutboxMessage, SlowQuery


class PeriodicTaskInline(beat_admin.PeriodicTaskInline):
    """django-celery-beat's inline loads each task's schedule again to print it: one query per task."""

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("interval", "crontab", "solar", "clocked")


# The schedule pages list the periodic tasks that use the schedule (the beat jobs of every app share
# a few schedules): re-register django-celery-beat's schedule admins with the inline fixed above.
for _model in (IntervalSchedule, CrontabSchedule, SolarSchedule, ClockedSchedule):
    _admin_class = type(admin.site.get_model_admin(_model))
    admin.site.unregister(_model)
    admin.site.register(_model, themed(_admin_class, inlines=[PeriodicTaskInline]))

# the other apps listed above apps.core in INSTALLED_APPS (auth's groups, axes, celery-beat's periodic
# tasks) registered their admins already: into the theme with them (apps/core/admin/theme.py)
adopt_registered_admins(admin.site)


class MonitoringAdmin(ReadOnlyAdmin):
    """Monitoring rows are written by the monitors only: browsable, never edited here."""

    show_facets = admin.ShowFacets.NEVER


@admin.register(SlowQuery)
class SlowQueryAdmin(MonitoringAdmin):
    list_display = ["normalized_sql_short", "count", "total_ms", "mean", "max_ms", "last_source", "last_seen_at"]
    ordering = ["-total_ms"]
    search_fields = ["normalized_sql", "last_source"]
    list_filter = ["database"]
    date_hierarchy = "last_seen_at"

    @admin.display(description="statement")
    def normalized_sql_short(self, obj: SlowQuery) -> str:
        return obj.normalized_sql[:120]

    @admin.display(description="mean ms")
    def mean(self, obj: SlowQuery) -> str:
        return f"{obj.mean_ms:.1f}"


def _mebibytes(value: int | None) -> str:
    return "—" if value is None else f"{value / (1024 * 1024):.1f} MiB"


@admin.register(MemorySnapshot)
class MemorySnapshotAdmin(MonitoringAdmin):
    list_display = ["created_at", "process", "process_kind", "rss", "level", "rss_after_cleanup"]
    list_filter = ["level", "process_kind"]
    search_fields = ["process"]
    date_hierarchy = "created_at"

    @admin.display(description="RSS", ordering="rss_bytes")
    def rss(self, obj: MemorySnapshot) -> str:
        return _mebibytes(obj.rss_bytes)

    @admin.display(description="RSS after cleanup")
    def rss_after_cleanup(self, obj: MemorySnapshot) -> str:
        return _mebibytes(obj.rss_after_cleanup_bytes)


@admin.register(LeakSuspect)
class LeakSuspectAdmin(MonitoringAdmin):
    list_display = ["process", "process_kind", "growth", "snapshot_count", "detected_at", "last_snapshot_at"]
    list_filter = ["process_kind"]
    search_fields = ["process"]

    @admin.display(description="growth")
    def growth(self, obj: LeakSuspect) -> str:
        return _mebibytes(obj.growth_bytes)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(MonitoringAdmin):
    """The task outbox (apps/core/outbox.py): what waits for the broker, what failed and why, what ran."""

    list_display = ["id", "task_name", "created_at", "available_at", "attempts", "dispatched_at", "completed_at"]
    list_filter = ["task_name", ("completed_at", admin.EmptyFieldListFilter)]
    search_fields = ["task_name", "last_error"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
