"""Report definitions (with their beat schedule) and report runs: build, store with SHA-256, e-mail.

A definition's cron schedule is a django-celery-beat PeriodicTask (with a CrontabSchedule) owned by
the definition: created, changed, disabled and deleted here in the same transaction as the
definition, so beat's database scheduler always calls `run_report(definition_id)` on the schedule
the definition shows. A run is numbered per definition under a row lock (no two runs share a
version), its files are written through Django's storage with their SHA-256, and the e-mail to the
recipients carries the same bytes as attachments.
"""

import hashlib
import logging
import smtplib

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.compliance.choices import CONTENT_TYPES, ReportFormat, ReportRunStatus
from apps.compliance.models import Framework, ReportDefinition, ReportFile, ReportRun
from apps.compliance.reporting.kinds import report_content_build
from apps.compliance.reporting.parameters import cron_validate, parameters_validate, recipients_validate
from apps.compliance.reporting.render import render_csv, render_json, render_pdf
from apps.core.actors import Actor
from apps.core.beat import crontab_task_sync
from apps.core.errors import ApplicationError, ConflictError
from apps.core.mail import exact_attachment

logger = logging.getLogger(__name__)

RUN_REPORT_TASK = "apps.compliance.tasks.run_report"
_AUDITED_FIELDS = ["name", "kind", "framework_id", "parameters", "cron", "recipients", "is_enabled"]


def _snapshot(definition: ReportDefinition) -> dict:
    return {name: getattr(definition, name) for name in _AUDITED_FIELDS}


def periodic_task_name(definition: ReportDefinition) -> str:
    return f"compliance report {definition.pk}"


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
        description=f"Report definition {definition.pk} ({definition.name}); managed by apps/compliance.",
    )
    if task is not None and existing is None:
        ReportDefinition.objects.filter(pk=definition.pk).update(periodic_task=task)
        definition.periodic_task = task


def _clean(*, kind: str, framework, parameters, cron: str, recipients) -> dict:
    if framework is not None and not isinstance(framework, Framework):
        raise ApplicationError(_("framework must be a Framework."), fields={"framework": [_("Unknown framework.")]})
    return {
        "parameters": parameters_validate(kind=kind, parameters=parameters),
        "cron": cron_validate(cron),
        "recipients": recipients_validate(recipients),
    }


@transaction.atomic
def report_definition_create(
    *,
    actor: Actor,
    name: str,
    kind: str,
    framework: Framework | None = None,
    parameters: dict | None = None,
    cron: str = "",
    recipients: list[str] | None = None,
    is_enabled: bool = True,
) -> ReportDefinition:
    """A report definition and, when it has a cron schedule, its beat row; invalid input writes nothing."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ApplicationError(_("Give the report a name of 1 to 120 characters."), fields={"name": [_("Required.")]})
    cleaned = _clean(kind=kind, framework=framework, parameters=parameters, cron=cron, recipients=recipients)
    if ReportDefinition.objects.filter(name=name).exists():
        raise ConflictError(
            _("A report named %(name)r already exists.") % {"name": name}, code="report_definition_exists"
        )
    definition = ReportDefinition.objects.create(
        name=name, kind=kind, framework=framework, is_enabled=is_enabled, created_by=actor.label[:150], **cleaned
    )
    _schedule_sync(definition)
    audit_record(
        actor=actor,
        action="compliance.report_definition_created",
        target=definition,
        changes=field_changes({}, _snapshot(definition)),
    )
    return definition


_UNCHANGED = object()


@transaction.atomic
def report_definition_update(
    *,
    definition: ReportDefinition,
    actor: Actor,
    name=_UNCHANGED,
    kind=_UNCHANGED,
    framework=_UNCHANGED,
    parameters=_UNCHANGED,
    cron=_UNCHANGED,
    recipients=_UNCHANGED,
    is_enabled=_UNCHANGED,
) -> ReportDefinition:
    """Change a definition and its beat schedule together; invalid input changes nothing."""
    definition = (
        ReportDefinition.objects.select_for_update(of=("self",)).select_related("periodic_task").get(pk=definition.pk)
    )
    before = _snapshot(definition)
    changes = {
        key: value
        for key, value in {
            "name": name,
            "kind": kind,
            "framework": framework,
            "parameters": parameters,
            "cron": cron,
            "recipients": recipients,
            "is_enabled": is_enabled,
        }.items()
        if value is not _UNCHANGED
    }
    new_kind = changes.get("kind", definition.kind)
    cleaned = _clean(
        kind=new_kind,
        framework=changes.get("framework", definition.framework),
        parameters=changes.get("parameters", definition.parameters if new_kind == definition.kind else {}),
        cron=changes.get("cron", definition.cron),
        recipients=changes.get("recipients", definition.recipients),
    )
    if "name" in changes:
        new_name = (changes["name"] or "").strip()
        if not new_name or len(new_name) > 120:
            raise ApplicationError(
                _("Give the report a name of 1 to 120 characters."), fields={"name": [_("Required.")]}
            )
        if ReportDefinition.objects.filter(name=new_name).exclude(pk=definition.pk).exists():
            raise ConflictError(
                _("A report named %(new_name)r already exists.") % {"new_name": new_name},
                code="report_definition_exists",
            )
        definition.name = new_name
    definition.kind = new_kind
    if "framework" in changes:
        definition.framework = changes["framework"]
    if "is_enabled" in changes:
        definition.is_enabled = bool(changes["is_enabled"])
    for key, value in cleaned.items():
        setattr(definition, key, value)
    definition.save()
    _schedule_sync(definition)
    changed = field_changes(before, _snapshot(definition))
    if changed:
        audit_record(actor=actor, action="compliance.report_definition_updated", target=definition, changes=changed)
    return definition


@transaction.atomic
def report_definition_delete(*, definition: ReportDefinition, actor: Actor) -> None:
    """Delete a definition that never ran, with its beat row; one with runs is kept (disable it instead)."""
    definition = (
        ReportDefinition.objects.select_for_update(of=("self",)).select_related("periodic_task").get(pk=definition.pk)
    )
    if definition.runs.exists():
        raise ConflictError(
            _("%(name)r has runs, which are kept as records: disable the definition instead.")
            % {"name": definition.name},
            code="report_definition_has_runs",
        )
    audit_record(
        actor=actor,
        action="compliance.report_definition_deleted",
        target=definition,
        changes=field_changes(_snapshot(definition), {}),
    )
    task = definition.periodic_task
    definition.delete()
    if task is not None:
        task.delete()


def _file_name(definition: ReportDefinition, number: int, extension: str) -> str:
    return f"{slugify(definition.name)[:60] or 'report'}-v{number}.{extension}"


@transaction.atomic
def _run_open(*, definition: ReportDefinition, actor: Actor) -> ReportRun:
    definition = ReportDefinition.objects.select_for_update().get(pk=definition.pk)
    definition.last_run_number += 1
    definition.save(update_fields=["last_run_number", "updated_at"])
    return ReportRun.objects.create(
        definition=definition,
        number=definition.last_run_number,
        kind=definition.kind,
        parameters=parameters_validate(kind=definition.kind, parameters=definition.parameters),
        triggered_by=actor.label[:150],
        started_at=timezone.now(),
    )


@transaction.atomic
def _run_fail(*, run: ReportRun, actor: Actor, error: str) -> ReportRun:
    run.status, run.error, run.finished_at = ReportRunStatus.FAILED, error[:2000], timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    audit_record(
        actor=actor,
        action="compliance.report_run_failed",
        target=run,
        changes=field_changes({}, {"number": run.number, "error": run.error}),
    )
    return run


@transaction.atomic
def _run_store(*, run: ReportRun, actor: Actor, outputs: dict[str, bytes], row_count: int, summary: str) -> ReportRun:
    hashes = {}
    for extension, data in outputs.items():
        report_file = ReportFile(
            run=run, format=extension, sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data)
        )
        report_file.file.save(_file_name(run.definition, run.number, extension), ContentFile(data), save=False)
        report_file.save()
        hashes[extension] = report_file.sha256
    run.status, run.finished_at = ReportRunStatus.SUCCEEDED, timezone.now()
    run.row_count, run.summary = row_count, summary[:300]
    run.save(update_fields=["status", "finished_at", "row_count", "summary"])
    audit_record(
        actor=actor,
        action="compliance.report_run_completed",
        target=run,
        changes=field_changes({}, {"number": run.number, "sha256": hashes, "rows": row_count}),
    )
    return run


def report_run(*, definition: ReportDefinition, actor: Actor, send_email: bool = True) -> ReportRun:
    """Build the next version of a report (PDF, CSV, JSON with SHA-256), store it and e-mail it.

    A run that cannot be built is kept as failed with the reason (and audited); it does not raise.
    """
    run = _run_open(definition=definition, actor=actor)
    header = {
        "definition": run.definition.name,
        "definition_id": run.definition_id,
        "kind": run.kind,
        "version": run.number,
        "parameters": run.parameters,
        "generated_at": run.started_at.isoformat(),
    }
    try:
        content = report_content_build(kind=run.kind, framework=run.definition.framework, parameters=run.parameters)
        outputs = {
            ReportFormat.PDF: render_pdf(content, header=header),
            ReportFormat.CSV: render_csv(content, header=header),
            ReportFormat.JSON: render_json(content, header=header),
        }
    except ApplicationError as error:
        return _run_fail(run=run, actor=actor, error=error.message)
    except Exception as error:  # noqa: BLE001 - a broken builder fails its run, visibly, not the beat
        logger.exception("report run %s of definition %s failed", run.pk, run.definition_id)
        return _run_fail(run=run, actor=actor, error=f"{type(error).__name__}: {error}")
    run = _run_store(run=run, actor=actor, outputs=outputs, row_count=content.row_count, summary=content.summary)
    if send_email and run.definition.recipients:
        run = report_run_email(run=run, actor=actor)
    return run


def report_run_email(*, run: ReportRun, actor: Actor, recipients: list[str] | None = None) -> ReportRun:
    """E-mail a run's files to the definition's recipients (or the given ones); records who got it."""
    recipients = recipients_validate(recipients if recipients is not None else run.definition.recipients)
    if not recipients:
        raise ApplicationError(_("The report has no recipients to e-mail."), code="no_recipients")
    files = list(run.files.order_by("format"))
    body = [
        f"{run.definition.name}, version {run.number}, generated {run.started_at:%Y-%m-%d %H:%M} UTC.",
        run.summary,
        "",
        "Files (SHA-256):",
        *[f"  {report_file.filename}  {report_file.sha256}" for report_file in files],
    ]
    message = EmailMessage(
        subject=f"[DBSBM compliance] {run.definition.name} v{run.number}",
        body="\n".join(body),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    for report_file in files:
        with report_file.file.open("rb") as handle:
            message.attach(exact_attachment(report_file.filename, handle.read(), CONTENT_TYPES[report_file.format]))
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("report run %s not e-mailed: %s", run.pk, type(error).__name__)
        with transaction.atomic():
            ReportRun.objects.filter(pk=run.pk).update(error=f"E-mail not delivered: {type(error).__name__}")
            audit_record(actor=actor, action="compliance.report_email_failed", target=run, reason=type(error).__name__)
        run.refresh_from_db()
        return run
    with transaction.atomic():
        run.emailed_to, run.emailed_at = recipients, timezone.now()
        run.save(update_fields=["emailed_to", "emailed_at"])
        audit_record(
            actor=actor,
            action="compliance.report_emailed",
            target=run,
            changes=field_changes({}, {"recipients": len(recipients)}),
        )
    return run
