"""PostgreSQL refuses UPDATE and DELETE on the units ledger: corrections append, never edit."""

from django.db import migrations

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION betting_ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the units ledger is append-only: % refused; append a reversing entry instead', TG_OP
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
            "CREATE TRIGGER betting_ledgerentry_append_only BEFORE UPDATE OR DELETE ON betting_ledgerentry "
            "FOR EACH ROW EXECUTE FUNCTION betting_ledger_refuse_change()"
        )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS betting_ledgerentry_append_only ON betting_ledgerentry")
    schema_editor.execute("DROP FUNCTION IF EXISTS betting_ledger_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [("betting", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
