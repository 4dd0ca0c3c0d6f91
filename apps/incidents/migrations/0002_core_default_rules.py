"""The shipped incident rules (staff edit them in the admin): a brute-force or account-takeover alert of
severity high or above opens an account-takeover incident, credential stuffing and password spraying a
credential-stuffing one, and an opposite-side or copy ring a fraud-ring one. Detection rule slugs are those of
apps/security/migrations/0002_default_rules.py; fraud kinds those of apps/fraud/choices.py."""

from django.db import migrations

DEFAULT_RULES = [
    {
        "name": "Brute force or account takeover",
        "source": "security_alert",
        "alert_rule_slugs": ["brute-force-per-user", "account-takeover-sequence"],
        "min_severity": "high",
        "incident_kind": "account_takeover",
        "incident_severity": "",
        "dedup_window_minutes": 60,
        "position": 10,
    },
    {
        "name": "Credential stuffing or password spraying",
        "source": "security_alert",
        "alert_rule_slugs": ["credential-stuffing-per-ip", "password-spraying"],
        "min_severity": "high",
        "incident_kind": "credential_stuffing",
        "incident_severity": "",
        "dedup_window_minutes": 60,
        "position": 20,
    },
    {
        "name": "Betting fraud ring",
        "source": "fraud_case",
        "fraud_kinds": ["opposite_side_ring", "copy_ring"],
        "min_severity": "medium",
        "incident_kind": "fraud_ring",
        "incident_severity": "",
        "dedup_window_minutes": 24 * 60,
        "position": 30,
    },
]


def create_rules(apps, schema_editor):
    IncidentRule = apps.get_model("incidents", "IncidentRule")
    for values in DEFAULT_RULES:
        IncidentRule.objects.get_or_create(name=values["name"], defaults=values)


def remove_rules(apps, schema_editor):
    IncidentRule = apps.get_model("incidents", "IncidentRule")
    IncidentRule.objects.filter(name__in=[values["name"] for values in DEFAULT_RULES], incidents__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(create_rules, remove_rules)]
