"""The one plan catalogue. Quotas are read from here by every app that enforces one.

Kept in code rather than in a table: plans change with a release (pricing, quota enforcement and
the code that enforces them move together), and a tenant row names its plan by code.
"""

from dataclasses import asdict, dataclass
from decimal import Decimal

from apps.tenants.choices import PlanCode


@dataclass(frozen=True, slots=True)
class Plan:
    """A plan's price and quotas; `None` means unlimited."""

    code: str
    name: str
    monthly_price_usd: Decimal
    active_pending_bets: int | None
    api_calls_per_minute: int
    webhooks: int | None
    exports_per_day: int | None

    def as_dict(self) -> dict:
        return asdict(self)


PLANS: dict[str, Plan] = {
    plan.code: plan
    for plan in (
        Plan(PlanCode.FREE, "Free", Decimal("0.00"), 25, 60, 0, 1),
        Plan(PlanCode.PREMIUM, "Premium", Decimal("19.99"), 200, 300, 3, 10),
        Plan(PlanCode.PLATINUM, "Platinum", Decimal("49.99"), 1000, 1200, 10, 50),
        Plan(PlanCode.ENTERPRISE, "Enterprise", Decimal("199.00"), None, 6000, None, None),
    )
}


def plan_for(code: str) -> Plan:
    return PLANS[code]
