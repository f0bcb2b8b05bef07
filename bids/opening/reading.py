"""The price reading (唱标): each bidder confirms its line or objects, the host answers every
objection (条例 第44条) and rules on whose fault each failed decryption was (办法 第31条)."""

from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from bids.errors import BidRefused, refused
from bids.models import (
    BidDecryption,
    DecryptionFault,
    DecryptionState,
    OpeningConfirmation,
    OpeningObjection,
    OpeningSession,
    OpeningState,
)
from bids.opening.checks import (
    hall_tender,
    host_actor,
    locked_decryption,
    reading_session,
    require_opening,
)
from bids.opening.refusals import refusals_logged
from config.times import shanghai_time
from monitoring.clock import database_now
from monitoring.services import record_event
from monitoring.transitions import apply_transition, moment_set_by_state


@refusals_logged
@transaction.atomic
def opening_record_fault(
    *, acting: Acting, tender_id: UUID, bid_id: UUID, fault: str, reason: str
) -> BidDecryption:
    """办法 第31条: the host records whose fault a failed decryption was, with a reason."""
    tender = hall_tender(tender_id)
    actor = host_actor(acting, tender)
    require_opening(tender)
    if fault not in DecryptionFault.values:
        raise BidRefused(
            "fault_invalid",
            _("fault must be one of: %(values)s.") % {"values": ", ".join(DecryptionFault.values)},
            field="fault",
        )
    if not (reason or "").strip():
        raise BidRefused("reason_required", _("Give the reason for the ruling."), field="reason")
    found = BidDecryption.objects.filter(session__tender=tender, bid_id=bid_id).first()
    decryption = locked_decryption(found.pk) if found is not None else None
    if decryption is None or decryption.state != DecryptionState.FAILED:
        raise refused(
            "decryption_not_failed",
            _("Bid %(bid)s has no failed decryption to rule on.") % {"bid": bid_id},
        )
    if decryption.session.state == OpeningState.FINALISED:
        raise refused("record_finalised", _("The opening record is already finalised."))
    decryption.fault, decryption.fault_reason = fault, reason.strip()
    decryption.save(update_fields=["fault", "fault_reason"])
    record_event(
        actor=actor,
        action="bid_decryption.fault_recorded",
        object_type="bids.biddecryption",
        object_id=str(decryption.pk),
        payload={
            "tender": str(tender.pk),
            "bid": str(bid_id),
            "fault": fault,
            "treated_as": "revoked" if fault == DecryptionFault.BIDDER else "withdrawn",
            "reason": reason,
        },
    )
    return decryption


def _bidder_line(session: OpeningSession, acting: Acting) -> dict[str, Any]:
    line = next((line for line in session.lines if line["uscc"] == acting.acted_for.uscc), None)
    if line is None:
        raise refused(
            "no_bid",
            _("%(bidder)s has no line in this opening record.") % {"bidder": acting.acted_for.name},
            status=403,
        )
    confirmation_ends_at = moment_set_by_state(session, "confirmation_ends_at")
    if database_now() > confirmation_ends_at:
        raise refused(
            "confirmation_closed",
            _("Confirmations and objections closed at %(ends)s.")
            % {"ends": shanghai_time(confirmation_ends_at, seconds=True)},
        )
    return line


@refusals_logged
@transaction.atomic
def opening_confirm(*, acting: Acting, tender_id: UUID) -> OpeningConfirmation:
    """A bidder confirms its line of the record; confirming again returns the first."""
    tender = hall_tender(tender_id)
    actor = acting.as_actor()
    session = reading_session(tender)
    line = _bidder_line(session, acting)
    existing = OpeningConfirmation.objects.filter(session=session, bidder=acting.organisation)
    if existing.exists():
        return existing.get()
    confirmation = OpeningConfirmation.objects.create(
        session=session, bidder=acting.acted_for, user=acting.user, confirmed_at=database_now()
    )
    record_event(
        actor=actor,
        action="opening.line_confirmed",
        object_type="bids.openingsession",
        object_id=str(session.pk),
        payload={
            "tender": str(tender.pk),
            "bid": line["bid"],
            "bidder_uscc": acting.acted_for.uscc,
        },
    )
    return confirmation


@refusals_logged
@transaction.atomic
def opening_object(*, acting: Acting, tender_id: UUID, text: str) -> OpeningObjection:
    """A bidder objects to the opening (条例 第44条: answered on the spot, and recorded)."""
    tender = hall_tender(tender_id)
    actor = acting.as_actor()
    session = reading_session(tender)
    _bidder_line(session, acting)
    if not (text or "").strip():
        raise BidRefused("text_required", _("Write the objection."), field="text")
    objection = OpeningObjection.objects.create(
        session=session,
        organisation=acting.organisation,
        raised_by=acting.user,
        text=text.strip()[:5000],
        raised_at=database_now(),
        answer_due=session.confirmation_ends_at,
    )
    record_event(
        actor=actor,
        action="opening.objection_raised",
        object_type="bids.openingobjection",
        object_id=str(objection.pk),
        to_state=objection.state,
        payload={
            "tender": str(tender.pk),
            "bidder_uscc": acting.acted_for.uscc,
            "text": objection.text,
        },
    )
    return objection


@refusals_logged
@transaction.atomic
def opening_answer(
    *, acting: Acting, tender_id: UUID, objection_id: UUID, answer: str
) -> OpeningObjection:
    tender = hall_tender(tender_id)
    actor = host_actor(acting, tender)
    session = reading_session(tender)
    objection = OpeningObjection.objects.filter(pk=objection_id, session=session).first()
    if objection is None:
        raise BidRefused(
            "objection_not_found",
            _("Objection %(id)s is not in this opening.") % {"id": objection_id},
            status=404,
        )
    if not (answer or "").strip():
        raise BidRefused("answer_required", _("Write the answer."), field="answer")
    return apply_transition(
        objection,
        "record_answer",
        actor=actor,
        action="opening.objection_answered",
        arguments=(answer.strip()[:5000], database_now()),
        changed_fields=["answer", "answered_at"],
        payload={"tender": str(tender.pk), "answer": answer.strip()[:5000]},
    )
