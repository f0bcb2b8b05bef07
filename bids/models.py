"""Sealed bid submission: uploads, bids and receipts (DESIGN §5, 办法 第26–27条).

An upload is the transport (resumable, part by part, into object storage); a bid exists only
once an upload has been finalised and verified. The platform holds ciphertext only.
"""

import uuid
from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import Organisation, User
from trading.models import Tender


class UploadState(models.TextChoices):
    UPLOADING = "uploading", _("Uploading")
    COMPLETE = "complete", _("Complete")
    ABORTED = "aborted", _("Aborted")


class BidUpload(ConcurrentTransitionMixin, models.Model):
    """A sealed file on its way up: an S3 multipart upload fed one part per request.

    No running digest is kept: finalising streams the stored object back through the keyless
    check (`verify_sealed_bid`), which hashes what storage actually holds — the only bytes that
    count — and a hash state cannot be carried between requests served by different processes.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="bid_uploads")
    bidder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bid_uploads")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="bid_uploads")
    certificate_sha256 = models.CharField(_("login certificate SHA-256"), max_length=64)
    size = models.BigIntegerField(_("declared size"))
    part_size = models.PositiveIntegerField(_("part size"))
    bucket = models.CharField(max_length=63)
    object_key = models.CharField(max_length=200, unique=True)
    storage_upload_id = models.CharField(_("S3 upload id"), max_length=300)
    state = FSMField(
        _("state"), max_length=20, choices=UploadState.choices, default=UploadState.UPLOADING,
        protected=True, db_index=True,
    )
    assembled = models.BooleanField(_("parts assembled into the object"), default=False)
    refusal_code = models.CharField(max_length=60, blank=True)
    refusal_message = models.TextField(blank=True)
    # Evidence for supervisors (办法 第14条): where the upload came from.
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    device_fingerprint = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bid upload")
        verbose_name_plural = _("bid uploads")

    def __str__(self) -> str:
        return f"upload {self.pk} ({self.state})"

    @property
    def part_count(self) -> int:
        return max(1, -(-self.size // self.part_size))

    def expected_part_size(self, number: int) -> int:
        if number < self.part_count:
            return self.part_size
        return self.size - self.part_size * (self.part_count - 1)

    @transition(field=state, source=UploadState.UPLOADING, target=UploadState.COMPLETE)
    def complete(self, ended_at: datetime) -> None:
        self.ended_at = ended_at

    @transition(field=state, source=UploadState.UPLOADING, target=UploadState.ABORTED)
    def abort(self, ended_at: datetime, code: str, message: str) -> None:
        self.ended_at = ended_at
        self.refusal_code = code
        self.refusal_message = message


class BidUploadPart(models.Model):
    """One stored part of an upload, written after object storage has acknowledged it."""

    upload = models.ForeignKey(BidUpload, on_delete=models.CASCADE, related_name="parts")
    number = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    etag = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    stored_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["upload", "number"], name="bid_upload_part_unique"),
        ]
        ordering = ["number"]

    def __str__(self) -> str:
        return f"part {self.number} of {self.upload_id}"


class BidState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUPERSEDED = "superseded", _("Superseded")


class Bid(ConcurrentTransitionMixin, models.Model):
    """A verified sealed bid of one bidder for one tender. `state` moves only by services."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="bids")
    bidder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bids")
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="bids")
    upload = models.OneToOneField(BidUpload, on_delete=models.PROTECT, related_name="bid")
    state = FSMField(
        _("state"), max_length=20, choices=BidState.choices, default=BidState.SUBMITTED,
        protected=True, db_index=True,
    )
    # Per tender, in the order bids were received (under the tender's row lock).
    sequence = models.PositiveIntegerField(_("sequence number"))
    received_at = models.DateTimeField(_("received at"))
    size = models.BigIntegerField(_("size"))
    header_sha256 = models.CharField(_("header SHA-256"), max_length=64)
    ciphertext_sha256 = models.CharField(_("sealed file SHA-256"), max_length=64)
    signer_certificate_sha256 = models.CharField(max_length=64)
    sealed_at = models.CharField(max_length=40)
    # The header's list of parts (index, kind, size, sha256): no plaintext, no names.
    parts = models.JSONField(default=list)
    idempotency_key = models.CharField(max_length=100, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_request = models.JSONField(default=dict, blank=True)
    withdrawal_signature = models.BinaryField(blank=True, default=b"")

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [
            models.UniqueConstraint(fields=["tender", "sequence"], name="bid_sequence_unique"),
            models.UniqueConstraint(
                fields=["bidder", "idempotency_key"], name="bid_idempotency_key_unique",
                condition=~models.Q(idempotency_key=""),
            ),
            # At most one live bid per bidder and tender: a new one supersedes the old.
            models.UniqueConstraint(
                fields=["tender", "bidder"], name="bid_one_submitted_per_bidder",
                condition=models.Q(state="submitted"),
            ),
        ]

    def __str__(self) -> str:
        return f"bid {self.sequence} on {self.tender_id} ({self.state})"

    @transition(field=state, source=BidState.SUBMITTED, target=BidState.WITHDRAWN)
    def withdraw(self, withdrawn_at: datetime, request: dict, signature: bytes) -> None:
        self.withdrawn_at = withdrawn_at
        self.withdrawal_request = request
        self.withdrawal_signature = signature

    @transition(field=state, source=BidState.SUBMITTED, target=BidState.SUPERSEDED)
    def supersede(self) -> None:
        pass


class ReceiptKind(models.TextChoices):
    SUBMISSION = "submission", _("Submission")
    WITHDRAWAL = "withdrawal", _("Withdrawal")


class Receipt(models.Model):
    """回执: canonical JSON signed by the platform (CMS) with an RFC 3161 token over it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="receipts")
    kind = models.CharField(max_length=20, choices=ReceiptKind.choices)
    document = models.BinaryField(_("canonical JSON"))
    signature = models.BinaryField(_("platform CMS signature"))
    timestamp_token = models.BinaryField(_("RFC 3161 token"))
    issued_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bid", "kind"], name="receipt_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} receipt of {self.bid_id}"
