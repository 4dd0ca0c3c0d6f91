"""`make bench-privacy`: what encryption at rest costs (issue 6).

1. The bet list and the member list API at 50 rows a page, p95 with encryption against an honest
   baseline measured in the same run: two tenants with the same rows, one stored encrypted (the
   real path), one whose encrypted columns hold the same values in clear and are read with the
   fields' decryption switched off (a passthrough `from_db_value`). Same views, serializers,
   middleware and queries; requests alternate between the two so machine noise hits both alike.
   Responses are not cached (dummy cache): every request renders. Target: < 20 % added at p95.
2. Rotation: 100,000 encrypted rows (security events, IP address) re-encrypted onto a new key by
   `keys_rotate` in batches of 1,000. Target: < 60 s.

Re-creates its own database (BENCH_PRIVACY_DATABASE, default dbsbm_bench_privacy).
"""

import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_PRIVACY_DATABASE", "dbsbm_bench_privacy")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
REQUESTS = int(os.environ.get("BENCH_PRIVACY_REQUESTS", "300"))  # per list and mode
ROTATION_ROWS = int(os.environ.get("BENCH_PRIVACY_ROTATION_ROWS", "100000"))
ROWS = 50
RESULTS = BASE_DIR / "bench" / "results-privacy.md"

os.environ.update(
    DATABASE_URL=f"{SERVER_URL}/{DATABASE}", REDIS_URL=REDIS_URL, DJANGO_SETTINGS_MODULE="dbsbm.settings.local"
)
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("RATELIMIT_ENABLED", "false")
# a throwaway master key for a throwaway database (never the development key in var/)
os.environ.setdefault("DBSBM_MASTER_KEY", "YmVuY2gtcHJpdmFjeS1tYXN0ZXIta2V5LW5vdHNlY3I=")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def recreate_database() -> None:
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def seed_tenant(guild_id: str, number: int):
    from datetime import date

    from apps.accounts.services import member_create
    from apps.betting.services import bet_place, capper_create
    from apps.betting.services.bets import LegInput
    from apps.core.actors import Actor
    from apps.tenants.services import tenant_create

    actor = Actor.system("bench privacy")
    tenant = tenant_create(actor=actor, guild_id=guild_id, name=f"Bench {number}", plan_code="enterprise")
    cappers = []
    for index in range(ROWS + 10):
        user_id = str(700000000000000000 + number * 1000 + index)
        member_create(
            actor=actor,
            tenant=tenant,
            discord_user_id=user_id,
            username=f"member{index:03}",
            display_name=f"Member {index}",
            email=f"member{index:03}.bench@example.org",
            date_of_birth=date(1970 + index % 30, 1 + index % 12, 1 + index % 28),
            country="GB",
            notes=f"note about member {index}",
        )
        if index < 10:
            cappers.append(
                capper_create(tenant=tenant, actor=actor, discord_user_id=user_id, username=f"member{index:03}")
            )
    for index in range(ROWS + 10):
        bet_place(
            tenant=tenant,
            actor=actor,
            external_id=f"bench-{number}-{index}",
            capper=cappers[index % len(cappers)],
            stake_units=Decimal("1.00"),
            legs=[LegInput(market="prop", selection=f"player {index} over", odds=-110, description="manual prop")],
        )
    return tenant


def store_in_clear(tenant) -> None:
    """The baseline tenant's encrypted columns get the same values in clear (what a plain column holds)."""
    from django.db import connection

    from apps.accounts.models import Member

    with connection.cursor() as cursor:
        for member in Member.objects.filter(tenant=tenant):
            cursor.execute(
                "UPDATE accounts_member SET email = %s, date_of_birth = %s, notes = %s WHERE id = %s",
                [member.email, member.date_of_birth.isoformat(), member.notes, member.pk],
            )


def encrypt_again(tenant) -> None:
    from apps.accounts.models import Member

    with DecryptionOff():
        members = list(Member.objects.filter(tenant=tenant))
    for member in members:
        member.save()


class DecryptionOff:
    """Encrypted fields read their column as it is (the baseline); restored on exit."""

    def __enter__(self):
        from apps.keyring import fields

        self.fields = fields
        self.saved = {cls: cls.__dict__.get("from_db_value") for cls in self._classes()}
        for cls in self.saved:
            cls.from_db_value = DecryptionOff._passthrough
        return self

    def _classes(self):
        fields = self.fields
        return [fields.EncryptedTextField, fields.EncryptedDateField, fields.EncryptedIPAddressField,
                fields.HybridEncryptedTextField]  # fmt: skip

    @staticmethod
    def _passthrough(field, value, expression, connection):
        if value is None or value == "":
            return field.empty_value_from_db(value)
        return field.text_to_value(value)

    def __exit__(self, *exc):
        for cls, original in self.saved.items():
            if original is None:
                del cls.from_db_value
            else:
                cls.from_db_value = original


def measure_lists(encrypted_tenant, clear_tenant, secret: str) -> dict[str, dict[str, list[float]]]:
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="localhost")
    paths = {
        "member list": "/api/v1/tenants/{}/members/?page_size=50",
        "bet list": "/api/v1/tenants/{}/bets/?page_size=50",
    }
    timings = {name: {"encrypted": [], "baseline": []} for name in paths}

    def one(name: str, mode: str) -> None:
        tenant = encrypted_tenant if mode == "encrypted" else clear_tenant
        started = time.perf_counter()
        if mode == "baseline":
            with DecryptionOff():
                response = client.get(paths[name].format(tenant.guild_id))
        else:
            response = client.get(paths[name].format(tenant.guild_id))
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.content[:300]
        assert len(response.json()["results"]) == ROWS
        timings[name][mode].append(elapsed)

    for name in paths:  # warm up both paths (imports, connection, query plans)
        for mode in ("encrypted", "baseline"):
            for _ in range(20):
                one(name, mode)
        timings[name] = {"encrypted": [], "baseline": []}
    for index in range(REQUESTS):
        for name in paths:
            for mode in ("encrypted", "baseline") if index % 2 == 0 else ("baseline", "encrypted"):
                one(name, mode)
    return timings


def check_baseline_is_plaintext(clear_tenant, secret: str) -> None:
    """The baseline's JSON must be the same data as the encrypted side's (so it is a fair comparison)."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="localhost")
    with DecryptionOff():
        rows = client.get(f"/api/v1/tenants/{clear_tenant.guild_id}/members/?page_size=50").json()["results"]
    assert all(row["email"].endswith("@example.org") for row in rows), rows[0]


def measure_rotation() -> tuple[float, float, int]:
    from django.db import connection

    from apps.core.actors import Actor
    from apps.keyring.services import keys_rotate
    from apps.security.models import SecurityEvent

    started = time.perf_counter()
    batch = 5000
    for offset in range(0, ROTATION_ROWS, batch):
        SecurityEvent.objects.bulk_create(
            SecurityEvent(
                event_type="login_failed",
                actor_kind="anonymous",
                ip_address=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
            )
            for n in range(offset, min(offset + batch, ROTATION_ROWS))
        )
    seeded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE security_securityevent")
    started = time.perf_counter()
    result = keys_rotate(actor=Actor.system("bench"), new_key=True, batch_size=1000)
    elapsed = time.perf_counter() - started
    return seeded, elapsed, result.reencrypted


def main() -> int:
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    from apps.accounts.services import api_key_create
    from apps.core.actors import Actor

    call_command("migrate", verbosity=0)
    print("seeding two tenants (60 members with personal data, 10 cappers, 60 bets each)...")
    encrypted_tenant = seed_tenant("910000000000000001", 1)
    clear_tenant = seed_tenant("910000000000000002", 2)
    store_in_clear(clear_tenant)
    _, secret = api_key_create(actor=Actor.system("bench"), name="bench", scopes=["members:read", "bets:read"])

    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        check_baseline_is_plaintext(clear_tenant, secret)
        timings = measure_lists(encrypted_tenant, clear_tenant, secret)

    lines = []
    verdicts = []
    for name, modes in timings.items():
        encrypted, baseline = percentile(modes["encrypted"], 0.95), percentile(modes["baseline"], 0.95)
        added = (encrypted - baseline) / baseline * 100
        verdicts.append(added < 20)
        lines.append(
            f"| {name} (50 rows) | {baseline:.2f} ms | {encrypted:.2f} ms | {added:+.1f} % | "
            f"{statistics.median(modes['baseline']):.2f} / {statistics.median(modes['encrypted']):.2f} ms | "
            f"{'ok' if added < 20 else 'MISSED'} (< 20 %) |"
        )
    encrypt_again(clear_tenant)  # rotation must not meet the baseline's plaintext columns
    print(f"rotation: seeding {ROTATION_ROWS} encrypted rows...")
    seeded, rotated, reencrypted = measure_rotation()
    rate = reencrypted / rotated if rotated else 0
    rotation_line = (
        f"| rotate_keys, {reencrypted:,} rows (batches of 1,000) | {rotated:.1f} s | {rate:,.0f} rows/s | "
        f"{'ok' if rotated < 60 else 'MISSED'} (< 60 s) |"
    )
    verdicts.append(rotated < 60)

    cpu = platform.processor() or platform.machine()
    machine = f"{platform.node()}, {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    report = "\n".join(
        [
            "# Encryption at rest: benchmark (make bench-privacy)",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}; PostgreSQL at {SERVER_URL}; "
            f"{REQUESTS} requests per list and mode, alternating. Django test client in-process (full middleware, "
            f"API key auth, serializers), responses uncached. Load average at the end: {os.getloadavg()[0]:.1f} "
            "(other processes share the machine: p95 is noisy, p50 shows the steady cost).",
            "",
            "Baseline: a second tenant with the same rows whose encrypted columns hold the values in clear, read "
            "with decryption switched off (same views and queries). The descriptor and the text-to-date parsing "
            "stay in the baseline, so only AES-GCM, base64 and key lookup are measured as added.",
            "",
            "| list | p95 baseline | p95 encrypted | added at p95 | p50 baseline / encrypted | target |",
            "|---|---|---|---|---|---|",
            *lines,
            "",
            f"Rotation (seeding the rows took {seeded:.1f} s, not counted):",
            "",
            "| what | time | rate | target |",
            "|---|---|---|---|",
            rotation_line,
            "",
        ]
    )
    RESULTS.write_text(report)
    print(report)
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
