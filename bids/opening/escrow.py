"""Escrow recovery at the opening by the tender's opening committee (DESIGN §5 step 4,
办法 第31条): the host asks for a bid its bidder cannot decrypt; k members each decrypt their
share on their own machine and submit it; the host rebuilds the escrow key, which is checked
against the tender's escrow public key, lives only in that call, and opens the requested bids.
Shares are kept wrapped under the platform evaluation key until their round is consumed.
"""

import logging
from typing import Any
from uuid import UUID

import shamir_mnemonic
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from bids.errors import BidRefused, refused
from bids.models import BidDecryption, DecryptionState, EscrowShareSubmission, OpeningSession
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
from bids.sealed_objects import evaluation_unwrap, evaluation_wrap, read_stored_header
from monitoring.clock import database_now
from monitoring.services import record_event
from signing.envelope import recover_escrow_key, unwrap_data_key
from signing.envelope.errors import EnvelopeError
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
    """A committee member fetches its encrypted share, to decrypt it on its own machine."""
    tender = hall_tender(tender_id)
    escrow, share = _member_share(tender, acting, certificate_sha256)
    require_opening(tender)
    return {
        "escrow_public_key": escrow.public_key_pem,
        "escrow_key_id": escrow.key_id,
        "threshold": escrow.threshold,
        "share": {key: value for key, value in share.items() if key != "member"},
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


def _share_purpose(session: OpeningSession) -> str:
    return f"escrow share of opening {session.pk}, round {session.escrow_round}"


@refusals_logged
def opening_submit_share(
    *, acting: Acting, certificate_sha256: str | None, tender_id: UUID, mnemonic: str
) -> dict[str, Any]:
    """A committee member submits its share, decrypted on its own machine (a SLIP-39 mnemonic).

    Kept wrapped under the evaluation key until the host's recovery consumes it.
    """
    tender = hall_tender(tender_id)
    escrow, share = _member_share(tender, acting, certificate_sha256)
    actor = acting.as_actor(COMMITTEE_ROLE)
    require_opening(tender)
    member_number = int(share["member_number"])
    try:
        parsed = shamir_mnemonic.Share.from_mnemonic(" ".join(str(mnemonic).split()))
    except (shamir_mnemonic.MnemonicError, ValueError, TypeError):
        raise refused(
            "share_malformed",
            _("The share is not a valid SLIP-39 mnemonic (its words or checksum do not hold)."),
            status=400,
            field="share",
        ) from None
    if parsed.index != member_number - 1:
        raise refused(
            "share_not_yours",
            _("This is not the share of committee member %(number)d.") % {"number": member_number},
            status=400,
            field="share",
        )
    text = " ".join(str(mnemonic).split())
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
        method, wrapped, _key_id = evaluation_wrap(
            text.encode("ascii"), purpose=_share_purpose(session)
        )
        EscrowShareSubmission.objects.create(
            session=session,
            round=session.escrow_round,
            member=acting.user,
            member_number=member_number,
            wrap_method=method,
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
    """The host rebuilds the escrow key from k shares and opens every bid awaiting recovery.

    The key is checked against the tender's escrow public key before use and lives only in
    this call; the round's shares are then deleted (the event log keeps who gave them).
    """
    tender = hall_tender(tender_id)
    actor = host_actor(acting, tender)
    require_opening(tender)
    escrow = _tender_escrow(tender)
    with transaction.atomic():
        session = locked_session(tender)
        require_window_open(session, database_now())
        shares = list(
            EscrowShareSubmission.objects.filter(session=session, round=session.escrow_round)
        )
        if len(shares) < escrow.threshold:
            raise refused(
                "escrow_shares_insufficient",
                _("%(count)d of the %(needed)d escrow shares needed have been submitted.")
                % {"count": len(shares), "needed": escrow.threshold},
            )
        waiting = list(
            session.decryptions.select_related("bid", "bid__tender").filter(
                state=DecryptionState.WAITING, escrow_requested_at__isnull=False
            )
        )
        if not waiting:
            raise refused("no_escrow_request", _("No bid is waiting for escrow recovery."))
        mnemonics = [
            evaluation_unwrap(
                share.wrap_method, bytes(share.wrapped_share), purpose=_share_purpose(session)
            ).decode("ascii")
            for share in shares
        ]
        EscrowShareSubmission.objects.filter(session=session, round=session.escrow_round).delete()
        round_number = session.escrow_round
        session.escrow_round += 1
        session.save(update_fields=["escrow_round"])
        public_key = serialization.load_pem_public_key(escrow.public_key_pem.encode("ascii"))
        try:
            escrow_key = recover_escrow_key(mnemonics, public_key)  # type: ignore[arg-type]
        except EnvelopeError as error:
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
                    "members": sorted(share.member_number for share in shares),
                    "bids": [str(item.bid_id) for item in waiting],
                },
            )
    if failure is not None:
        raise failure
    accepted = []
    for decryption in waiting:
        try:
            header = read_stored_header(decryption.bid)
            data_key = unwrap_data_key(header, escrow_key)
            accepted.append(
                accept_checked_key(decryption, data_key, key_source="escrow", actor=actor)
            )
        except (BidRefused, EnvelopeError, StorageError) as error:
            # One bid that cannot be recovered does not stop the others; its reason is shown.
            BidDecryption.objects.filter(pk=decryption.pk).update(last_refusal=str(error))
            logger.warning("escrow recovery of %s failed: %s", decryption.bid_id, error)
    return accepted
