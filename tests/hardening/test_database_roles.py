"""A log no insider can rewrite: the application's database role may add events and
checkpoints but never change, delete or empty them; the owner's TRUNCATE meets a trigger.

The whole test run connects as the application's role (tests/database_roles.py); these tests
show the refusals themselves, and that a login as that role (no SET ROLE to undo) meets them.
"""

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from psycopg import errors

from config.database_roles import APPEND_ONLY_TABLES
from monitoring.checkpoints import checkpoint_create
from monitoring.models import Event, EventCheckpoint, EventTreeNode, SealedIdentity
from monitoring.tree import TILE_SIZE
from tests.config.test_startup import PRODUCTION, manage
from tests.database_roles import as_database_owner
from tests.factories import UserFactory
from tests.monitoring.test_event_chain import record
from tests.monitoring.test_sealed_events import record_obtained

FORBIDDEN = {
    "UPDATE": "UPDATE {table} SET id = id",
    "DELETE": "DELETE FROM {table}",
    "TRUNCATE": "TRUNCATE {table} CASCADE",
}


def a_full_log() -> None:
    """Events, a sealed identity, a checkpoint and stored tree nodes: a row in every table."""
    for number in range(TILE_SIZE):
        record(number)
    record_obtained(UserFactory())
    checkpoint_create()
    assert EventTreeNode.objects.exists()
    assert SealedIdentity.objects.exists()


def refused_as(cursor_context, statement: str) -> str:
    with pytest.raises(DatabaseError) as refused, cursor_context() as cursor:
        cursor.execute(statement)
    return str(refused.value)


def app_cursor():
    return _AppCursor()


class _AppCursor:
    """A cursor inside a savepoint, so that a refused statement leaves the test's transaction
    usable."""

    def __enter__(self):
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._cursor = connection.cursor()
        return self._cursor.__enter__()

    def __exit__(self, *exc):
        self._cursor.__exit__(*exc)
        return self._atomic.__exit__(*exc)


@pytest.mark.django_db
def test_the_test_run_connects_as_the_application_role():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, session_user")
        current, session = cursor.fetchone()
    assert current == settings.DATABASE_APP_ROLE == "platform_app"
    assert session != current  # the owner, whose role the run took off for the tests


@pytest.mark.django_db
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
@pytest.mark.parametrize("operation", list(FORBIDDEN))
def test_the_application_role_may_not_update_delete_or_truncate_the_log(table, operation):
    a_full_log()
    before = [model.objects.count() for model in (Event, EventCheckpoint, SealedIdentity)]

    message = refused_as(app_cursor, FORBIDDEN[operation].format(table=table))

    assert f"permission denied for table {table}" in message
    assert [model.objects.count() for model in (Event, EventCheckpoint, SealedIdentity)] == before


@pytest.mark.django_db
def test_the_application_role_adds_and_reads_the_log_and_signs_checkpoints():
    record(1)
    record(2)
    checkpoint = checkpoint_create()
    assert checkpoint.tree_size == 2
    assert Event.objects.count() == 2
    call_command("verify_events")


@pytest.mark.django_db
def test_the_application_role_may_not_record_a_migration():
    message = refused_as(
        app_cursor,
        "INSERT INTO django_migrations (app, name, applied) VALUES ('monitoring', 'x', now())",
    )
    assert "permission denied for table django_migrations" in message


@pytest.mark.django_db
@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_truncate_by_the_owner_is_refused_by_the_trigger(table):
    a_full_log()

    # The test's own rows have foreign-key checks pending until its end: run them now, or
    # PostgreSQL refuses TRUNCATE for that reason before any trigger fires.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    message = refused_as(as_database_owner, f"TRUNCATE {table} CASCADE")

    assert f"{table} is append-only: TRUNCATE refused" in message
    assert Event.objects.count() == TILE_SIZE + 1


@pytest.mark.django_db
def test_a_login_as_the_application_role_meets_the_same_refusals():
    """What a process given only DATABASE_URL (the application's credentials) can do."""
    a_full_log()
    database = connection.settings_dict
    with psycopg.connect(
        host=database["HOST"],
        port=database["PORT"],
        dbname=database["NAME"],
        user=settings.DATABASE_APP_ROLE,
        autocommit=True,
    ) as login:
        # It reads (the test's rows are not committed, so it sees none) but may not remove.
        assert login.execute("SELECT count(*) FROM monitoring_event").fetchone() == (0,)
        for statement in ("DELETE FROM monitoring_event", "TRUNCATE monitoring_eventcheckpoint"):
            with pytest.raises(errors.InsufficientPrivilege, match="permission denied"):
                login.execute(statement)
        # Nor can it take the owner's rights back, or switch the triggers off.
        with pytest.raises(errors.InsufficientPrivilege):
            login.execute("SET ROLE postgres")
        with pytest.raises(errors.InsufficientPrivilege):
            login.execute("SET session_replication_role = replica")


@pytest.mark.django_db
def test_the_privileges_are_insert_and_select_only_on_each_log_table():
    privileges = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    role = settings.DATABASE_APP_ROLE
    held = {}
    with connection.cursor() as cursor:
        for table in (*APPEND_ONLY_TABLES, "trading_tender"):
            held[table] = []
            for privilege in privileges:
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege])
                if cursor.fetchone()[0]:
                    held[table].append(privilege)
    tender_update = "UPDATE" in held.pop("trading_tender")
    assert held == {table: ["SELECT", "INSERT"] for table in APPEND_ONLY_TABLES}
    assert tender_update is True


@pytest.mark.django_db
def test_database_roles_refuses_an_application_role_that_is_the_owner(settings):
    settings.DATABASE_APP_ROLE = connection.settings_dict["USER"]
    settings.DATABASE_OWNER_URL = f"postgres://{settings.DATABASE_APP_ROLE}@127.0.0.1/x"

    with pytest.raises(CommandError) as refused:
        call_command("database_roles")

    assert str(refused.value) == (
        f"DATABASE_APP_ROLE={settings.DATABASE_APP_ROLE!r} is the owner's role "
        "(DATABASE_OWNER_URL): the application would keep the right to rewrite the event log"
    )


def test_production_refuses_an_application_that_connects_as_the_owner():
    owner = "postgres://postgres@db.internal:5432/platform"
    result = manage("check", **{**PRODUCTION, "DATABASE_URL": owner, "DATABASE_OWNER_URL": owner})
    assert result.returncode != 0
    assert (
        "DATABASE_URL connects as the owner of the tables (DATABASE_OWNER_URL's role): in "
        "production mode the application connects as its own role"
    ) in result.stderr
