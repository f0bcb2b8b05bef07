"""Escrow recovery at the opening by the tender's opening committee (DESIGN §5 step 4,
办法 第31条): the host asks for a bid its bidder cannot decrypt; k members each open their
shares of every part of the escrow key on their own machine and send them encrypted to the key
service (`bidtool escrow-share`), so that no web process ever reads a share; the key service
checks each submission as it arrives, and at the host's recovery rebuilds the escrow key,
checks it against the tender's escrow public key and unwraps the requested bids' data keys —
the escrow key and the shares never leave it. trading/escrow.py makes the key.
"""

import base64
import logging
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from bids.errors import BidRefused, refused
from bids.models import BidDecryption, DecryptionState, EscrowShareSubmission
from bids.opening.checks import (
    COMMITTEE_ROLE,
    hall_tender,
    host_actor,
    locked_session,
    require_opening,
    require_window_open,
)
from bids.opening.keys import accept_checked_key
from bids.opening.refusals import refusals_logged
from bids.sealed_objects import read_stored_header_bytes
from monitoring.clock import database_now
from monitoring.services import record_event
from signing.conf import evaluation_key_operation, evaluation_public_key
from signing.envelope.errors import EnvelopeError
from signing.envelope.escrow_parts import submission_info
from signing.envelope.format import key_id
from signing.errors import SigningError
from storage.objects import StorageError
from trading.models import Tender, TenderEscrow

logger = logging.getLogger(__name__)


def _tender_escrow(tender: Tender) -> TenderEscrow:
    escrow = TenderEscrow.objects.filter(tender=tender).first()
    if escrow is None:
        raise refused(
            "no_committee", _("Tender %(tender)s has no opening committee.") % {"tender": tender.pk}
        )
    return escrow


def _member_share(
    tender: Tender, acting: Acting, certificate_sha256: str | None
) -> tuple[TenderEscrow, dict]:
    """The escrow share of a committee member logged in with the certificate it was made for."""
    escrow = _tender_escrow(tender)
    share = escrow.share_of(acting.user.pk)
    if share is None:
        raise refused(
            "not_on_committee",
            _("%(user)s is not a member of the opening committee of tender %(tender)s.")
            % {"user": acting.user.get_username(), "tender": tender.pk},
            status=403,
        )
    if certificate_sha256 != share["member_certificate_sha256"]:
        raise refused(
            "certificate_login_required",
            _("Log in with the certificate your escrow share was encrypted to (SHA-256 %(sha)s…).")
            % {"sha": share["member_certificate_sha256"][:16]},
            status=403,
        )
    return escrow, share


@refusals_logged
def opening_escrow_share(
    *, acting: Acting, certificate_sha256: str | None, tender_id: UUID
) -> dict[str, Any]:
    """A committee member fetches its encrypted shares, to open them on its own machine, and
    the key they are to be sent back under (the key service's: the evaluation public key)."""
    tender = hall_tender(tender_id)
    escrow, share = _member_share(tender, acting, certificate_sha256)
    require_opening(tender)
    evaluation_key = evaluation_public_key()
    return {
        "tender": str(tender.pk),
        "escrow_public_key": escrow.public_key_pem,
        "escrow_key_id": escrow.key_id,
        "threshold": escrow.threshold,
        "share": {key: value for key, value in share.items() if key != "member"},
        "submit_to": {
            "public_key": evaluation_key.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ).decode("ascii"),
            "key_id": key_id(evaluation_key),
        },
    }


@refusals_logged
@transaction.atomic
def opening_request_escrow(
    *, acting: Acting, tender_id: UUID, bid_id: UUID, reason: str
) -> BidDecryption:
    """The host asks the committee to recover a bid its bidder cannot decrypt."""
    tender = hall_tender(tender_id)
    actor = host_actor(acting, tender)
    require_opening(tender)
    _tender_escrow(tender)
    if not (reason or "").strip():
        raise BidRefused(
            "reason_required", _("Give the reason for escrow recovery."), field="reason"
        )
    session = locked_session(tender)
    require_window_open(session, database_now())
    decryption = (
        BidDecryption.objects.select_for_update().filter(session=session, bid_id=bid_id).first()
    )
    if decryption is None:
        raise BidRefused(
            "bid_not_found", _("Bid %(bid)s is not in this opening.") % {"bid": bid_id}, status=404
        )
    if decryption.state != DecryptionState.WAITING:
        raise refused(
            "key_already_accepted",
            _("Bid %(bid)s is %(state)s: escrow recovery is for bids still waiting for their key.")
            % {"bid": bid_id, "state": decryption.get_state_display()},
        )
    decryption.escrow_requested_at = database_now()
    decryption.escrow_request_reason = reason.strip()
    decryption.save(update_fields=["escrow_requested_at", "escrow_request_reason"])
    record_event(
        actor=actor,
        action="bid_decryption.escrow_requested",
        object_type="bids.biddecryption",
        object_id=str(decryption.pk),
        payload={"tender": str(tender.pk), "bid": str(bid_id), "reason": reason},
    )
    return decryption


def _submission_info(escrow: TenderEscrow, member_number: int) -> bytes:
    return submission_info(
        tender_id=str(escrow.tender_id), escrow_key_id=escrow.key_id, member_number=member_number
    )


def _share_problem(code: str, member_number: int) -> str:
    if code == "share_malformed":
        return _(
            "The shares are not valid SLIP-39 mnemonics (their words or checksum do not hold)."
        )
    if code == "share_not_yours":
        return _("These are not the shares of committee member %(number)d.") % {
            "number": member_number
        }
    return _("A share of every part of the escrow key is needed.")


@refusals_logged
def opening_submit_share(
    *,
    acting: Acting,
    certificate_sha256: str | None,
    tender_id: UUID,
    method: str,
    wrapped: bytes,
) -> dict[str, Any]:
    """A committee member submits its shares of every part, opened on its own machine and
    encrypted there to the key service (`bidtool escrow-share`). The key service checks them
    (checksums, the member's own index) without handing them out; they are kept as sent."""
    tender = hall_tender(tender_id)
    escrow, share = _member_share(tender, acting, certificate_sha256)
    actor = acting.as_actor(COMMITTEE_ROLE)
    require_opening(tender)
    member_number = int(share["member_number"])
    submission = {
        "method": str(method),
        "wrapped": base64.b64encode(wrapped).decode("ascii"),
        "info": base64.b64encode(_submission_info(escrow, member_number)).decode("ascii"),
    }
    try:
        verdict = evaluation_key_operation(
            "escrow_check",
            {
                "submission": submission,
                "escrow_key_id": escrow.key_id,
                "member_number": member_number,
                "dealers": sorted(int(dealer) for dealer in escrow.public_parts),
            },
        )
    except SigningError as error:
        if error.code in {"wrong_key", "share_not_yours", "escrow_share_corrupted"}:
            raise refused(
                "share_unreadable",
                _(
                    "The submission does not open with the key service's key for member "
                    "%(number)d of this escrow: encrypt it with bidtool escrow-share."
                )
                % {"number": member_number},
                status=400,
                field="wrapped_share",
            ) from None
        raise
    if verdict.get("problem"):
        code = str(verdict["problem"])
        raise refused(
            code,
            _share_problem(code, member_number),
            status=400,
            field="wrapped_share",
        )
    with transaction.atomic():
        session = locked_session(tender)
        require_window_open(session, database_now())
        if EscrowShareSubmission.objects.filter(
            session=session, round=session.escrow_round, member_number=member_number
        ).exists():
            raise refused(
                "duplicate_share",
                _("Member %(number)d has already submitted a share in this round.")
                % {"number": member_number},
            )
        EscrowShareSubmission.objects.create(
            session=session,
            round=session.escrow_round,
            member=acting.user,
            member_number=member_number,
            wrap_method=str(method),
            wrapped_share=wrapped,
            submitted_at=database_now(),
        )
        count = EscrowShareSubmission.objects.filter(
            session=session, round=session.escrow_round
        ).count()
        record_event(
            actor=actor,
            action="escrow_share.submitted",
            object_type="bids.openingsession",
            object_id=str(session.pk),
            payload={
                "tender": str(tender.pk),
                "member_number": member_number,
                "round": session.escrow_round,
                "shares": count,
                "threshold": escrow.threshold,
            },
        )
    return {"shares": count, "threshold": escrow.threshold, "round": session.escrow_round}


@refusals_logged
def opening_recover_escrow(*, acting: Acting, tender_id: UUID) -> list[BidDecryption]:
    """The host has the key service rebuild the escrow key from k members' submissions and
    unwrap the data key of every bid awaiting recovery; each key is then checked like a
    bidder's. The round's submissions are deleted (the event log keeps who gave them)."""
    tender = hall_tender(tender_id)
    actor = host_actor(acting, tender)
    require_opening(tender)
    escrow = _tender_escrow(tender)
    with transaction.atomic():
        session = locked_session(tender)
        require_window_open(session, database_now())
        submissions = list(
            EscrowShareSubmission.objects.filter(session=session, round=session.escrow_round)
        )
        if len(submissions) < escrow.threshold:
            raise refused(
                "escrow_shares_insufficient",
                _("%(count)d of the %(needed)d escrow shares needed have been submitted.")
                % {"count": len(submissions), "needed": escrow.threshold},
            )
        waiting = list(
            session.decryptions.select_related("bid", "bid__tender", "bid__upload").filter(
                state=DecryptionState.WAITING, escrow_requested_at__isnull=False
            )
        )
        if not waiting:
            raise refused("no_escrow_request", _("No bid is waiting for escrow recovery."))
        headers, unreadable = {}, {}
        for decryption in waiting:
            try:
                headers[str(decryption.bid_id)] = base64.b64encode(
                    read_stored_header_bytes(decryption.bid)
                ).decode("ascii")
            except (EnvelopeError, StorageError) as error:
                unreadable[str(decryption.bid_id)] = str(error)
        EscrowShareSubmission.objects.filter(session=session, round=session.escrow_round).delete()
        round_number = session.escrow_round
        session.escrow_round += 1
        session.save(update_fields=["escrow_round"])
        try:
            recovered = evaluation_key_operation(
                "escrow_recover",
                {
                    "escrow_public_key": escrow.public_key_pem,
                    "parts": escrow.public_parts,
                    "submissions": [
                        {
                            "method": submission.wrap_method,
                            "wrapped": base64.b64encode(bytes(submission.wrapped_share)).decode(),
                            "info": base64.b64encode(
                                _submission_info(escrow, submission.member_number)
                            ).decode("ascii"),
                        }
                        for submission in submissions
                    ],
                    "headers": headers,
                },
            )
        except SigningError as error:
            record_event(
                actor=actor,
                action="escrow.recovery_failed",
                object_type="bids.openingsession",
                object_id=str(session.pk),
                payload={
                    "tender": str(tender.pk),
                    "round": round_number,
                    "code": error.code,
                    "message": str(error),
                },
            )
            failure: BidRefused | None = BidRefused(
                error.code,
                _(
                    "Escrow recovery failed: %(error)s The shares of this round are "
                    "discarded; submit them again."
                )
                % {"error": error},
            )
        else:
            failure = None
            record_event(
                actor=actor,
                action="escrow.recovered",
                object_type="bids.openingsession",
                object_id=str(session.pk),
                payload={
                    "tender": str(tender.pk),
                    "round": round_number,
                    "members": sorted(submission.member_number for submission in submissions),
                    "bids": [str(item.bid_id) for item in waiting],
                },
            )
    if failure is not None:
        raise failure
    unreadable.update(recovered.get("failures", {}))
    accepted = []
    for decryption in waiting:
        bid = str(decryption.bid_id)
        try:
            if bid not in recovered["data_keys"]:
                raise BidRefused("escrow_key_not_unwrapped", unreadable.get(bid, bid))
            data_key = base64.b64decode(recovered["data_keys"][bid])
            accepted.append(
                accept_checked_key(decryption, data_key, key_source="escrow", actor=actor)
            )
        except (BidRefused, EnvelopeError, StorageError) as error:
            # One bid that cannot be recovered does not stop the others; its reason is shown.
            BidDecryption.objects.filter(pk=decryption.pk).update(last_refusal=str(error))
            logger.warning("escrow recovery of %s failed: %s", decryption.bid_id, error)
    return accepted
