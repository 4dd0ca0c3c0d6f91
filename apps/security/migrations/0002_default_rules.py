"""The shipped detection rules (version 1 of each). Staff edit them in the admin; each edit is a new version."""

from django.db import migrations

LOGIN_PCI = ["pci_dss:10.2.4", "pci_dss:8.3.4", "soc2:CC6.1", "soc2:CC7.2"]

DEFAULT_RULES = [
    {
        "slug": "brute-force-per-user",
        "name": "Brute force on one account",
        "description": "Many failed logins for one username within minutes.",
        "kind": "threshold",
        "severity": "high",
        "window_seconds": 300,
        "suppression_seconds": 3600,
        "definition": {"event_types": ["login_failed"], "group_by": "details.username", "threshold": 5},
        "compliance_requirements": LOGIN_PCI,
    },
    {
        "slug": "credential-stuffing-per-ip",
        "name": "Credential stuffing from one address",
        "description": "Failed logins for many different usernames from one IP address.",
        "kind": "threshold",
        "severity": "high",
        "window_seconds": 600,
        "suppression_seconds": 3600,
        "definition": {
            "event_types": ["login_failed"],
            "group_by": "ip_address",
            "distinct": "details.username",
            "threshold": 10,
        },
        "compliance_requirements": ["pci_dss:10.2.4", "soc2:CC7.2"],
    },
    {
        "slug": "password-spraying",
        "name": "Password spraying across accounts",
        "description": (
            "Across the platform, many accounts each failing only once or twice within an hour: a few common "
            "passwords tried against many accounts, slowly and often from several addresses."
        ),
        "kind": "threshold",
        "severity": "high",
        "window_seconds": 3600,
        "suppression_seconds": 6 * 3600,
        "definition": {
            "event_types": ["login_failed"],
            "group_by": "global",
            "distinct": "details.username",
            "max_per_distinct": 2,
            "threshold": 15,
        },
        "compliance_requirements": ["pci_dss:10.2.4", "soc2:CC7.2"],
    },
    {
        "slug": "api-key-abuse",
        "name": "API key abuse from one address",
        "description": "Invalid, revoked or expired API keys presented repeatedly from one IP address.",
        "kind": "threshold",
        "severity": "high",
        "window_seconds": 300,
        "suppression_seconds": 3600,
        "definition": {
            "event_types": ["api_key_invalid", "api_key_revoked_used", "api_key_expired_used"],
            "group_by": "ip_address",
            "threshold": 10,
        },
        "compliance_requirements": ["pci_dss:10.2.4", "soc2:CC6.1", "soc2:CC7.2"],
    },
    {
        "slug": "rapid-privilege-changes",
        "name": "Rapid privilege changes",
        "description": "One actor changing the privileges of several accounts within minutes.",
        "kind": "threshold",
        "severity": "high",
        "window_seconds": 600,
        "suppression_seconds": 3600,
        "definition": {
            "event_types": ["privilege_changed"],
            "group_by": "actor_identifier",
            "distinct": "details.subject_id",
            "threshold": 3,
        },
        "compliance_requirements": ["pci_dss:10.2.5", "soc2:CC6.2", "soc2:CC7.2"],
    },
    {
        "slug": "off-hours-admin-actions",
        "name": "Administrative action outside business hours",
        "description": "A staff user changing privileges, passwords or MFA, or viewing personal data, outside 07:00-20:00.",
        "kind": "threshold",
        "severity": "medium",
        "window_seconds": 3600,
        "suppression_seconds": 8 * 3600,
        "definition": {
            "event_types": ["privilege_changed", "password_changed", "mfa_changed", "personal_data_accessed"],
            "match": {"actor_kind": "user"},
            "outside_hours": {"start": 7, "end": 20, "timezone": "UTC"},
            "group_by": "actor_identifier",
            "threshold": 1,
        },
        "compliance_requirements": ["pci_dss:10.2.2", "soc2:CC7.2"],
    },
    {
        "slug": "account-takeover-sequence",
        "name": "Likely account takeover",
        "description": "From one address: failed logins, then a successful one, then a privilege, password or MFA change.",
        "kind": "sequence",
        "severity": "critical",
        "window_seconds": 3600,
        "suppression_seconds": 6 * 3600,
        "definition": {
            "group_by": "ip_address",
            "steps": [
                {"event_types": ["login_failed"], "min_count": 3},
                {"event_types": ["login_succeeded"]},
                {"event_types": ["privilege_changed", "password_changed", "mfa_changed"]},
            ],
        },
        "compliance_requirements": ["pci_dss:10.2.4", "pci_dss:10.2.5", "soc2:CC7.2", "soc2:CC7.3"],
    },
    {
        "slug": "behavioural-baseline",
        "name": "Departure from a behavioural baseline",
        "description": "A staff user or capper acting unlike their baseline (margins: SECURITY_BASELINE_MARGINS).",
        "kind": "baseline",
        "severity": "medium",
        "window_seconds": 86400,
        "suppression_seconds": 86400,
        "definition": {},
        "compliance_requirements": ["pci_dss:10.6.1", "soc2:CC7.2"],
    },
]

VERSIONED = [
    "name",
    "description",
    "kind",
    "severity",
    "is_enabled",
    "window_seconds",
    "suppression_seconds",
    "definition",
    "compliance_requirements",
]


def create_rules(apps, schema_editor):
    DetectionRule = apps.get_model("security", "DetectionRule")
    DetectionRuleVersion = apps.get_model("security", "DetectionRuleVersion")
    for values in DEFAULT_RULES:
        rule, created = DetectionRule.objects.get_or_create(
            slug=values["slug"], defaults={**values, "version": 1, "updated_by": "migration"}
        )
        if created:
            snapshot = {name: getattr(rule, name) for name in VERSIONED}
            DetectionRuleVersion.objects.create(
                rule=rule, version=1, snapshot=snapshot, created_by="migration", reason="shipped default"
            )


def remove_rules(apps, schema_editor):
    DetectionRule = apps.get_model("security", "DetectionRule")
    DetectionRule.objects.filter(slug__in=[values["slug"] for values in DEFAULT_RULES], alerts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("security", "0001_initial")]

    operations = [migrations.RunPython(create_rules, remove_rules)]
