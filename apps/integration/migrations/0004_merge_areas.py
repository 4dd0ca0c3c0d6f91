# Joins the areas of issue #15 built side by side (webhooks live in the notification layer: no migration here).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0002_apimgmt"),
        ("integration", "0002_outbound"),
        ("integration", "0002_registry"),
        ("integration", "0003_scaling_seed_environments"),
    ]

    operations = []
