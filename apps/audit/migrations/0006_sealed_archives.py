"""Archive files are sealed; each checkpoint keeps its file's key, encrypted by the data key ring.

Checkpoints stay append-only, with one narrow way through, as for events (0005): an UPDATE inside
a key rotation batch (`SET LOCAL dbsbm.key_rotation = on`) that changes nothing but `archive_key`'s
ciphertext. Without it a data key could never be retired while an archive used it.
"""

from django.db import migrations

import apps.keyring.fields

TABLE = "audit_auditarchivecheckpoint"

ALLOW_ROTATION = """
CREATE OR REPLACE FUNCTION audit_checkpoint_refuse_change() RETURNS trigger AS $$
BEGIN
    -- key rotation re-encrypts the columns named as arguments, and nothing else may change
    IF TG_OP = 'UPDATE' AND TG_NARGS > 0 AND current_setting('dbsbm.key_rotation', true) = 'on'
            AND (to_jsonb(NEW) - TG_ARGV) = (to_jsonb(OLD) - TG_ARGV) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit archive checkpoints are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

REFUSE_ALL = """
CREATE OR REPLACE FUNCTION audit_checkpoint_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit archive checkpoints are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _install(schema_editor, function: str, arguments: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:  # no parameters: the body uses % placeholders
        cursor.execute(function)
        cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        cursor.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_refuse_change({arguments})"
        )


def allow_rotation(apps, schema_editor):
    _install(schema_editor, ALLOW_ROTATION, "'archive_key'")


def refuse_all(apps, schema_editor):
    _install(schema_editor, REFUSE_ALL, "")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_encrypted_ip_address"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditarchivecheckpoint",
            name="archive_key",
            field=apps.keyring.fields.EncryptedTextField(
                blank=True,
                default="",
                help_text="The key the archive file is sealed with (base64), encrypted by the data key ring; "
                "empty for a file archived before archives were sealed.",
            ),
        ),
        migrations.RunPython(allow_rotation, refuse_all),
    ]
