"""The end of the decryption window: a bid whose decryption fails, and the start of the price
reading once every bid is decrypted or failed, or the window is over; a supervisor's
suspension holds the window's clock."""

import datetime as dt
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _

from bids.models import (
    BidDecryption,
    DecryptionState,
    OpeningSession,
    OpeningState,
)
from bids.opening.checks import (
    TERMINAL,
    confirmation_period,
)
from monitoring.clock import database_now
from monitoring.services import PLATFORM, Actor, record_event
from monitoring.transitions import apply_transition
from trading.models import Tender, TenderState


def record_failure(
    decryption: BidDecryption, *, code: str, reason: str, evidence: dict[str, Any], actor: Actor
) -> None:
    """The decryption fails and its bid becomes decrypt_failed: two transitions, two events."""
    apply_transition(
        decryption,
        "fail",
        actor=actor,
        action="bid_decryption.failed",
        arguments=(code, reason, evidence),
        changed_fields=["failure_code", "failure_reason", "evidence", "lease_until"],
        payload={
            "tender": str(decryption.bid.tender_id),
            "bid": str(decryption.bid_id),
            "code": code,
            "reason": reason,
            "evidence": evidence,
        },
    )
    apply_transition(
        decryption.bid,
        "mark_decrypt_failed",
        actor=actor,
        action="bid.decrypt_failed",
        payload={"tender": str(decryption.bid.tender_id), "code": code},
    )


def _line(decryption: BidDecryption, *, two_envelopes: bool) -> dict[str, Any]:
    """One bid's line of the price reading. With two envelopes the price is left out: it is
    read at the second opening, after the technical evaluation (bids.opening.price_envelopes);
    the line says so, so that the record cannot be read as a bid without a price."""
    bid = decryption.bid
    sheet = decryption.price_sheet or {}
    other = sheet.get("other") or {}
    price: dict[str, Any] = (
        {"total_price_fen": None, "price_envelope": "sealed"}
        if two_envelopes
        else {"total_price_fen": sheet.get("total_price_fen")}
    )
    return {
        "bid": str(bid.pk),
        "bidder": bid.bidder.name,
        "uscc": bid.bidder.uscc,
        "sequence": bid.sequence,
        **price,
        "duration_days": sheet.get("duration_days"),
        "quality": sheet.get("quality"),
        "bid_security": other.get("bid_security", other.get("bid_security_fen")),
        "decryption": decryption.state,
        "key_source": decryption.key_source,
        "failure": decryption.failure_reason,
        "decrypted_at": decryption.decrypted_at.isoformat() if decryption.decrypted_at else None,
    }


def start_reading(session: OpeningSession, now: dt.datetime) -> OpeningSession:
    decryptions = list(
        session.decryptions.select_related("bid", "bid__bidder").order_by("bid__sequence")
    )
    two_envelopes = session.tender.two_envelopes
    lines = [_line(decryption, two_envelopes=two_envelopes) for decryption in decryptions]
    return apply_transition(
        session,
        "start_reading",
        actor=PLATFORM,
        action="opening.price_reading_started",
        arguments=(now, now + confirmation_period(), lines),
        changed_fields=["reading_started_at", "confirmation_ends_at", "lines"],
        payload={"tender": str(session.tender_id), "lines": lines},
    )


def start_reading_if_due(session_id: UUID) -> bool:
    """Start the price reading when every bid is decrypted or failed, or the window is over
    with no decryption still running (a key given in time is never cut off by the clock).
    Must run inside the caller's transaction."""
    session = OpeningSession.objects.select_for_update().get(pk=session_id)
    if session.state != OpeningState.DECRYPTING or session.window_paused_at is not None:
        return False
    if not Tender.objects.filter(pk=session.tender_id, state=TenderState.OPENING).exists():
        return False  # suspended: the hall waits; the sweep picks it up on resumption
    now = database_now()
    states = list(session.decryptions.values_list("state", flat=True))
    if all(state in TERMINAL for state in states):
        start_reading(session, now)
        return True
    if now < session.decryption_ends_at or DecryptionState.DECRYPTING in states:
        return False
    for decryption in session.decryptions.select_related("bid").filter(
        state=DecryptionState.WAITING
    ):
        reason = (
            _("Escrow recovery was requested but not completed within the window.")
            if decryption.escrow_requested_at
            else _("No valid key was given within the decryption window.")
        )
        record_failure(
            decryption,
            code="key_not_given",
            reason=reason,
            evidence={"wrong_key_attempts": decryption.wrong_key_attempts},
            actor=PLATFORM,
        )
    start_reading(session, now)
    return True


def pause_or_resume_window(session_id: UUID, now: dt.datetime) -> bool:
    """A supervisor's suspension stops the decryption clock: the sweep marks when it first saw
    the tender suspended, and on resumption gives the window back the time it was held (to
    within one chronograph interval). Bidders cannot hand over keys while it is held."""
    session = OpeningSession.objects.select_for_update().select_related("tender").get(pk=session_id)
    suspended = session.tender.state == TenderState.SUSPENDED
    if suspended and session.window_paused_at is None:
        session.window_paused_at = now
        session.save(update_fields=["window_paused_at"])
        record_event(
            actor=PLATFORM,
            action="opening.window_paused",
            object_type="bids.openingsession",
            object_id=str(session.pk),
            payload={
                "tender": str(session.tender_id),
                "window_ends_at": session.decryption_ends_at.isoformat(),
            },
        )
        return True
    if not suspended and session.window_paused_at is not None:
        held = now - session.window_paused_at
        session.decryption_ends_at += held
        session.window_paused_at = None
        session.save(update_fields=["decryption_ends_at", "window_paused_at"])
        record_event(
            actor=PLATFORM,
            action="opening.window_extended",
            object_type="bids.openingsession",
            object_id=str(session.pk),
            payload={
                "tender": str(session.tender_id),
                "held_seconds": int(held.total_seconds()),
                "window_ends_at": session.decryption_ends_at.isoformat(),
            },
        )
        return True
    return False
