"""The chronograph's sweep of the opening hall (settings.CHRONOGRAPH_SWEEPS)."""

import datetime as dt

from django.db import transaction

from bids.models import (
    BidDecryption,
    DecryptionState,
    OpeningSession,
    OpeningState,
)
from bids.opening.checks import (
    decryption_lease_seconds,
)
from bids.opening.dispatch import dispatch_decryption
from bids.opening.window import pause_or_resume_window, start_reading_if_due
from monitoring.clock import database_now


def opening_sweep_due() -> int:
    """Chronograph sweep: close decryption windows that are over, and hand a decryption whose
    worker vanished (its lease lapsed) to another worker."""
    now = database_now()
    moved = 0
    for session_id in OpeningSession.objects.filter(state=OpeningState.DECRYPTING).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            moved += pause_or_resume_window(session_id, now)
            moved += start_reading_if_due(session_id)
    stale = BidDecryption.objects.filter(state=DecryptionState.DECRYPTING).filter(
        lease_until__lt=now
    ) | BidDecryption.objects.filter(
        state=DecryptionState.DECRYPTING,
        lease_until__isnull=True,
        key_received_at__lt=now - dt.timedelta(seconds=decryption_lease_seconds()),
    )
    for decryption_id in stale.values_list("pk", flat=True):
        dispatch_decryption(decryption_id)
    return moved
