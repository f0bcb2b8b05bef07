"""The platform's own runs of the collusion screens: at the opening and nightly.

bids/ may not call supervision/ (the layers, tests/config/test_layout.py), so the opening does
not trigger the screen: a periodic run (every COLLUSION_OPENING_INTERVAL_SECONDS) finds the
tenders whose opening record was finalised with the outcome "opened" and that no run has
screened yet, and screens each. Not "finalised since the last run's start": an opening
finalised just before that moment, by a transaction committed just after, would be missed, and
a tender whose screen failed would never be tried again. Instead every tender opened within the
nightly window (COLLUSION_NIGHTLY_DAYS) that has no `CollusionScreening` is due.

Every night the run screens every tender opened within the window again (the service raises
each finding once) and then runs the screens across tenders.

Each tender is screened and recorded in one transaction, so a screening is on record exactly
when its alerts are; one tender's failure is logged, recorded on the run, and does not stop
the others (it stays due).
"""

import logging
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from bids.models import OpeningOutcome, OpeningSession, OpeningState
from monitoring.clock import database_now
from monitoring.services import PLATFORM, record_event
from supervision.collusion.across_services import collusion_screen_across
from supervision.collusion.models import CollusionRun, CollusionRunKind, CollusionScreening
from supervision.collusion.services import collusion_screen

logger = logging.getLogger(__name__)


def _opened_since(moment: datetime, *, unscreened: bool = False) -> list[UUID]:
    """Tenders whose opening record was finalised from `moment` on, with the bids opened
    (and, if asked, that no run has screened): one query."""
    openings = OpeningSession.objects.filter(
        state=OpeningState.FINALISED,
        outcome=OpeningOutcome.OPENED,
        finalised_at__gte=moment,
    )
    if unscreened:
        openings = openings.exclude(
            Exists(CollusionScreening.objects.filter(tender_id=OuterRef("tender_id")))
        )
    return list(openings.order_by("finalised_at", "tender_id").values_list("tender_id", flat=True))


def _screen_each(run: CollusionRun, tender_ids: list[UUID]) -> None:
    for tender_id in tender_ids:
        try:
            with transaction.atomic():
                screening = collusion_screen(tender_id=tender_id)
                CollusionScreening.objects.create(
                    run=run,
                    tender_id=tender_id,
                    screened_at=database_now(),
                    bids_screened=screening.bids_screened,
                    findings=len(screening.findings),
                    alerts_raised=len(screening.alerts_raised),
                )
        except Exception as error:
            # Recorded and logged; the tender stays due for the next run.
            logger.exception("collusion screen of tender %s failed", tender_id)
            run.failures.append({"tender": str(tender_id), "error": f"{type(error).__name__}"})
        else:
            run.tenders_screened += 1
            run.alerts_raised += len(screening.alerts_raised)


def _start(kind: str, started_at: datetime, opened_since: datetime) -> CollusionRun:
    return CollusionRun.objects.create(kind=kind, started_at=started_at, opened_since=opened_since)


def _finish(run: CollusionRun) -> CollusionRun:
    with transaction.atomic():
        run.finished_at = database_now()
        run.save(
            update_fields=[
                "finished_at",
                "tenders_screened",
                "alerts_raised",
                "across_alerts_raised",
                "failures",
            ]
        )
        # Counts only: which tender raised what stays in the sealed alerts.
        record_event(
            actor=PLATFORM,
            action="collusion.run_finished",
            object_type="supervision.collusionrun",
            object_id=str(run.pk),
            payload={
                "kind": run.kind,
                "tenders_screened": run.tenders_screened,
                "failures": len(run.failures),
            },
        )
    return run


def _window_start(now: datetime) -> datetime:
    return now - timedelta(days=settings.COLLUSION_NIGHTLY_DAYS)


def collusion_screen_due() -> CollusionRun | None:
    """Screen each tender opened within the window and not screened yet; None (and nothing
    written) when there is none."""
    started_at = database_now()
    since = _window_start(started_at)
    due = _opened_since(since, unscreened=True)
    if not due:
        return None
    run = _start(CollusionRunKind.OPENING, started_at, since)
    _screen_each(run, due)
    return _finish(run)


def collusion_screen_nightly() -> CollusionRun:
    """Screen every tender opened within the window again, then the tenders across."""
    started_at = database_now()
    since = _window_start(started_at)
    run = _start(CollusionRunKind.NIGHTLY, started_at, since)
    _screen_each(run, _opened_since(since))
    try:
        across = collusion_screen_across()
    except Exception as error:
        logger.exception("collusion screens across tenders failed")
        run.failures.append({"tender": "", "error": f"{type(error).__name__}"})
    else:
        run.across_alerts_raised = len(across.alerts_raised)
    return _finish(run)
