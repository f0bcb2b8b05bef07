"""The platform's runs of the collusion screens, called as Celery beat calls them: each tender
soon after its opening, once; every night the tenders opened in the last days and the screens
across tenders, raising nothing new the second time."""

import datetime as dt
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from bids.models import OpeningOutcome, OpeningSession, OpeningState
from config.celery import app
from monitoring.clock import database_now
from monitoring.models import Alert, Event
from supervision.collusion import rules
from supervision.collusion.models import CollusionRun, CollusionScreening
from supervision.collusion.tasks import collusion_screen_due, collusion_screen_nightly
from tests.supervision.history_seeding import PastTender, organisations, seed_awarded_history
from tests.supervision.seeding import seed_opened_tender
from tests.supervision.test_collusion_service import SEED, colluding_scenario, honest_bid

PROJECT = Path(__file__).resolve().parents[2]


def opened_tender(bids, *, finalised_at, outcome=OpeningOutcome.OPENED, state=None):
    """A tender whose opening record was finalised at `finalised_at` (by the database clock)."""
    tender = seed_opened_tender(bids, **({"state": state} if state else {}))
    OpeningSession.objects.filter(tender=tender).update(
        finalised_at=finalised_at, outcome=outcome if state is None else ""
    )
    return tender


def losing_history(times: int = 5) -> tuple:
    loser, winner = organisations(2)
    seed_awarded_history(
        [
            PastTender(
                tenderee=organisations(1, "招标人")[0],
                bidders=[winner, loser, *organisations(4)],
                winner=winner,
                decided_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC) + dt.timedelta(days=number),
            )
            for number in range(times)
        ]
    )
    return loser, winner


@pytest.mark.django_db
def test_a_newly_opened_tender_is_screened_once_by_the_opening_run():
    bids, _colluders = colluding_scenario(random.Random(SEED))
    tender = opened_tender(bids, finalised_at=database_now() - dt.timedelta(minutes=3))

    first = collusion_screen_due()
    second = collusion_screen_due()

    run = CollusionRun.objects.get()
    assert first == {
        "run": str(run.pk),
        "tenders_screened": 1,
        "alerts_raised": 3,
        "across_alerts_raised": 0,
        "failures": 0,
    }
    assert second == {"run": None, "tenders_screened": 0}
    assert (run.kind, run.failures) == ("opening", [])
    screening = CollusionScreening.objects.get()
    assert (
        screening.tender_id,
        screening.bids_screened,
        screening.findings,
        screening.alerts_raised,
    ) == (tender.pk, 8, 3, 3)
    assert Alert.objects.filter(tender_id=str(tender.pk)).count() == 3
    event = Event.objects.get(action="collusion.run_finished")
    assert (event.object_type, event.object_id, event.role) == (
        "supervision.collusionrun",
        str(run.pk),
        "platform",
    )
    assert event.payload == {"kind": "opening", "tenders_screened": 1, "failures": 0}


@pytest.mark.django_db
def test_the_opening_run_leaves_openings_unfinished_failed_or_older_than_the_window(settings):
    settings.COLLUSION_NIGHTLY_DAYS = 30
    now = database_now()
    rng = random.Random(SEED)

    def bids():
        return [honest_bid(rng) for _ in range(3)]

    opened_tender(bids(), finalised_at=None, state=OpeningState.READING)
    opened_tender(bids(), finalised_at=now - dt.timedelta(hours=1), outcome=OpeningOutcome.FAILED)
    opened_tender(bids(), finalised_at=now - dt.timedelta(days=31))
    due = opened_tender(bids(), finalised_at=now - dt.timedelta(days=29))

    summary = collusion_screen_due()

    assert summary["tenders_screened"] == 1
    assert list(CollusionScreening.objects.values_list("tender_id", flat=True)) == [due.pk]


@pytest.mark.django_db
def test_the_nightly_run_screens_the_opened_tenders_again_then_across_tenders_once():
    bids, _colluders = colluding_scenario(random.Random(SEED))
    tender = opened_tender(bids, finalised_at=database_now() - dt.timedelta(days=2))
    collusion_screen_due()
    loser, winner = losing_history()

    first = collusion_screen_nightly()
    second = collusion_screen_nightly()

    assert (first["tenders_screened"], first["alerts_raised"], first["across_alerts_raised"]) == (
        1,
        0,
        1,
    )
    assert (
        second["tenders_screened"],
        second["alerts_raised"],
        second["across_alerts_raised"],
    ) == (
        1,
        0,
        0,
    )
    assert CollusionScreening.objects.filter(tender=tender).count() == 3
    assert list(CollusionRun.objects.order_by("started_at").values_list("kind", flat=True)) == [
        "opening",
        "nightly",
        "nightly",
    ]
    [across] = Alert.objects.filter(kind=rules.LOSING_TO_SAME_WINNER)
    assert (across.evidence["loser"]["id"], across.evidence["winner"]["id"]) == (
        str(loser.pk),
        str(winner.pk),
    )
    assert Alert.objects.count() == 4


@pytest.mark.django_db
def test_the_beat_schedule_names_registered_tasks_and_runs_nightly_at_half_past_two(settings):
    app.loader.import_default_modules()
    due = settings.CELERY_BEAT_SCHEDULE["collusion-screen-due"]
    nightly = settings.CELERY_BEAT_SCHEDULE["collusion-screen-nightly"]

    assert due["task"] in app.tasks and nightly["task"] in app.tasks
    assert due["schedule"] == 300.0
    # 02:30 in Asia/Shanghai is 18:30 UTC, the beat's time zone.
    assert (nightly["schedule"].hour, nightly["schedule"].minute) == ({18}, {30})


def test_a_nightly_time_that_is_not_a_time_of_day_stops_start_up():
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "COLLUSION_NIGHTLY_AT": "25:00"}

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "COLLUSION_NIGHTLY_AT must be a time of day as HH:MM, not '25:00'" in result.stderr
