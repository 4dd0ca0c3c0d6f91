"""Archive checkpoints carry a keyed seal (HMAC under the audit chain's key); existing ones stay unkeyed.

ADD COLUMN with a constant default fills the old rows without an UPDATE, so the append-only trigger
of the checkpoints (0004, 0006) is not involved.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0007_keyed_seals"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditarchivecheckpoint",
            name="seal",
            field=models.CharField(
                blank=True,
                default="",
                help_text="HMAC-SHA256 of the fields above under the audit chain's key; empty for a checkpoint written before the chain was keyed.",
                max_length=64,
            ),
        ),
    ]
