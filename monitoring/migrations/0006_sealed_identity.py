"""Sealed identities of events about obtaining documents and bidding (办法 第21条).

Append-only like events: on PostgreSQL a trigger refuses UPDATE and DELETE (defence in depth;
`verify_events` checks each row against the digest its event holds).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


CREATE = """
CREATE OR REPLACE FUNCTION monitoring_sealedidentity_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'monitoring_sealedidentity is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER monitoring_sealedidentity_append_only
    BEFORE UPDATE OR DELETE ON monitoring_sealedidentity
    FOR EACH ROW EXECUTE FUNCTION monitoring_sealedidentity_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS monitoring_sealedidentity_append_only ON monitoring_sealedidentity;
DROP FUNCTION IF EXISTS monitoring_sealedidentity_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0005_alert'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SealedIdentity',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('tender_id', models.CharField(db_index=True, max_length=64, verbose_name='tender')),
                ('actor_label', models.CharField(blank=True, max_length=150, verbose_name='actor label')),
                ('client_ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='client IP')),
                ('fields', models.JSONField(blank=True, default=dict, verbose_name='identifying fields')),
                ('salt', models.CharField(max_length=64, verbose_name='salt')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor')),
                ('event', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='sealed_identity', to='monitoring.event', verbose_name='event')),
            ],
            options={
                'verbose_name': 'sealed identity',
                'verbose_name_plural': 'sealed identities',
            },
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
