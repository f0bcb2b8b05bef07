"""The test run's clock (tests/clock.py): PLATFORM_TEST_CLOCK moves the Python clock of every
process of the run and the database clock the services read, by one offset."""

import datetime as dt
import os
import subprocess
import sys

import pytest

from monitoring.clock import database_now
from tests.clock import CLOCK_SITE, OFFSET, offset_to_test_clock

WEDNESDAY_UTC = dt.datetime(2026, 12, 2, 15, 55, tzinfo=dt.UTC)


def test_a_moment_without_a_zone_is_read_in_shanghai():
    assert offset_to_test_clock("2026-12-02T23:55:00", wall_clock=WEDNESDAY_UTC) == 0
    assert offset_to_test_clock("2026-12-02T23:55:00+00:00", wall_clock=WEDNESDAY_UTC) == 8 * 3600


def test_a_moment_that_is_not_iso_8601_names_the_variable():
    with pytest.raises(ValueError, match=r"PLATFORM_TEST_CLOCK='next wednesday' is not an ISO"):
        offset_to_test_clock("next wednesday", wall_clock=WEDNESDAY_UTC)


@pytest.mark.django_db
def test_the_database_clock_moves_by_the_offset(settings):
    settings.PLATFORM_CLOCK_OFFSET_SECONDS += 3 * 86400
    shifted = database_now()
    settings.PLATFORM_CLOCK_OFFSET_SECONDS -= 3 * 86400
    assert abs(shifted - database_now() - dt.timedelta(days=3)) < dt.timedelta(seconds=5)


def test_a_subprocess_of_the_run_follows_its_clock():
    """A worker or bidtool started by a test lives at the run's time, not the wall clock."""
    run_offset = int(os.environ.get(OFFSET, "0"))
    environment = {
        **os.environ,
        OFFSET: str(run_offset + 3 * 86400),
        "PYTHONPATH": str(CLOCK_SITE),
    }
    printed = subprocess.run(
        [sys.executable, "-c", "import datetime; print(datetime.datetime.now(datetime.UTC))"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    ahead = dt.datetime.fromisoformat(printed.strip()) - dt.datetime.now(dt.UTC)
    assert abs(ahead - dt.timedelta(days=3)) < dt.timedelta(seconds=30)
