"""Use cases of sealed bid submission (DESIGN §5, 办法 第26–27条).

open an upload → store parts (streamed, bounded, resumable; each hashed in the sealed file's
1 MiB segments as it is relayed) → finalise (check the stored front's signature and the
segment digests against the signed header, then, under the tender's row lock and against the
database clock, record the bid and issue a signed, timestamped receipt) → withdraw by a
signed request.

Every refusal raises `BidRefused` (code, message, field, HTTP status). A refusal of the file
itself discards the bytes and aborts the upload; nothing unfinished ever counts as a bid.
"""

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any, BinaryIO
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation, Role, RoleMembership, User, UserCertificate
from bids.models import (
    Bid,
    BidState,
    BidUpload,
    BidUploadPart,
    Receipt,
    ReceiptKind,
    UploadState,
)
from config.errors import Refusal
from monitoring.clock import database_now
from monitoring.services import PLATFORM, Actor, Sealed, record_event
from monitoring.transitions import apply_transition
from signing.canonical import canonical_json
from signing.cms import sign_detached, verify_json
from signing.envelope import Envelope, read_envelope
from signing.envelope.container import check_segments, verify_sealed_front
from signing.envelope.errors import (
    EnvelopeError,
    NotASealedBid,
    TrailingData,
    Truncated,
)
from signing.envelope.format import PREAMBLE_SIZE, WRAP_HPKE_P256, Header, unpack_preamble
from signing.envelope.segments import SEGMENT_SIZE, SegmentHasher, segment_list_sha256
from signing.errors import SigningError
from storage.objects import (
    MINIMUM_PART_SIZE,
    StorageError,
    StreamEnded,
    UploadedPart,
    UploadNotFound,
    get_storage,
)
from trading.models import Tender, TenderEscrow, TenderState

logger = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 2 * 1024**3
# Fewer, larger parts: each request costs the web tier ~12 ms of CPU whatever its size, and a
# part is relayed in 256 KiB blocks, so its size does not cost the server memory.
DEFAULT_PART_SIZE = 64 * 1024 * 1024
DEFAULT_UPLOAD_MAX_AGE = dt.timedelta(hours=24)
DEFAULT_WITHDRAWAL_SKEW = dt.timedelta(minutes=5)
READ_CHUNK = 64 * 1024
RECEIPT_VERSION = 2  # 2: `submission_number` instead of the tender-wide `sequence`
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


def max_bid_size() -> int:
    return int(getattr(settings, "BID_MAX_SIZE", DEFAULT_MAX_SIZE))


def upload_part_size() -> int:
    """A whole number of segments (each part is checked on its own), at least S3's minimum."""
    size = max(int(getattr(settings, "BID_UPLOAD_PART_SIZE", DEFAULT_PART_SIZE)),
               MINIMUM_PART_SIZE)
    return size // SEGMENT_SIZE * SEGMENT_SIZE


def upload_max_age() -> dt.timedelta:
    hours = getattr(settings, "BID_UPLOAD_MAX_AGE_HOURS", None)
    return DEFAULT_UPLOAD_MAX_AGE if hours is None else dt.timedelta(hours=float(hours))


def withdrawal_skew() -> dt.timedelta:
    seconds = getattr(settings, "BID_WITHDRAWAL_MAX_SKEW_SECONDS", None)
    return DEFAULT_WITHDRAWAL_SKEW if seconds is None else dt.timedelta(seconds=float(seconds))


class BidRefused(Refusal):
    """A refusal of bid submission or the opening hall (config.errors.Refusal: code, message,
    status, field); `retryable` means try again."""

    def __init__(
        self, code: str, message: str, *, status: int = 400, field: str | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(code, message, status=status, field=field)
        self.retryable = retryable

    def as_json(self) -> dict[str, Any]:
        body = super().as_json()
        if self.retryable:
            body["retryable"] = True
        return body


@dataclass(frozen=True)
class BidderActing:
    """A person acting for a bidder organisation, in a session opened with its certificate."""

    user: User
    organisation: Organisation
    certificate_sha256: str
    client_ip: str | None = None
    user_agent: str = ""

    def as_actor(self) -> Actor:
        return Actor(user=self.user, role=Role.BIDDER, client_ip=self.client_ip)


def bidder_acting(
    *, user: User, certificate_sha256: str | None, client_ip: str | None = None,
    user_agent: str = "",
) -> BidderActing:
    """The bidder organisation a certificate-login session acts for, or BidRefused (403).

    The organisation is the one named by the login certificate (its USCC), and the user must
    hold the bidder role for it.
    """
    if not certificate_sha256:
        raise BidRefused(
            "certificate_login_required",
            _("Submitting a bid needs a session opened with the bidder's certificate "
              "(POST /api/v1/auth/challenge, then /api/v1/auth/certificate-login)."),
            status=403,
        )
    certificate = UserCertificate.objects.filter(
        user=user, certificate_sha256=certificate_sha256
    ).first()
    if certificate is None or not certificate.uscc:
        raise BidRefused(
            "certificate_login_required",
            _("The session's certificate is not an organisation certificate bound to this "
              "user."),
            status=403,
        )
    membership = (
        RoleMembership.objects.select_related("organisation")
        .filter(user=user, role=Role.BIDDER, organisation__uscc=certificate.uscc)
        .first()
    )
    if membership is None:
        raise BidRefused(
            "not_a_bidder",
            _("%(user)s does not act as a bidder for the organisation %(uscc)s named by the "
              "login certificate.") % {"user": user.get_username(), "uscc": certificate.uscc},
            status=403,
        )
    return BidderActing(
        user=user, organisation=membership.organisation, certificate_sha256=certificate_sha256,
        client_ip=client_ip, user_agent=user_agent[:500],
    )


def _object_key(upload: BidUpload) -> str:
    # Derived from ids only, never from a file name a user typed.
    return f"tenders/{upload.tender_id}/bids/{upload.pk}.sealed"


def _check_open_for_bids(tender: Tender, now: dt.datetime) -> None:
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
            _("The bid deadline of tender %(tender)s (%(deadline)s) has passed (platform time "
              "%(now)s): the bid is refused.")
            % {"tender": tender.pk, "deadline": tender.bid_deadline.isoformat(),
               "now": now.isoformat()},
            status=409,
        )


def _sealed(tender_id: Any, bidder: Organisation, **fields: Any) -> Sealed:
    """Before the deadline nobody may learn who bids on a tender, nor how many (办法 第21条):
    bidding events keep the tender and the bidder in a sealed identity only supervisors read."""
    return Sealed(tender_id=str(tender_id), fields={"bidder_uscc": bidder.uscc, **fields})


def _clean_fingerprint(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or len(canonical_json(value)) > FINGERPRINT_MAX_BYTES:
        return {}
    return value


def bid_upload_open(
    *, acting: BidderActing, tender_id: UUID, size: int,
    device_fingerprint: dict[str, Any] | None = None,
) -> BidUpload:
    """Open a resumable upload for a sealed file of `size` bytes; nothing is stored yet."""
    tender = Tender.objects.filter(pk=tender_id).first()
    if tender is None:
        raise BidRefused("tender_not_found",
                         _("Tender %(tender)s does not exist.") % {"tender": tender_id},
                         status=404)
    if not isinstance(size, int) or size <= 0:
        raise BidRefused("size_invalid", _("The size must be a positive number of bytes."),
                         field="size")
    limit = max_bid_size()
    if size > limit:
        raise BidRefused(
            "bid_too_large",
            _("The sealed bid is %(size)s bytes; the platform accepts at most %(limit)s bytes.")
            % {"size": size, "limit": limit},
            status=413, field="size",
        )
    _check_open_for_bids(tender, database_now())
    part_size = upload_part_size()
    if -(-size // part_size) > 10000:
        raise BidRefused("bid_too_large", _("The sealed bid needs more than 10000 parts."),
                         status=413, field="size")
    storage = get_storage()
    upload = BidUpload(
        tender=tender, bidder=acting.organisation, user=acting.user,
        certificate_sha256=acting.certificate_sha256, size=size, part_size=part_size,
        bucket=storage.bucket("bids"), client_ip=acting.client_ip,
        user_agent=acting.user_agent, device_fingerprint=_clean_fingerprint(device_fingerprint),
    )
    upload.object_key = _object_key(upload)
    try:
        upload.storage_upload_id = storage.multipart_create(
            bucket=upload.bucket, key=upload.object_key,
            metadata={"tender": str(tender.pk), "upload": str(upload.pk)},
        )
    except StorageError as error:
        raise _storage_unavailable(error) from None
    with transaction.atomic():
        upload.created_at = database_now()
        upload.save(force_insert=True)
        record_event(
            actor=acting.as_actor(), action="bid_upload.opened", object_type="bids.bidupload",
            object_id=str(upload.pk), to_state=UploadState.UPLOADING,
            payload={"size": size, "part_size": part_size},
            sealed=_sealed(tender.pk, acting.organisation),
        )
    return upload


def _storage_unavailable(error: StorageError) -> BidRefused:
    logger.warning("object storage unavailable: %s", error)
    return BidRefused(
        "storage_unavailable",
        _("The platform's bid storage is not reachable right now; nothing was lost. Retry in a "
          "moment: the upload resumes from the last stored part."),
        status=503, retryable=True,
    )


def _own_upload(acting: BidderActing, upload_id: UUID) -> BidUpload:
    upload = (
        BidUpload.objects.select_related("tender", "bidder")
        .filter(pk=upload_id, bidder=acting.organisation).first()
    )
    if upload is None:
        raise BidRefused("upload_not_found",
                         _("Upload %(upload)s does not exist.") % {"upload": upload_id},
                         status=404)
    return upload


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
    front_size = (PREAMBLE_SIZE + preamble.header_size + preamble.signature_size
                  + preamble.padding_size)
    wanted = min(expected, front_size)
    return head + _read_bounded(stream, wanted - len(head)), wanted


def _check_escrow_recipient(tender_id: UUID, header: Header) -> None:
    """A tender with an opening committee accepts only bids whose data key is wrapped to its
    escrow key as well (the header's key id; only the committee's recovery can prove the wrap
    itself, and a bidder whose signed header lies about it has sealed its own loss)."""
    escrow = TenderEscrow.objects.filter(tender_id=tender_id).only("key_id").first()
    if escrow is None:
        return
    wrapped = [recipient for recipient in header.recipients if recipient.role == "escrow"]
    if any(recipient.key_id == escrow.key_id and recipient.method == WRAP_HPKE_P256
           for recipient in wrapped):
        return
    values = {"tender": tender_id, "key": escrow.key_id, "prompt": ESCROW_SEAL_PROMPT}
    if wrapped:
        raise BidRefused(
            "escrow_key_wrong",
            _("The sealed bid wraps its data key to escrow key %(found)s, not to the escrow key "
              "%(key)s of tender %(tender)s, so its opening committee could not recover it. "
              "%(prompt)s") % {**values, "found": wrapped[0].key_id},
        )
    raise BidRefused(
        "escrow_key_missing",
        _("Tender %(tender)s has an opening committee, but the sealed bid does not wrap its data "
          "key to the tender's escrow key %(key)s, so the committee could not recover it. "
          "%(prompt)s") % values,
    )


def _check_front(upload: BidUpload, data: bytes) -> Envelope:
    """The first bytes must be a sealed bid for this tender and bidder, of the declared size."""
    import io

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
    _check_escrow_recipient(upload.tender_id, header)
    if envelope.total_size > max_bid_size():
        raise BidRefused(
            "bid_too_large",
            _("The sealed bid's header accounts for %(size)s bytes; the platform accepts at "
              "most %(limit)s bytes.") % {"size": envelope.total_size, "limit": max_bid_size()},
            status=413,
        )
    if envelope.total_size != upload.size:
        sizes = {"declared": upload.size, "size": envelope.total_size}
        if upload.size < envelope.total_size:
            raise BidRefused(
                Truncated.code,
                _("The upload declared %(declared)s bytes but the sealed bid's header accounts "
                  "for %(size)s: the file is truncated.") % sizes,
            )
        raise BidRefused(
            TrailingData.code,
            _("The upload declared %(declared)s bytes but the sealed bid's header accounts for "
              "%(size)s: the file is extended.") % sizes,
        )
    return envelope


def bid_upload_part(
    *, acting: BidderActing, upload_id: UUID, number: int, stream: BinaryIO,
    length: int | None,
) -> BidUploadPart:
    """Store part `number` of an upload, relayed from `stream` to S3 as it is read.

    Every part but the last is exactly the upload's part size; neither a part nor the file is
    ever held whole: memory is a few hundred KiB per request (part 1: its front, a few MiB,
    which is checked before anything is stored).
    """
    upload = _own_upload(acting, upload_id)
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
        raise BidRefused("length_required", _("Send the part with a Content-Length."),
                         status=411)
    if length != expected:
        raise BidRefused(
            "part_size_invalid",
            _("Part %(number)s must be %(expected)s bytes, not %(length)s.")
            % {"number": number, "expected": expected, "length": length},
            field="number",
        )
    now = database_now()
    try:
        _check_open_for_bids(upload.tender, now)
    except BidRefused as refusal:
        _refuse_upload(upload, refusal, actor=acting.as_actor())
        raise
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
            _refuse_upload(upload, refusal, actor=acting.as_actor())
            raise
        body = _Prefixed(head, stream)
    # The part starts on a segment boundary (the part size is a whole number of segments).
    segments = SegmentHasher(start=(number - 1) * upload.part_size, parts_offset=parts_offset)
    storage = get_storage()
    try:
        # Relayed to S3 while it is read and hashed: the web process holds a few hundred KiB
        # of a part, never the part (nor the file).
        stored = storage.multipart_upload_stream(
            bucket=upload.bucket, key=upload.object_key, upload_id=upload.storage_upload_id,
            number=number, stream=body, length=expected, observe=segments.update,
        )
    except StreamEnded as ended:
        _forget_part(upload, number)
        raise _part_incomplete(number, ended.received, expected) from None
    except UploadNotFound:
        raise BidRefused("upload_not_open",
                         _("Upload %(upload)s was ended.") % {"upload": upload.pk},
                         status=409) from None
    except StorageError as error:
        _forget_part(upload, number)
        raise _storage_unavailable(error) from None
    digests = segments.hexdigests()
    part, _created = BidUploadPart.objects.update_or_create(
        upload=upload, number=number,
        defaults={"size": stored.size, "etag": stored.etag,
                  "sha256": segment_list_sha256(digests), "segment_sha256": digests,
                  "stored_at": database_now()},
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


def _discard_stored(upload: BidUpload) -> None:
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


def _refuse_upload(upload: BidUpload, refusal: BidRefused, *, actor: Actor) -> None:
    """End an upload whose file is refused: state `aborted`, one event, the bytes discarded."""
    with transaction.atomic():
        locked = BidUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.state != UploadState.UPLOADING:
            return
        apply_transition(
            locked, "abort", actor=actor, action="bid_upload.refused",
            arguments=(database_now(), refusal.code, refusal.message),
            changed_fields=["refusal_code", "refusal_message", "ended_at"],
            # The message may name the tender: sealed with it.
            payload={"error": refusal.code},
            sealed=_sealed(upload.tender_id, upload.bidder, message=refusal.message),
        )
    _discard_stored(upload)


def bid_upload_status(*, acting: BidderActing, upload_id: UUID) -> BidUpload:
    return _own_upload(acting, upload_id)


@dataclass(frozen=True)
class Finalised:
    bid: Bid
    receipt: Receipt
    created: bool


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
            _("The stored sealed bid's header accounts for %(size)s bytes, not the %(declared)s "
              "uploaded.") % {"size": verified.envelope.total_size, "declared": upload.size}
        )
    digests = [digest for part in parts for digest in part.segment_sha256]
    check_segments(verified.envelope, digests)
    return verified, segment_list_sha256(digests)


@dataclass(frozen=True)
class _Signers:
    """The platform's signing credential and TSA, loaded (PKCS#12, PBKDF2) before any lock."""

    credential: Any
    authority: Any

    @classmethod
    def load(cls) -> "_Signers":
        """Cached per process for a few minutes: each PKCS#12 costs 100,000 PBKDF2 rounds."""
        from signing.conf import platform_credential, platform_timestamp_authority

        key = tuple(str(getattr(settings, name, "")) for name in (
            "SIGNING_CA_DIR", "SIGNING_PLATFORM_CREDENTIAL", "SIGNING_TSA_CREDENTIAL"))
        cached = _SIGNERS_CACHE.get(key)
        if cached is not None and time.monotonic() - cached[0] < SIGNERS_CACHE_SECONDS:
            return cached[1]
        signers = cls(platform_credential(), platform_timestamp_authority())
        _SIGNERS_CACHE.clear()
        _SIGNERS_CACHE[key] = (time.monotonic(), signers)
        return signers


SIGNERS_CACHE_SECONDS = 300
_SIGNERS_CACHE: dict[tuple[str, ...], tuple[float, _Signers]] = {}


def _issue_receipt(
    bid: Bid, kind: str, document: dict[str, Any], at: dt.datetime, signers: _Signers
) -> Receipt:
    data = canonical_json(document)
    return Receipt.objects.create(
        bid=bid, kind=kind, document=data,
        signature=sign_detached(data, credential=signers.credential),
        timestamp_token=signers.authority.timestamp(data),
        issued_at=at,
    )


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def bid_finalize(
    *, acting: BidderActing, upload_id: UUID, idempotency_key: str = ""
) -> Finalised:
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
    upload = _own_upload(acting, upload_id)
    earlier = Bid.objects.filter(upload=upload).first()
    if earlier is not None:
        return _existing(earlier)
    if upload.state == UploadState.ABORTED:
        values = {"upload": upload.pk, "code": upload.refusal_code or "aborted",
                  "message": upload.refusal_message}
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
        number for number in range(1, upload.part_count + 1)
        if number not in stored or stored[number].size != upload.expected_part_size(number)
    ]
    if missing:
        shown = ", ".join(str(number) for number in missing[:20])
        if len(missing) > 20:
            shown += " …"
        raise BidRefused(
            "upload_incomplete",
            _("The upload is not complete: part(s) %(parts)s of %(count)s are missing. Send "
              "them, then finalise again.") % {"parts": shown, "count": upload.part_count},
            status=409,
        )
    actor = acting.as_actor()
    try:
        _check_open_for_bids(upload.tender, database_now())
    except BidRefused as refusal:
        _refuse_upload(upload, refusal, actor=actor)
        raise
    storage = get_storage()
    if not upload.assembled:
        try:
            storage.multipart_complete(
                bucket=upload.bucket, key=upload.object_key, upload_id=upload.storage_upload_id,
                parts=[UploadedPart(part.number, part.etag, part.size) for part in parts],
            )
        except UploadNotFound:
            pass  # assembled by a concurrent finalise; the read below finds out
        except StorageError as error:
            raise _storage_unavailable(error) from None
        BidUpload.objects.filter(pk=upload.pk).update(assembled=True)
        upload.assembled = True
    try:
        verified, file_sha256 = _verify_stored(upload, parts, database_now())
    except (EnvelopeError, SigningError) as error:
        refusal = BidRefused(getattr(error, "code", "bid_invalid"), str(error))
        _refuse_upload(upload, refusal, actor=actor)
        raise refusal from None
    except StorageError as error:
        raise _storage_unavailable(error) from None
    if verified.signature.identity.uscc != acting.organisation.uscc:
        refusal = BidRefused(
            "signer_not_bidder",
            _("The sealed bid was signed with the certificate of %(signer)s, not of the bidder "
              "%(bidder)s this session acts for.")
            % {"signer": verified.signature.identity.uscc or verified.signature.identity.name,
               "bidder": acting.organisation.uscc},
        )
        _refuse_upload(upload, refusal, actor=actor)
        raise refusal
    try:
        # Checked when part 1 arrived; checked again on what storage holds, before any receipt.
        _check_escrow_recipient(upload.tender_id, verified.header)
    except BidRefused as refusal:
        _refuse_upload(upload, refusal, actor=actor)
        raise
    try:
        return _record_bid(
            acting=acting, upload=upload, verified=verified, file_sha256=file_sha256,
            idempotency_key=idempotency_key, signers=_Signers.load(),
        )
    except BidRefused as refusal:
        if refusal.code in {"deadline_passed", "tender_not_open"}:
            _refuse_upload(upload, refusal, actor=actor)
        raise
    except IntegrityError:
        # A concurrent finalise of the same upload or idempotency key won: answer with its bid.
        earlier = Bid.objects.filter(upload=upload).first() or Bid.objects.filter(
            bidder=acting.organisation, idempotency_key=idempotency_key or None
        ).first()
        if earlier is None:
            raise
        return _existing(earlier)


@transaction.atomic
def _record_bid(
    *, acting: BidderActing, upload: BidUpload, verified: Any, file_sha256: str,
    idempotency_key: str, signers: _Signers,
) -> Finalised:
    size = upload.size  # the stored front's header accounts for exactly this (_verify_stored)
    # The deadline is enforced here, under the tender's row lock, against the database clock:
    # every finalise queues on the lock, so none slips in after the instant (办法 第27条).
    tender = Tender.objects.select_for_update().get(pk=upload.tender_id)
    received_at = database_now()
    _check_open_for_bids(tender, received_at)
    locked = BidUpload.objects.select_for_update().get(pk=upload.pk)
    earlier = Bid.objects.filter(upload=locked).first()
    if earlier is not None:
        return _existing(earlier)
    if locked.state != UploadState.UPLOADING:
        raise BidRefused("upload_not_open",
                         _("Upload %(upload)s was ended.") % {"upload": locked.pk}, status=409)
    actor = acting.as_actor()
    sealed = _sealed(tender.pk, acting.organisation)
    for previous in Bid.objects.filter(
        tender=tender, bidder=acting.organisation, state=BidState.SUBMITTED
    ):
        apply_transition(
            previous, "supersede", actor=actor, action="bid.superseded",
            payload={"by_upload": str(locked.pk)}, sealed=sealed,
        )
    locked = apply_transition(
        locked, "complete", actor=actor, action="bid_upload.completed",
        arguments=(received_at,), changed_fields=["ended_at"],
        payload={"size": size}, sealed=sealed,
    )
    # Both under the tender's row lock, so two finalises cannot take the same number.
    sequence = (tender.bids.aggregate(last=Max("sequence"))["last"] or 0) + 1
    submission_number = tender.bids.filter(bidder=acting.organisation).count() + 1
    header = verified.header
    bid = Bid.objects.create(
        tender=tender, bidder=acting.organisation, submitted_by=acting.user, upload=locked,
        sequence=sequence, submission_number=submission_number, received_at=received_at,
        size=size,
        header_sha256=hashlib.sha256(verified.envelope.header_bytes).hexdigest(),
        ciphertext_sha256=file_sha256,
        signer_certificate_sha256=verified.signature.identity.certificate_sha256,
        sealed_at=header.sealed_at, parts=[part.to_json() for part in header.parts],
        idempotency_key=idempotency_key,
    )
    document = {
        "receipt_version": RECEIPT_VERSION,
        "kind": ReceiptKind.SUBMISSION.value,
        "bid": str(bid.pk),
        "tender": str(tender.pk),
        "bidder_uscc": acting.organisation.uscc,
        "header_sha256": bid.header_sha256,
        "ciphertext_sha256": bid.ciphertext_sha256,
        "size": size,
        "received_at": _utc(received_at),
        # Not the tender-wide sequence: that would disclose how many bid before (第21条).
        "submission_number": submission_number,
    }
    receipt = _issue_receipt(bid, ReceiptKind.SUBMISSION, document, received_at, signers)
    record_event(
        actor=actor, action="bid.submitted", object_type="bids.bid", object_id=str(bid.pk),
        to_state=BidState.SUBMITTED,
        payload={key: value for key, value in document.items()
                 if key not in ("tender", "bidder_uscc")} | {"receipt": str(receipt.pk)},
        sealed=sealed,
    )
    return Finalised(bid, receipt, created=True)


def withdrawal_request(*, bid: Bid, time: str) -> dict[str, Any]:
    """The JSON a bidder signs to withdraw a bid (canonical form is what is signed)."""
    return {"action": "withdraw", "bid": str(bid.pk), "tender": str(bid.tender_id), "time": time}


def bid_withdraw(
    *, acting: BidderActing, bid_id: UUID, time: str, signature: bytes
) -> Finalised:
    """Withdraw a submitted bid before the deadline by a request signed with the bidder's
    certificate (办法 第27条); answered with a withdrawal receipt. Repeating it is a no-op."""
    from signing.conf import platform_trust_store

    bid = Bid.objects.filter(pk=bid_id, bidder=acting.organisation).first()
    if bid is None:
        raise BidRefused("bid_not_found", _("Bid %(bid)s does not exist.") % {"bid": bid_id},
                         status=404)
    request = withdrawal_request(bid=bid, time=time)
    if bid.state == BidState.WITHDRAWN and bid.withdrawal_request == request:
        return Finalised(bid, bid.receipts.get(kind=ReceiptKind.WITHDRAWAL), created=False)
    try:
        requested_at = dt.datetime.fromisoformat(time.replace("Z", "+00:00"))
        if requested_at.tzinfo is None:
            raise ValueError
    except (ValueError, AttributeError):
        raise BidRefused("time_invalid", _("time must be an ISO 8601 UTC time."),
                         field="time") from None
    now = database_now()
    if abs(now - requested_at) > withdrawal_skew():
        raise BidRefused(
            "withdrawal_request_stale",
            _("The withdrawal request is dated %(time)s, too far from platform time %(now)s: "
              "sign a fresh one.") % {"time": time, "now": now.isoformat()},
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
        raise BidRefused("signature_invalid",
                         _("The signature cannot be read: %(error)s") % {"error": error},
                         field="signature") from None
    if info.identity.uscc != acting.organisation.uscc:
        raise BidRefused(
            "signer_not_bidder",
            _("The withdrawal was signed by %(signer)s, not by the bidder %(bidder)s.")
            % {"signer": info.identity.uscc or info.identity.name,
               "bidder": acting.organisation.uscc},
            field="signature",
        )
    signers = _Signers.load()
    with transaction.atomic():
        tender = Tender.objects.select_for_update().get(pk=bid.tender_id)
        withdrawn_at = database_now()
        _check_open_for_bids(tender, withdrawn_at)
        locked = Bid.objects.select_for_update().get(pk=bid.pk)
        if locked.state != BidState.SUBMITTED:
            raise BidRefused(
                "bid_not_submitted",
                _("Bid %(bid)s is %(state)s: only a submitted bid can be withdrawn.")
                % {"bid": bid.pk, "state": locked.state},
                status=409,
            )
        locked = apply_transition(
            locked, "withdraw", actor=acting.as_actor(), action="bid.withdrawn",
            arguments=(withdrawn_at, request, signature),
            changed_fields=["withdrawn_at", "withdrawal_request", "withdrawal_signature"],
            # The signed request names the tender: sealed with it.
            sealed=_sealed(tender.pk, acting.organisation, request=request),
        )
        document = {
            "receipt_version": RECEIPT_VERSION,
            "kind": ReceiptKind.WITHDRAWAL.value,
            "bid": str(bid.pk),
            "tender": str(tender.pk),
            "bidder_uscc": acting.organisation.uscc,
            "submission_number": bid.submission_number,
            "ciphertext_sha256": bid.ciphertext_sha256,
            "request_sha256": hashlib.sha256(canonical_json(request)).hexdigest(),
            "withdrawn_at": _utc(withdrawn_at),
        }
        receipt = _issue_receipt(locked, ReceiptKind.WITHDRAWAL, document, withdrawn_at,
                                 signers)
    return Finalised(locked, receipt, created=True)


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
                upload, "abort", actor=PLATFORM, action="bid_upload.expired",
                arguments=(database_now(), "upload_expired",
                           _("Not finalised within %(age)s.") % {"age": age}),
                changed_fields=["refusal_code", "refusal_message", "ended_at"],
                payload={"created_at": _utc(upload.created_at)},
                sealed=_sealed(upload.tender_id, upload.bidder),
            )
        _discard_stored(upload)
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
