"""The chronograph: one periodic sweep that applies every time-driven transition that is due.

Each app that has deadlines (bid deadline, decryption window, publicity period …) names a sweep
function in settings.CHRONOGRAPH_SWEEPS. A sweep finds what is due, applies each transition
under a row lock with the database clock, and returns how many it made. Sweeps must be
idempotent: a transition already made is skipped, so running a tick twice moves nothing twice.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from monitoring.clock import database_now
from monitoring.models import ChronographTick

logger = logging.getLogger(__name__)

Sweep = Callable[[], int]


@dataclass(frozen=True)
class TickResult:
    transitions_made: int
    failed_sweeps: list[str]


def configured_sweeps() -> list[tuple[str, Sweep]]:
    return [(path, import_string(path)) for path in settings.CHRONOGRAPH_SWEEPS]


def run_chronograph() -> TickResult:
    """Run every sweep once; one failing sweep does not stop the others."""
    made, failed = 0, []
    for path, sweep in configured_sweeps():
        try:
            made += sweep()
        except Exception:
            logger.exception("chronograph sweep %s failed", path)
            failed.append(path)
    with transaction.atomic():
        tick, _ = ChronographTick.objects.select_for_update().get_or_create(
            pk=1, defaults={"last_tick_at": database_now()}
        )
        tick.last_tick_at = database_now()
        tick.transitions_made = made
        tick.ticks += 1
        tick.save()
    return TickResult(made, failed)
