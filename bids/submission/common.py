"""What the submission use cases share: the tender must be open for bids (checked against the
database clock), bidding events keep who bids sealed, and a refused file ends its upload."""

import datetime as dt
import logging
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.acting import Acting
from accounts.models import Organisation
from bids.errors import BidRefused
from bids.models import (
    BidUpload,
    UploadState,
)
from monitoring.clock import database_now
from monitoring.services import Actor, Sealed
from monitoring.transitions import apply_transition
from storage.objects import (
    StorageError,
    get_storage,
)
from trading.models import Tender, TenderState

logger = logging.getLogger(__name__)


def utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_open_for_bids(tender: Tender, now: dt.datetime) -> None:
    if tender.state != TenderState.PUBLISHED or tender.bid_deadline is None:
        raise BidRefused(
            "tender_not_open",
            _("Tender %(tender)s is %(state)s: it does not accept bids.")
            % {"tender": tender.pk, "state": tender.state},
            status=409,
        )
    if now >= tender.bid_deadline:
        # 办法 第27条: a bid received after the deadline is refused.
        raise BidRefused(
            "deadline_passed",
            _(
                "The bid deadline of tender %(tender)s (%(deadline)s) has passed (platform time "
                "%(now)s): the bid is refused."
            )
            % {
                "tender": tender.pk,
                "deadline": tender.bid_deadline.isoformat(),
                "now": now.isoformat(),
            },
            status=409,
        )


def sealed_identity(tender_id: Any, bidder: Organisation, **fields: Any) -> Sealed:
    """Before the deadline nobody may learn who bids on a tender, nor how many (办法 第21条):
    bidding events keep the tender and the bidder in a sealed identity only supervisors read."""
    return Sealed(tender_id=str(tender_id), fields={"bidder_uscc": bidder.uscc, **fields})


def storage_unavailable(error: StorageError) -> BidRefused:
    logger.warning("object storage unavailable: %s", error)
    return BidRefused(
        "storage_unavailable",
        _(
            "The platform's bid storage is not reachable right now; nothing was lost. Retry in a "
            "moment: the upload resumes from the last stored part."
        ),
        status=503,
        retryable=True,
    )


def own_upload(acting: Acting, upload_id: UUID) -> BidUpload:
    upload = (
        BidUpload.objects.select_related("tender", "bidder")
        .filter(pk=upload_id, bidder=acting.organisation)
        .first()
    )
    if upload is None:
        raise BidRefused(
            "upload_not_found",
            _("Upload %(upload)s does not exist.") % {"upload": upload_id},
            status=404,
        )
    return upload


def discard_stored(upload: BidUpload) -> None:
    """Drop the bytes of an ended upload: its parts, and the object if it was assembled."""
    storage = get_storage()
    try:
        storage.multipart_abort(
            bucket=upload.bucket, key=upload.object_key, upload_id=upload.storage_upload_id
        )
        storage.delete(bucket=upload.bucket, key=upload.object_key)
    except StorageError as error:
        # Housekeeping aborts what is left over (bid_upload_expire_stale).
        logger.warning("could not discard upload %s now: %s", upload.pk, error)


def refuse_upload(upload: BidUpload, refusal: BidRefused, *, actor: Actor) -> None:
    """End an upload whose file is refused: state `aborted`, one event, the bytes discarded."""
    with transaction.atomic():
        locked = BidUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.state != UploadState.UPLOADING:
            return
        apply_transition(
            locked,
            "abort",
            actor=actor,
            action="bid_upload.refused",
            arguments=(database_now(), refusal.code, refusal.message),
            changed_fields=["refusal_code", "refusal_message", "ended_at"],
            # The message may name the tender: sealed with it.
            payload={"error": refusal.code},
            sealed=sealed_identity(upload.tender_id, upload.bidder, message=refusal.message),
        )
    discard_stored(upload)
