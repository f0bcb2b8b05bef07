"""On PostgreSQL, refuse UPDATE and DELETE of events in the database itself.

Defence in depth: whoever can disable the trigger can also edit rows, which is why the chain
digests exist and `verify_events` checks them.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION monitoring_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'monitoring_event is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER monitoring_event_append_only
    BEFORE UPDATE OR DELETE ON monitoring_event
    FOR EACH ROW EXECUTE FUNCTION monitoring_event_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS monitoring_event_append_only ON monitoring_event;
DROP FUNCTION IF EXISTS monitoring_event_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
