"""Use cases of the remote opening hall (不见面开标: DESIGN §5 step 6, 办法 第29–31条).

sign in → the host announces the ceiling price and opens the decryption window → each bidder
hands over its data key (unwrapped on its own machine), or the opening committee recovers it
through escrow → a worker decrypts and checks each bid (bids/decryption.py) → when every bid is
done, or the window is over, the price reading: each bidder confirms its line or objects, the
host answers → the host finalises: the record is signed, timestamped and published, and the
tender is `opened`, or `failed` with too few valid bids.

Escrow recovery is in bids/opening_escrow.py, the signed record in bids/opening_record.py.

A data key is never stored in clear: it is checked at once (it must open the bid's manifest),
then kept wrapped under the platform evaluation key. Every refusal raises `BidRefused` with a
code and a message naming what is wrong, and writes an event; nothing else changes.
"""

import base64
import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role
from bids.models import (
    Bid,
    BidDecryption,
    BidState,
    DecryptionFault,
    DecryptionState,
    OpeningConfirmation,
    OpeningObjection,
    OpeningSession,
    OpeningSignIn,
    OpeningState,
)
from bids.sealed_objects import (
    check_data_key,
    data_key_purpose,
    evaluation_wrap,
    read_stored_header,
)
from bids.selectors import opening_sign_in_opens_at
from bids.services import BidderActing, BidRefused
from monitoring.alerts import alert_raise
from monitoring.clock import database_now
from monitoring.services import PLATFORM, Actor, Sealed, record_event
from monitoring.transitions import apply_transition
from signing.envelope.errors import EnvelopeError, WrongKey
from signing.errors import SigningError
from storage.objects import StorageError
from trading.models import Tender, TenderState
from trading.services import Acting, manager_role

logger = logging.getLogger(__name__)

DATA_KEY_SIZE = 32  # Cobblestone-256
DEFAULT_CONFIRMATION_MINUTES = 15
COMMITTEE_ROLE = "committee"  # the event log's role of an opening-committee member
TERMINAL = (DecryptionState.DECRYPTED, DecryptionState.FAILED)
# Codes of failures that mean the stored bid is not the one received: raise an alert.
TAMPER_CODES = {
    "part_digest_mismatch", "chunk_authentication_failed", "sealed_bid_truncated",
    "sealed_bid_extended", "header_changed", "wrong_tender", "wrong_bidder", "signer_mismatch",
    "header_signature_invalid", "manifest_signature_invalid", "file_digest_mismatch",
    "padding_invalid", "manifest_changed",
}


def confirmation_period() -> dt.timedelta:
    minutes = getattr(settings, "OPENING_CONFIRMATION_MINUTES", DEFAULT_CONFIRMATION_MINUTES)
    return dt.timedelta(minutes=float(minutes))


def refused(code: str, message: str, *, status: int = 409,
             field: str | None = None) -> BidRefused:
    return BidRefused(code, str(message), status=status, field=field)


Service = TypeVar("Service", bound=Callable[..., Any])


def refusal_record(refusal: BidRefused, *, actor: Actor, tender_id: object, step: str) -> None:
    """Write a refusal to the event log once (the API records those raised before a service)."""
    if getattr(refusal, "recorded", False):
        return
    with transaction.atomic():
        if actor.role == Role.BIDDER and _before_deadline(tender_id):
            # A bidder at the hall before the deadline is a bidder of the tender: who, and
            # which tender, is sealed (办法 第21条); the message names the tender.
            record_event(
                actor=actor, action="opening.refused", object_type="trading.tender",
                object_id="", payload={"service": step, "code": refusal.code},
                sealed=Sealed(tender_id=str(tender_id), fields={"message": refusal.message}),
            )
        else:
            record_event(
                actor=actor, action="opening.refused", object_type="trading.tender",
                object_id=str(tender_id),
                payload={"service": step, "code": refusal.code, "message": refusal.message},
            )
    refusal.recorded = True  # type: ignore[attr-defined]


def _before_deadline(tender_id: object) -> bool:
    deadline = Tender.objects.filter(pk=tender_id).values_list("bid_deadline", flat=True).first()
    return deadline is not None and database_now() < deadline


def refusals_logged(service: Service) -> Service:
    """Write every refusal of a hall service to the event log, after its transaction has
    rolled back (so the refusal is on record while nothing else changed)."""

    @functools.wraps(service)
    def logged(*args: Any, **kwargs: Any) -> Any:
        try:
            return service(*args, **kwargs)
        except BidRefused as refusal:
            acting = kwargs.get("acting")
            role = Role.BIDDER if isinstance(acting, BidderActing) else ""
            refusal_record(
                refusal, actor=Actor(user=getattr(acting, "user", None), role=role,
                                     client_ip=getattr(acting, "client_ip", None)),
                tender_id=kwargs.get("tender_id", ""), step=service.__name__)
            raise

    return logged  # type: ignore[return-value]


# ---- who may act ---------------------------------------------------------------------------

def hall_tender(tender_id: UUID) -> Tender:
    tender = Tender.objects.select_related("project").filter(pk=tender_id).first()
    if tender is None:
        raise BidRefused("tender_not_found",
                         _("Tender %(tender)s does not exist.") % {"tender": tender_id},
                         status=404)
    return tender


def host_actor(acting: Acting, tender: Tender) -> Actor:
    """The tenderee or agent running the opening, or a 403 naming the user."""
    try:
        role = manager_role(acting, tender.project)
    except PermissionDenied as error:
        raise BidRefused("not_the_host", str(error), status=403) from None
    return acting.as_actor(role)


def require_opening(tender: Tender) -> None:
    if tender.state != TenderState.OPENING:
        raise refused(
            "tender_not_opening",
            _("Tender %(tender)s is %(state)s: the opening hall is not in session.")
            % {"tender": tender.pk, "state": tender.get_state_display()})


def locked_session(tender: Tender) -> OpeningSession:
    """The tender's opening session, made on first use; locked until the caller commits."""
    OpeningSession.objects.get_or_create(tender=tender, defaults={"created_at": database_now()})
    return OpeningSession.objects.select_for_update().get(tender=tender)


def locked_decryption(decryption_id: UUID) -> BidDecryption:
    """Lock a bid's decryption the one way every path does: its opening session first, then the
    decryption row (then, by recording, the event chain's head). One order, no deadlock between
    a key being handed over and a worker recording another bid."""
    session_id = BidDecryption.objects.values_list("session_id", flat=True).get(pk=decryption_id)
    session = OpeningSession.objects.select_for_update().get(pk=session_id)
    decryption = BidDecryption.objects.select_for_update(of=("self",)).select_related(
        "bid", "bid__bidder").get(pk=decryption_id)
    decryption.session = session
    return decryption


def _own_bid(acting: BidderActing, tender: Tender, states: tuple[str, ...]) -> Bid | None:
    return Bid.objects.filter(
        tender=tender, bidder=acting.organisation, state__in=states
    ).order_by("-sequence").first()


# ---- sign-in and start ---------------------------------------------------------------------

@refusals_logged
def opening_sign_in(*, acting: BidderActing, tender_id: UUID) -> OpeningSignIn:
    """签到: a bidder with a submitted bid signs in with its organisation certificate.

    Sign-in opens `sign_in_opens_minutes_before` the deadline (= the opening time) and lasts
    until the decryption window closes. Signing in again returns the first sign-in.
    """
    tender = hall_tender(tender_id)
    actor = acting.as_actor()
    now = database_now()
    if tender.state not in (TenderState.PUBLISHED, TenderState.BIDDING_CLOSED,
                            TenderState.OPENING):
        raise refused(
            "sign_in_not_open",
            _("Tender %(tender)s is %(state)s: there is no opening to sign in to.")
            % {"tender": tender.pk, "state": tender.get_state_display()})
    opens_at = opening_sign_in_opens_at(tender=tender)
    if now < opens_at:
        raise refused(
            "sign_in_not_open",
            _("Sign-in to the opening of tender %(tender)s opens at %(opens)s.")
            % {"tender": tender.pk, "opens": opens_at.isoformat()})
    bid = _own_bid(acting, tender, (BidState.SUBMITTED,))
    if bid is None:
        raise refused(
            "no_bid",
            _("%(bidder)s has no submitted bid for tender %(tender)s: only bidders sign in.")
            % {"bidder": acting.organisation.name, "tender": tender.pk},
            status=403)
    with transaction.atomic():
        session = locked_session(tender)
        if session.state not in (OpeningState.SIGN_IN, OpeningState.DECRYPTING):
            raise refused("sign_in_closed",
                           _("The decryption window is over: sign-in is closed."))
        existing = OpeningSignIn.objects.filter(session=session, bidder=acting.organisation)
        if existing.exists():
            return existing.get()
        sign_in = OpeningSignIn.objects.create(
            session=session, bidder=acting.organisation, user=acting.user,
            certificate_sha256=acting.certificate_sha256, client_ip=acting.client_ip,
            signed_in_at=now,
        )
        identity = {"bidder_uscc": acting.organisation.uscc,
                    "certificate_sha256": acting.certificate_sha256}
        if now < tender.bid_deadline:
            # Sign-in opens before the deadline: until then who signs in is sealed and the
            # event is on the sign-in, not the tender's session (办法 第21条).
            record_event(
                actor=actor, action="opening.signed_in", object_type="bids.openingsignin",
                object_id=str(sign_in.pk),
                sealed=Sealed(tender_id=str(tender.pk), fields=identity),
            )
        else:
            record_event(
                actor=actor, action="opening.signed_in", object_type="bids.openingsession",
                object_id=str(session.pk), payload={"tender": str(tender.pk), **identity},
            )
    return sign_in


@refusals_logged
@transaction.atomic
def opening_start(*, acting: Acting, tender_id: UUID) -> OpeningSession:
    """The host announces the ceiling price and opens the decryption window (办法 第30条)."""
    tender = hall_tender(tender_id)
    actor = host_actor(acting, tender)
    require_opening(tender)
    session = locked_session(tender)
    if session.state != OpeningState.SIGN_IN:
        raise refused("decryption_already_started",
                       _("Decryption of tender %(tender)s has already started.")
                       % {"tender": tender.pk})
    now = database_now()
    ends_at = now + dt.timedelta(minutes=tender.decryption_window_minutes)
    bids = list(tender.bids.filter(state=BidState.SUBMITTED).select_related("bidder"))
    for bid in bids:
        BidDecryption.objects.create(session=session, bid=bid, bytes_total=bid.size)
    session = apply_transition(
        session, "start_decryption", actor=actor, action="opening.decryption_started",
        arguments=(acting.user, tender.ceiling_price_fen, now, ends_at),
        changed_fields=["host", "ceiling_price_announced_fen", "decryption_started_at",
                        "decryption_ends_at"],
        payload={"tender": str(tender.pk), "ceiling_price_fen": tender.ceiling_price_fen,
                 "window_ends_at": ends_at.isoformat(), "bids": len(bids),
                 "bidders": [bid.bidder.uscc for bid in bids]},
    )
    if not bids:
        _start_reading(session, now)
    return session


# ---- the bidder's own key ------------------------------------------------------------------

@refusals_logged
def opening_wrapped_key(*, acting: BidderActing, tender_id: UUID) -> dict[str, Any]:
    """What the bidder's tool needs to unwrap its data key locally: the wrapped key and the
    parameters bound into its wrapping (tender, bidder, role)."""
    tender = hall_tender(tender_id)
    require_opening(tender)
    bid = _own_bid(acting, tender, (BidState.SUBMITTED, BidState.DECRYPTED))
    if bid is None:
        raise refused("no_bid", _("You have no bid to decrypt in tender %(tender)s.")
                       % {"tender": tender.pk}, status=404)
    try:
        header = read_stored_header(bid)
    except StorageError:
        raise storage_refusal() from None
    recipient = next(item for item in header.recipients if item.role == "bidder")
    return {
        "bid": str(bid.pk), "tender_id": header.tender_id, "bidder_uscc": header.bidder_uscc,
        "role": recipient.role, "method": recipient.method, "key_id": recipient.key_id,
        "wrapped_key": base64.b64encode(recipient.wrapped_key).decode("ascii"),
    }


def storage_refusal() -> BidRefused:
    return BidRefused(
        "storage_unavailable",
        _("The bid storage is not reachable right now; nothing changed. Retry in a moment."),
        status=503, retryable=True)


def require_window_open(session: OpeningSession, now: dt.datetime) -> None:
    if session.state == OpeningState.SIGN_IN:
        raise refused("window_not_open",
                       _("The decryption window has not opened yet: wait for the host to "
                         "start decryption."))
    if session.state != OpeningState.DECRYPTING or now >= session.decryption_ends_at:
        raise refused("window_closed",
                       _("The decryption window closed at %(ends)s.")
                       % {"ends": session.decryption_ends_at.isoformat()})


@refusals_logged
def opening_submit_key(
    *, acting: BidderActing, tender_id: UUID, data_key: bytes, bid_id: UUID | None = None
) -> BidDecryption:
    """The bidder hands over the data key it unwrapped on its own machine.

    Checked at once against the bid's manifest, so a wrong key is told at once and may be
    retried within the window; an accepted key is kept only wrapped under the evaluation key,
    and a worker decrypts the whole bid.
    """
    tender = hall_tender(tender_id)
    actor = acting.as_actor()
    require_opening(tender)
    if bid_id is not None and not Bid.objects.filter(
        pk=bid_id, tender=tender, bidder=acting.organisation
    ).exists():
        raise refused("not_your_bid",
                       _("Bid %(bid)s is not a bid of %(bidder)s: a key is accepted only for "
                         "your own bid.") % {"bid": bid_id, "bidder": acting.organisation.name},
                       status=403)
    if not isinstance(data_key, bytes) or len(data_key) != DATA_KEY_SIZE:
        raise refused("key_malformed",
                       _("The data key must be %(size)d bytes (base64); it is not.")
                       % {"size": DATA_KEY_SIZE}, status=400, field="data_key")
    decryption = BidDecryption.objects.select_related("session", "bid").filter(
        bid__tender=tender, bid__bidder=acting.organisation,
    ).order_by("-bid__sequence").first()
    session = decryption.session if decryption else OpeningSession.objects.filter(
        tender=tender).first()
    if session is None or decryption is None:
        if session is not None and session.state != OpeningState.SIGN_IN:
            raise refused("no_bid", _("You have no bid to decrypt in tender %(tender)s.")
                           % {"tender": tender.pk}, status=404)
        raise refused("window_not_open",
                       _("The decryption window has not opened yet: wait for the host to "
                         "start decryption."))
    require_window_open(session, database_now())
    if decryption.state != DecryptionState.WAITING:
        raise refused("key_already_accepted",
                       _("The key of this bid was already accepted (%(state)s).")
                       % {"state": decryption.get_state_display()})
    return accept_checked_key(decryption, data_key, key_source="bidder", actor=actor)


def accept_checked_key(decryption: BidDecryption, data_key: bytes, *, key_source: str,
                        actor: Actor) -> BidDecryption:
    bid = decryption.bid
    tender = bid.tender
    try:
        opened = check_data_key(bid, data_key)
    except WrongKey as error:
        with transaction.atomic():
            locked = locked_decryption(decryption.pk)
            locked.wrong_key_attempts += 1
            locked.last_refusal = str(error)
            locked.save(update_fields=["wrong_key_attempts", "last_refusal"])
            record_event(actor=actor, action="bid_decryption.key_refused",
                         object_type="bids.biddecryption", object_id=str(decryption.pk),
                         payload={"tender": str(tender.pk), "code": error.code,
                                  "attempt": locked.wrong_key_attempts, "source": key_source})
        raise BidRefused("wrong_key",
                         _("This key does not open the bid: %(error)s You may try again "
                           "until the window closes.") % {"error": error}, status=422,
                         field="data_key") from None
    except (EnvelopeError, SigningError) as error:
        decryption_fail(decryption.pk, code=getattr(error, "code", "bid_invalid"),
                        reason=str(error), evidence={"stage": "key check"}, actor=actor)
        raise BidRefused(getattr(error, "code", "bid_invalid"),
                         _("The stored bid fails its checks: %(error)s The failure is "
                           "recorded and supervisors are alerted.") % {"error": error},
                         status=409) from None
    except StorageError:
        raise storage_refusal() from None
    method, wrapped, key_id = evaluation_wrap(data_key, purpose=data_key_purpose(bid))
    with transaction.atomic():
        locked = locked_decryption(decryption.pk)
        require_window_open(locked.session, database_now())
        if locked.state != DecryptionState.WAITING:
            raise BidRefused("key_already_accepted",
                             _("The key of this bid was already accepted."), status=409)
        accepted = apply_transition(
            locked, "accept_key", actor=actor, action="bid_decryption.key_accepted",
            arguments=(key_source, wrapped, method, key_id, database_now(),
                       opened.manifest_sha256),
            changed_fields=["key_source", "wrapped_data_key", "wrap_method",
                            "evaluation_key_id", "key_received_at", "manifest_sha256"],
            payload={"tender": str(tender.pk), "bid": str(bid.pk), "source": key_source,
                     "manifest_signer": opened.manifest_signature.identity.uscc},
            on_commit=lambda: dispatch_decryption(decryption.pk),
        )
    return accepted


# ---- decryption results (called by the worker) ---------------------------------------------

def _record_failure(decryption: BidDecryption, *, code: str, reason: str,
                    evidence: dict[str, Any], actor: Actor) -> None:
    """The decryption fails and its bid becomes decrypt_failed: two transitions, two events."""
    apply_transition(
        decryption, "fail", actor=actor, action="bid_decryption.failed",
        arguments=(code, reason, evidence),
        changed_fields=["failure_code", "failure_reason", "evidence", "lease_until"],
        payload={"tender": str(decryption.bid.tender_id), "bid": str(decryption.bid_id),
                 "code": code, "reason": reason, "evidence": evidence},
    )
    apply_transition(decryption.bid, "mark_decrypt_failed", actor=actor,
                     action="bid.decrypt_failed",
                     payload={"tender": str(decryption.bid.tender_id), "code": code})


def decryption_fail(decryption_id: UUID, *, code: str, reason: str, evidence: dict[str, Any],
                    actor: Actor = PLATFORM) -> None:
    """Fail one bid's decryption with its evidence; a sign of tampering alerts supervisors."""
    with transaction.atomic():
        decryption = locked_decryption(decryption_id)
        if decryption.state in TERMINAL:
            return
        _record_failure(decryption, code=code, reason=reason, evidence=evidence, actor=actor)
        if code in TAMPER_CODES:
            alert_raise(
                kind="bid_tampered", severity="red", object_type="bids.bid",
                object_id=str(decryption.bid_id), tender_id=str(decryption.bid.tender_id),
                message=_("The stored bid of %(bidder)s no longer matches what was received: "
                          "%(reason)s") % {"bidder": decryption.bid.bidder.name,
                                           "reason": reason},
                evidence={"code": code, **evidence}, actor=actor,
            )
        _start_reading_if_due(decryption.session_id)


def decryption_succeed(decryption_id: UUID, *, price_sheet: dict[str, Any],
                       summary: dict[str, Any]) -> bool:
    """Record a decrypted bid; False if it was already recorded (a repeated job)."""
    with transaction.atomic():
        decryption = locked_decryption(decryption_id)
        if decryption.state != DecryptionState.DECRYPTING:
            return False
        now = database_now()
        apply_transition(
            decryption, "succeed", actor=PLATFORM, action="bid_decryption.decrypted",
            arguments=(now, price_sheet, summary),
            changed_fields=["decrypted_at", "price_sheet", "manifest_summary", "bytes_done",
                            "lease_until"],
            payload={"tender": str(decryption.bid.tender_id), "bid": str(decryption.bid_id),
                     "price_sheet": price_sheet, "files": summary.get("files", [])},
        )
        apply_transition(decryption.bid, "mark_decrypted", actor=PLATFORM,
                         action="bid.decrypted",
                         payload={"tender": str(decryption.bid.tender_id)})
        _start_reading_if_due(decryption.session_id)
    return True


# ---- price reading -------------------------------------------------------------------------

def _line(decryption: BidDecryption) -> dict[str, Any]:
    bid = decryption.bid
    sheet = decryption.price_sheet or {}
    other = sheet.get("other") or {}
    return {
        "bid": str(bid.pk), "bidder": bid.bidder.name, "uscc": bid.bidder.uscc,
        "sequence": bid.sequence,
        "total_price_fen": sheet.get("total_price_fen"),
        "duration_days": sheet.get("duration_days"),
        "quality": sheet.get("quality"),
        "bid_security": other.get("bid_security", other.get("bid_security_fen")),
        "decryption": decryption.state,
        "key_source": decryption.key_source,
        "failure": decryption.failure_reason,
        "decrypted_at": decryption.decrypted_at.isoformat() if decryption.decrypted_at else None,
    }


def _start_reading(session: OpeningSession, now: dt.datetime) -> OpeningSession:
    decryptions = list(session.decryptions.select_related("bid", "bid__bidder").order_by(
        "bid__sequence"))
    lines = [_line(decryption) for decryption in decryptions]
    return apply_transition(
        session, "start_reading", actor=PLATFORM, action="opening.price_reading_started",
        arguments=(now, now + confirmation_period(), lines),
        changed_fields=["reading_started_at", "confirmation_ends_at", "lines"],
        payload={"tender": str(session.tender_id), "lines": lines},
    )


def _start_reading_if_due(session_id: UUID) -> bool:
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
        _start_reading(session, now)
        return True
    if now < session.decryption_ends_at or DecryptionState.DECRYPTING in states:
        return False
    for decryption in session.decryptions.select_related("bid").filter(
        state=DecryptionState.WAITING
    ):
        reason = (_("Escrow recovery was requested but not completed within the window.")
                  if decryption.escrow_requested_at else
                  _("No valid key was given within the decryption window."))
        _record_failure(decryption, code="key_not_given", reason=reason,
                        evidence={"wrong_key_attempts": decryption.wrong_key_attempts},
                        actor=PLATFORM)
    _start_reading(session, now)
    return True


@refusals_logged
@transaction.atomic
def opening_record_fault(*, acting: Acting, tender_id: UUID, bid_id: UUID, fault: str,
                         reason: str) -> BidDecryption:
    """办法 第31条: the host records whose fault a failed decryption was, with a reason."""
    tender = hall_tender(tender_id)
    actor = host_actor(acting, tender)
    require_opening(tender)
    if fault not in DecryptionFault.values:
        raise BidRefused("fault_invalid", _("fault must be one of: %(values)s.")
                         % {"values": ", ".join(DecryptionFault.values)}, field="fault")
    if not (reason or "").strip():
        raise BidRefused("reason_required", _("Give the reason for the ruling."),
                         field="reason")
    found = BidDecryption.objects.filter(session__tender=tender, bid_id=bid_id).first()
    decryption = locked_decryption(found.pk) if found is not None else None
    if decryption is None or decryption.state != DecryptionState.FAILED:
        raise refused("decryption_not_failed",
                       _("Bid %(bid)s has no failed decryption to rule on.") % {"bid": bid_id})
    if decryption.session.state == OpeningState.FINALISED:
        raise refused("record_finalised", _("The opening record is already finalised."))
    decryption.fault, decryption.fault_reason = fault, reason.strip()
    decryption.save(update_fields=["fault", "fault_reason"])
    record_event(actor=actor, action="bid_decryption.fault_recorded",
                 object_type="bids.biddecryption", object_id=str(decryption.pk),
                 payload={"tender": str(tender.pk), "bid": str(bid_id), "fault": fault,
                          "treated_as": "revoked" if fault == DecryptionFault.BIDDER
                          else "withdrawn", "reason": reason})
    return decryption


def reading_session(tender: Tender) -> OpeningSession:
    session = OpeningSession.objects.select_for_update().filter(tender=tender).first()
    if session is None or session.state != OpeningState.READING:
        raise refused("not_reading", _("The opening record is not being read out now."))
    return session


def _bidder_line(session: OpeningSession, acting: BidderActing) -> dict[str, Any]:
    line = next((line for line in session.lines if line["uscc"] == acting.organisation.uscc),
                None)
    if line is None:
        raise refused("no_bid", _("%(bidder)s has no line in this opening record.")
                       % {"bidder": acting.organisation.name}, status=403)
    if database_now() > session.confirmation_ends_at:
        raise refused("confirmation_closed",
                       _("Confirmations and objections closed at %(ends)s.")
                       % {"ends": session.confirmation_ends_at.isoformat()})
    return line


@refusals_logged
@transaction.atomic
def opening_confirm(*, acting: BidderActing, tender_id: UUID) -> OpeningConfirmation:
    """A bidder confirms its line of the record; confirming again returns the first."""
    tender = hall_tender(tender_id)
    actor = acting.as_actor()
    session = reading_session(tender)
    line = _bidder_line(session, acting)
    existing = OpeningConfirmation.objects.filter(session=session, bidder=acting.organisation)
    if existing.exists():
        return existing.get()
    confirmation = OpeningConfirmation.objects.create(
        session=session, bidder=acting.organisation, user=acting.user,
        confirmed_at=database_now())
    record_event(actor=actor, action="opening.line_confirmed",
                 object_type="bids.openingsession", object_id=str(session.pk),
                 payload={"tender": str(tender.pk), "bid": line["bid"],
                          "bidder_uscc": acting.organisation.uscc})
    return confirmation


@refusals_logged
@transaction.atomic
def opening_object(*, acting: BidderActing, tender_id: UUID, text: str) -> OpeningObjection:
    """A bidder objects to the opening (条例 第44条: answered on the spot, and recorded)."""
    tender = hall_tender(tender_id)
    actor = acting.as_actor()
    session = reading_session(tender)
    _bidder_line(session, acting)
    if not (text or "").strip():
        raise BidRefused("text_required", _("Write the objection."), field="text")
    objection = OpeningObjection.objects.create(
        session=session, organisation=acting.organisation, raised_by=acting.user,
        text=text.strip()[:5000], raised_at=database_now(),
        answer_due=session.confirmation_ends_at)
    record_event(actor=actor, action="opening.objection_raised",
                 object_type="bids.openingobjection", object_id=str(objection.pk),
                 to_state=objection.state,
                 payload={"tender": str(tender.pk), "bidder_uscc": acting.organisation.uscc,
                          "text": objection.text})
    return objection


@refusals_logged
@transaction.atomic
def opening_answer(*, acting: Acting, tender_id: UUID, objection_id: UUID,
                   answer: str) -> OpeningObjection:
    tender = hall_tender(tender_id)
    actor = host_actor(acting, tender)
    session = reading_session(tender)
    objection = OpeningObjection.objects.filter(pk=objection_id, session=session).first()
    if objection is None:
        raise BidRefused("objection_not_found", _("Objection %(id)s is not in this opening.")
                         % {"id": objection_id}, status=404)
    if not (answer or "").strip():
        raise BidRefused("answer_required", _("Write the answer."), field="answer")
    return apply_transition(
        objection, "record_answer", actor=actor, action="opening.objection_answered",
        arguments=(answer.strip()[:5000], database_now()),
        changed_fields=["answer", "answered_at"],
        payload={"tender": str(tender.pk), "answer": answer.strip()[:5000]},
    )


# ---- the chronograph -----------------------------------------------------------------------

def opening_sweep_due() -> int:
    """Chronograph sweep: close decryption windows that are over, and hand a decryption whose
    worker vanished (its lease lapsed) to another worker."""
    now = database_now()
    moved = 0
    for session_id in OpeningSession.objects.filter(
        state=OpeningState.DECRYPTING).values_list("pk", flat=True):
        with transaction.atomic():
            moved += _pause_or_resume_window(session_id, now)
            moved += _start_reading_if_due(session_id)
    stale = BidDecryption.objects.filter(state=DecryptionState.DECRYPTING).filter(
        lease_until__lt=now
    ) | BidDecryption.objects.filter(
        state=DecryptionState.DECRYPTING, lease_until__isnull=True,
        key_received_at__lt=now - dt.timedelta(seconds=decryption_lease_seconds()),
    )
    for decryption_id in stale.values_list("pk", flat=True):
        dispatch_decryption(decryption_id)
    return moved


def _pause_or_resume_window(session_id: UUID, now: dt.datetime) -> bool:
    """A supervisor's suspension stops the decryption clock: the sweep marks when it first saw
    the tender suspended, and on resumption gives the window back the time it was held (to
    within one chronograph interval). Bidders cannot hand over keys while it is held."""
    session = OpeningSession.objects.select_for_update().select_related("tender").get(
        pk=session_id)
    suspended = session.tender.state == TenderState.SUSPENDED
    if suspended and session.window_paused_at is None:
        session.window_paused_at = now
        session.save(update_fields=["window_paused_at"])
        record_event(actor=PLATFORM, action="opening.window_paused",
                     object_type="bids.openingsession", object_id=str(session.pk),
                     payload={"tender": str(session.tender_id),
                              "window_ends_at": session.decryption_ends_at.isoformat()})
        return True
    if not suspended and session.window_paused_at is not None:
        held = now - session.window_paused_at
        session.decryption_ends_at += held
        session.window_paused_at = None
        session.save(update_fields=["decryption_ends_at", "window_paused_at"])
        record_event(actor=PLATFORM, action="opening.window_extended",
                     object_type="bids.openingsession", object_id=str(session.pk),
                     payload={"tender": str(session.tender_id),
                              "held_seconds": int(held.total_seconds()),
                              "window_ends_at": session.decryption_ends_at.isoformat()})
        return True
    return False


def dispatch_decryption(decryption_id: UUID) -> None:
    """Queue the decryption job on BID_DECRYPTION_QUEUE (heavy jobs may get their own workers)."""
    from bids.tasks import bid_decrypt

    queue = getattr(settings, "BID_DECRYPTION_QUEUE", "") or settings.CELERY_TASK_DEFAULT_QUEUE
    bid_decrypt.apply_async(args=[str(decryption_id)], queue=queue)


def decryption_lease_seconds() -> float:
    return float(getattr(settings, "BID_DECRYPTION_LEASE_SECONDS", 120))

