"""A tenant is a Discord guild."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from apps.core.discord import DISCORD_ID_PATTERN, validate_discord_id
from apps.tenants.choices import PlanCode, TenantStatus
from apps.tenants.plans import Plan, plan_for
from apps.tenants.querysets import TenantQuerySet

# The one Discord id rule lives in apps.core.discord; these names stay for the modules that import them.
SNOWFLAKE_PATTERN = DISCORD_ID_PATTERN
snowflake_validator = validate_discord_id


class Tenant(models.Model):
    """A Discord guild using the platform; offboarding keeps the row (soft delete)."""

    guild_id = models.CharField(max_length=20, unique=True, validators=[validate_discord_id])
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=TenantStatus.choices, default=TenantStatus.ACTIVE)
    plan_code = models.CharField(max_length=16, choices=PlanCode.choices, default=PlanCode.FREE)
    timezone = models.CharField(max_length=64, default="UTC")
    unit_min = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.10"))
    unit_max = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("10.00"))
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    offboarded_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_min__gt=0), name="tenant_unit_min_positive"),
            models.CheckConstraint(condition=Q(unit_max__gte=F("unit_min")), name="tenant_unit_range"),
            models.CheckConstraint(condition=Q(status__in=TenantStatus.values), name="tenant_status_valid"),
            models.CheckConstraint(condition=Q(plan_code__in=PlanCode.values), name="tenant_plan_valid"),
            models.CheckConstraint(condition=Q(guild_id__regex=DISCORD_ID_PATTERN), name="tenant_guild_id_discord_id"),
        ]
        indexes = [models.Index(fields=["status"], name="tenant_status")]

    def __str__(self) -> str:
        return f"{self.name} ({self.guild_id})"

    @property
    def plan(self) -> Plan:
        return plan_for(self.plan_code)

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.ACTIVE


class TenantQuotaUse(models.Model):
    """How much of a daily plan quota a tenant used on one day of its own time zone (apps/tenants/quotas.py).

    One row per tenant, quota and day, counted up under a row lock in the transaction of the act it
    counts: a refused or rolled-back act uses nothing."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="quota_uses")
    quota = models.CharField(max_length=32)
    day = models.DateField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "quota", "day"], name="tenant_quota_use_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.quota} {self.day}: {self.used}"
