"""Seed rows of the retention admin pages (called by tests/admin/conftest.py:_seed)."""

import tempfile
from pathlib import Path

from apps.audit.models import AuditEvent
from apps.audit.services import audit_archive_before, audit_seal_pending
from apps.core.actors import Actor
from apps.privacy.choices import RetentionRunStatus
from apps.privacy.models import RetentionRun
from apps.privacy.services.retention import legal_hold_place
from apps.tenants.models import Tenant


def retention_admin_rows(*, actor: Actor, rows: int) -> None:
    """A legal hold per tenant, dry runs, and archive checkpoints (a real archive of the oldest audit events,
    two per checkpoint; policies come from the post-migrate defaults)."""
    for tenant in Tenant.objects.order_by("pk")[:rows]:
        legal_hold_place(actor=actor, tenant=tenant, reason=f"seed hold of {tenant.guild_id}")
    for number in range(rows):
        RetentionRun.objects.create(
            triggered_by="seed",
            dry_run=True,
            status=RetentionRunStatus.SUCCEEDED,
            counts={"slow_queries": {"action": "delete", "matched": number, "held": 0, "acted": number, "error": ""}},
        )
    audit_seal_pending(full_scan=True)
    cutoff = AuditEvent.objects.order_by("pk").values_list("occurred_at", flat=True)[2 * rows]
    directory = Path(tempfile.mkdtemp(prefix="dbsbm-admin-audit-archive-"))
    audit_archive_before(before=cutoff, directory=directory, actor=actor, batch_size=2)
