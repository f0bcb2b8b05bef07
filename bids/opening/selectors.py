"""Queries of the opening hall (what each viewer sees of the hall is its read model,
bids/opening/hall.py)."""

import datetime as dt

from monitoring.transitions import moment_set_by_state
from trading.models import Tender


def opening_sign_in_opens_at(*, tender: Tender) -> dt.datetime:
    """When the opening hall's sign-in opens: `sign_in_opens_minutes_before` the deadline
    (bids.opening.sign_in.opening_sign_in enforces it; pages use it to show the way in)."""
    return moment_set_by_state(tender, "bid_deadline") - dt.timedelta(
        minutes=tender.sign_in_opens_minutes_before
    )
