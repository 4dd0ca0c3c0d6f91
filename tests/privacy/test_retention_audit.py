"""Retention of the audit trail and of data-subject exports through `retention_run`."""

import base64
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from apps.audit.hashing import event_content_hash
from apps.audit.models import AuditArchiveCheckpoint, AuditEvent
from apps.audit.services import audit_event
from apps.core.storage.archives import archive_manifest_verify
from apps.privacy.models import DataExport, DataSubjectRequest, RetentionPolicy
from apps.privacy.services.exports import export_storage
from apps.privacy.services.retention import legal_hold_place, retention_run
from tests.factories import MemberFactory, TenantFactory

pytestmark = pytest.mark.django_db

GUILD = "730000000000000001"


def _old_events(actor, count: int, *, guild_id: str = "") -> None:
    start = timezone.now() - timedelta(days=10)
    with transaction.atomic():
        for index in range(count):
            event = audit_event(actor=actor, action="tests.old_thing", reason=f"old {index}", guild_id=guild_id)
            event.occurred_at = start + timedelta(seconds=index)
            event.content_hash = event_content_hash(vars(event))
            event.save(force_insert=True)


def test_a_run_archives_old_audit_events_and_audit_verify_still_passes(actor, archive_dir):
    RetentionPolicy.objects.filter(kind="audit_events").update(period_days=1)
    _old_events(actor, 6)

    run = retention_run(actor=actor, kinds=["audit_events"])

    counts = run.counts["audit_events"]
    assert (counts["matched"], counts["held"], counts["acted"], counts["error"]) == (6, 0, 6, "")
    assert counts["files"] == ["audit_events-000000000001-000000000006.jsonl.gz.sealed"]
    key = base64.b64decode(run.archive_key)
    verified = archive_manifest_verify(Path(run.archive_path), expected_sha256=run.manifest_sha256, key=key)
    assert (verified.is_intact, verified.rows_checked) == (True, 6)
    assert AuditArchiveCheckpoint.objects.get().event_count == 6
    assert not AuditEvent.objects.filter(action="tests.old_thing").exists()
    stdout = StringIO()
    call_command("audit_verify", "--archives", stdout=stdout)
    assert stdout.getvalue().splitlines()[1:] == [
        "The chain continues from the archive checkpoint at seal 6 (6 events archived).",
        "Audit archives intact: 1 files, 6 events checked.",
        "Published checkpoint checkpoint-000000000008.json.",  # the 2 recent events and the archive's own
    ]


def test_a_dry_run_of_the_audit_kind_counts_without_sealing_or_archiving(actor, archive_dir):
    RetentionPolicy.objects.filter(kind="audit_events").update(period_days=1)
    _old_events(actor, 3)
    call_command("audit_seal", "--full-scan", stdout=StringIO())

    run = retention_run(actor=actor, dry_run=True, kinds=["audit_events"])

    assert {name: run.counts["audit_events"][name] for name in ("matched", "held", "acted")} == {
        "matched": 3,
        "held": 0,
        "acted": 3,
    }
    assert AuditEvent.objects.filter(action="tests.old_thing").count() == 3
    assert not archive_dir.exists()


def test_a_held_tenant_keeps_its_audit_events(actor, archive_dir):
    RetentionPolicy.objects.filter(kind="audit_events").update(period_days=1)
    tenant = TenantFactory(guild_id=GUILD)
    _old_events(actor, 2)
    _old_events(actor, 2, guild_id=GUILD)
    legal_hold_place(actor=actor, tenant=tenant, reason="investigation")

    run = retention_run(actor=actor, kinds=["audit_events"])

    counts = run.counts["audit_events"]
    assert (counts["matched"], counts["held"], counts["acted"]) == (4, 2, 2)
    assert AuditEvent.objects.filter(action="tests.old_thing", guild_id=GUILD).count() == 2
    call_command("audit_verify", stdout=StringIO())


def test_old_exports_lose_their_files_and_rows_unless_held(
    actor, archive_dir, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.PRIVACY_EXPORT_DIR = str(tmp_path / "exports")
    tenant = TenantFactory(guild_id=GUILD)
    free, held = MemberFactory(tenant=tenant), MemberFactory(tenant=tenant)
    names = {}
    for member in (free, held):
        request = DataSubjectRequest.objects.create(
            tenant=tenant,
            member=member,
            kind="access",
            received_at=timezone.now(),
            due_at=timezone.now(),
            requested_by="test",
        )
        name = export_storage().save(f"export-{member.pk}.zip", ContentFile(b"zip"))
        export = DataExport.objects.create(request=request, file_name=name, sha256="0" * 64, size_bytes=3)
        DataExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(days=31))
        names[member.pk] = name
    legal_hold_place(actor=actor, member=held, reason="complaint")

    with django_capture_on_commit_callbacks(execute=True):  # the files go once the rows are gone
        run = retention_run(actor=actor, kinds=["data_subject_exports"])

    assert (run.counts["data_subject_exports"]["acted"], run.counts["data_subject_exports"]["held"]) == (1, 1)
    assert list(DataExport.objects.values_list("request__member", flat=True)) == [held.pk]
    assert not export_storage().exists(names[free.pk])
    assert export_storage().exists(names[held.pk])
