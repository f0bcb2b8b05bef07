"""On PostgreSQL, refuse TRUNCATE of the event log and what proves it, in the database itself.

The row triggers (0002, 0006, 0007) refuse UPDATE and DELETE, but TRUNCATE fires no row
trigger: a statement trigger refuses it. Defence in depth beside the application's role, which
holds no TRUNCATE right on these tables (config/database_roles.py); whoever may disable
triggers can still empty them, which `verify_events` finds against the signed checkpoints.
"""

from django.db import migrations

TABLES = (
    "monitoring_event",
    "monitoring_eventcheckpoint",
    "monitoring_eventtreenode",
    "monitoring_sealedidentity",
)

CREATE = """
CREATE OR REPLACE FUNCTION monitoring_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION monitoring_refuse_truncate();
"""
    for table in TABLES
)

DROP = "".join(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION IF EXISTS monitoring_refuse_truncate();\n"
)


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0008_alert_lifecycle")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
