"""Celery tasks of the collusion screens, driven by beat (config/settings.py): they take
nothing, call a service and are safe to run twice (each finding is raised once).

Their names are fixed (`name=`): the beat schedule names them, wherever the code moves (into
supervision/tasks.py, for one). This module is not an app's tasks.py, so CELERY_IMPORTS names it.
"""

from typing import Any

from celery import shared_task

from supervision.collusion.models import CollusionRun
from supervision.collusion.runs import collusion_screen_due as screen_due
from supervision.collusion.runs import collusion_screen_nightly as screen_nightly


def _summary(run: CollusionRun | None) -> dict[str, Any]:
    if run is None:
        return {"run": None, "tenders_screened": 0}
    return {
        "run": str(run.pk),
        "tenders_screened": run.tenders_screened,
        "alerts_raised": run.alerts_raised,
        "across_alerts_raised": run.across_alerts_raised,
        "failures": len(run.failures),
    }


@shared_task(name="supervision.collusion_screen_due", acks_late=True)
def collusion_screen_due() -> dict[str, Any]:
    """Every COLLUSION_OPENING_INTERVAL_SECONDS: screen the tenders opened and not screened."""
    return _summary(screen_due())


@shared_task(name="supervision.collusion_screen_nightly", acks_late=True)
def collusion_screen_nightly() -> dict[str, Any]:
    """Every night at COLLUSION_NIGHTLY_AT: the tenders opened in the last
    COLLUSION_NIGHTLY_DAYS days again, then the screens across tenders."""
    return _summary(screen_nightly())
