"""The database clock: the one time every deadline and event is measured against.

Web and worker hosts may drift; the database is shared by all, so "now" is asked of it. A test
run may shift it (PLATFORM_CLOCK_OFFSET_SECONDS, set from PLATFORM_TEST_CLOCK by the test
settings) to try the platform at any moment of the week; production refuses the setting.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection


def database_now() -> datetime:
    """The database server's current time (aware, UTC), not the transaction's start time."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # clock_timestamp() moves within a transaction; now() is frozen at its start.
            cursor.execute("SELECT clock_timestamp()")
            now = cursor.fetchone()[0].astimezone(UTC)
        else:
            cursor.execute("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
            now = datetime.fromisoformat(cursor.fetchone()[0]).replace(tzinfo=UTC)
    return now + timedelta(seconds=settings.PLATFORM_CLOCK_OFFSET_SECONDS)
