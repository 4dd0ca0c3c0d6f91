from django.db import models


class TenantStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    OFFBOARDED = "offboarded", "Offboarded"


class PlanCode(models.TextChoices):
    FREE = "free", "Free"
    PREMIUM = "premium", "Premium"
    PLATINUM = "platinum", "Platinum"
    ENTERPRISE = "enterprise", "Enterprise"
