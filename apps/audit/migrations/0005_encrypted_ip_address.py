"""The client address of audit events becomes encrypted at rest (apps/keyring).

The append-only trigger gains one narrow way through: an UPDATE inside a key rotation batch
(`SET LOCAL dbsbm.key_rotation = on`) that changes nothing but the ciphertext columns named as the
trigger's arguments. The content hash covers the plaintext address, so the chain still verifies
after a rotation. Existing rows (development databases) are encrypted in place.
"""

from django.db import migrations

import apps.keyring.fields

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('dbsbm.audit_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    -- key rotation re-encrypts the columns named as arguments, and nothing else may change
    IF TG_OP = 'UPDATE' AND TG_NARGS > 0 AND current_setting('dbsbm.key_rotation', true) = 'on'
            AND (to_jsonb(NEW) - TG_ARGV) = (to_jsonb(OLD) - TG_ARGV) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

PREVIOUS_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('dbsbm.audit_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

TABLE = "audit_auditevent"


def _install(schema_editor, function: str, arguments: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:  # no parameters: the body uses % placeholders
        cursor.execute(function)
        cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        cursor.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_refuse_change({arguments})"
        )


def allow_rotation(apps, schema_editor):
    _install(schema_editor, CREATE_FUNCTION, "'ip_address'")


def refuse_rotation(apps, schema_editor):
    _install(schema_editor, PREVIOUS_FUNCTION, "")


def encrypt_existing(apps, schema_editor):
    from apps.keyring.services import plaintext_column_encrypt

    plaintext_column_encrypt(model=apps.get_model("audit", "AuditEvent"), field_name="ip_address")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_archive_checkpoint_append_only"),
        ("keyring", "0001_data_keys"),
    ]

    operations = [
        migrations.RunPython(allow_rotation, refuse_rotation),
        migrations.AlterField(
            model_name="auditevent",
            name="ip_address",
            field=apps.keyring.fields.EncryptedIPAddressField(blank=True, null=True),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
    ]
