"""What a person asks of the report library from the portal: a stored file (the download is audited) and a
run now (queued through the outbox). Kept apart from services/reports.py, which the tasks module imports:
this module imports the task it queues."""

from django.db import transaction

from apps.audit.services import audit_record
from apps.compliance.models import ReportDefinition, ReportFile
from apps.compliance.tasks import run_report
from apps.core.actors import Actor
from apps.core.enqueue import enqueue


@transaction.atomic
def report_file_download_record(*, report_file: ReportFile, actor: Actor) -> ReportFile:
    """Every download of a stored report file leaves an audit event (who, which file) before it is served."""
    audit_record(actor=actor, action="compliance.report_downloaded", target=report_file)
    return report_file


def report_run_request(*, definition: ReportDefinition) -> None:
    """Queue a run of one report now; the outbox keeps the request while the broker is down, and the
    worker builds, stores and e-mails the report (the run itself is audited there)."""
    enqueue(run_report, definition.pk)
