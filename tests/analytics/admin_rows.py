"""Seed rows of the alerting admin pages (called by tests/admin/conftest.py:_seed): rules through the service,
an instance each, silences through the service."""

from datetime import timedelta

from django.utils import timezone

from apps.analytics.models import AlertInstance
from apps.analytics.services.alerting import alert_rule_create, alert_silence_create
from apps.tenants.models import Tenant


def alerting_admin_rows(*, actor, rows: int) -> None:
    tenants = list(Tenant.objects.order_by("pk")[:rows])
    ends = timezone.now() + timedelta(days=1)
    for number in range(rows):
        rule = alert_rule_create(
            actor=actor,
            name=f"rule {number:02}",
            tenant=tenants[number % len(tenants)] if number % 2 and tenants else None,
            query={"metrics": "stake_units", "grain": "day", "group_by": "league"},
            window=1,
            reducer="sum",
            condition="gt",
            threshold=float(number),
            pending_seconds=60,
            interval_seconds=60,
            severity="warning",
            targets=[{"kind": "email", "address": f"oncall{number}@example.org"}],
        )
        AlertInstance.objects.create(rule=rule, series_key="league=nba", labels={"league": "nba"}, value=float(number))
        alert_silence_create(actor=actor, rule=rule, ends_at=ends, comment=f"maintenance {number}")
