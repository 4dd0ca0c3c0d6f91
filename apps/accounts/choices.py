from django.db import models
from django.utils.translation import gettext, gettext_noop


class ApiScope(models.TextChoices):
    TENANTS_READ = "tenants:read", "Read tenants"
    TENANTS_ADMIN = "tenants:admin", "Administer tenants and their API keys"
    AUDIT_READ = "audit:read", "Read the audit trail"
    MEMBERS_READ = "members:read", "Read members"
    MEMBERS_WRITE = "members:write", "Create and change members"
    BETS_READ = "bets:read", "Read bets and ledgers"
    BETS_WRITE = "bets:write", "Post bets"
    BETS_SETTLE = "bets:settle", "Settle bets"
    GAMES_WRITE = "games:write", "Post games and scores"
    METRICS_READ = "metrics:read", "Read platform metrics (monitoring)"
    SECURITY_READ = "security:read", "Read security events, alerts and fraud cases"
    SECURITY_WRITE = "security:write", "Triage security alerts and fraud cases"
    PRIVACY_READ = "privacy:read", "Read data-subject requests and download their exports"
    PRIVACY_WRITE = "privacy:write", "File and process data-subject requests"
    COMPLIANCE_READ = "compliance:read", "Read compliance frameworks, requirement statuses and check runs"
    INCIDENTS_READ = "incidents:read", "Read incidents, their timelines, notifications, evidence and reviews"
    INCIDENTS_WRITE = "incidents:write", "Declare, acknowledge and move incidents; upload evidence; edit policies"
    ANALYTICS_READ = "analytics:read", "Read analytics across tenants: metric queries and forecasts"
    WEBHOOKS_ADMIN = "webhooks:admin", "Manage the tenant's webhook subscriptions, see and replay their deliveries"
    ML_PREDICT = "ml:predict", "Call prediction models and report their outcomes"


class StaffRole(models.TextChoices):
    """Staff roles. `superuser` is Django's flag; the other roles are groups with permissions.

    The labels are also the role groups' names (stored, English): `staff_role_label` translates them for display."""

    SUPERUSER = "superuser", gettext_noop("Superuser")
    OPS = "ops", gettext_noop("Ops")
    SUPPORT = "support", gettext_noop("Support")
    COMPLIANCE_OFFICER = "compliance_officer", gettext_noop("Compliance officer")
    SECURITY_ANALYST = "security_analyst", gettext_noop("Security analyst")


def staff_role_label(value: str) -> str:
    """A role's name as words ("Compliance officer", in the active language) for a stored slug; an unknown value is
    shown as stored."""
    return gettext(StaffRole(value).label) if value in StaffRole.values else value
