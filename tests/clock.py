"""The test run's clock: PLATFORM_TEST_CLOCK=<ISO datetime> starts the run at that moment.

Both clocks the platform reads move together: the Python clock of every process of the run
(time-machine, ticking from the given moment) and the database clock the services read
(`monitoring.clock.database_now`, through PLATFORM_CLOCK_OFFSET_SECONDS). The offset is fixed
once, by the first process, and handed to every subprocess (workers, bidtool, manage.py) in the
environment, with `tests/clock_site/` on PYTHONPATH so that their Python clock follows too.

The S3 server is the one part left on the wall clock, and it refuses requests signed more than
15 minutes away from its own time: the minio SDK therefore signs with the wall clock.
"""

import datetime as dt
import os
import time
from pathlib import Path
from zoneinfo import ZoneInfo

TEST_CLOCK = "PLATFORM_TEST_CLOCK"
OFFSET = "PLATFORM_CLOCK_OFFSET_SECONDS"
CLOCK_SITE = Path(__file__).resolve().parent / "clock_site"
# A moment given without a zone is read in the platform's own zone.
PLATFORM_ZONE = ZoneInfo("Asia/Shanghai")

_traveller = None


def offset_to_test_clock(moment: str, *, wall_clock: dt.datetime) -> int:
    """Whole seconds from the wall clock to the moment PLATFORM_TEST_CLOCK names."""
    try:
        start = dt.datetime.fromisoformat(moment)
    except ValueError:
        raise ValueError(
            f"{TEST_CLOCK}={moment!r} is not an ISO 8601 date and time "
            "(e.g. 2026-12-02T23:55:00+08:00)"
        ) from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=PLATFORM_ZONE)
    return round((start - wall_clock).total_seconds())


def follow_test_clock() -> None:
    """Called by the test settings: fix the offset (once per run) and shift this process."""
    moment = os.environ.get(TEST_CLOCK)
    if moment and OFFSET not in os.environ:
        offset = offset_to_test_clock(moment, wall_clock=dt.datetime.now(dt.UTC))
        os.environ[OFFSET] = str(offset)
        paths = [str(CLOCK_SITE), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    shift_python_clock()


def shift_python_clock() -> None:
    """Move this process's Python clock by the run's offset; the minio SDK keeps the wall clock."""
    global _traveller
    offset = int(os.environ.get(OFFSET, "0"))
    if not offset or _traveller is not None:
        return
    import time_machine

    _traveller = time_machine.travel(
        dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset), tick=True
    )
    _traveller.start()
    # time-machine starts ticking at the first reading, not at start(): read now, so that the
    # Python clock and the database clock (shifted by the same offset) agree to the microsecond.
    time.time()
    # Answers only while travelling, which this process now does until it ends.
    wall_clock = time_machine.escape_hatch.datetime.datetime.now
    try:
        import minio.time
    except ImportError:  # a process without the SDK (bidtool alone) signs nothing for S3
        return
    minio.time.utcnow = lambda: wall_clock(dt.UTC)
