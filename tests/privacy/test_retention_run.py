"""Retention runs: a dry run counts and writes nothing; a real run acts per policy, archives with a manifest,
and never touches pending bets."""

import base64
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from apps.accounts.models import Member
from apps.audit.models import AuditEvent
from apps.betting.choices import BetStatus
from apps.betting.models import Bet, Capper, LedgerEntry
from apps.core.errors import ApplicationError
from apps.core.models import MemorySnapshot, SlowQuery
from apps.core.storage.archives import archive_manifest_verify, read_rows
from apps.fraud.models import FraudCase, FraudCaseEvent, FraudCaseMember
from apps.privacy.choices import RetentionAction, RetentionRunStatus
from apps.privacy.models import RetentionPolicy, RetentionRun
from apps.privacy.schedules import SCHEDULES
from apps.privacy.selectors.retention import last_successful_run
from apps.privacy.services.retention import retention_run
from apps.security.choices import AlertStatus
from apps.security.models import Alert, DetectionRule, SecurityEvent
from apps.security.services.alerts import alert_raise

pytestmark = pytest.mark.django_db


KIND_KEYS = [
    "audit_events",
    "data_subject_exports",
    "fraud_cases_closed",
    "memory_snapshots",
    "offboarded_members",
    "offboarded_settled_bets",
    "security_events",
    "slow_queries",
]


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _identities() -> list[tuple]:
    return sorted(Member.objects.values_list("pk", "username")) + sorted(
        Bet.objects.values_list("pk", "settled_by", "review_note")
    )


def test_a_dry_run_counts_per_kind_and_writes_nothing_but_its_run_row(two_guilds, actor, archive_dir):
    before, identities = _row_counts(), _identities()

    run = retention_run(actor=actor, dry_run=True)

    after = _row_counts()
    assert after.pop("privacy.RetentionRun") == before.pop("privacy.RetentionRun") + 1
    assert after == before
    assert _identities() == identities
    assert not archive_dir.exists()
    assert (run.dry_run, run.status, run.archive_path) == (True, RetentionRunStatus.SUCCEEDED, "")
    counts = {key: (value["matched"], value["held"], value["acted"]) for key, value in run.counts.items()}
    assert counts == {
        "audit_events": (0, 0, 0),
        "data_subject_exports": (0, 0, 0),
        "fraud_cases_closed": (2, 0, 2),
        "memory_snapshots": (2, 0, 2),
        "offboarded_members": (4, 0, 4),
        "offboarded_settled_bets": (4, 0, 4),  # the two pending bets are not even matched
        "security_events": (6, 0, 6),
        "slow_queries": (2, 0, 2),
    }


def test_a_real_run_acts_on_every_kind_and_never_touches_pending_bets(two_guilds, actor, archive_dir):
    first, second = two_guilds
    ledger_before = list(LedgerEntry.objects.order_by("pk").values_list("pk", "units"))

    run = retention_run(actor=actor)

    assert (run.dry_run, run.status, run.error) == (False, RetentionRunStatus.SUCCEEDED, "")
    assert {key: value["acted"] for key, value in run.counts.items()} == {
        "audit_events": 0,
        "data_subject_exports": 0,
        "fraud_cases_closed": 2,
        "memory_snapshots": 2,
        "offboarded_members": 4,
        "offboarded_settled_bets": 4,
        "security_events": 6,
        "slow_queries": 2,
    }
    assert (SecurityEvent.objects.count(), SlowQuery.objects.count(), MemorySnapshot.objects.count()) == (0, 0, 0)
    assert (FraudCase.objects.count(), FraudCaseMember.objects.count(), FraudCaseEvent.objects.count()) == (0, 0, 0)
    # members and bets keep their rows and numbers, and lose the identity
    assert all(username.startswith("anon-") for username in Member.objects.values_list("username", flat=True))
    assert set(Capper.objects.values_list("avatar_url", flat=True)) == {""}
    assert all(name.startswith("anon-") for name in Capper.objects.values_list("display_name", flat=True))
    settled = Bet.objects.exclude(status=BetStatus.PENDING)
    assert set(settled.values_list("settled_by", "review_note")) == {("", "")}
    pending = Bet.objects.filter(pk__in=[first.pending_bet.pk, second.pending_bet.pk])
    assert list(pending.order_by("pk").values_list("status", flat=True)) == [BetStatus.PENDING, BetStatus.PENDING]
    assert list(LedgerEntry.objects.order_by("pk").values_list("pk", "units")) == ledger_before
    assert last_successful_run() == run
    assert AuditEvent.objects.filter(action="privacy.retention_run", target_id=str(run.pk)).count() == 1


def test_a_second_run_finds_nothing_left_to_do(two_guilds, actor):
    retention_run(actor=actor)

    again = retention_run(actor=actor, dry_run=True)

    assert again.total("matched") == 0


def _key(run: RetentionRun) -> bytes:
    return base64.b64decode(run.archive_key)


def test_archives_are_jsonl_gz_with_a_manifest_whose_sha256_verifies(two_guilds, actor, archive_dir):
    RetentionPolicy.objects.filter(kind="security_events").update(action=RetentionAction.ARCHIVE_THEN_DELETE)
    cases = sorted(FraudCase.objects.values_list("pk", flat=True))

    run = retention_run(actor=actor, kinds=["security_events", "fraud_cases_closed"])

    manifest = Path(run.archive_path)
    assert manifest.parent == archive_dir / f"run-{run.pk:06d}"
    result = archive_manifest_verify(manifest, expected_sha256=run.manifest_sha256, key=_key(run))
    assert (result.is_intact, result.files_checked, result.rows_checked) == (True, 2, 8)
    rows = list(read_rows(manifest.parent / "fraud_cases_closed.jsonl.gz.sealed", key=_key(run)))
    assert [row["row"]["id"] for row in rows] == cases
    assert all(len(row["related"]["members"]) == 2 and row["related"]["history"] for row in rows)
    events = list(read_rows(manifest.parent / "security_events.jsonl.gz.sealed", key=_key(run)))
    assert sorted(row["row"]["ip_address"] for row in events)[0] == "10.9.0.0"
    # at rest: sealed files, and the run's key encrypted by the data key ring
    assert b"10.9.0" not in (manifest.parent / "security_events.jsonl.gz.sealed").read_bytes()
    with connection.cursor() as cursor:
        cursor.execute("SELECT archive_key FROM privacy_retentionrun WHERE id = %s", [run.pk])
        assert cursor.fetchone()[0].startswith("v1:")


def test_a_changed_archive_file_fails_verification(two_guilds, actor):
    run = retention_run(actor=actor, kinds=["fraud_cases_closed"])
    archive = Path(run.archive_path).parent / "fraud_cases_closed.jsonl.gz.sealed"
    archive.write_bytes(archive.read_bytes()[:-3] + b"xyz")

    result = archive_manifest_verify(Path(run.archive_path), expected_sha256=run.manifest_sha256, key=_key(run))

    assert result.problems == [
        "fraud_cases_closed.jsonl.gz.sealed: SHA-256 differs from the manifest (the file was altered)"
    ]


def test_a_disabled_policy_is_skipped(two_guilds, actor):
    RetentionPolicy.objects.filter(kind="slow_queries").update(enabled=False)

    run = retention_run(actor=actor, kinds=["slow_queries"])

    assert run.counts == {"slow_queries": {"skipped": "policy disabled"}}
    assert SlowQuery.objects.count() == 2


def test_an_unknown_kind_is_refused_and_nothing_is_written(db, actor):
    before = RetentionRun.objects.count()

    with pytest.raises(ApplicationError) as error:
        retention_run(actor=actor, kinds=["bets_of_everyone"])

    assert (error.value.status_code, error.value.code) == (400, "unknown_kind")
    assert "bets_of_everyone" in error.value.message
    assert RetentionRun.objects.count() == before


def test_the_command_prints_counts_per_kind_in_a_dry_run(two_guilds):
    stdout = StringIO()

    call_command("retention_run", "--dry-run", "--kind", "security_events", "--kind", "slow_queries", stdout=stdout)

    lines = stdout.getvalue().splitlines()
    assert lines[0].endswith("(dry run: nothing changed): succeeded")
    assert lines[2].split() == ["security_events", "delete", "6", "0", "6"]
    assert lines[3].split() == ["slow_queries", "delete", "2", "0", "2"]
    assert SecurityEvent.objects.count() == 6


def test_the_command_refuses_an_unknown_kind():
    with pytest.raises(CommandError, match="Unknown data kind"):
        call_command("retention_run", "--kind", "nope")


def test_the_beat_job_is_declared():
    assert {"apps.privacy.tasks.retention_run_task"} <= {entry["task"] for entry in SCHEDULES}


def test_every_kind_has_a_default_policy(db):
    assert sorted(RetentionPolicy.objects.values_list("kind", flat=True)) == KIND_KEYS


def test_security_events_behind_an_open_alert_are_kept(two_guilds, actor):
    first, _ = two_guilds
    evidence = first.security_events[0]
    rule = DetectionRule.objects.get(slug="brute-force-per-user")
    alert, _ = alert_raise(rule=rule, group_key="someone0", events=[evidence], details={"measure": 1})

    run = retention_run(actor=actor, kinds=["security_events"])

    assert (run.counts["security_events"]["matched"], list(SecurityEvent.objects.values_list("pk", flat=True))) == (
        5,
        [evidence.pk],
    )
    Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.RESOLVED)
    retention_run(actor=actor, kinds=["security_events"])
    assert SecurityEvent.objects.count() == 0


def test_a_run_with_nothing_to_archive_leaves_no_run_directory(db, actor, archive_dir):
    run = retention_run(actor=actor, kinds=["fraud_cases_closed"])  # no fraud cases at all

    assert (run.status, run.archive_path, run.counts["fraud_cases_closed"]["acted"]) == (
        RetentionRunStatus.SUCCEEDED,
        "",
        0,
    )
    assert not (archive_dir / f"run-{run.pk:06d}").exists()
