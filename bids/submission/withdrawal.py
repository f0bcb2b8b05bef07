"""Withdraw a submitted bid before the deadline by a request signed with the bidder's
certificate (办法 第27条), answered with a withdrawal receipt."""

import datetime as dt
import hashlib
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from bids.errors import BidRefused
from bids.models import (
    Bid,
    BidState,
    ReceiptKind,
)
from bids.submission.common import check_open_for_bids, sealed_identity, utc_text
from bids.submission.limits import withdrawal_skew
from bids.submission.receipts import RECEIPT_VERSION, Finalised, Signers, issue_receipt
from config.times import shanghai_time
from monitoring.clock import database_now
from monitoring.transitions import apply_transition
from signing.canonical import canonical_json
from signing.cms import verify_json
from signing.errors import SigningError
from trading.models import Tender


def withdrawal_request(*, bid: Bid, time: str) -> dict[str, Any]:
    """The JSON a bidder signs to withdraw a bid (canonical form is what is signed)."""
    return {"action": "withdraw", "bid": str(bid.pk), "tender": str(bid.tender_id), "time": time}


def bid_withdraw(*, acting: Acting, bid_id: UUID, time: str, signature: bytes) -> Finalised:
    """Withdraw a submitted bid before the deadline by a request signed with the bidder's
    certificate (办法 第27条); answered with a withdrawal receipt. Repeating it is a no-op."""
    from signing.conf import platform_trust_store

    bid = Bid.objects.filter(pk=bid_id, bidder=acting.organisation).first()
    if bid is None:
        raise BidRefused(
            "bid_not_found", _("Bid %(bid)s does not exist.") % {"bid": bid_id}, status=404
        )
    request = withdrawal_request(bid=bid, time=time)
    if bid.state == BidState.WITHDRAWN and bid.withdrawal_request == request:
        return Finalised(bid, bid.receipts.get(kind=ReceiptKind.WITHDRAWAL), created=False)
    try:
        requested_at = dt.datetime.fromisoformat(time.replace("Z", "+00:00"))
        if requested_at.tzinfo is None:
            raise ValueError
    except (ValueError, AttributeError):
        raise BidRefused(
            "time_invalid", _("time must be an ISO 8601 UTC time."), field="time"
        ) from None
    now = database_now()
    if abs(now - requested_at) > withdrawal_skew():
        raise BidRefused(
            "withdrawal_request_stale",
            _(
                "The withdrawal request is dated %(time)s, too far from platform time %(now)s: "
                "sign a fresh one."
            )
            % {"time": time, "now": shanghai_time(now, seconds=True)},
            field="time",
        )
    try:
        info = verify_json(signature, request, trust=platform_trust_store(), at=now)
    except SigningError as error:
        raise BidRefused(
            error.code,
            _("The withdrawal request's signature is refused: %(error)s") % {"error": error},
            field="signature",
        ) from None
    except Exception as error:  # a damaged signature can fail anywhere in the ASN.1 parsers
        raise BidRefused(
            "signature_invalid",
            _("The signature cannot be read: %(error)s") % {"error": error},
            field="signature",
        ) from None
    if info.identity.uscc != acting.acted_for.uscc:
        raise BidRefused(
            "signer_not_bidder",
            _("The withdrawal was signed by %(signer)s, not by the bidder %(bidder)s.")
            % {"signer": info.identity.uscc or info.identity.name, "bidder": acting.acted_for.uscc},
            field="signature",
        )
    signers = Signers.load()
    with transaction.atomic():
        tender = Tender.objects.select_for_update().get(pk=bid.tender_id)
        withdrawn_at = database_now()
        check_open_for_bids(tender, withdrawn_at)
        locked = Bid.objects.select_for_update().get(pk=bid.pk)
        if locked.state != BidState.SUBMITTED:
            raise BidRefused(
                "bid_not_submitted",
                _("Bid %(bid)s is %(state)s: only a submitted bid can be withdrawn.")
                % {"bid": bid.pk, "state": locked.state},
                status=409,
            )
        locked = apply_transition(
            locked,
            "withdraw",
            actor=acting.as_actor(),
            action="bid.withdrawn",
            arguments=(withdrawn_at, request, signature),
            changed_fields=["withdrawn_at", "withdrawal_request", "withdrawal_signature"],
            # The signed request names the tender: sealed with it.
            sealed=sealed_identity(tender.pk, acting.acted_for, request=request),
        )
        document = {
            "receipt_version": RECEIPT_VERSION,
            "kind": ReceiptKind.WITHDRAWAL.value,
            "bid": str(bid.pk),
            "tender": str(tender.pk),
            "bidder_uscc": acting.acted_for.uscc,
            "submission_number": bid.submission_number,
            "ciphertext_sha256": bid.ciphertext_sha256,
            "request_sha256": hashlib.sha256(canonical_json(request)).hexdigest(),
            "withdrawn_at": utc_text(withdrawn_at),
        }
        receipt = issue_receipt(locked, ReceiptKind.WITHDRAWAL, document, withdrawn_at, signers)
    return Finalised(locked, receipt, created=True)
