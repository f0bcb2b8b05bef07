"""Settings for the test suite: the base settings with the test run's real parts as defaults.

Tests run against PostgreSQL (row locks and races are tested for real) and a Redis database of
their own: DATABASE_URL and CELERY_BROKER_URL where set, else the servers at 127.0.0.1:5432 and
6379 where they answer, else throw-away ones the run starts (tests/servers.py). The run's clock
can be set (PLATFORM_TEST_CLOCK), so that the suite is tried at any hour of any day.
"""

from tests.servers import use_or_start_servers

use_or_start_servers()

# PLATFORM_TEST_CLOCK=<ISO datetime> starts the run's clocks at that moment (tests/clock.py).
from tests.clock import follow_test_clock  # noqa: E402

follow_test_clock()

from config.settings import *  # noqa: E402, F403

# Hashing passwords fast keeps factories cheap; nothing here protects a real password.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
