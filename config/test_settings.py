"""Settings for the test suite: the base settings with the test run's real parts as defaults.

Tests run against PostgreSQL at 127.0.0.1:5432 (row locks and races are tested for real) and a
Redis database of their own; both can be pointed elsewhere from the environment. The run's clock
can be set (PLATFORM_TEST_CLOCK), so that the suite is tried at any hour of any day.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/platform")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")

# PLATFORM_TEST_CLOCK=<ISO datetime> starts the run's clocks at that moment (tests/clock.py).
from tests.clock import follow_test_clock

follow_test_clock()

from config.settings import *  # noqa: E402, F403

# Hashing passwords fast keeps factories cheap; nothing here protects a real password.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
