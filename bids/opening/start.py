"""The host announces the ceiling price and opens the decryption window (办法 第30条)."""

import datetime as dt
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from bids.errors import refused
from bids.models import (
    BidDecryption,
    BidState,
    OpeningSession,
    OpeningState,
)
from bids.opening.checks import (
    hall_tender,
    host_actor,
    locked_session,
    require_opening,
)
from bids.opening.refusals import refusals_logged
from bids.opening.window import start_reading
from monitoring.clock import database_now
from monitoring.transitions import apply_transition


@refusals_logged
@transaction.atomic
def opening_start(*, acting: Acting, tender_id: UUID) -> OpeningSession:
    """The host announces the ceiling price and opens the decryption window (办法 第30条)."""
    tender = hall_tender(tender_id)
    actor = host_actor(acting, tender)
    require_opening(tender)
    session = locked_session(tender)
    if session.state != OpeningState.SIGN_IN:
        raise refused(
            "decryption_already_started",
            _("Decryption of tender %(tender)s has already started.") % {"tender": tender.pk},
        )
    now = database_now()
    ends_at = now + dt.timedelta(minutes=tender.decryption_window_minutes)
    bids = list(tender.bids.filter(state=BidState.SUBMITTED).select_related("bidder"))
    for bid in bids:
        BidDecryption.objects.create(session=session, bid=bid, bytes_total=bid.size)
    session = apply_transition(
        session,
        "start_decryption",
        actor=actor,
        action="opening.decryption_started",
        arguments=(acting.user, tender.ceiling_price_fen, now, ends_at),
        changed_fields=[
            "host",
            "ceiling_price_announced_fen",
            "decryption_started_at",
            "decryption_ends_at",
        ],
        payload={
            "tender": str(tender.pk),
            "ceiling_price_fen": tender.ceiling_price_fen,
            "window_ends_at": ends_at.isoformat(),
            "bids": len(bids),
            "bidders": [bid.bidder.uscc for bid in bids],
        },
    )
    if not bids:
        start_reading(session, now)
    return session
