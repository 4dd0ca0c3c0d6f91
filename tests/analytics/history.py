"""Days of betting history for the forecast tests, placed through the betting services (no ORM shortcuts).

One manual-leg bet a day, its stake following a weekly pattern plus a small wobble (so no two weeks are
exactly alike and the naive forecast has an error to scale by), placed at noon in the tenant's zone. The
bets stay open (settling each would double the cost of a history), so the tenant is moved to the premium
plan, whose quota of open bets is larger than any history here.
"""

import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.betting.services import bet_place, capper_create
from apps.betting.services.bets import LegInput
from apps.tenants.choices import PlanCode
from apps.tenants.services import tenant_update

WEEKLY_STAKES = ("1.00", "2.00", "3.00", "2.00", "4.00", "5.00", "3.00")  # by weekday, Monday first


def place_daily_history(*, tenant, actor, days: int) -> list:
    """One bet on each of the `days` days before today (the tenant's today)."""
    if tenant.plan_code == PlanCode.FREE:
        tenant = tenant_update(tenant=tenant, actor=actor, plan_code=PlanCode.PREMIUM, reason="test history")
    capper = capper_create(
        tenant=tenant, actor=actor, discord_user_id=f"6{tenant.pk:0>17}", username=f"history-{tenant.pk}"
    )
    zone = zoneinfo.ZoneInfo(tenant.timezone)
    today = timezone.now().astimezone(zone).date()
    bets = []
    for days_ago in range(days, 0, -1):
        day = today - timedelta(days=days_ago)
        bet, _ = bet_place(
            tenant=tenant,
            actor=actor,
            external_id=f"history-{day.isoformat()}",
            capper=capper,
            stake_units=Decimal(WEEKLY_STAKES[day.weekday()]) + Decimal(day.toordinal() % 5) / 10,
            legs=[LegInput("prop", f"over on day {day.isoformat()}", 110, None, None, "history")],
            placed_at=datetime.combine(day, time(12), tzinfo=zone),
        )
        bets.append(bet)
    return bets
