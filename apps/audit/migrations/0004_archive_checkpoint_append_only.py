"""PostgreSQL refuses UPDATE and DELETE on archive checkpoints, with no way past it (no-op on SQLite).

A checkpoint is where the verified chain starts once older events are archived: moving or removing
one would let a deleted stretch of the trail pass unnoticed, so unlike events and seals it has no
retention bypass.
"""

from django.db import migrations

TABLE = "audit_auditarchivecheckpoint"

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_checkpoint_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit archive checkpoints are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:  # no parameters: the body uses % placeholders
        cursor.execute(CREATE_FUNCTION)
        cursor.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_refuse_change()"
        )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_checkpoint_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_archive_checkpoint")]

    operations = [migrations.RunPython(install, uninstall)]
