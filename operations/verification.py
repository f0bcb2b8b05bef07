"""What must still hold after a restore: the event chain, its signed checkpoints, and every
receipt the platform issued — its signature, its timestamp, and the stored sealed bid it
vouches for (the bid's object, read back from the restored bucket)."""

import json
from dataclasses import dataclass

from bids.models import Receipt, ReceiptKind
from bids.sealed_objects import stored_ciphertext_sha256
from monitoring.chain import find_broken_link
from monitoring.checkpoints import verify_checkpoints
from signing.cms import verify_detached
from signing.conf import platform_trust_store
from signing.errors import SigningError
from signing.timestamps import verify_timestamp
from signing.trust import TrustStore
from storage.objects import StorageError


class VerificationFailed(Exception):
    """The restored platform does not hold what it promised; the message names the first
    problem."""


@dataclass(frozen=True)
class Verified:
    events: int
    checkpoints: int
    receipts: int


def _receipt_problem(receipt: Receipt, trust: TrustStore) -> str | None:
    document = bytes(receipt.document)
    try:
        signed = verify_detached(bytes(receipt.signature), document, trust=trust)
        verify_timestamp(bytes(receipt.timestamp_token), document, trust=trust)
    except SigningError as error:
        return f"its signature or timestamp does not verify: {error}"
    if signed.identity.kind != "service":
        return f"it is signed by {signed.identity.name}, not by the platform"
    fields = json.loads(document)
    bid = receipt.bid
    if fields.get("bid") != str(bid.pk) or fields.get("kind") != receipt.kind:
        return "its document names another bid or kind"
    if receipt.kind != ReceiptKind.SUBMISSION:
        return None
    if fields.get("header_sha256") != bid.header_sha256:
        return "the bid's header digest differs from the receipt's"
    try:
        stored = stored_ciphertext_sha256(bid)
    except (StorageError, SigningError, ValueError) as error:
        return f"the stored sealed bid cannot be read: {error}"
    if stored != fields.get("ciphertext_sha256"):
        return "the stored sealed bid differs from the one the receipt vouches for"
    return None


def verify_platform() -> Verified:
    """Check the chain, the checkpoints and every receipt; VerificationFailed at the first
    problem."""
    events, broken = find_broken_link()
    if broken is not None:
        raise VerificationFailed(f"event chain broken after {events} good events: {broken}")
    checkpoints, problem = verify_checkpoints()
    if problem is not None:
        raise VerificationFailed(f"{problem} (after {checkpoints} good checkpoints)")
    trust = platform_trust_store()
    receipts = 0
    for receipt in Receipt.objects.select_related("bid__upload").order_by("issued_at", "pk"):
        wrong = _receipt_problem(receipt, trust)
        if wrong is not None:
            raise VerificationFailed(f"{receipt.kind} receipt {receipt.pk}: {wrong}")
        receipts += 1
    return Verified(events=events, checkpoints=checkpoints, receipts=receipts)
