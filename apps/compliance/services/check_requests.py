"""Running checks now from the portal: a framework's checks or one check, queued through the outbox.

The worker runs them as the beat dispatcher does (stored runs with evidence, alerts evaluated, today's
score snapshot refreshed), with the trigger "manual". Kept apart from services/runs.py, which the tasks
module imports: this module imports the task it queues. The request is audited (who asked, for what).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.compliance.checks.registry import checks_for
from apps.compliance.models import Framework
from apps.compliance.tasks import checks_run_task
from apps.core.actors import Actor
from apps.core.enqueue import enqueue
from apps.core.errors import ApplicationError
from apps.core.models import OutboxMessage

CHECKS_RUN_REQUESTED = "compliance.checks_run_requested"


@transaction.atomic
def checks_run_request(*, actor: Actor, framework: Framework | None = None, check_id: str = "") -> OutboxMessage:
    """Queue a run of one framework's checks or of one check (exactly one of them); returns the outbox row,
    whose `completed_at` says when the worker has run them."""
    check_id = (check_id or "").strip()
    if (framework is None) == (not check_id):
        raise ApplicationError(_("Choose a framework or a single check to run."), code="checks_run_target")
    if check_id:
        checks = checks_for(check_id=check_id)
        if not checks:
            message = _("No check %(check_id)r is registered.") % {"check_id": check_id}
            raise ApplicationError(message, code="check_not_found", fields={"check_id": [message]})
    else:
        checks = checks_for(framework=framework.pk)
        if not checks:
            message = _("No automated check evidences %(name)s: its requirements are assessed manually.") % {
                "name": framework.name
            }
            raise ApplicationError(message, code="framework_has_no_checks", fields={"framework": [message]})
    row = enqueue(checks_run_task, framework=framework.pk if framework else None, check_id=check_id or None)
    audit_record(
        actor=actor,
        action=CHECKS_RUN_REQUESTED,
        target=framework,
        changes=field_changes(
            {}, {"framework": framework.pk if framework else None, "check_id": check_id or None, "checks": len(checks)}
        ),
    )
    return row
