"""IP addresses of security events become encrypted at rest, with a blind index for exact matches.

Existing rows (development databases) are encrypted in place: PostgreSQL turns the inet values into
text such as "10.0.0.1/32" and the RunPython below canonicalizes, encrypts and indexes them.
"""

from django.db import migrations, models

import apps.keyring.fields


def encrypt_existing(apps, schema_editor):
    from apps.keyring.services import plaintext_column_encrypt

    plaintext_column_encrypt(model=apps.get_model("security", "SecurityEvent"), field_name="ip_address")


class Migration(migrations.Migration):
    dependencies = [
        ("security", "0002_default_rules"),
        ("keyring", "0001_data_keys"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="securityevent",
            name="security_event_ip_time",
        ),
        migrations.AddField(
            model_name="securityevent",
            name="ip_address_index",
            field=apps.keyring.fields.BlindIndexField(
                db_index=False, normalizer="ip", purpose="ip_address", source="ip_address"
            ),
        ),
        migrations.AlterField(
            model_name="securityevent",
            name="ip_address",
            field=apps.keyring.fields.EncryptedIPAddressField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="securityevent",
            index=models.Index(fields=["ip_address_index", "-occurred_at"], name="security_event_ip_time"),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
