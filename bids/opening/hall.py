"""What the opening hall shows, to whom (DESIGN §3): one read model for the page and the API.

Bidders' names appear only once the tender is in its opening (after the deadline); before,
a bidder sees its own sign-in only. Prices appear when the price reading starts. A bid's
failure reason is shown to its own bidder, the host and supervisors.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import user_has_role
from bids.models import (
    Bid,
    BidDecryption,
    DecryptionState,
    EscrowShareSubmission,
    OpeningSession,
    OpeningState,
)
from monitoring.clock import database_now
from trading.models import Tender, TenderEscrow, TenderState
from trading.selectors import user_manages_project

REVEALED_STATES = (TenderState.OPENING, TenderState.OPENED, TenderState.FAILED,
                   TenderState.EVALUATING, TenderState.PUBLICIZING, TenderState.AWARDED,
                   TenderState.CONTRACTED, TenderState.ARCHIVED)


def bidders_revealed(tender: Tender) -> bool:
    """Whether the opening has begun, so bidders' names (and their number) may be shown; a
    suspended tender counts as the state it was suspended in (a suspension before the deadline
    reveals nothing)."""
    state = (tender.state_before_suspension if tender.state == TenderState.SUSPENDED
             else tender.state)
    return state in REVEALED_STATES


@dataclass(frozen=True)
class HallViewer:
    role: str  # "host" | "supervisor" | "committee" | "bidder"
    organisation_ids: frozenset


def hall_viewer(*, user: User, tender: Tender) -> HallViewer:
    """Who is looking at the hall, or PermissionDenied: the host, a supervisor, a committee
    member, or a bidder organisation with a bid in this tender."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to enter the opening hall."))
    if user_manages_project(user=user, project=tender.project):
        return HallViewer("host", frozenset())
    if user_has_role(user=user, role=Role.SUPERVISOR):
        return HallViewer("supervisor", frozenset())
    members = [str(member) for member in (tender.opening_committee or {}).get("members", [])]
    if str(user.pk) in members:
        return HallViewer("committee", frozenset())
    organisations = frozenset(
        Bid.objects.filter(tender=tender, bidder__memberships__user=user,
                           bidder__memberships__role=Role.BIDDER)
        .values_list("bidder_id", flat=True)
    )
    if organisations:
        return HallViewer("bidder", organisations)
    raise PermissionDenied(
        _("Only the host, supervisors, the opening committee and bidders of this tender may "
          "enter its opening hall."))


def _bidder_row(decryption: BidDecryption, viewer: HallViewer, signed_in: set,
                reading: bool) -> dict[str, Any]:
    bid = decryption.bid
    own = bid.bidder_id in viewer.organisation_ids
    sees_reasons = own or viewer.role in ("host", "supervisor")
    row: dict[str, Any] = {
        "bid": str(bid.pk), "bidder": bid.bidder.name, "uscc": bid.bidder.uscc,
        "own": own, "signed_in": bid.bidder_id in signed_in,
        "decryption": decryption.state,
        "decryption_label": decryption.get_state_display(),
        "progress_percent": (100 if decryption.state == DecryptionState.DECRYPTED else
                             int(100 * decryption.bytes_done / decryption.bytes_total)
                             if decryption.bytes_total else 0),
        "key_source": decryption.key_source or None,
        "escrow_requested": decryption.escrow_requested_at is not None,
        "fault": decryption.fault or None,
    }
    if sees_reasons:
        row["wrong_key_attempts"] = decryption.wrong_key_attempts
        row["last_refusal"] = decryption.last_refusal or None
        row["failure"] = decryption.failure_reason or None
        row["fault_reason"] = decryption.fault_reason or None
    if reading:
        sheet = decryption.price_sheet or {}
        row["total_price_fen"] = sheet.get("total_price_fen")
        row["duration_days"] = sheet.get("duration_days")
        row["quality"] = sheet.get("quality")
    return row


def opening_hall(*, user: User, tender: Tender) -> dict[str, Any]:
    """The hall's state as `user` may see it (the page polls the API for this)."""
    viewer = hall_viewer(user=user, tender=tender)
    session = OpeningSession.objects.filter(tender=tender).select_related("host").first()
    now = database_now()
    started = session is not None and session.state != OpeningState.SIGN_IN
    reading = session is not None and session.state in (OpeningState.READING,
                                                         OpeningState.FINALISED)
    hall: dict[str, Any] = {
        "tender": {"id": str(tender.pk), "title": tender.title, "state": tender.state,
                   "state_label": tender.get_state_display(),
                   "bid_deadline": tender.bid_deadline.isoformat(),
                   "minimum_valid_bids": tender.minimum_valid_bids},
        "viewer": {"role": viewer.role},
        "now": now.isoformat(),
        "session": None, "bidders": [], "objections": [], "escrow": None,
    }
    escrow = TenderEscrow.objects.filter(tender=tender).first()
    revealed = bidders_revealed(tender)
    signed_in = set(session.sign_ins.values_list("bidder_id", flat=True)) if session else set()
    if session is not None:
        hall["session"] = _session_json(session, now, started=started,
                                        signed_in=signed_in if revealed
                                        else signed_in & viewer.organisation_ids)
        if escrow is not None:
            hall["escrow"] = {
                "threshold": escrow.threshold, "round": session.escrow_round,
                "shares_submitted": EscrowShareSubmission.objects.filter(
                    session=session, round=session.escrow_round).count(),
            }
    if started and revealed:
        confirmed = set(session.confirmations.values_list("bidder_id", flat=True))
        for decryption in session.decryptions.select_related("bid", "bid__bidder").order_by(
            "bid__sequence"
        ):
            row = _bidder_row(decryption, viewer, signed_in, reading)
            row["confirmed"] = decryption.bid.bidder_id in confirmed
            hall["bidders"].append(row)
        hall["objections"] = [
            {"id": str(item.pk), "bidder": item.organisation.name, "text": item.text,
             "raised_at": item.raised_at.isoformat(), "answer": item.answer or None,
             "answered_at": _iso(item.answered_at)}
            for item in session.objections.select_related("organisation")
        ]
        return hall
    # Before decryption starts: after the deadline, every bidder with a submitted bid; before
    # it, a bidder sees only its own (招标投标法 第二十二条: not even how many there are).
    bids = tender.bids.filter(state="submitted").select_related("bidder").order_by("sequence")
    if not revealed:
        bids = bids.filter(bidder_id__in=viewer.organisation_ids)
    hall["bidders"] = [
        {"bid": str(bid.pk), "bidder": bid.bidder.name, "uscc": bid.bidder.uscc,
         "own": bid.bidder_id in viewer.organisation_ids,
         "signed_in": bid.bidder_id in signed_in, "decryption": "waiting"}
        for bid in bids
    ]
    return hall


def _session_json(session: OpeningSession, now: Any, *, started: bool,
                  signed_in: set) -> dict[str, Any]:
    return {
        "state": session.state, "state_label": session.get_state_display(),
        "ceiling_price_fen": session.ceiling_price_announced_fen if started else None,
        "decryption_started_at": _iso(session.decryption_started_at),
        "decryption_ends_at": _iso(session.decryption_ends_at),
        "seconds_left": max(0, int((session.decryption_ends_at - now).total_seconds()))
        if session.state == OpeningState.DECRYPTING else None,
        "reading_started_at": _iso(session.reading_started_at),
        "confirmation_ends_at": _iso(session.confirmation_ends_at),
        "finalised_at": _iso(session.finalised_at),
        "outcome": session.outcome or None,
        "signed_in": len(signed_in),
    }


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None
