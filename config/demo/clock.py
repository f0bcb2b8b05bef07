"""The demo's clock: `make demo` lives through a tender's four weeks in a few minutes by moving
the platform's clocks forward, never by shortening a legal period.

Demo only, as a test run's clock is tests only (docs/architecture.md, "The test run's clock"):
both clocks the platform reads move by one offset, the database clock the services read
(`monitoring.clock.database_now`, through settings.PLATFORM_CLOCK_OFFSET_SECONDS, which
production mode refuses) and the Python clock (time-machine, ticking from the moved moment). The
processes `make demo` leaves running get the final offset in PLATFORM_CLOCK_OFFSET_SECONDS and
`clock_site/` on PYTHONPATH, whose sitecustomize moves their Python clock too. The S3 server
stays on the wall clock and refuses requests signed 15 minutes off its time, so the minio SDK
signs with the wall clock.
"""

import datetime as dt
import math
import os
from pathlib import Path
from typing import Any

from django.conf import settings

from monitoring.clock import database_now

OFFSET = "PLATFORM_CLOCK_OFFSET_SECONDS"
CLOCK_SITE = Path(__file__).resolve().parent / "clock_site"


def _wall_clock_for_minio() -> Any:
    """Let the minio SDK sign with the wall clock; returns what to put back."""
    import time_machine

    try:
        import minio.time
    except ImportError:  # no SDK in this process: nothing signs for S3
        return None
    before = minio.time.utcnow
    wall_clock = time_machine.escape_hatch.datetime.datetime.now
    minio.time.utcnow = lambda: wall_clock(dt.UTC)
    return before


class DemoClock:
    """Moves this process's clocks forward; `offset` is then what the platform's processes need
    to live at the same moment (`environment()`)."""

    def __init__(self) -> None:
        self.first_offset = int(settings.PLATFORM_CLOCK_OFFSET_SECONDS)
        self.offset = self.first_offset
        self._traveller: Any = None
        self._coordinates: Any = None
        self._minio_utcnow: Any = None

    def now(self) -> dt.datetime:
        return database_now()

    def advance_to(self, moment: dt.datetime) -> dt.datetime:
        """Move both clocks to `moment` (never back); returns the database clock's time."""
        ahead = (moment - database_now()).total_seconds()
        if ahead > 0:
            self._move(math.ceil(ahead))
        return database_now()

    def _move(self, seconds: int) -> None:
        self.offset += seconds
        settings.PLATFORM_CLOCK_OFFSET_SECONDS = self.offset
        if self._traveller is None:
            import time

            import time_machine

            self._traveller = time_machine.travel(
                dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds), tick=True
            )
            self._coordinates = self._traveller.start()
            time.time()
            self._minio_utcnow = _wall_clock_for_minio()
        else:
            self._coordinates.shift(seconds)
        self._publish_crls()

    @staticmethod
    def _publish_crls() -> None:
        """The CA publishes fresh CRLs, as it does every day: its CRLs last 7 days, and a
        signature checked later than that against an old one is refused as unknown."""
        from signing.certificates import CertificateAuthority
        from signing.conf import ca_directory, ca_passphrase

        CertificateAuthority.open(ca_directory(), passphrase=ca_passphrase()).publish_crls()

    def environment(self) -> dict[str, str]:
        """What the platform's processes need to live on this clock."""
        paths = [str(CLOCK_SITE), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        return {OFFSET: str(self.offset), "PYTHONPATH": os.pathsep.join(paths)}

    def stop(self) -> None:
        """Back to where the clocks were (a test's), with CRLs published at that time."""
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = None
            if self._minio_utcnow is not None:
                import minio.time

                minio.time.utcnow = self._minio_utcnow
        self.offset = self.first_offset
        settings.PLATFORM_CLOCK_OFFSET_SECONDS = self.first_offset
        self._publish_crls()
