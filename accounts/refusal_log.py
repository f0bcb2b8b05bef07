"""The log of anonymous login refusals, apart from the event chain (docs/hardening.md).

A certificate-login answer that identifies nobody (an unknown, spent or expired challenge, a
signature that does not verify, a certificate bound to no user) costs its sender nothing to
repeat. Writing each to the tamper-evident event log would take the chain's lock for every
forged request, and let anyone on the internet slow every state change of the platform. They
go to the plain Python logger `accounts.login` instead, at most LOGIN_REFUSAL_LOG_PER_MINUTE
lines a minute per process; past that, one line per minute says how many were left out.

The budget is per process on purpose: it bounds what this process writes, not a cross-request
invariant, so it needs no shared store.
"""

import logging
import threading
import time
from typing import Any

from django.conf import settings

logger = logging.getLogger("accounts.login")

_lock = threading.Lock()
_minute = 0
_written = 0
_left_out = 0


def log_anonymous_refusal(**fields: Any) -> bool:
    """Log one refusal (code, address, ...) within the budget; whether it was written."""
    global _minute, _written, _left_out
    budget = int(getattr(settings, "LOGIN_REFUSAL_LOG_PER_MINUTE", 60))
    minute = int(time.monotonic() // 60)
    with _lock:
        if minute != _minute:
            if _left_out:
                logger.warning(
                    "certificate login refused: %d more refusals left out of the log", _left_out
                )
            _minute, _written, _left_out = minute, 0, 0
        if _written >= budget:
            _left_out += 1
            return False
        _written += 1
    logger.warning(
        "certificate login refused: %s",
        " ".join(f"{name}={value}" for name, value in sorted(fields.items())),
    )
    return True


def reset_budget() -> None:
    """Start a fresh minute (tests)."""
    global _minute, _written, _left_out
    with _lock:
        _minute, _written, _left_out = 0, 0, 0
