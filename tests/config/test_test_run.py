"""`make test` stops at once, naming the part and how to start it, when one is unreachable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage.embedded import free_port

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("variable", "url", "message"),
    [
        ("DATABASE_URL", "postgres://postgres@127.0.0.1:{port}/platform",
         "PostgreSQL is not reachable at postgres://postgres@127.0.0.1:{port}/platform: start it"),
        ("CELERY_BROKER_URL", "redis://127.0.0.1:{port}/15",
         "Redis is not reachable at redis://127.0.0.1:{port}/15: start it"),
    ],
)
def test_an_unreachable_part_stops_the_run_before_any_test(variable, url, message):
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/accounts/test_uscc.py"],
        cwd=PROJECT, capture_output=True, text=True, timeout=120,
        env={**os.environ, variable: url.format(port=port)},
    )
    assert result.returncode == 3
    assert message.format(port=port) in result.stdout + result.stderr
    assert " passed" not in result.stdout
