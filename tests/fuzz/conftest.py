"""The fuzz tests' bounds (docs/hardening.md, "Fuzzing").

Inside `make test` every fuzz test runs a fixed, derandomised set of examples, so that the whole
directory stays well under a minute and fails the same way on every run. `FUZZ_EXAMPLES=<n>`
turns each into a long, randomised run of `n` examples per test that keeps what it finds in
Hypothesis's example database (.hypothesis/, ignored by git) to replay it:

    FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/fuzz -q

Every example also runs under a wall-clock alarm (`within`): a parser that loops on hostile
input fails the test instead of hanging the run.
"""

import contextlib
import os
import signal
from collections.abc import Iterator

from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES = "FUZZ_EXAMPLES"


def long_run() -> bool:
    return bool(os.environ.get(FUZZ_EXAMPLES))


def bounded(examples: int) -> settings:
    """Hypothesis settings of one fuzz test: `examples` inside `make test`, FUZZ_EXAMPLES in a
    long run. No per-example deadline: on a shared machine one slow example would make the test
    flaky; `within` fails an example that truly hangs."""
    if long_run():
        return settings(
            max_examples=int(os.environ[FUZZ_EXAMPLES]),
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


class Hang(Exception):
    """An example ran past its alarm: the code under test loops or blocks on this input."""


@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail with `Hang` if the block runs longer than `seconds` (SIGALRM: the main thread)."""

    def ring(signum: int, frame: object) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
