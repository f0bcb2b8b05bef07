"""The decryption job's results, recorded under the row locks (called by the worker,
bids/opening/decryption.py); a sign of tampering alerts supervisors."""

from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from bids.models import (
    DecryptionState,
)
from bids.opening.checks import (
    TERMINAL,
    locked_decryption,
)
from bids.opening.window import record_failure, start_reading_if_due
from monitoring.alerts import alert_raise
from monitoring.clock import database_now
from monitoring.services import PLATFORM, Actor
from monitoring.transitions import apply_transition
from signing.canonical import canonical_digest

# Codes of failures that mean the stored bid is not the one received: raise an alert.
TAMPER_CODES = {
    "part_digest_mismatch",
    "chunk_authentication_failed",
    "sealed_bid_truncated",
    "sealed_bid_extended",
    "header_changed",
    "wrong_tender",
    "wrong_bidder",
    "signer_mismatch",
    "header_signature_invalid",
    "manifest_signature_invalid",
    "file_digest_mismatch",
    "padding_invalid",
    "manifest_changed",
}


def decryption_fail(
    decryption_id: UUID,
    *,
    code: str,
    reason: str,
    evidence: dict[str, Any],
    actor: Actor = PLATFORM,
) -> None:
    """Fail one bid's decryption with its evidence; a sign of tampering alerts supervisors."""
    with transaction.atomic():
        decryption = locked_decryption(decryption_id)
        if decryption.state in TERMINAL:
            return
        record_failure(decryption, code=code, reason=reason, evidence=evidence, actor=actor)
        if code in TAMPER_CODES:
            alert_raise(
                kind="bid_tampered",
                severity="red",
                object_type="bids.bid",
                object_id=str(decryption.bid_id),
                tender_id=str(decryption.bid.tender_id),
                message=_(
                    "The stored bid of %(bidder)s no longer matches what was received: %(reason)s"
                )
                % {"bidder": decryption.bid.bidder.name, "reason": reason},
                evidence={"code": code, **evidence},
                actor=actor,
            )
        start_reading_if_due(decryption.session_id)


def decryption_succeed(
    decryption_id: UUID, *, price_sheet: dict[str, Any], summary: dict[str, Any]
) -> bool:
    """Record a decrypted bid; False if it was already recorded (a repeated job)."""
    with transaction.atomic():
        decryption = locked_decryption(decryption_id)
        if decryption.state != DecryptionState.DECRYPTING:
            return False
        now = database_now()
        apply_transition(
            decryption,
            "succeed",
            actor=PLATFORM,
            action="bid_decryption.decrypted",
            arguments=(now, price_sheet, summary),
            changed_fields=[
                "decrypted_at",
                "price_sheet",
                "manifest_summary",
                "bytes_done",
                "lease_until",
            ],
            payload={
                "tender": str(decryption.bid.tender_id),
                "bid": str(decryption.bid_id),
                # 双信封: the log commits to the price sheet without telling it before the
                # second opening (bids.opening.price_envelopes).
                **(
                    {"price_sheet_sha256": canonical_digest(price_sheet)}
                    if decryption.bid.tender.two_envelopes
                    else {"price_sheet": price_sheet}
                ),
                "files": summary.get("files", []),
            },
        )
        apply_transition(
            decryption.bid,
            "mark_decrypted",
            actor=PLATFORM,
            action="bid.decrypted",
            payload={"tender": str(decryption.bid.tender_id)},
        )
        start_reading_if_due(decryption.session_id)
    return True
