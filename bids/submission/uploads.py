"""Sealed bid uploads (DESIGN §5, 办法 第26条): open a resumable upload, then store its parts,
streamed and bounded, each hashed in the sealed file's 1 MiB segments as it is relayed to S3.
Part 1's front (the signed header) is checked before any byte is stored.

Every refusal raises `BidRefused` (code, message, field, HTTP status). A refusal of the file
itself discards the bytes and aborts the upload; nothing unfinished ever counts as a bid.
"""

import contextlib
import datetime as dt
import io
from typing import Any, BinaryIO
from uuid import UUID

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.acting import Acting
from accounts.models import Organisation
from accounts.services import shown_time
from accounts.throttles import counter_add
from bids.errors import BidRefused
from bids.models import (
    BidUpload,
    BidUploadPart,
    UploadState,
)
from bids.submission.common import (
    check_open_for_bids,
    own_upload,
    refuse_upload,
    sealed_identity,
    storage_unavailable,
)
from bids.submission.limits import (
    max_bid_size,
    upload_bytes_per_window,
    upload_max_age,
    upload_part_size,
    upload_window_seconds,
    uploads_open_per_bidder,
)
from monitoring.clock import database_now
from monitoring.services import record_event
from signing.canonical import canonical_json
from signing.envelope import Envelope, read_envelope
from signing.envelope.errors import (
    EnvelopeError,
    NotASealedBid,
    TrailingData,
    Truncated,
)
from signing.envelope.format import PREAMBLE_SIZE, WRAP_HPKE_P256, Header, unpack_preamble
from signing.envelope.segments import SegmentHasher, segment_list_sha256
from storage.objects import (
    StorageError,
    StreamEnded,
    UploadNotFound,
    get_storage,
)
from trading.models import Tender, TenderEscrow

READ_CHUNK = 64 * 1024
FINGERPRINT_MAX_BYTES = 4096


# 办法 第26条: the platform accepts only encrypted bids; a plain file is refused with a prompt.
PLAIN_FILE_PROMPT = gettext_lazy(
    "This file is not a sealed bid: the platform accepts only encrypted bids (电子招标投标办法 "
    "第二十六条). Seal it first with `bidtool seal --tender <id> …` and upload the .sealed file."
)


# DESIGN §5 step 4: a committee tender's bid wraps its data key to the tender's escrow key too,
# or the committee could not open it when its bidder cannot (办法 第31条).
ESCROW_SEAL_PROMPT = gettext_lazy(
    "Seal the bid again with the tender's escrow key: `bidtool seal --escrow-key escrow.pem …`, "
    "where escrow.pem is the escrow_public_key published with the tender (GET "
    "/api/v1/tenders/<id>)."
)


def _object_key(upload: BidUpload) -> str:
    # Derived from ids only, never from a file name a user typed.
    return f"tenders/{upload.tender_id}/bids/{upload.pk}.sealed"


def _clean_fingerprint(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or len(canonical_json(value)) > FINGERPRINT_MAX_BYTES:
        return {}
    return value


def bid_upload_open(
    *,
    acting: Acting,
    tender_id: UUID,
    size: int,
    device_fingerprint: dict[str, Any] | None = None,
) -> BidUpload:
    """Open a resumable upload for a sealed file of `size` bytes; nothing is stored yet."""
    tender = Tender.objects.filter(pk=tender_id).first()
    if tender is None:
        raise BidRefused(
            "tender_not_found",
            _("Tender %(tender)s does not exist.") % {"tender": tender_id},
            status=404,
        )
    if not isinstance(size, int) or size <= 0:
        raise BidRefused(
            "size_invalid", _("The size must be a positive number of bytes."), field="size"
        )
    limit = max_bid_size()
    if size > limit:
        raise BidRefused(
            "bid_too_large",
            _("The sealed bid is %(size)s bytes; the platform accepts at most %(limit)s bytes.")
            % {"size": size, "limit": limit},
            status=413,
            field="size",
        )
    check_open_for_bids(tender, database_now())
    part_size = upload_part_size()
    if -(-size // part_size) > 10000:
        raise BidRefused(
            "bid_too_large",
            _("The sealed bid needs more than 10000 parts."),
            status=413,
            field="size",
        )
    _check_open_uploads(acting.acted_for, database_now())
    storage = get_storage()
    upload = BidUpload(
        tender=tender,
        bidder=acting.organisation,
        user=acting.user,
        certificate_sha256=acting.certificate_sha256,
        size=size,
        part_size=part_size,
        bucket=storage.bucket("bids"),
        client_ip=acting.client_ip,
        user_agent=acting.user_agent,
        device_fingerprint=_clean_fingerprint(device_fingerprint),
    )
    upload.object_key = _object_key(upload)
    try:
        upload.storage_upload_id = storage.multipart_create(
            bucket=upload.bucket,
            key=upload.object_key,
            metadata={"tender": str(tender.pk), "upload": str(upload.pk)},
        )
    except StorageError as error:
        raise storage_unavailable(error) from None
    try:
        with transaction.atomic():
            # Checked again under the bidder's row lock: parallel opens cannot pass the bound.
            Organisation.objects.select_for_update().filter(pk=acting.acted_for.pk).first()
            upload.created_at = database_now()
            _check_open_uploads(acting.acted_for, upload.created_at)
            upload.save(force_insert=True)
            record_event(
                actor=acting.as_actor(),
                action="bid_upload.opened",
                object_type="bids.bidupload",
                object_id=str(upload.pk),
                to_state=UploadState.UPLOADING,
                payload={"size": size, "part_size": part_size},
                sealed=sealed_identity(tender.pk, acting.acted_for),
            )
    except BidRefused:
        # What cannot be aborted now, housekeeping aborts later (bid_upload_expire_stale).
        with contextlib.suppress(StorageError):
            storage.multipart_abort(
                bucket=upload.bucket, key=upload.object_key, upload_id=upload.storage_upload_id
            )
        raise
    return upload


def _too_many(code: str, message: str, *, until: dt.datetime, now: dt.datetime) -> BidRefused:
    """A 429 refusal with the time to retry (Retry-After, through config.api.error_handler)."""
    refusal = BidRefused(code, message, status=429, retryable=True)
    refusal.wait = max(1, int((until - now).total_seconds() + 0.999))  # type: ignore[attr-defined]
    return refusal


def _check_open_uploads(bidder: Organisation, now: dt.datetime) -> None:
    """A bidder holds at most BID_UPLOADS_OPEN_PER_BIDDER unfinished uploads (abuse limits)."""
    limit = uploads_open_per_bidder()
    opened = list(
        BidUpload.objects.filter(bidder=bidder, state=UploadState.UPLOADING)
        .order_by("created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(opened) < limit:
        return
    until = opened[0] + upload_max_age()
    raise _too_many(
        "uploads_too_many",
        _(
            "This bidder has %(count)s unfinished uploads open, the most it may: finish one "
            "(bidtool submit resumes it), or open a new one after %(until)s, when the oldest "
            "expires."
        )
        % {"count": len(opened), "until": shown_time(until)},
        until=until,
        now=now,
    )


def _check_upload_rate(upload: BidUpload, number: int, length: int, now: dt.datetime) -> None:
    """A bidder sends at most BID_UPLOAD_BYTES_PER_WINDOW bytes of parts per window (abuse
    limits); every part sent counts, refused or not, so that a client hammering past the
    budget stays refused until the window ends. Never below one part, or no part would pass."""
    limit = max(upload_bytes_per_window(), upload.part_size)
    window = upload_window_seconds()
    sent = counter_add(
        scope="upload_bytes",
        key=str(upload.bidder_id),
        amount=length,
        window_seconds=window,
        now=now,
    )
    if sent.value <= limit:
        return
    raise _too_many(
        "upload_rate_exceeded",
        _(
            "This bidder sent more than %(limit)s bytes of parts within %(window)s seconds, the "
            "most it may: send part %(number)s again after %(until)s."
        )
        % {
            "limit": limit,
            "window": window,
            "number": number,
            "until": shown_time(sent.window_end),
        },
        until=sent.window_end,
        now=now,
    )


def _read_bounded(stream: BinaryIO, expected: int) -> bytes:
    """Read exactly `expected` bytes from a request body in small chunks, never more (fewer
    only if the body ends first)."""
    buffer = bytearray()
    while len(buffer) < expected:
        chunk = stream.read(min(READ_CHUNK, expected - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    return bytes(buffer)


class _Prefixed:
    """The request body with its first bytes, already read and checked, put back in front."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if self._head:
            wanted = len(self._head) if size is None or size < 0 else size
            data, self._head = bytes(self._head[:wanted]), self._head[wanted:]
            return data
        return self._rest.read(size)


def _read_front(stream: BinaryIO, expected: int) -> tuple[bytes, int]:
    """Read the front of a sealed bid from the start of a part of `expected` bytes: the
    preamble, then exactly the lengths it gives, so that a request holds the front (KiB), not
    the MAX_FRONT_SIZE it may reach. Returns the bytes and how many there should have been;
    a preamble that is not a sealed bid's is returned as it is, for `_check_front` to refuse."""
    head = _read_bounded(stream, min(expected, PREAMBLE_SIZE))
    if len(head) < min(expected, PREAMBLE_SIZE):  # the body ended early
        return head, min(expected, PREAMBLE_SIZE)
    try:
        preamble = unpack_preamble(head)
    except EnvelopeError:
        return head, len(head)
    front_size = (
        PREAMBLE_SIZE + preamble.header_size + preamble.signature_size + preamble.padding_size
    )
    wanted = min(expected, front_size)
    return head + _read_bounded(stream, wanted - len(head)), wanted


def check_escrow_recipient(tender_id: UUID, header: Header) -> None:
    """A tender with an opening committee accepts only bids whose data key is wrapped to its
    escrow key as well (the header's key id; only the committee's recovery can prove the wrap
    itself, and a bidder whose signed header lies about it has sealed its own loss)."""
    escrow = TenderEscrow.objects.filter(tender_id=tender_id).only("key_id").first()
    if escrow is None:
        return
    wrapped = [recipient for recipient in header.recipients if recipient.role == "escrow"]
    if any(
        recipient.key_id == escrow.key_id and recipient.method == WRAP_HPKE_P256
        for recipient in wrapped
    ):
        return
    values = {"tender": tender_id, "key": escrow.key_id, "prompt": ESCROW_SEAL_PROMPT}
    if wrapped:
        raise BidRefused(
            "escrow_key_wrong",
            _(
                "The sealed bid wraps its data key to escrow key %(found)s, not to the escrow key "
                "%(key)s of tender %(tender)s, so its opening committee could not recover it. "
                "%(prompt)s"
            )
            % {**values, "found": wrapped[0].key_id},
        )
    raise BidRefused(
        "escrow_key_missing",
        _(
            "Tender %(tender)s has an opening committee, but the sealed bid does not wrap its data "
            "key to the tender's escrow key %(key)s, so the committee could not recover it. "
            "%(prompt)s"
        )
        % values,
    )


def _check_front(upload: BidUpload, data: bytes) -> Envelope:
    """The first bytes must be a sealed bid for this tender and bidder, of the declared size."""

    try:
        # The front (preamble, header, signature, padding) is at most a few MiB.
        envelope = read_envelope(io.BytesIO(data))
    except NotASealedBid as error:
        raise BidRefused("not_a_sealed_bid", f"{PLAIN_FILE_PROMPT} ({error})") from None
    except EnvelopeError as error:
        raise BidRefused(error.code, str(error)) from None
    header = envelope.header
    if header.tender_id != str(upload.tender_id):
        raise BidRefused(
            "wrong_tender",
            _("The sealed bid is for tender %(named)s, not %(tender)s.")
            % {"named": repr(header.tender_id), "tender": upload.tender_id},
        )
    if header.bidder_uscc != upload.bidder.uscc:
        raise BidRefused(
            "signer_not_bidder",
            _("The sealed bid names bidder %(named)s, but this session acts for %(acting)s.")
            % {"named": header.bidder_uscc, "acting": upload.bidder.uscc},
        )
    check_escrow_recipient(upload.tender_id, header)
    if envelope.total_size > max_bid_size():
        raise BidRefused(
            "bid_too_large",
            _(
                "The sealed bid's header accounts for %(size)s bytes; the platform accepts at "
                "most %(limit)s bytes."
            )
            % {"size": envelope.total_size, "limit": max_bid_size()},
            status=413,
        )
    if envelope.total_size != upload.size:
        sizes = {"declared": upload.size, "size": envelope.total_size}
        if upload.size < envelope.total_size:
            raise BidRefused(
                Truncated.code,
                _(
                    "The upload declared %(declared)s bytes but the sealed bid's header accounts "
                    "for %(size)s: the file is truncated."
                )
                % sizes,
            )
        raise BidRefused(
            TrailingData.code,
            _(
                "The upload declared %(declared)s bytes but the sealed bid's header accounts for "
                "%(size)s: the file is extended."
            )
            % sizes,
        )
    return envelope


def bid_upload_part(
    *,
    acting: Acting,
    upload_id: UUID,
    number: int,
    stream: BinaryIO,
    length: int | None,
) -> BidUploadPart:
    """Store part `number` of an upload, relayed from `stream` to S3 as it is read.

    Every part but the last is exactly the upload's part size; neither a part nor the file is
    ever held whole: memory is a few hundred KiB per request (part 1: its front, a few MiB,
    which is checked before anything is stored).
    """
    upload = own_upload(acting, upload_id)
    if upload.state != UploadState.UPLOADING:
        values = {"upload": upload.pk, "state": upload.state, "code": upload.refusal_code}
        raise BidRefused(
            "upload_not_open",
            _("Upload %(upload)s is %(state)s (%(code)s): it takes no more parts.") % values
            if upload.refusal_code
            else _("Upload %(upload)s is %(state)s: it takes no more parts.") % values,
            status=409,
        )
    if not 1 <= number <= upload.part_count:
        raise BidRefused(
            "part_number_invalid",
            _("Part %(number)s is outside 1..%(count)s for this upload.")
            % {"number": number, "count": upload.part_count},
            field="number",
        )
    expected = upload.expected_part_size(number)
    if length is None:
        raise BidRefused("length_required", _("Send the part with a Content-Length."), status=411)
    if length != expected:
        raise BidRefused(
            "part_size_invalid",
            _("Part %(number)s must be %(expected)s bytes, not %(length)s.")
            % {"number": number, "expected": expected, "length": length},
            field="number",
        )
    now = database_now()
    try:
        check_open_for_bids(upload.tender, now)
    except BidRefused as refusal:
        refuse_upload(upload, refusal, actor=acting.as_actor())
        raise
    _check_upload_rate(upload, number, expected, now)
    body: Any = stream
    parts_offset = 0  # where the parts region starts: only part 1 holds the front
    if number == 1:
        # The front is checked before any byte is stored; the rest is relayed as it comes.
        head, wanted = _read_front(stream, expected)
        if len(head) < wanted:
            raise _part_incomplete(number, len(head), expected)
        try:
            parts_offset = _check_front(upload, head).parts_offset
        except BidRefused as refusal:
            refuse_upload(upload, refusal, actor=acting.as_actor())
            raise
        body = _Prefixed(head, stream)
    # The part starts on a segment boundary (the part size is a whole number of segments).
    segments = SegmentHasher(start=(number - 1) * upload.part_size, parts_offset=parts_offset)
    storage = get_storage()
    try:
        # Relayed to S3 while it is read and hashed: the web process holds a few hundred KiB
        # of a part, never the part (nor the file).
        stored = storage.multipart_upload_stream(
            bucket=upload.bucket,
            key=upload.object_key,
            upload_id=upload.storage_upload_id,
            number=number,
            stream=body,
            length=expected,
            observe=segments.update,
        )
    except StreamEnded as ended:
        _forget_part(upload, number)
        raise _part_incomplete(number, ended.received, expected) from None
    except UploadNotFound:
        raise BidRefused(
            "upload_not_open", _("Upload %(upload)s was ended.") % {"upload": upload.pk}, status=409
        ) from None
    except StorageError as error:
        _forget_part(upload, number)
        raise storage_unavailable(error) from None
    digests = segments.hexdigests()
    part, _created = BidUploadPart.objects.update_or_create(
        upload=upload,
        number=number,
        defaults={
            "size": stored.size,
            "etag": stored.etag,
            "sha256": segment_list_sha256(digests),
            "segment_sha256": digests,
            "stored_at": database_now(),
        },
    )
    return part


def _part_incomplete(number: int, received: int, expected: int) -> BidRefused:
    return BidRefused(
        "part_incomplete",
        _("Part %(number)s ended after %(received)s of %(expected)s bytes: send it again.")
        % {"number": number, "received": received, "expected": expected},
        retryable=True,
    )


def _forget_part(upload: BidUpload, number: int) -> None:
    """A part whose sending failed half-way counts as missing: S3 may have dropped the copy it
    held before, so the client must send it again (finalise names it in `missing_parts`)."""
    BidUploadPart.objects.filter(upload=upload, number=number).delete()


def bid_upload_status(*, acting: Acting, upload_id: UUID) -> BidUpload:
    return own_upload(acting, upload_id)
