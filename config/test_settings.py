"""Settings for the test suite: the base settings with the test run's real parts as defaults.

Tests run against PostgreSQL at 127.0.0.1:5432 (row locks and races are tested for real) and a
Redis database of their own; both can be pointed elsewhere from the environment.
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/platform")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")

from config.settings import *  # noqa: F403

# Hashing passwords fast keeps factories cheap; nothing here protects a real password.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
