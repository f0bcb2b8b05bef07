"""The chronograph: a periodic sweep driven by Celery beat, run here by a real worker."""

import os
import subprocess
import sys
import uuid

import pytest

from monitoring.chronograph import run_chronograph
from monitoring.models import ChronographTick
from monitoring.selectors import chronograph_status
from monitoring.tasks import chronograph_tick
from tests.parts import shared_database_url

SWEEP_CALLS: list[str] = []


def sweep_that_moves_two() -> int:
    SWEEP_CALLS.append("moved")
    return 2


def sweep_that_breaks() -> int:
    raise RuntimeError("storage unreachable")


@pytest.mark.django_db
def test_a_tick_runs_every_sweep_and_records_itself(settings):
    settings.CHRONOGRAPH_SWEEPS = [
        "tests.monitoring.test_chronograph.sweep_that_breaks",
        "tests.monitoring.test_chronograph.sweep_that_moves_two",
    ]
    SWEEP_CALLS.clear()

    result = run_chronograph()
    run_chronograph()

    assert result.transitions_made == 2
    assert result.failed_sweeps == ["tests.monitoring.test_chronograph.sweep_that_breaks"]
    assert SWEEP_CALLS == ["moved", "moved"]  # one broken sweep does not stop the others
    tick = ChronographTick.objects.get()
    assert tick.ticks == 2
    assert chronograph_status()["state"] == "on_time"


@pytest.mark.django_db
def test_a_chronograph_that_never_ran_says_so():
    assert chronograph_status() == {"last_tick_at": None, "state": "never_ran"}


def test_beat_schedules_the_chronograph(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["chronograph"]
    assert schedule["task"] == "monitoring.tasks.chronograph_tick"
    assert schedule["schedule"] == float(settings.CHRONOGRAPH_INTERVAL_SECONDS)
    assert chronograph_tick.acks_late is True


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_chronograph_tick(settings):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": shared_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
        ],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        result = chronograph_tick.apply_async(queue=queue).get(timeout=60)
        again = chronograph_tick.apply_async(queue=queue).get(timeout=60)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()
    assert result == {"transitions_made": 0, "failed_sweeps": []}, output
    assert again == result
    assert ChronographTick.objects.get().ticks == 2
