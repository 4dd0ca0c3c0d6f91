"""Against a real database and real processes: a pg_dump holds no personal data in clear, and a
rotation killed halfway (SIGKILL) resumes and loses nothing."""

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from apps.accounts.services import member_create
from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.keyring.choices import DataKeyStatus
from apps.keyring.models import DataKey
from apps.keyring.ring import key_ring
from apps.keyring.services import data_key_create
from apps.security.models import SecurityEvent
from apps.security.services.events import security_event_record

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = [
    ("300000000000000011", "grace", "Grace.Hopper@example.net", "1956-12-09", "lost 25 units in one evening"),
    ("300000000000000012", "alan", "alan.turing@example.com", "1962-06-23", "prefers contact by post only"),
]
ADDRESSES = ["198.51.100.201", "2001:db8::beef"]


def _database_env() -> dict[str, str]:
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"
    )
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "dbsbm.settings.test"}


def test_a_pg_dump_holds_no_personal_data_in_clear(tenant):
    for discord_user_id, username, email, born, notes in PEOPLE:
        actor = Actor(kind="user", identifier="1", label="sam", ip_address=ADDRESSES[0])
        member_create(
            actor=actor,
            tenant=tenant,
            discord_user_id=discord_user_id,
            username=username,
            email=email,
            date_of_birth=date.fromisoformat(born),
            notes=notes,
        )
    for address in ADDRESSES:
        security_event_record(
            event_type="login_failed", actor=Actor(kind="system", identifier="anonymous", label="x", ip_address=address)
        )
    assert SecurityEvent.objects.count() >= 2 and AuditEvent.objects.count() >= 2

    database = connection.settings_dict
    dump = subprocess.run(
        ["pg_dump", "-h", database["HOST"] or "127.0.0.1", "-U", database["USER"], "--no-owner", database["NAME"]],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout

    assert "grace" in dump and "alan" in dump  # the rows are in the dump, public handles in clear
    secrets = [value for person in PEOPLE for value in person[2:]] + [person[2].lower() for person in PEOPLE]
    secrets += [*ADDRESSES, "198.51.100", "2001:db8:"]
    assert [secret for secret in secrets if secret.lower() in dump.lower()] == []


def _rotation(batch_size: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "rotate_keys", "--batch-size", str(batch_size)],
        cwd=Path(settings.BASE_DIR),
        env=_database_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_rotation_killed_halfway_resumes_and_loses_nothing(db):
    total = 1500
    with transaction.atomic():
        SecurityEvent.objects.bulk_create(
            SecurityEvent(
                event_type="login_failed",
                actor_kind="anonymous",
                ip_address=f"10.{n // 65536}.{n // 256 % 256}.{n % 256}",
            )
            for n in range(total)
        )
    expected = dict(SecurityEvent.objects.values_list("pk", "ip_address"))
    data_key_create(actor=Actor.system("test"))  # v2: every row is now on an old key

    process = _rotation(batch_size=10)
    progress = 0
    for line in process.stdout:
        progress += "rows re-encrypted so far" in line
        if progress >= 3:
            process.send_signal(signal.SIGKILL)  # mid-run: no cleanup, no last batch
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL

    key_ring.clear()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM security_securityevent WHERE ip_address LIKE 'v2:%%'")
        moved = cursor.fetchone()[0]
    assert 0 < moved < total  # it really stopped halfway
    assert dict(DataKey.objects.values_list("version", "status")) == {
        1: DataKeyStatus.RETIRING,
        2: DataKeyStatus.ACTIVE,
    }

    rerun = _rotation(batch_size=500)
    output, _ = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, output
    assert output.splitlines()[-1] == f"active key v2; {total - moved} rows re-encrypted; retired: v1"

    key_ring.clear()
    assert dict(SecurityEvent.objects.values_list("pk", "ip_address")) == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM security_securityevent WHERE ip_address NOT LIKE 'v2:%%'")
        assert cursor.fetchone()[0] == 0
    assert dict(DataKey.objects.values_list("version", "status")) == {1: DataKeyStatus.RETIRED, 2: DataKeyStatus.ACTIVE}
