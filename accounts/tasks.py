"""Celery tasks of the accounts app: take nothing, call a service, safe to run twice. Their
names are fixed (`name=`): the beat schedule in settings names them."""

from celery import shared_task

from accounts.services import login_housekeeping


@shared_task(name="accounts.tasks.login_housekeeping", acks_late=True)
def login_housekeeping_task() -> dict[str, int]:
    """Remove expired login challenges, past counters and ended lockouts (docs/hardening.md)."""
    removed = login_housekeeping()
    return {
        "challenges": removed.challenges,
        "counters": removed.counters,
        "lockouts": removed.lockouts,
    }
