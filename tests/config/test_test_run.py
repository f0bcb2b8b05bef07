"""`make test` stops at once, naming the part and how to start it, when one is unreachable."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config.embedded import listening
from storage.embedded import free_port

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("variable", "url", "message"),
    [
        (
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:{port}/platform",
            "PostgreSQL is not reachable at postgres://postgres@127.0.0.1:{port}/platform: "
            "start it",
        ),
        (
            "CELERY_BROKER_URL",
            "redis://127.0.0.1:{port}/15",
            "Redis is not reachable at redis://127.0.0.1:{port}/15: start it",
        ),
    ],
)
def test_an_unreachable_part_stops_the_run_before_any_test(variable, url, message):
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/accounts/test_uscc.py"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, variable: url.format(port=port)},
    )
    assert result.returncode == 3
    assert message.format(port=port) in result.stdout + result.stderr
    assert " passed" not in result.stdout


def test_a_run_without_servers_starts_throw_away_ones_and_removes_them():
    """A machine with nothing running (PLATFORM_TEST_SERVERS=throw-away stands in for it where
    PostgreSQL and Redis do answer): the run starts both, passes, and leaves nothing behind."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL"}
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "tests/monitoring/test_chronograph.py",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, "PLATFORM_TEST_SERVERS": "throw-away"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    database, folder = re.search(
        r"using a throw-away one at (postgres://\S+) \(in (\S+)\)", output
    ).groups()
    broker = re.search(r"using a throw-away Valkey at (redis://\S+)", output).group(1)
    assert database.startswith("postgres://postgres@127.0.0.1:")
    assert broker.startswith("redis://127.0.0.1:")
    assert "4 passed" in output
    assert not listening(database, 5432)
    assert not listening(broker, 6379)
    assert not Path(folder).exists()
