"""Checkpoints become Merkle tree roots over every event (RFC 9162 style, docs/event-log.md).

The checkpoints made before signed only the chain's head, a statement the new verification
does not read: they are removed (the platform was not in service), and the first checkpoint
after this migration covers every event from the first. On a database that already held
events, `verify_events` then reports that checkpoint late: no Merkle checkpoint covered those
events in time, which is true.

Checkpoints and stored tree nodes are append-only like events: on PostgreSQL a trigger refuses
UPDATE and DELETE (defence in depth; `verify_events` checks every checkpoint against the
events, and a proof made from a changed node does not lead to the signed root).
"""

from django.db import migrations, models

TABLES = ("monitoring_eventcheckpoint", "monitoring_eventtreenode")

CREATE = """
CREATE OR REPLACE FUNCTION monitoring_checkpoint_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION monitoring_checkpoint_append_only();
"""
    for table in TABLES
)

DROP = "".join(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION IF EXISTS monitoring_checkpoint_append_only();\n"
)


def remove_head_checkpoints(apps, schema_editor):
    apps.get_model("monitoring", "EventCheckpoint").objects.all().delete()


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0006_sealed_identity"),
    ]

    operations = [
        migrations.RunPython(remove_head_checkpoints, migrations.RunPython.noop),
        migrations.RenameField("eventcheckpoint", "sequence", "tree_size"),
        migrations.RenameField("eventcheckpoint", "digest", "chain_digest"),
        migrations.AlterField(
            model_name="eventcheckpoint",
            name="tree_size",
            field=models.BigIntegerField(unique=True, verbose_name="tree size"),
        ),
        migrations.AlterField(
            model_name="eventcheckpoint",
            name="chain_digest",
            field=models.CharField(max_length=64, verbose_name="chain digest"),
        ),
        migrations.AddField(
            model_name="eventcheckpoint",
            name="root_hash",
            field=models.CharField(default="", max_length=64, verbose_name="root hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="eventcheckpoint",
            name="previous_tree_size",
            field=models.BigIntegerField(
                default=0, unique=True, verbose_name="previous tree size"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="eventcheckpoint",
            name="previous_root_hash",
            field=models.CharField(default="", max_length=64, verbose_name="previous root hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="eventcheckpoint",
            name="consistency_proof",
            field=models.JSONField(default=list, verbose_name="consistency proof"),
        ),
        migrations.AddField(
            model_name="eventcheckpoint",
            name="frontier",
            field=models.JSONField(default=list, verbose_name="frontier"),
        ),
        migrations.AlterModelOptions(
            name="eventcheckpoint",
            options={
                "ordering": ["tree_size"],
                "verbose_name": "event log checkpoint",
                "verbose_name_plural": "event log checkpoints",
            },
        ),
        migrations.CreateModel(
            name="EventTreeNode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("level", models.PositiveSmallIntegerField(verbose_name="level")),
                ("index", models.BigIntegerField(verbose_name="index")),
                ("hash", models.CharField(max_length=64, verbose_name="hash")),
            ],
            options={
                "verbose_name": "event tree node",
                "verbose_name_plural": "event tree nodes",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("level", "index"), name="event_tree_node_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
