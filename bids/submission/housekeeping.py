"""Housekeeping of submission: uploads left unfinished are ended and their bytes dropped
(run hourly by the Celery beat task bids.tasks.bid_uploads_expire)."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from bids.models import (
    BidUpload,
    UploadState,
)
from bids.submission.common import discard_stored, sealed_identity, utc_text
from bids.submission.limits import upload_max_age
from monitoring.clock import database_now
from monitoring.services import PLATFORM
from monitoring.transitions import apply_transition
from storage.objects import (
    get_storage,
)


def bid_upload_expire_stale(*, older_than: dt.timedelta | None = None) -> int:
    """Housekeeping: abort uploads left unfinished longer than `older_than` and drop their parts,
    plus any multipart upload in the bids bucket that no open upload row accounts for."""
    age = older_than if older_than is not None else upload_max_age()
    cutoff = database_now() - age
    ended = 0
    for upload_id in BidUpload.objects.filter(
        state=UploadState.UPLOADING, created_at__lt=cutoff
    ).values_list("pk", flat=True):
        with transaction.atomic():
            upload = BidUpload.objects.select_for_update().get(pk=upload_id)
            if upload.state != UploadState.UPLOADING:
                continue
            apply_transition(
                upload,
                "abort",
                actor=PLATFORM,
                action="bid_upload.expired",
                arguments=(
                    database_now(),
                    "upload_expired",
                    _("Not finalised within %(age)s.") % {"age": age},
                ),
                changed_fields=["refusal_code", "refusal_message", "ended_at"],
                payload={"created_at": utc_text(upload.created_at)},
                sealed=sealed_identity(upload.tender_id, upload.bidder),
            )
        discard_stored(upload)
        ended += 1
    storage = get_storage()
    bucket = storage.bucket("bids")
    open_ids = set(
        BidUpload.objects.filter(state=UploadState.UPLOADING).values_list(
            "storage_upload_id", flat=True
        )
    )
    for leftover in storage.multipart_list_incomplete(bucket=bucket, prefix="tenders/"):
        if leftover.upload_id in open_ids:
            continue
        if leftover.initiated is not None and leftover.initiated > cutoff:
            continue  # perhaps a row about to be written by an open request
        storage.multipart_abort(bucket=bucket, key=leftover.key, upload_id=leftover.upload_id)
    return ended
