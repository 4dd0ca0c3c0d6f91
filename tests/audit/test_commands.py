import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from apps.audit import services
from apps.audit.hashing import event_content_hash
from apps.audit.models import AuditEvent, AuditSeal
from tests.audit.tampering import TAMPER_KINDS, tamper

pytestmark = pytest.mark.django_db


def _call(name: str, *args: str) -> str:
    stdout = StringIO()
    call_command(name, *args, stdout=stdout)
    return stdout.getvalue()


def _run_manage(*args: str) -> subprocess.CompletedProcess:
    """manage.py in its own process, against this test database and Redis index."""
    database = connection.settings_dict
    database_url = (
        f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "DJANGO_SETTINGS_MODULE": "dbsbm.settings.test",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_audit_verify_prints_the_number_of_events_checked(record_events):
    record_events(7)

    output = _call("audit_verify")

    assert output == (
        "Audit chain intact: 7 events checked (7 sealed just now).\n"
        "Published checkpoint checkpoint-000000000007.json.\n"
    )
    assert AuditSeal.objects.count() == 7


def test_audit_verify_on_an_empty_trail():
    assert _call("audit_verify") == "Audit chain intact: 0 events checked (0 sealed just now).\n"


@pytest.mark.parametrize("kind", TAMPER_KINDS)
def test_audit_verify_exits_1_naming_the_first_bad_event(record_events, kind):
    events = record_events(8)
    _call("audit_seal")
    first_bad = tamper(kind, events)

    with pytest.raises(CommandError) as error:
        _call("audit_verify")

    assert error.value.returncode == 1
    assert str(error.value).startswith(f"Audit chain BROKEN after 2 good events: first bad event {first_bad}: ")


def test_audit_seal_prints_how_many_it_sealed(record_events):
    record_events(3)

    assert _call("audit_seal") == "Sealed 3 events.\n"
    assert _call("audit_seal") == "Sealed 0 events.\n"
    assert AuditSeal.objects.count() == 3


def test_audit_seal_full_scan_reaches_past_the_lookback(actor):
    old = AuditEvent(
        occurred_at=timezone.now() - services.SEAL_LOOKBACK - timedelta(hours=1),
        actor_kind=actor.kind,
        actor_identifier=actor.identifier,
        actor_label=actor.label,
        action="tests.old_thing",
    )
    old.content_hash = event_content_hash(vars(old))
    old.save(force_insert=True)

    assert _call("audit_seal") == "Sealed 0 events.\n"
    assert _call("audit_seal", "--full-scan") == "Sealed 1 events.\n"
    assert AuditSeal.objects.get().event_id == old.pk


@pytest.mark.django_db(transaction=True)
def test_audit_verify_process_exits_0_when_intact(record_events):
    record_events(4)

    completed = _run_manage("audit_verify")

    assert (completed.returncode, completed.stderr) == (0, "")
    assert completed.stdout == (
        "Audit chain intact: 4 events checked (4 sealed just now).\n"
        "Published checkpoint checkpoint-000000000004.json.\n"
    )
    assert AuditSeal.objects.count() == 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", TAMPER_KINDS)
def test_audit_verify_process_exits_1_naming_the_first_bad_event(record_events, kind):
    events = record_events(8)
    assert _run_manage("audit_seal").stdout == "Sealed 8 events.\n"
    first_bad = tamper(kind, events)

    completed = _run_manage("audit_verify")

    assert (completed.returncode, completed.stdout) == (1, "")
    assert f"first bad event {first_bad}: " in completed.stderr
