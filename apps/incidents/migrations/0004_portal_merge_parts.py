"""Merges the leaves the parallel parts of issue #13 left (core rules, playbook step retries, evidence clocks)
so the portal branch migrates; the coordinator may drop this when it renumbers the parts' migrations."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_core_default_rules"),
        ("incidents", "0002_play_step_run_next_attempt"),
        ("incidents", "0003_evid_clock_definitions"),
    ]

    operations = []
