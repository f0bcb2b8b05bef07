"""The database clock: the one time every deadline and event is measured against.

Web and worker hosts may drift; the database is shared by all, so "now" is asked of it.
"""

from datetime import UTC, datetime

from django.db import connection


def database_now() -> datetime:
    """The database server's current time (aware, UTC), not the transaction's start time."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # clock_timestamp() moves within a transaction; now() is frozen at its start.
            cursor.execute("SELECT clock_timestamp()")
            return cursor.fetchone()[0].astimezone(UTC)
        cursor.execute("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
        return datetime.fromisoformat(cursor.fetchone()[0]).replace(tzinfo=UTC)
