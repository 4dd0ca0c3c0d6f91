"""What a person asks of the BI reports from the portal or the admin: a run now (queued through the outbox) and
a stored file (the download is audited). Kept apart from services/reports.py, which the tasks module imports:
this module imports the task it queues."""

from django.db import transaction

from apps.analytics.models import ReportDefinition, ReportFile
from apps.analytics.tasks import report_run_task
from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.core.enqueue import enqueue
from apps.tenants.quotas import exports_quota_consume


def _guild_id(definition: ReportDefinition) -> str:
    return definition.tenant.guild_id if definition.tenant_id else ""


@transaction.atomic
def report_run_request(*, definition: ReportDefinition, actor: Actor) -> None:
    """Queue a run of one report now: the outbox keeps the request while the broker is down, and the worker
    builds, stores and e-mails the report (the run itself is audited there); the request is audited here.
    A run asked for a tenant is one of its plan's exports_per_day, counted here: with none left today it is
    refused, 429 with Retry-After, and nothing is queued. (Scheduled runs are not counted: their cron, set by
    staff, already bounds them.)"""
    if definition.tenant_id is not None:
        exports_quota_consume(tenant=definition.tenant)
    audit_record(
        actor=actor, action="analytics.report_run_requested", target=definition, guild_id=_guild_id(definition)
    )
    enqueue(report_run_task, definition.pk)


@transaction.atomic
def report_file_download_record(*, report_file: ReportFile, actor: Actor) -> ReportFile:
    """Every download of a stored report file leaves an audit event (who, which file) before it is served."""
    audit_record(
        actor=actor,
        action="analytics.report_downloaded",
        target=report_file,
        guild_id=_guild_id(report_file.run.definition),
    )
    return report_file
