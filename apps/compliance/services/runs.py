"""Running checks: one run stores its result, evidence (with its SHA-256), duration and the check's version.

A check only reads; it runs inside a savepoint so that a database error in one check is recorded as that
check's "error" and leaves the next check's transaction usable. Runs are observations, not changes, so they
write no audit event (the CheckRun rows are the record); enabling a remediation and what it did are audited.
"""

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.compliance import tasks
from apps.compliance.checks.registry import CheckDefinition, CheckResult, checks_for
from apps.compliance.choices import BLOCKING_SEVERITIES, CheckStatus
from apps.compliance.models import CheckRun, CheckSetting
from apps.compliance.signals import check_run_recorded
from apps.core.enqueue import enqueue
from apps.core.storage.digests import canonical_json

logger = logging.getLogger(__name__)


def evidence_digest(evidence: dict) -> str:
    """SHA-256 of the canonical JSON of the evidence (sorted keys, no whitespace): anyone can recompute it."""
    return hashlib.sha256(canonical_json(evidence, default=str)).hexdigest()


def _json_safe(evidence: dict) -> dict:
    return json.loads(json.dumps(evidence, default=str))


def _settings() -> dict[str, CheckSetting]:
    return {setting.check_id: setting for setting in CheckSetting.objects.all()}


def _execute(check: CheckDefinition, now: datetime) -> CheckResult:
    try:
        with transaction.atomic():
            result = check.function(now)
    except Exception as error:  # noqa: BLE001 - any failure of a check is that check's "error" result
        logger.exception("compliance check %s raised", check.id)
        return CheckResult.error(f"the check raised {type(error).__name__}", exception=type(error).__name__)
    if result.status not in CheckStatus.values:
        return CheckResult.error(f"the check returned an unknown status {result.status!r}")
    return result


def _remediate(check: CheckDefinition, result: CheckResult) -> dict:
    try:
        with transaction.atomic():
            return {"ran": True, **check.remediation(result)}
    except Exception as error:  # noqa: BLE001 - a failed remediation is reported, the run is still stored
        logger.exception("remediation of compliance check %s raised", check.id)
        return {"ran": False, "error": type(error).__name__}


def check_run_execute(
    *, check: CheckDefinition, trigger: str = "schedule", setting: CheckSetting | None = None
) -> CheckRun:
    """Run one check now and store the run; remediate when the check failed and its setting allows it."""
    started_at = timezone.now()
    clock = time.perf_counter()
    result = _execute(check, started_at)
    evidence = _json_safe(result.evidence)
    remediation = {}
    if result.status == CheckStatus.FAIL and check.remediation and setting and setting.auto_remediation_enabled:
        remediation = _remediate(check, result)
    duration_ms = int((time.perf_counter() - clock) * 1000)
    previous = CheckRun.objects.filter(check_id=check.id).order_by("-id").values_list("status", flat=True).first()
    with transaction.atomic():
        run = CheckRun.objects.create(
            check_id=check.id,
            check_version=check.version,
            severity=check.severity,
            status=result.status,
            summary=result.summary[:500],
            requirements=list(check.requirements),
            evidence=evidence,
            evidence_sha256=evidence_digest(evidence),
            remediation=_json_safe(remediation),
            duration_ms=duration_ms,
            started_at=started_at,
            finished_at=timezone.now(),
            trigger=trigger[:16],
        )
        check_run_recorded.send(
            sender=CheckRun,
            check_run_id=run.pk,
            check_id=run.check_id,
            status=run.status,
            severity=run.severity,
            previous_status=previous,
        )
        # alerts are this app's own reaction: an outbox row in this transaction, not a round trip through
        # its own signal (the signal stays for other apps: the portal refreshes its widgets on it)
        enqueue(tasks.alerts_evaluate_check_run_task, run.pk)
    return run


@dataclass
class RunBatch:
    runs: list[CheckRun]

    @property
    def blocking_failures(self) -> list[CheckRun]:
        return [run for run in self.runs if run.status == CheckStatus.FAIL and run.severity in BLOCKING_SEVERITIES]


def checks_run(*, framework: str | None = None, check_id: str | None = None, trigger: str = "command") -> RunBatch:
    """Run the enabled checks now (of a framework, or one check: that one even when disabled)."""
    settings_by_id = _settings()
    runs = []
    for check in checks_for(framework=framework, check_id=check_id):
        setting = settings_by_id.get(check.id)
        if setting is not None and not setting.is_enabled and check_id is None:
            continue
        runs.append(check_run_execute(check=check, trigger=trigger, setting=setting))
    return RunBatch(runs)


def checks_due(*, now: datetime | None = None) -> list[CheckDefinition]:
    """Enabled checks whose last run is older than their frequency (or that never ran)."""
    now = now or timezone.now()
    settings_by_id = _settings()
    last = dict(
        CheckRun.objects.order_by().values("check_id").annotate(last=Max("started_at")).values_list("check_id", "last")
    )
    due = []
    for check in checks_for():
        setting = settings_by_id.get(check.id)
        if setting is not None and not setting.is_enabled:
            continue
        minutes = (
            setting.frequency_minutes if setting and setting.frequency_minutes else None
        ) or check.frequency_minutes
        # a few seconds of slack: the dispatcher runs every minute, and a run takes time
        if last.get(check.id) is None or last[check.id] <= now - timedelta(minutes=minutes) + timedelta(seconds=5):
            due.append(check)
    return due


def checks_run_due(*, now: datetime | None = None) -> list[CheckRun]:
    """Run every due check (the beat dispatcher)."""
    settings_by_id = _settings()
    return [
        check_run_execute(check=check, trigger="schedule", setting=settings_by_id.get(check.id))
        for check in checks_due(now=now)
    ]
