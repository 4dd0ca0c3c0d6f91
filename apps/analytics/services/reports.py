"""BI report definitions (with their beat schedule) and runs: build, store with SHA-256, e-mail.

A definition's cron schedule is a django-celery-beat PeriodicTask owned by the definition, created,
changed and deleted here in the same transaction (apps/core/beat.py `crontab_task_sync`, as the compliance
reports do), so beat's database scheduler calls `report_run_task(definition_id)` on the schedule the
definition shows. A run is numbered per definition under a row lock, covers complete days counted back from
the day it runs (in the tenant's time zone), stores each file through Django's storage with its SHA-256, and
e-mails the PDF and the XLSX through the notification layer, which attaches the stored bytes after checking
their SHA-256 again.
"""

import hashlib
import logging
import zoneinfo
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.analytics.choices import (
    CONTENT_TYPES,
    EMAILED_FORMATS,
    ReportFormat,
    ReportPeriod,
    ReportRunStatus,
    ReportScope,
)
from apps.analytics.models import ReportDefinition, ReportFile, ReportRun
from apps.analytics.reports.build import report_content_build
from apps.analytics.reports.content import ReportContent
from apps.analytics.reports.definitions import REFUSAL_CODE, definition_inputs_validate, name_validate
from apps.analytics.reports.periods import period_range, previous_range
from apps.analytics.reports.render_pdf import render_pdf
from apps.analytics.reports.render_tables import render_csv, render_xlsx
from apps.analytics.reports.templates import REPORT_TEMPLATES
from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.beat import crontab_task_sync
from apps.core.errors import ApplicationError, ConflictError
from apps.notifications.choices import EventKind, Severity
from apps.notifications.services import Attachment, Recipients, notification_send
from apps.tenants.models import Tenant

logger = logging.getLogger(__name__)

RUN_REPORT_TASK = "apps.analytics.tasks.report_run_task"
RENDERERS = {ReportFormat.PDF: render_pdf, ReportFormat.CSV: render_csv, ReportFormat.XLSX: render_xlsx}
_AUDITED_FIELDS = ["name", "template", "period", "formats", "recipients", "cron", "is_enabled"]
_UNCHANGED = object()


def _snapshot(definition: ReportDefinition) -> dict:
    return {name: getattr(definition, name) for name in _AUDITED_FIELDS}


def _guild_id(definition: ReportDefinition) -> str:
    return definition.tenant.guild_id if definition.tenant_id else ""


def report_definition_check(*, tenant: Tenant | None, name, template, period, formats, recipients, cron) -> dict:
    """The checked inputs of a definition, or an ApplicationError naming every bad field; writes nothing.
    A form calls it to show under each field the message the service itself would give."""
    problems: dict[str, list[str]] = {}
    try:
        cleaned = {"name": name_validate(name)}
    except ApplicationError as refused:
        cleaned, problems = {}, dict(refused.fields)
    try:
        cleaned |= definition_inputs_validate(
            tenant=tenant, template=template, period=period, formats=formats, recipients=recipients, cron=cron
        )
    except ApplicationError as refused:
        problems |= refused.fields
    if problems:
        message = " ".join(text for texts in problems.values() for text in texts)
        raise ApplicationError(message, code=REFUSAL_CODE, fields=problems)
    return cleaned


def scope_slug(tenant: Tenant | None) -> str:
    """How URLs and file paths name a scope: the tenant's guild id, or "platform"."""
    return tenant.guild_id if tenant is not None else ReportScope.PLATFORM.value


def periodic_task_name(definition: ReportDefinition) -> str:
    return f"analytics report {definition.pk}"


def _name_taken(*, tenant: Tenant | None, name: str, exclude_id: int | None = None) -> None:
    taken = ReportDefinition.objects.filter(tenant=tenant, name=name).exclude(pk=exclude_id)
    if taken.exists():
        where = f"for {tenant.name}" if tenant is not None else "for the platform"
        raise ConflictError(
            _("A report named %(name)s already exists %(where)s.") % {"name": repr(name), "where": where},
            code="report_definition_exists",
        )


def _schedule_sync(definition: ReportDefinition) -> None:
    """Make the definition's beat row match it: none without a cron, else enabled as the definition is."""
    existing = definition.periodic_task
    if not definition.cron and existing is not None:
        definition.periodic_task = None
        ReportDefinition.objects.filter(pk=definition.pk).update(periodic_task=None)
    task = crontab_task_sync(
        task=existing,
        name=periodic_task_name(definition),
        task_name=RUN_REPORT_TASK,
        cron=definition.cron,
        args=[definition.pk],
        enabled=definition.is_enabled,
        description=f"BI report definition {definition.pk} ({definition.name}); managed by apps/analytics.",
    )
    if task is not None and existing is None:
        ReportDefinition.objects.filter(pk=definition.pk).update(periodic_task=task)
        definition.periodic_task = task


@transaction.atomic
def report_definition_create(
    *,
    actor: Actor,
    tenant: Tenant | None,
    name: str,
    template: str,
    period: str = ReportPeriod.LAST_7_DAYS,
    formats=None,
    recipients=None,
    cron: str = "",
    is_enabled: bool = True,
) -> ReportDefinition:
    """A BI report for one tenant (None: the platform) and, with a cron, its beat row; bad input writes nothing."""
    name = name_validate(name)
    cleaned = definition_inputs_validate(
        tenant=tenant,
        template=template,
        period=period,
        formats=[choice.value for choice in ReportFormat] if formats is None else formats,
        recipients=recipients,
        cron=cron,
    )
    _name_taken(tenant=tenant, name=name)
    definition = ReportDefinition.objects.create(
        tenant=tenant, name=name, is_enabled=bool(is_enabled), created_by=actor.label[:150], **cleaned
    )
    _schedule_sync(definition)
    audit_record(
        actor=actor,
        action="analytics.report_definition_created",
        target=definition,
        guild_id=_guild_id(definition),
        changes=field_changes({}, _snapshot(definition)),
    )
    return definition


@transaction.atomic
def report_definition_update(
    *,
    definition: ReportDefinition,
    actor: Actor,
    name=_UNCHANGED,
    template=_UNCHANGED,
    period=_UNCHANGED,
    formats=_UNCHANGED,
    recipients=_UNCHANGED,
    cron=_UNCHANGED,
    is_enabled=_UNCHANGED,
) -> ReportDefinition:
    """Change a definition and its beat schedule together (its tenant never changes); bad input changes nothing."""
    definition = (
        ReportDefinition.objects.select_for_update(of=("self",))
        .select_related("tenant", "periodic_task")
        .get(pk=definition.pk)
    )
    before = _snapshot(definition)

    def given(value, current):
        return current if value is _UNCHANGED else value

    cleaned = definition_inputs_validate(
        tenant=definition.tenant,
        template=given(template, definition.template),
        period=given(period, definition.period),
        formats=given(formats, definition.formats),
        recipients=given(recipients, definition.recipients),
        cron=given(cron, definition.cron),
    )
    if name is not _UNCHANGED:
        definition.name = name_validate(name)
        _name_taken(tenant=definition.tenant, name=definition.name, exclude_id=definition.pk)
    if is_enabled is not _UNCHANGED:
        definition.is_enabled = bool(is_enabled)
    for key, value in cleaned.items():
        setattr(definition, key, value)
    definition.save()
    _schedule_sync(definition)
    changed = field_changes(before, _snapshot(definition))
    if changed:
        audit_record(
            actor=actor,
            action="analytics.report_definition_updated",
            target=definition,
            guild_id=_guild_id(definition),
            changes=changed,
        )
    return definition


@transaction.atomic
def report_definition_delete(*, definition: ReportDefinition, actor: Actor) -> None:
    """Delete a definition that never ran, with its beat row; one with runs is kept (disable it instead)."""
    definition = (
        ReportDefinition.objects.select_for_update(of=("self",))
        .select_related("tenant", "periodic_task")
        .get(pk=definition.pk)
    )
    if definition.runs.exists():
        raise ConflictError(
            _("%(name)s has runs, which are kept as records: disable the definition instead.")
            % {"name": repr(definition.name)},
            code="report_definition_has_runs",
        )
    audit_record(
        actor=actor,
        action="analytics.report_definition_deleted",
        target=definition,
        guild_id=_guild_id(definition),
        changes=field_changes(_snapshot(definition), {}),
    )
    task = definition.periodic_task
    definition.delete()
    if task is not None:
        task.delete()


def _today(definition: ReportDefinition, now: datetime):
    zone = zoneinfo.ZoneInfo(definition.tenant.timezone if definition.tenant_id else "UTC")
    return now.astimezone(zone).date()


@transaction.atomic
def _run_open(*, definition: ReportDefinition, actor: Actor, now: datetime) -> ReportRun:
    definition = ReportDefinition.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=definition.pk)
    definition.last_run_number += 1
    definition.save(update_fields=["last_run_number", "updated_at"])
    start, end = period_range(definition.period, today=_today(definition, now))
    previous_start, previous_end = previous_range(start, end)
    return ReportRun.objects.create(
        definition=definition,
        number=definition.last_run_number,
        template=definition.template,
        period_start=start,
        period_end=end,
        previous_start=previous_start,
        previous_end=previous_end,
        triggered_by=actor.label[:150],
        started_at=now,
    )


@transaction.atomic
def _run_fail(*, run: ReportRun, actor: Actor, error: str) -> ReportRun:
    run.status, run.error, run.finished_at = ReportRunStatus.FAILED, error[:2000], timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    audit_record(
        actor=actor,
        action="analytics.report_run_failed",
        target=run,
        guild_id=_guild_id(run.definition),
        changes=field_changes({}, {"number": run.number, "error": run.error}),
    )
    return run


def _file_name(run: ReportRun, extension: str) -> str:
    return f"{slugify(run.definition.name)[:60] or 'report'}-v{run.number}.{extension}"


def _emailed(files: list[ReportFile]) -> list[ReportFile]:
    formats = {report_file.format for report_file in files}
    wanted = set(EMAILED_FORMATS) if formats & set(EMAILED_FORMATS) else formats
    return [report_file for report_file in files if report_file.format in wanted]


def _notify(*, run: ReportRun, files: list[ReportFile]) -> None:
    """The e-mail to the definition's recipients, with the PDF and the XLSX (the stored files) attached."""
    definition = run.definition
    attached = _emailed(files)
    notification = notification_send(
        kind=EventKind.ANALYTICS_REPORT_READY,
        key=f"analytics_report_run:{run.pk}",
        context={
            "run_id": run.pk,
            "definition": definition.name,
            "version": run.number,
            "template": REPORT_TEMPLATES[run.template].title,
            "scope": definition.tenant.name if definition.tenant_id else "the platform",
            "guild_id": _guild_id(definition),
            "period_start": run.period_start.isoformat(),
            "period_end": run.period_end.isoformat(),
            "previous_start": run.previous_start.isoformat(),
            "previous_end": run.previous_end.isoformat(),
            "generated_at": f"{run.started_at:%Y-%m-%d %H:%M}",
            "files": [{"name": item.filename, "sha256": item.sha256} for item in attached],
            "portal_path": f"/portal/analytics/reports/{scope_slug(definition.tenant)}/",
        },
        recipients=Recipients(addresses=definition.recipients),
        severity=Severity.INFO,
        guild_id=_guild_id(definition),
        attachments=[
            Attachment(
                name=item.filename, path=item.file.name, content_type=CONTENT_TYPES[item.format], sha256=item.sha256
            )
            for item in attached
        ],
    )
    run.notification, run.emailed_to = notification, list(definition.recipients)
    run.save(update_fields=["notification", "emailed_to"])


@transaction.atomic
def _run_store(
    *, run: ReportRun, actor: Actor, outputs: dict[str, bytes], content: ReportContent, send_email: bool
) -> ReportRun:
    files, hashes = [], {}
    for extension, data in outputs.items():
        report_file = ReportFile(
            run=run, format=extension, sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data)
        )
        report_file.file.save(_file_name(run, extension), ContentFile(data), save=False)
        report_file.save()
        files.append(report_file)
        hashes[extension] = report_file.sha256
    run.status, run.finished_at = ReportRunStatus.SUCCEEDED, timezone.now()
    run.row_count, run.summary = content.row_count, content.summary
    run.save(update_fields=["status", "finished_at", "row_count", "summary"])
    audit_record(
        actor=actor,
        action="analytics.report_run_completed",
        target=run,
        guild_id=_guild_id(run.definition),
        changes=field_changes({}, {"number": run.number, "sha256": hashes, "rows": content.row_count}),
    )
    if send_email and run.definition.recipients:
        _notify(run=run, files=files)
    return run


def report_run(
    *, definition: ReportDefinition, actor: Actor, now: datetime | None = None, send_email: bool = True
) -> ReportRun:
    """Build the next version of a BI report for its period as of `now` (PDF, CSV, XLSX with SHA-256),
    store it and e-mail it to the recipients; a run that cannot be built is kept as failed with the
    reason (and audited), it does not raise."""
    now = now or timezone.now()
    run = _run_open(definition=definition, actor=actor, now=now)
    header = {
        "definition": run.definition.name,
        "definition_id": run.definition_id,
        "template": run.template,
        "version": run.number,
        "generated_at": run.started_at.isoformat(),
    }
    try:
        content = report_content_build(
            template=REPORT_TEMPLATES[run.template],
            tenant=run.definition.tenant,
            start=run.period_start,
            end=run.period_end,
        )
        outputs = {extension: RENDERERS[extension](content, header=header) for extension in run.definition.formats}
    except ApplicationError as error:
        return _run_fail(run=run, actor=actor, error=error.message)
    except Exception as error:  # noqa: BLE001 - a broken section fails its run, visibly, not the beat
        logger.exception("analytics report run %s of definition %s failed", run.pk, run.definition_id)
        return _run_fail(run=run, actor=actor, error=f"{type(error).__name__}: {error}")
    return _run_store(run=run, actor=actor, outputs=outputs, content=content, send_email=send_email)
