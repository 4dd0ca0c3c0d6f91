"""The default regulatory clocks (editable in the admin): GDPR Art. 33 and NIS2's early warning."""

from django.db import migrations

DEFAULTS = [
    {
        "regulation": "gdpr-art-33",
        "name": "GDPR Art. 33 notification of the supervisory authority",
        "hours": 72,
        "requires_personal_data": True,
        "min_severity": "",
    },
    {
        "regulation": "nis2-early-warning",
        "name": "NIS2 Art. 23 early warning to the CSIRT",
        "hours": 24,
        "requires_personal_data": False,
        "min_severity": "high",
    },
]


def create_defaults(apps, schema_editor):
    ClockDefinition = apps.get_model("incidents", "ClockDefinition")
    for row in DEFAULTS:
        ClockDefinition.objects.get_or_create(regulation=row["regulation"], defaults=row)


def remove_defaults(apps, schema_editor):
    ClockDefinition = apps.get_model("incidents", "ClockDefinition")
    ClockDefinition.objects.filter(regulation__in=[row["regulation"] for row in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0004_step_run_next_attempt")]

    operations = [migrations.RunPython(create_defaults, remove_defaults)]
