"""The incident list and board pages with 1,000 open incidents (issue #13, "Speed": under 300 ms).

`incidents_pages_bench()` seeds the open incidents (one bulk INSERT) and times the real portal views through
Django's test client with a verified staff session (password + second factor, as after /portal/login/):
every request renders (no cache of pages), p50 and p95 per page, PASS/MISS against the target.
`page_timings()` only times (no seeding): B's bench/incidents.py (`make bench-incidents`) wires it into its
`measure_pages(open_incidents=...)` hook after seeding its own open incidents; run alone
(`.venv/bin/python bench/incidents_pages.py`) it re-creates its own database (BENCH_INCIDENTS_PAGES_DATABASE,
default dbsbm_bench_incidents_pages) and migrates it.
"""

import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
TARGET_MS = 300.0
INCIDENTS = int(os.environ.get("BENCH_INCIDENTS_OPEN", "1000"))
REQUESTS = int(os.environ.get("BENCH_INCIDENTS_PAGE_REQUESTS", "100"))
PAGES = [
    ("incident list", "/portal/incidents/"),
    ("incident list, high severity", "/portal/incidents/?severity=high"),
    ("incident board", "/portal/incidents/board/"),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def seed_open_incidents(count: int) -> int:
    """`count` open incidents spread over every open status, severity and escalation level (one INSERT per
    1,000), plus one timeline line each as a real incident has."""
    from django.utils import timezone

    from apps.incidents.choices import IncidentKind, IncidentSeverity, IncidentStatus
    from apps.incidents.models import Incident, TimelineEntry

    now = timezone.now()
    statuses = [status for status in IncidentStatus.values if status != IncidentStatus.CLOSED]
    kinds, severities = IncidentKind.values, IncidentSeverity.values
    rows = Incident.objects.bulk_create(
        [
            Incident(
                title=f"Bench incident {number}",
                kind=kinds[number % len(kinds)],
                severity=severities[number % len(severities)],
                status=statuses[number % len(statuses)],
                declared_by_label="bench",
                detected_at=now,
                aware_at=now,
                escalation_level=number % 5,
            )
            for number in range(count)
        ],
        batch_size=1000,
    )
    TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(incident=row, occurred_at=now, kind="opened", actor_label="bench", message="opened")
            for row in rows
        ],
        batch_size=1000,
    )
    return len(rows)


def verified_analyst_client():
    """A test client signed in as a security analyst whose session passed the second factor."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from apps.accounts.choices import StaffRole
    from apps.accounts.roles import ROLE_GROUP_NAMES

    user, _ = get_user_model().objects.get_or_create(
        username="bench.incidents.analyst", defaults={"is_staff": True, "is_active": True}
    )
    user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[StaffRole.SECURITY_ANALYST]))
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def page_timings(*, requests: int = REQUESTS) -> list[tuple[str, list[float]]]:
    """[(label, timings in ms)] of each page, `requests` renders each after a warm-up, on the incidents already
    in the database. The hook B's bench/incidents.py (`measure_pages`) calls after seeding its open incidents."""
    client = verified_analyst_client()
    results = []
    for label, path in PAGES:
        for _ in range(3):  # warm-up: templates, permissions cache, connection
            client.get(path)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
        results.append((label, times))
    return results


def incidents_pages_bench(*, incidents: int = INCIDENTS, requests: int = REQUESTS, seed: bool = True) -> bool:
    """Seed `incidents` open incidents (unless `seed` is False) and time each page `requests` times; prints
    one line per page and returns whether every p95 met the target."""
    from apps.incidents.choices import IncidentStatus
    from apps.incidents.models import Incident

    if seed:
        seed_open_incidents(incidents)
    open_count = Incident.objects.exclude(status=IncidentStatus.CLOSED).count()
    print(f"incident pages: {open_count} open incidents, {requests} requests per page, target p95 < {TARGET_MS:.0f} ms")
    passed = True
    for label, times in page_timings(requests=requests):
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        verdict = "PASS" if p95 < TARGET_MS else "MISS"
        passed &= verdict == "PASS"
        print(f"  {label:<30} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   {verdict}")
    return passed


def main() -> int:
    import psycopg

    server = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
    database = os.environ.get("BENCH_INCIDENTS_PAGES_DATABASE", "dbsbm_bench_incidents_pages")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database}"')
    os.environ.update(DATABASE_URL=f"{server}/{database}", DJANGO_SETTINGS_MODULE="dbsbm.settings.local")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ.setdefault("RATELIMIT_ENABLED", "false")
    # a throwaway master key for a throwaway database (never the development key in var/)
    os.environ.setdefault("DBSBM_MASTER_KEY", "YmVuY2gtaW5jaWRlbnRzLXBhZ2VzLW1hc3Rlci1rZXk=")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return 0 if incidents_pages_bench() else 1


if __name__ == "__main__":
    sys.exit(main())
