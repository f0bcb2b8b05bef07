"""Finalise an upload (DESIGN §5, 办法 第27条): check the stored front's signature and the
segment digests against the signed header, then, under the tender's row lock and against the
database clock, record the bid and issue its signed, timestamped receipt."""

import datetime as dt
import hashlib
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.acting import Acting
from bids.errors import BidRefused
from bids.models import (
    Bid,
    BidState,
    BidUpload,
    BidUploadPart,
    ReceiptKind,
    UploadState,
)
from bids.submission.common import (
    check_open_for_bids,
    own_upload,
    refuse_upload,
    sealed_identity,
    storage_unavailable,
    utc_text,
)
from bids.submission.receipts import RECEIPT_VERSION, Finalised, Signers, issue_receipt
from bids.submission.uploads import check_escrow_recipient
from monitoring.clock import database_now
from monitoring.services import record_event
from monitoring.transitions import apply_transition
from signing.envelope.container import check_segments, verify_sealed_front
from signing.envelope.errors import (
    EnvelopeError,
    TrailingData,
    Truncated,
)
from signing.envelope.segments import segment_list_sha256
from signing.errors import SigningError
from storage.objects import (
    StorageError,
    UploadedPart,
    UploadNotFound,
    get_storage,
)
from trading.models import Tender


def _existing(bid: Bid) -> Finalised:
    return Finalised(bid, bid.receipts.get(kind=ReceiptKind.SUBMISSION), created=False)


def _verify_stored(
    upload: BidUpload, parts: list[BidUploadPart], at: dt.datetime
) -> tuple[Any, str]:
    """Check the stored front (header, signature, signer, tender) read back from storage, and
    the segment digests found as the parts were relayed against the signed header's: what is
    verified and what the receipt names is every byte storage acknowledged, read back only
    for its first few KiB."""
    from bids.sealed_objects import upload_reader
    from signing.conf import platform_trust_store

    with upload_reader(upload) as source:
        verified = verify_sealed_front(
            source, trust=platform_trust_store(), expected_tender_id=str(upload.tender_id), at=at
        )
    if verified.envelope.total_size != upload.size:
        # Part 1's front was checked for this when it arrived: the stored one is not that front.
        error = Truncated if verified.envelope.total_size > upload.size else TrailingData
        raise error(
            _(
                "The stored sealed bid's header accounts for %(size)s bytes, not the %(declared)s "
                "uploaded."
            )
            % {"size": verified.envelope.total_size, "declared": upload.size}
        )
    digests = [digest for part in parts for digest in part.segment_sha256]
    check_segments(verified.envelope, digests)
    return verified, segment_list_sha256(digests)


def bid_finalise(*, acting: Acting, upload_id: UUID, idempotency_key: str = "") -> Finalised:
    """Verify a fully stored upload and record it as the bidder's submitted bid, with receipt.

    Finalising again (same upload, or the same idempotency key) returns the first receipt.
    """
    idempotency_key = (idempotency_key or "")[:100]
    if idempotency_key:
        earlier = Bid.objects.filter(
            bidder=acting.organisation, idempotency_key=idempotency_key
        ).first()
        if earlier is not None:
            return _existing(earlier)
    upload = own_upload(acting, upload_id)
    earlier = Bid.objects.filter(upload=upload).first()
    if earlier is not None:
        return _existing(earlier)
    if upload.state == UploadState.ABORTED:
        values = {
            "upload": upload.pk,
            "code": upload.refusal_code or "aborted",
            "message": upload.refusal_message,
        }
        raise BidRefused(
            "upload_not_open",
            _("Upload %(upload)s was ended (%(code)s: %(message)s).") % values
            if upload.refusal_message
            else _("Upload %(upload)s was ended (%(code)s).") % values,
            status=409,
        )
    parts = list(upload.parts.all())
    stored = {part.number: part for part in parts}
    missing = [
        number
        for number in range(1, upload.part_count + 1)
        if number not in stored or stored[number].size != upload.expected_part_size(number)
    ]
    if missing:
        shown = ", ".join(str(number) for number in missing[:20])
        if len(missing) > 20:
            shown += " …"
        raise BidRefused(
            "upload_incomplete",
            _(
                "The upload is not complete: part(s) %(parts)s of %(count)s are missing. Send "
                "them, then finalise again."
            )
            % {"parts": shown, "count": upload.part_count},
            status=409,
        )
    actor = acting.as_actor()
    try:
        check_open_for_bids(upload.tender, database_now())
    except BidRefused as refusal:
        refuse_upload(upload, refusal, actor=actor)
        raise
    storage = get_storage()
    if not upload.assembled:
        try:
            storage.multipart_complete(
                bucket=upload.bucket,
                key=upload.object_key,
                upload_id=upload.storage_upload_id,
                parts=[UploadedPart(part.number, part.etag, part.size) for part in parts],
            )
        except UploadNotFound:
            pass  # assembled by a concurrent finalise; the read below finds out
        except StorageError as error:
            raise storage_unavailable(error) from None
        BidUpload.objects.filter(pk=upload.pk).update(assembled=True)
        upload.assembled = True
    try:
        verified, file_sha256 = _verify_stored(upload, parts, database_now())
    except (EnvelopeError, SigningError) as error:
        invalid = BidRefused(getattr(error, "code", "bid_invalid"), str(error))
        refuse_upload(upload, invalid, actor=actor)
        raise invalid from None
    except StorageError as error:
        raise storage_unavailable(error) from None
    if verified.signature.identity.uscc != acting.acted_for.uscc:
        signer_refusal = BidRefused(
            "signer_not_bidder",
            _(
                "The sealed bid was signed with the certificate of %(signer)s, not of the bidder "
                "%(bidder)s this session acts for."
            )
            % {
                "signer": verified.signature.identity.uscc or verified.signature.identity.name,
                "bidder": acting.acted_for.uscc,
            },
        )
        refuse_upload(upload, signer_refusal, actor=actor)
        raise signer_refusal
    try:
        # Checked when part 1 arrived; checked again on what storage holds, before any receipt.
        check_escrow_recipient(upload.tender_id, verified.header)
    except BidRefused as refusal:
        refuse_upload(upload, refusal, actor=actor)
        raise
    try:
        return _record_bid(
            acting=acting,
            upload=upload,
            verified=verified,
            file_sha256=file_sha256,
            idempotency_key=idempotency_key,
            signers=Signers.load(),
        )
    except BidRefused as refusal:
        if refusal.code in {"deadline_passed", "tender_not_open"}:
            refuse_upload(upload, refusal, actor=actor)
        raise
    except IntegrityError:
        # A concurrent finalise of the same upload or idempotency key won: answer with its bid.
        earlier = (
            Bid.objects.filter(upload=upload).first()
            or Bid.objects.filter(
                bidder=acting.organisation, idempotency_key=idempotency_key or None
            ).first()
        )
        if earlier is None:
            raise
        return _existing(earlier)


@transaction.atomic
def _record_bid(
    *,
    acting: Acting,
    upload: BidUpload,
    verified: Any,
    file_sha256: str,
    idempotency_key: str,
    signers: Signers,
) -> Finalised:
    size = upload.size  # the stored front's header accounts for exactly this (_verify_stored)
    # The deadline is enforced here, under the tender's row lock, against the database clock:
    # every finalise queues on the lock, so none slips in after the instant (办法 第27条).
    tender = Tender.objects.select_for_update().get(pk=upload.tender_id)
    received_at = database_now()
    check_open_for_bids(tender, received_at)
    locked = BidUpload.objects.select_for_update().get(pk=upload.pk)
    earlier = Bid.objects.filter(upload=locked).first()
    if earlier is not None:
        return _existing(earlier)
    if locked.state != UploadState.UPLOADING:
        raise BidRefused(
            "upload_not_open", _("Upload %(upload)s was ended.") % {"upload": locked.pk}, status=409
        )
    actor = acting.as_actor()
    sealed = sealed_identity(tender.pk, acting.acted_for)
    for previous in Bid.objects.filter(
        tender=tender, bidder=acting.organisation, state=BidState.SUBMITTED
    ):
        apply_transition(
            previous,
            "supersede",
            actor=actor,
            action="bid.superseded",
            payload={"by_upload": str(locked.pk)},
            sealed=sealed,
        )
    locked = apply_transition(
        locked,
        "complete",
        actor=actor,
        action="bid_upload.completed",
        arguments=(received_at,),
        changed_fields=["ended_at"],
        payload={"size": size},
        sealed=sealed,
    )
    # Both under the tender's row lock, so two finalises cannot take the same number.
    sequence = (tender.bids.aggregate(last=Max("sequence"))["last"] or 0) + 1
    submission_number = tender.bids.filter(bidder=acting.organisation).count() + 1
    header = verified.header
    bid = Bid.objects.create(
        tender=tender,
        bidder=acting.organisation,
        submitted_by=acting.user,
        upload=locked,
        sequence=sequence,
        submission_number=submission_number,
        received_at=received_at,
        size=size,
        header_sha256=hashlib.sha256(verified.envelope.header_bytes).hexdigest(),
        ciphertext_sha256=file_sha256,
        signer_certificate_sha256=verified.signature.identity.certificate_sha256,
        sealed_at=header.sealed_at,
        parts=[part.to_json() for part in header.parts],
        idempotency_key=idempotency_key,
    )
    document = {
        "receipt_version": RECEIPT_VERSION,
        "kind": ReceiptKind.SUBMISSION.value,
        "bid": str(bid.pk),
        "tender": str(tender.pk),
        "bidder_uscc": acting.acted_for.uscc,
        "header_sha256": bid.header_sha256,
        "ciphertext_sha256": bid.ciphertext_sha256,
        "size": size,
        "received_at": utc_text(received_at),
        # Not the tender-wide sequence: that would disclose how many bid before (第21条).
        "submission_number": submission_number,
    }
    receipt = issue_receipt(bid, ReceiptKind.SUBMISSION, document, received_at, signers)
    record_event(
        actor=actor,
        action="bid.submitted",
        object_type="bids.bid",
        object_id=str(bid.pk),
        to_state=BidState.SUBMITTED,
        payload={
            key: value for key, value in document.items() if key not in ("tender", "bidder_uscc")
        }
        | {"receipt": str(receipt.pk)},
        sealed=sealed,
    )
    return Finalised(bid, receipt, created=True)
