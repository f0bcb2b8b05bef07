"""Fixed-window counters in the database: the one tool of the abuse limits (docs/hardening.md,
"Abuse limits"). A counter is (scope, key, window): failed logins of a user name, failed logins
from an address, bytes a bidder uploaded. Kept in PostgreSQL, not in a process, because the
platform runs several web processes; each addition is one atomic upsert, in its own statement
outside the caller's transaction, so that a refused request still counts.

A fixed window lets a burst of up to twice the limit straddle a window's end; the limits are
set with that in mind.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from accounts.models import AttemptCounter

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Count:
    """A counter's value after an addition, and when its window ends."""

    value: int
    window_end: dt.datetime


def window_start(now: dt.datetime, seconds: int) -> dt.datetime:
    elapsed = int((now - EPOCH).total_seconds())
    return EPOCH + dt.timedelta(seconds=elapsed - elapsed % seconds)


def counter_add(
    *, scope: str, key: str, amount: int, window_seconds: int, now: dt.datetime
) -> Count:
    """Add `amount` to the counter of `key` in the window that holds `now`; the new value."""
    start = window_start(now, window_seconds)
    table = connection.ops.quote_name(AttemptCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, key, window_start, count) "  # noqa: S608
            "VALUES (%s, %s, %s, %s) ON CONFLICT (scope, key, window_start) "
            f"DO UPDATE SET count = {table}.count + EXCLUDED.count RETURNING count",
            [scope, key[:200], start, amount],
        )
        (value,) = cursor.fetchone()
    return Count(value, start + dt.timedelta(seconds=window_seconds))


def counter_value(*, scope: str, key: str, window_seconds: int, now: dt.datetime) -> Count:
    start = window_start(now, window_seconds)
    value = (
        AttemptCounter.objects.filter(scope=scope, key=key[:200], window_start=start)
        .values_list("count", flat=True)
        .first()
    )
    return Count(value or 0, start + dt.timedelta(seconds=window_seconds))


def counters_forget(*, scope: str, key: str) -> None:
    """Start counting `key` afresh (a successful login, a lockout just imposed)."""
    AttemptCounter.objects.filter(scope=scope, key=key[:200]).delete()


def counters_expire(*, before: dt.datetime) -> int:
    """Remove the counters of windows that started before `before`; how many."""
    deleted, _by_model = AttemptCounter.objects.filter(window_start__lt=before).delete()
    return deleted
