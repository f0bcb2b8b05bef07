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
from trading.models import Objection, Tender


class UploadState(models.TextChoices):
    UPLOADING = "uploading", _("Uploading")
    COMPLETE = "complete", _("Complete")
    ABORTED = "aborted", _("Aborted")


class BidUpload(ConcurrentTransitionMixin, models.Model):
    """A sealed file on its way up: an S3 multipart upload fed one part per request.

    A hash state cannot be carried between requests served by different processes, so each
    part is hashed on its own, in the 1 MiB segments the sealed file's signed header lists
    (signing.envelope.segments); finalising compares the two lists and never reads the file
    back. The part size is a multiple of the segment size.
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
        _("state"),
        max_length=20,
        choices=UploadState.choices,
        default=UploadState.UPLOADING,
        protected=True,
        db_index=True,
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
    # SHA-256 of the part's segment digests (signing.envelope.segments.segment_list_sha256).
    sha256 = models.CharField(max_length=64)
    # The SHA-256 (hex) of each segment of the parts region the part holds, found as relayed.
    segment_sha256 = models.JSONField(default=list)
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
    DECRYPTED = "decrypted", _("Decrypted")
    DECRYPT_FAILED = "decrypt_failed", _("Decryption failed")


class Bid(ConcurrentTransitionMixin, models.Model):
    """A verified sealed bid of one bidder for one tender. `state` moves only by services."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="bids")
    bidder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bids")
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="bids")
    upload = models.OneToOneField(BidUpload, on_delete=models.PROTECT, related_name="bid")
    state = FSMField(
        _("state"),
        max_length=20,
        choices=BidState.choices,
        default=BidState.SUBMITTED,
        protected=True,
        db_index=True,
    )
    # Per tender, in the order bids were received (under the tender's row lock). Shown only from
    # the opening: before the deadline it would tell a bidder how many bid before it, which
    # 办法 第21条 forbids disclosing.
    sequence = models.PositiveIntegerField(_("sequence number"))
    # This bidder's n-th bid on this tender (a replacement counts): what its receipts and its
    # own pages show, telling nothing of the other bidders.
    submission_number = models.PositiveIntegerField(_("submission number"), default=1)
    received_at = models.DateTimeField(_("received at"))
    size = models.BigIntegerField(_("size"))
    header_sha256 = models.CharField(_("header SHA-256"), max_length=64)
    # SHA-256 of the segment digests of the parts region: one digest of all the ciphertext.
    ciphertext_sha256 = models.CharField(_("ciphertext digest"), max_length=64)
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
                fields=["tender", "bidder", "submission_number"],
                name="bid_submission_number_unique",
            ),
            models.UniqueConstraint(
                fields=["bidder", "idempotency_key"],
                name="bid_idempotency_key_unique",
                condition=~models.Q(idempotency_key=""),
            ),
            # At most one live bid per bidder and tender: a new one supersedes the old.
            models.UniqueConstraint(
                fields=["tender", "bidder"],
                name="bid_one_submitted_per_bidder",
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

    @transition(field=state, source=BidState.SUBMITTED, target=BidState.DECRYPTED)
    def mark_decrypted(self) -> None:
        pass

    @transition(field=state, source=BidState.SUBMITTED, target=BidState.DECRYPT_FAILED)
    def mark_decrypt_failed(self) -> None:
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


class OpeningState(models.TextChoices):
    SIGN_IN = "sign_in", _("Signing in")
    DECRYPTING = "decrypting", _("Decrypting")
    READING = "reading", _("Price reading")
    FINALISED = "finalised", _("Record finalised")


class OpeningOutcome(models.TextChoices):
    OPENED = "opened", _("Opened")
    FAILED = "failed", _("Failed: too few valid bids")


class OpeningSession(ConcurrentTransitionMixin, models.Model):
    """The remote opening hall of one tender (不见面开标, 办法 第29–31条).

    sign_in → decrypting (the host announces the ceiling price and opens the decryption
    window) → reading (every bid decrypted, or the window over: the record's lines are read
    out and each bidder confirms or objects) → finalised (signed, timestamped, published).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="opening")
    state = FSMField(
        _("state"),
        max_length=20,
        choices=OpeningState.choices,
        default=OpeningState.SIGN_IN,
        protected=True,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created at"))
    host = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("host"),
    )
    ceiling_price_announced_fen = models.BigIntegerField(null=True, blank=True)
    decryption_started_at = models.DateTimeField(_("decryption started"), null=True, blank=True)
    decryption_ends_at = models.DateTimeField(
        _("decryption window ends"), null=True, blank=True, db_index=True
    )
    reading_started_at = models.DateTimeField(_("price reading started"), null=True, blank=True)
    confirmation_ends_at = models.DateTimeField(_("confirmations due"), null=True, blank=True)
    # The lines read out (唱标), fixed when reading starts: [{bid, bidder, uscc, price …}].
    lines = models.JSONField(_("record lines"), default=list, blank=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=OpeningOutcome.choices, blank=True)
    # The opening record: canonical JSON, the platform's CMS signature, an RFC 3161 token.
    record_document = models.BinaryField(blank=True, default=b"")
    record_signature = models.BinaryField(blank=True, default=b"")
    record_timestamp_token = models.BinaryField(blank=True, default=b"")
    escrow_round = models.PositiveIntegerField(default=1)
    # Set while the tender is suspended during decryption: the window is extended on resumption.
    window_paused_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("opening session")
        verbose_name_plural = _("opening sessions")

    def __str__(self) -> str:
        return f"opening of {self.tender_id} ({self.state})"

    @transition(field=state, source=OpeningState.SIGN_IN, target=OpeningState.DECRYPTING)
    def start_decryption(
        self, host: User, ceiling_price_fen: int, started_at: datetime, ends_at: datetime
    ) -> None:
        self.host = host
        self.ceiling_price_announced_fen = ceiling_price_fen
        self.decryption_started_at = started_at
        self.decryption_ends_at = ends_at

    @transition(field=state, source=OpeningState.DECRYPTING, target=OpeningState.READING)
    def start_reading(
        self, started_at: datetime, confirmation_ends_at: datetime, lines: list
    ) -> None:
        self.reading_started_at = started_at
        self.confirmation_ends_at = confirmation_ends_at
        self.lines = lines

    @transition(field=state, source=OpeningState.READING, target=OpeningState.FINALISED)
    def finalise(
        self, finalised_at: datetime, outcome: str, document: bytes, signature: bytes, token: bytes
    ) -> None:
        self.finalised_at = finalised_at
        self.outcome = outcome
        self.record_document = document
        self.record_signature = signature
        self.record_timestamp_token = token


class OpeningSignIn(models.Model):
    """A bidder's presence in the hall (签到), made with its organisation certificate."""

    session = models.ForeignKey(OpeningSession, on_delete=models.CASCADE, related_name="sign_ins")
    bidder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    certificate_sha256 = models.CharField(max_length=64)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    signed_in_at = models.DateTimeField(_("signed in at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "bidder"], name="opening_sign_in_once"),
        ]

    def __str__(self) -> str:
        return f"{self.bidder} signed in to {self.session_id}"


class DecryptionState(models.TextChoices):
    WAITING = "waiting", _("Waiting for the key")
    DECRYPTING = "decrypting", _("Decrypting")
    DECRYPTED = "decrypted", _("Decrypted")
    FAILED = "failed", _("Failed")


class DecryptionFault(models.TextChoices):
    # 办法 第31条: through the bidder's fault → treated as revoked (视为撤销); otherwise →
    # treated as withdrawn (视为撤回).
    BIDDER = "bidder", _("The bidder's fault: treated as revoked")
    OTHER = "other", _("Not the bidder's fault: treated as withdrawn")


class BidDecryption(ConcurrentTransitionMixin, models.Model):
    """The decryption of one bid at the opening: waiting → decrypting → decrypted | failed.

    The data key, however it arrived (the bidder's own unwrapping, or escrow recovery), is
    stored only wrapped under the platform evaluation key (`signing.conf`), never in clear.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(
        OpeningSession, on_delete=models.CASCADE, related_name="decryptions"
    )
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="decryption")
    state = FSMField(
        _("state"),
        max_length=20,
        choices=DecryptionState.choices,
        default=DecryptionState.WAITING,
        protected=True,
        db_index=True,
    )
    key_source = models.CharField(max_length=20, blank=True)  # "bidder" | "escrow"
    wrapped_data_key = models.BinaryField(blank=True, default=b"")
    wrap_method = models.CharField(max_length=60, blank=True)
    evaluation_key_id = models.CharField(max_length=64, blank=True)
    wrong_key_attempts = models.PositiveSmallIntegerField(default=0)
    last_refusal = models.TextField(blank=True)
    escrow_requested_at = models.DateTimeField(null=True, blank=True)
    escrow_request_reason = models.TextField(blank=True)
    key_received_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the manifest part whose signature was verified when the key was accepted: the
    # worker decrypts the same manifest and need not verify its signature again.
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    # The worker's claim on the job: another run takes over only once it has lapsed.
    lease_until = models.DateTimeField(null=True, blank=True, db_index=True)
    job_runs = models.PositiveIntegerField(default=0)
    bytes_done = models.BigIntegerField(default=0)
    bytes_total = models.BigIntegerField(default=0)
    decrypted_at = models.DateTimeField(null=True, blank=True)
    price_sheet = models.JSONField(default=dict, blank=True)
    # What the signed manifest declares: files (name, size, sha256), tool, device fingerprint.
    manifest_summary = models.JSONField(default=dict, blank=True)
    failure_code = models.CharField(max_length=60, blank=True)
    failure_reason = models.TextField(blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    fault = models.CharField(max_length=10, choices=DecryptionFault.choices, blank=True)
    fault_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("bid decryption")
        verbose_name_plural = _("bid decryptions")

    def __str__(self) -> str:
        return f"decryption of {self.bid_id} ({self.state})"

    @transition(field=state, source=DecryptionState.WAITING, target=DecryptionState.DECRYPTING)
    def accept_key(
        self,
        key_source: str,
        wrapped: bytes,
        method: str,
        key_id: str,
        received_at: datetime,
        manifest_sha256: str,
    ) -> None:
        self.key_source = key_source
        self.manifest_sha256 = manifest_sha256
        self.wrapped_data_key = wrapped
        self.wrap_method = method
        self.evaluation_key_id = key_id
        self.key_received_at = received_at

    @transition(field=state, source=DecryptionState.DECRYPTING, target=DecryptionState.DECRYPTED)
    def succeed(self, decrypted_at: datetime, price_sheet: dict, summary: dict) -> None:
        self.decrypted_at = decrypted_at
        self.price_sheet = price_sheet
        self.manifest_summary = summary
        self.bytes_done = self.bytes_total  # header and manifest were checked too: all of it
        self.lease_until = None

    @transition(
        field=state,
        source=[DecryptionState.WAITING, DecryptionState.DECRYPTING],
        target=DecryptionState.FAILED,
    )
    def fail(self, code: str, reason: str, evidence: dict) -> None:
        self.failure_code = code
        self.failure_reason = reason
        self.evidence = evidence
        self.lease_until = None


class EscrowShareSubmission(models.Model):
    """A committee member's decrypted escrow share, kept wrapped under the platform evaluation
    key until the round's recovery consumes it (then deleted; the event log keeps its digest)."""

    session = models.ForeignKey(
        OpeningSession, on_delete=models.CASCADE, related_name="escrow_shares"
    )
    round = models.PositiveIntegerField()
    member = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    member_number = models.PositiveSmallIntegerField()
    wrap_method = models.CharField(max_length=60)
    wrapped_share = models.BinaryField()
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "round", "member_number"], name="escrow_share_once_per_round"
            ),
        ]

    def __str__(self) -> str:
        return f"share {self.member_number} of round {self.round} ({self.session_id})"


class OpeningConfirmation(models.Model):
    """A bidder confirms its line of the opening record (确认开标记录)."""

    session = models.ForeignKey(
        OpeningSession, on_delete=models.CASCADE, related_name="confirmations"
    )
    bidder = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "bidder"], name="opening_confirm_once"),
        ]

    def __str__(self) -> str:
        return f"{self.bidder} confirmed {self.session_id}"


class OpeningObjection(Objection):
    """An objection raised in the hall (开标异议, 条例 第44条), answered there by the host."""

    session = models.ForeignKey(OpeningSession, on_delete=models.CASCADE, related_name="objections")

    class Meta(Objection.Meta):
        verbose_name = _("opening objection")
        verbose_name_plural = _("opening objections")

    def __str__(self) -> str:
        return f"objection of {self.organisation_id} in {self.session_id}"
