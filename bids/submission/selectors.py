"""Queries of bid submission. Each costs a fixed number of queries whatever the number of rows."""

from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from accounts.models import Organisation, Role, User
from accounts.selectors import user_has_role
from bids.models import Bid, BidUpload, Receipt, ReceiptKind
from monitoring.models import Event
from monitoring.proofs import event_inclusion_proof


def bids_of_bidder(*, organisation: Organisation) -> QuerySet[Bid]:
    """A bidder's own bids, newest first; nothing about anyone else's."""
    return Bid.objects.filter(bidder=organisation).select_related("tender").order_by("-received_at")


def bid_of_bidder(*, organisation: Organisation, bid_id: UUID | str) -> Bid | None:
    return bids_of_bidder(organisation=organisation).filter(pk=bid_id).first()


def receipt_of(*, bid: Bid, kind: str = ReceiptKind.SUBMISSION) -> Receipt | None:
    return bid.receipts.filter(kind=kind).first()


def submission_event_of(*, bid: Bid) -> Event | None:
    """The sealed `bid.submitted` event of a bid: its object is the bid, never the tender."""
    return Event.objects.filter(
        object_type="bids.bid", object_id=str(bid.pk), action="bid.submitted"
    ).first()


def submission_log_proof(*, bid: Bid) -> dict[str, Any] | None:
    """The inclusion proof of the bid's submission event in the signed event log (four
    queries), or None if it has none. Unchecked: the caller shows it to the bid's own bidder
    or a supervisor only."""
    event = submission_event_of(bid=bid)
    return event_inclusion_proof(event=event) if event is not None else None


def user_is_supervisor(*, user: User) -> bool:
    return user.is_authenticated and user_has_role(user=user, role=Role.SUPERVISOR)


def upload_evidence_for_tender(*, tender_id: object) -> QuerySet[BidUpload]:
    """Every upload to a tender with where it came from: for supervisors only (DESIGN §3)."""
    return (
        BidUpload.objects.filter(tender_id=tender_id)
        .select_related("bidder", "user", "bid")
        .order_by("created_at")
    )


def bids_of_user(*, user: User) -> QuerySet[Bid]:
    """Bids of every organisation the user acts for as a bidder (the bidder workspace)."""
    return (
        Bid.objects.filter(bidder__memberships__user=user, bidder__memberships__role=Role.BIDDER)
        .select_related("tender", "bidder")
        .prefetch_related("receipts")
        .order_by("-received_at")
        .distinct()
    )
