"""Seals name their algorithm: every existing seal is the unkeyed SHA-256 one ("sha256").

A migration cannot re-seal them (it may not have the master key, and the trigger refuses UPDATE):
they stay as they are, and the first keyed sealing records the last of them (`legacy_through`,
apps/audit/keys.py). ADD COLUMN with a constant default fills the old rows without an UPDATE, so the
append-only trigger is not involved.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_sealed_archives"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditseal",
            name="algorithm",
            field=models.CharField(
                choices=[
                    ("sha256", "SHA-256 (unkeyed, sealed before the chain was keyed)"),
                    ("hmac-sha256", "HMAC-SHA256 (the audit chain's key)"),
                ],
                default="sha256",
                max_length=16,
            ),
            preserve_default=False,
        ),
    ]
