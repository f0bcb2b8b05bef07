"""What the closed area reads: the decrypted bids of a session's tender, in one query each."""

from uuid import UUID

from django.db.models import QuerySet

from bids.models import Bid, BidState, DecryptionState
from evaluation.models import EvaluationSession


def _decrypted_bids(session: EvaluationSession) -> QuerySet[Bid]:
    """Bids the opening decrypted (their data key kept wrapped under the evaluation key), with
    their decryption, bidder and the panel's conclusion on them (its code): one query."""
    return Bid.objects.filter(
        tender_id=session.tender_id,
        state=BidState.DECRYPTED,
        decryption__state=DecryptionState.DECRYPTED,
    ).select_related("bidder", "decryption", "evaluation", "upload")


def room_bids(*, session: EvaluationSession) -> list[Bid]:
    """The tender's decrypted bids in the order they were received (the viewer re-orders them
    by code where bidders are anonymous)."""
    return list(_decrypted_bids(session).order_by("sequence"))


def room_bid(*, session: EvaluationSession, bid_id: UUID) -> Bid | None:
    """One decrypted bid of the session's tender, or None (another tender's bid too)."""
    return _decrypted_bids(session).filter(pk=bid_id).first()
