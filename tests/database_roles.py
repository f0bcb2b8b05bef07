"""The test run connects as the application's database role, so that every test meets the
restriction production has: no UPDATE, DELETE or TRUNCATE of the event log
(config/database_roles.py).

The test database is created and migrated as the owner (the superuser of DATABASE_URL);
`migrate` grants the application's role; then every connection of the run switches to that
role (`SET ROLE`, Django's `assume_role`). What only the owner may do in a test — empty the
tables between transactional tests, or play an insider who tampers with the log — switches
back for one transaction (`as_database_owner`).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.backends.postgresql.operations import DatabaseOperations


@contextmanager
def as_database_owner() -> Iterator:
    """A cursor with the rights of the session's own user (the owner), inside a transaction
    (a savepoint in a test's transaction): what an insider holding the owner's credentials
    could do. Back to the application's role after, whether the block fails or not."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        role = cursor.fetchone()[0]
        cursor.execute("SET ROLE NONE")
        yield cursor
        # On failure the savepoint's rollback restores the role; on success, restore it here.
        cursor.execute(f'SET ROLE "{role}"')


_django_sql_flush = DatabaseOperations.sql_flush


def _sql_flush_as_owner(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """Between transactional tests Django empties every table (TRUNCATE): as the owner, with
    the log's TRUNCATE triggers off, for this transaction only. The platform never does."""
    statements = _django_sql_flush(
        self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
    )
    if not statements:
        return statements
    return [
        "SET LOCAL ROLE NONE",
        "SET LOCAL session_replication_role = replica",
        *statements,
    ]


def connect_as_application_role() -> None:
    from django.conf import settings

    DatabaseOperations.sql_flush = _sql_flush_as_owner
    with connection.cursor() as cursor:
        # Tests that race sessions watch others wait on a lock (pg_stat_activity), which a
        # role sees only of its own sessions unless it may read every session's activity.
        cursor.execute(f'GRANT pg_read_all_stats TO "{settings.DATABASE_APP_ROLE}"')
    connection.close()
    connection.settings_dict.setdefault("OPTIONS", {})["assume_role"] = settings.DATABASE_APP_ROLE


def connect_as_owner_again() -> None:
    connection.close()
    connection.settings_dict["OPTIONS"].pop("assume_role", None)
    DatabaseOperations.sql_flush = _django_sql_flush
