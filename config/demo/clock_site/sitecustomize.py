"""Imported at start-up by the processes `make demo` leaves running (config/demo/clock.py puts
this folder on PYTHONPATH): their Python clock follows the demo's offset clock, which their
database clock adds itself (PLATFORM_CLOCK_OFFSET_SECONDS). Nothing of the project is imported
here: `config` would load Celery before the process has read its own arguments."""

import datetime as dt
import os
import time

offset = int(os.environ.get("PLATFORM_CLOCK_OFFSET_SECONDS", "0"))
if offset:
    import time_machine

    time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset), tick=True).start()
    time.time()  # time-machine starts ticking at the first reading
    wall_clock = time_machine.escape_hatch.datetime.datetime.now
    try:
        import minio.time
    except ImportError:  # a process without the SDK signs nothing for S3
        pass
    else:
        # The S3 server keeps the wall clock and refuses requests signed 15 minutes off it.
        minio.time.utcnow = lambda: wall_clock(dt.UTC)
