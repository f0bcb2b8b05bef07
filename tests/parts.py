"""The real parts a test run needs, checked before anything runs."""

import os
import socket
from urllib.parse import urlparse

import pytest


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def pytest_configure(config: pytest.Config) -> None:
    database_url = os.environ["DATABASE_URL"]
    broker_url = os.environ["CELERY_BROKER_URL"]
    if database_url.startswith("postgres") and not _reachable(database_url, 5432):
        pytest.exit(
            f"PostgreSQL is not reachable at {database_url}: start it "
            "(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) "
            "or set DATABASE_URL",
            returncode=3,
        )
    if broker_url.startswith("redis") and not _reachable(broker_url, 6379):
        pytest.exit(
            f"Redis is not reachable at {broker_url}: start it "
            "(redis-server --daemonize yes --bind 127.0.0.1 --port 6379) "
            "or set CELERY_BROKER_URL",
            returncode=3,
        )
