"""Projects and tenders (one lot each), and the tender's lifecycle (DESIGN §4)."""

import uuid
from datetime import datetime

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from accounts.models import Organisation
from trading.law.rules import Regime


class Category(models.TextChoices):
    WORKS = "works", _("Works")
    GOODS = "goods", _("Goods")
    SERVICES = "services", _("Services")


class Method(models.TextChoices):
    OPEN = "open", _("Open tendering")
    INVITED = "invited", _("Invited tendering")


class EvaluationMethod(models.TextChoices):
    COMPREHENSIVE_SCORING = "comprehensive_scoring", _("Comprehensive scoring")
    LOWEST_EVALUATED_PRICE = "lowest_evaluated_price", _("Lowest evaluated price")


class Project(models.Model):
    """A project (项目) of a tenderee, tendered in one or more lots."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("project code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    tenderee = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="projects_as_tenderee"
    )
    agent = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects_as_agent",
    )
    regime = models.CharField(_("regime"), max_length=30, choices=Regime.choices)
    region = models.CharField(
        _("region code"), max_length=6, help_text=_("administrative division code")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def _yuan(fen: int) -> str:
    yuan, cents = divmod(fen, 100)
    return f"{yuan:,}.{cents:02d}"


class TenderState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    BIDDING_CLOSED = "bidding_closed", _("Bidding closed")
    OPENING = "opening", _("Opening")
    OPENED = "opened", _("Opened")
    EVALUATING = "evaluating", _("Evaluating")
    PUBLICIZING = "publicizing", _("Candidates publicized")
    AWARDED = "awarded", _("Awarded")
    CONTRACTED = "contracted", _("Contracted")
    ARCHIVED = "archived", _("Archived")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    SUSPENDED = "suspended", _("Suspended")


# A supervisor may suspend a tender in any of these, and resume it to where it was.
SUSPENDABLE = [
    TenderState.PUBLISHED,
    TenderState.BIDDING_CLOSED,
    TenderState.OPENING,
    TenderState.OPENED,
    TenderState.EVALUATING,
    TenderState.PUBLICIZING,
    TenderState.AWARDED,
]
# The tenderee may terminate (终止招标, 招标投标法实施条例 第三十一条) until it chooses the winner:
# once the award notice is issued the result binds both sides (招标投标法 第四十五条), so an
# awarded, contracted, failed, archived or cancelled tender cannot be cancelled, nor a tender
# suspended from one of those states.
CANCELLABLE_ACTIVE = [
    TenderState.PUBLISHED,
    TenderState.BIDDING_CLOSED,
    TenderState.OPENING,
    TenderState.OPENED,
    TenderState.EVALUATING,
    TenderState.PUBLICIZING,
]
CANCELLABLE = [TenderState.DRAFT, *CANCELLABLE_ACTIVE, TenderState.SUSPENDED]


def suspended_before_award(tender: "Tender") -> bool:
    """A condition of `cancel`: a suspended tender may be cancelled only if it was suspended in
    a state that may be (a supervisor may suspend an awarded one)."""
    return (
        tender.state != TenderState.SUSPENDED
        or tender.state_before_suspension in CANCELLABLE_ACTIVE
    )


class Tender(ConcurrentTransitionMixin, models.Model):
    """One lot (标段) of a project, from draft to archive. `state` moves only by services."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tenders")
    lot_number = models.PositiveSmallIntegerField(_("lot number"), default=1)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    ceiling_price_fen = models.BigIntegerField(_("ceiling price (fen)"))
    bid_security_fen = models.BigIntegerField(_("bid security (fen)"), default=0)
    # 估算价 (works) or 预算金额 (government procurement): the base of the bid security's ceiling
    # (招标投标法实施条例 第二十六条, 政府采购法实施条例 第三十三条); required to publish.
    estimated_price_fen = models.BigIntegerField(
        _("estimated price or budget (fen)"), null=True, blank=True
    )

    # Schedule (aware datetimes; the bid deadline is also the opening time, 法 第34条).
    documents_from = models.DateTimeField(_("documents available from"), null=True, blank=True)
    documents_until = models.DateTimeField(_("documents available until"), null=True, blank=True)
    clarification_cutoff = models.DateTimeField(_("clarification cut-off"), null=True, blank=True)
    bid_deadline = models.DateTimeField(_("bid deadline"), null=True, blank=True, db_index=True)
    decryption_window_minutes = models.PositiveIntegerField(
        _("decryption window (minutes)"), default=60
    )
    sign_in_opens_minutes_before = models.PositiveIntegerField(
        _("sign-in opens (minutes before the opening)"), default=30
    )

    evaluation_method = models.CharField(
        _("evaluation method"), max_length=30, choices=EvaluationMethod.choices
    )
    # {"criteria": [{"name", "weight", "minimum", "maximum"}], "price": {"formula", …}}
    scoring_scheme = models.JSONField(_("scoring scheme"), default=dict, blank=True)
    qualification_requirements = models.TextField(_("qualification requirements"), blank=True)
    required_files = models.JSONField(_("files a bid must contain"), default=list, blank=True)
    minimum_valid_bids = models.PositiveSmallIntegerField(_("minimum valid bids"), default=3)
    # {"members": [user ids], "threshold": k}, or {} when the tender has no opening committee.
    opening_committee = models.JSONField(_("opening committee"), default=dict, blank=True)

    state = FSMField(
        _("state"),
        max_length=20,
        choices=TenderState.choices,
        default=TenderState.DRAFT,
        protected=True,
        db_index=True,
    )
    state_before_suspension = models.CharField(max_length=20, blank=True)
    # Who suspended it: "supervisor", or "objection" (条例 第二十二条, lifted by the answers).
    suspension_cause = models.CharField(max_length=20, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The title and the project's name, normalised, and their characters and character pairs,
    # as the portal's search reads them (trading/search.py): written by a database trigger on every
    # insert and on every change of the title or the project's name (migration 0008), so that
    # no writer, bulk insert or factory can leave them stale.
    search_text = models.TextField(editable=False, blank=True, default="")
    search_grams = ArrayField(models.TextField(), editable=False, blank=True, default=list)

    class Meta:
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        indexes = [
            # The portal's search, for words of any length (trading/search.py).
            GinIndex(fields=["search_grams"], name="tender_search_grams"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["project", "lot_number"], name="tender_lot_unique"),
            models.CheckConstraint(
                condition=models.Q(ceiling_price_fen__gt=0), name="tender_ceiling_price_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(bid_security_fen__gte=0), name="tender_bid_security_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(estimated_price_fen__isnull=True)
                | models.Q(estimated_price_fen__gt=0),
                name="tender_estimated_price_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def two_envelopes(self) -> bool:
        """双信封: the documents ask for the price in a second envelope, read in public only
        once the panel has signed the technical result, and only for the bids that passed it
        (scoring_scheme["two_envelopes"]; docs/opening.md, "Two envelopes")."""
        scheme = self.scoring_scheme if isinstance(self.scoring_scheme, dict) else {}
        return bool(scheme.get("two_envelopes"))

    @property
    def ceiling_price_yuan(self) -> str:
        """The ceiling price in yuan with two decimals, from integer fen (no float rounding)."""
        return _yuan(self.ceiling_price_fen)

    @property
    def estimated_price_yuan(self) -> str:
        return "" if self.estimated_price_fen is None else _yuan(self.estimated_price_fen)

    @property
    def bid_security_yuan(self) -> str:
        return _yuan(self.bid_security_fen)

    # Transitions change memory only; monitoring.transitions.apply_transition locks, checks,
    # saves and logs them.

    @transition(field=state, source=TenderState.DRAFT, target=TenderState.PUBLISHED)
    def publish(self, published_at: datetime) -> None:
        self.published_at = published_at

    @transition(field=state, source=TenderState.PUBLISHED, target=TenderState.BIDDING_CLOSED)
    def close_bidding(self) -> None:
        pass

    @transition(field=state, source=TenderState.BIDDING_CLOSED, target=TenderState.OPENING)
    def start_opening(self) -> None:
        pass

    @transition(field=state, source=TenderState.OPENING, target=TenderState.OPENED)
    def finish_opening(self) -> None:
        pass

    @transition(
        field=state,
        source=[
            TenderState.BIDDING_CLOSED,
            TenderState.OPENING,
            TenderState.OPENED,
            TenderState.EVALUATING,
        ],
        target=TenderState.FAILED,
    )
    def fail(self) -> None:
        pass

    @transition(field=state, source=TenderState.OPENED, target=TenderState.EVALUATING)
    def start_evaluation(self) -> None:
        pass

    @transition(field=state, source=TenderState.EVALUATING, target=TenderState.PUBLICIZING)
    def publicize_candidates(self) -> None:
        pass

    @transition(field=state, source=TenderState.PUBLICIZING, target=TenderState.AWARDED)
    def award(self) -> None:
        pass

    @transition(field=state, source=TenderState.AWARDED, target=TenderState.CONTRACTED)
    def register_contract(self) -> None:
        pass

    @transition(
        field=state,
        source=[TenderState.CONTRACTED, TenderState.FAILED, TenderState.CANCELLED],
        target=TenderState.ARCHIVED,
    )
    def archive(self) -> None:
        pass

    @transition(
        field=state,
        source=CANCELLABLE,
        target=TenderState.CANCELLED,
        conditions=[suspended_before_award],
    )
    def cancel(self) -> None:
        self.state_before_suspension = ""

    @transition(field=state, source=SUSPENDABLE, target=TenderState.SUSPENDED)
    def suspend(self, cause: str) -> None:
        self.state_before_suspension, self.suspension_cause = self.state, cause

    @transition(field=state, source=TenderState.SUSPENDED, target=RETURN_VALUE(*SUSPENDABLE))
    def resume(self) -> str:
        previous, self.state_before_suspension = self.state_before_suspension, ""
        self.suspension_cause = ""
        return previous


class NoticeKind(models.TextChoices):
    TENDER_NOTICE = "tender_notice", _("Tender notice")
    AMENDMENT = "amendment", _("Amendment")
    FAILED_TENDER = "failed_tender", _("Failed-tender notice")
    OPENING_RECORD = "opening_record", _("Opening record")
    PRICE_OPENING = "price_opening", _("Price envelopes opened")
    CANDIDATE_PUBLICITY = "candidate_publicity", _("Candidate publicity")
    AWARD_ANNOUNCEMENT = "award_announcement", _("Award announcement")
    TERMINATION = "termination", _("Termination notice")


class Notice(models.Model):
    """A public notice of a tender: signed by the platform, timestamped, an OCDS release.

    `sequence` orders the public feed. It is assigned under a lock held until commit (see
    NoticeSequence), so notices become visible in sequence order and a reader paging by
    sequence never skips one written concurrently.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sequence = models.BigIntegerField(_("sequence"), unique=True)
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("kind"), max_length=30, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.JSONField(_("content"), default=dict)
    published_at = models.DateTimeField(_("published at"))
    # The OCDS 1.1 release, exactly as signed: the canonical JSON of `release` is what the
    # platform's CMS signature and the RFC 3161 token cover.
    release = models.JSONField(_("OCDS release"))
    release_sha256 = models.CharField(_("release SHA-256"), max_length=64)
    platform_signature = models.BinaryField(_("platform signature"))
    timestamp_token = models.BinaryField(_("timestamp token"))

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["sequence"]

    def __str__(self) -> str:
        return self.title


class NoticeSequence(models.Model):
    """The single row locked while a notice is numbered; holds the last sequence given."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("notice sequence")
        verbose_name_plural = _("notice sequence")

    def __str__(self) -> str:
        return f"notices up to {self.last_sequence}"


class DocumentKind(models.TextChoices):
    TENDER_DOCUMENTS = "tender_documents", _("Tender documents")
    CLARIFICATION = "clarification", _("Clarification")
    AMENDMENT = "amendment", _("Amendment")


class TenderDocument(models.Model):
    """A file of the tender documents (or a clarification, an amendment) in object storage.

    The tenderee signs a statement of the file (tender, name, size, SHA-256) with its
    certificate; the server checks the statement against the bytes it stored.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    name = models.CharField(_("file name"), max_length=200)
    size = models.BigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    object_key = models.CharField(max_length=200, unique=True)
    statement_signature = models.BinaryField(_("signature of the statement"))
    signer_certificate_sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("tender document")
        verbose_name_plural = _("tender documents")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.name


class DocumentDownload(models.Model):
    """A bidder obtaining the tender documents. Secret until the deadline (办法 第21条)."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="downloads")
    document = models.ForeignKey(TenderDocument, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    downloaded_at = models.DateTimeField(_("downloaded at"))
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("document download")
        verbose_name_plural = _("document downloads")
        indexes = [models.Index(fields=["tender", "organisation"])]

    def __str__(self) -> str:
        return f"{self.organisation} ← {self.document}"


class BidderNotification(models.Model):
    """A notice sent to a bidder that obtained the tender documents (a clarification, an
    amendment, a termination): 招标投标法 第二十三条 requires each of them to be told."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="notifications")
    created_at = models.DateTimeField(_("sent at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bidder notification")
        verbose_name_plural = _("bidder notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "notice"], name="bidder_notification_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notice} → {self.organisation}"


class ObjectionState(models.TextChoices):
    RAISED = "raised", _("Raised")
    ANSWERED = "answered", _("Answered")


class Objection(ConcurrentTransitionMixin, models.Model):
    """An objection (异议) by a bidder, answered by the tenderee: raised → answered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("objection"))
    raised_at = models.DateTimeField(_("raised at"))
    answer_due = models.DateTimeField(_("answer due"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    state = FSMField(
        _("state"),
        max_length=20,
        choices=ObjectionState.choices,
        default=ObjectionState.RAISED,
        protected=True,
    )

    class Meta:
        abstract = True
        ordering = ["raised_at"]

    @transition(field=state, source=ObjectionState.RAISED, target=ObjectionState.ANSWERED)
    def record_answer(self, answer: str, answered_at: datetime) -> None:
        self.answer, self.answered_at = answer, answered_at


class DocumentObjection(Objection):
    """An objection to the tender documents (招标投标法实施条例 第二十二条)."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="objections")

    class Meta(Objection.Meta):
        verbose_name = _("objection to the tender documents")
        verbose_name_plural = _("objections to the tender documents")

    def __str__(self) -> str:
        return f"{self.organisation} on {self.tender}"


# --- After evaluation: candidates, their publicity and objections, award, contract, archive ---


class CandidatePublicity(models.Model):
    """The publicity of the evaluation report's candidates (中标候选人公示, 条例 第五十四条).

    `bidders` are every bidder the report names (candidates or not): they may object during
    the publicity and receive the award or the result notice.
    """

    tender = models.OneToOneField(
        Tender, on_delete=models.PROTECT, primary_key=True, related_name="candidate_publicity"
    )
    report_at = models.DateTimeField(_("evaluation report received at"))
    published_at = models.DateTimeField(_("published at"))
    ends_at = models.DateTimeField(_("publicity ends at"))
    # 条例 第五十五条: a state-funded (国有资金占控股或者主导地位) project awards the first-ranked.
    state_funded = models.BooleanField(_("state-funded project"), default=True)
    notice = models.OneToOneField(Notice, on_delete=models.PROTECT, related_name="+")
    bidders = models.ManyToManyField(Organisation, related_name="+")
    published_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("candidate publicity")
        verbose_name_plural = _("candidate publicities")

    def __str__(self) -> str:
        return f"publicity of {self.tender_id} until {self.ends_at:%Y-%m-%d %H:%M}"


class Candidate(models.Model):
    """A ranked winning candidate (中标候选人) of the evaluation report (条例 第五十三条)."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="candidates")
    rank = models.PositiveSmallIntegerField(_("rank"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    price_fen = models.BigIntegerField(_("bid price (fen)"))

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["tender", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "rank"], name="candidate_rank_unique"),
            models.UniqueConstraint(
                fields=["tender", "organisation"], name="candidate_organisation_unique"
            ),
            models.CheckConstraint(condition=models.Q(rank__gte=1), name="candidate_rank_positive"),
            models.CheckConstraint(
                condition=models.Q(price_fen__gt=0), name="candidate_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.organisation}"


class CandidateObjection(Objection):
    """A bidder's objection (异议) to the evaluation result during the candidate publicity
    (招标投标法实施条例 第五十四条): answered within 3 days, the procedure suspended until then."""

    tender = models.ForeignKey(
        Tender, on_delete=models.PROTECT, related_name="candidate_objections"
    )

    class Meta(Objection.Meta):
        verbose_name = _("objection to the evaluation result")
        verbose_name_plural = _("objections to the evaluation result")

    def __str__(self) -> str:
        return f"{self.organisation} on the candidates of {self.tender}"


class Award(models.Model):
    """The tenderee's choice of the winner (确定中标人) and the award announcement."""

    tender = models.OneToOneField(
        Tender, on_delete=models.PROTECT, primary_key=True, related_name="award_decision"
    )
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="+")
    winner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    price_fen = models.BigIntegerField(_("awarded price (fen)"))
    # Why a candidate other than the first-ranked won (条例 第五十五条), else empty.
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))
    announcement = models.OneToOneField(Notice, on_delete=models.PROTECT, related_name="+")
    award_notice_at = models.DateTimeField(_("award notice issued at"))
    contract_due = models.DateTimeField(_("contract due"))
    # Set once by the chronograph when the contract is overdue (招标投标法 第四十六条).
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return f"{self.tender_id} → {self.winner}"


class AwardLetterKind(models.TextChoices):
    AWARD_NOTICE = "award_notice", _("Award notice (中标通知书)")
    RESULT_NOTICE = "result_notice", _("Result notice (中标结果通知书)")


class AwardLetter(models.Model):
    """The award notice to the winner, or the result notice to another bidder (招标投标法
    第四十五条): a document signed by the platform and timestamped, like a notice.

    The canonical JSON of `content` is what `platform_signature` and `timestamp_token` cover.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="award_letters")
    kind = models.CharField(_("kind"), max_length=20, choices=AwardLetterKind.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    content = models.JSONField(_("content"))
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64)
    platform_signature = models.BinaryField(_("platform signature"))
    timestamp_token = models.BinaryField(_("timestamp token"))
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("award or result notice")
        verbose_name_plural = _("award and result notices")
        ordering = ["issued_at", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["tender", "organisation"], name="award_letter_one_per_bidder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.organisation}"


class Contract(models.Model):
    """The written contract between the tenderee and the winner (招标投标法 第四十六条)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="contract")
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    value_fen = models.BigIntegerField(_("value (fen)"))
    signed_at = models.DateTimeField(_("signed at"))
    registered_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered at"))

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value_fen__gt=0), name="contract_value_positive"
            )
        ]

    def __str__(self) -> str:
        return f"contract of {self.tender_id} with {self.supplier}"


class ArchivePackage(models.Model):
    """The one-file archive of a tender in the "archive" bucket (docs/award-and-archive.md)."""

    tender = models.OneToOneField(
        Tender, on_delete=models.PROTECT, primary_key=True, related_name="archive_package"
    )
    object_key = models.CharField(max_length=200, unique=True)
    size = models.BigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    manifest_sha256 = models.CharField(_("manifest SHA-256"), max_length=64)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("archive package")
        verbose_name_plural = _("archive packages")

    def __str__(self) -> str:
        return self.object_key


class TenderEscrow(models.Model):
    """The tender's escrow key (DESIGN §5 step 4), made when a tender with an opening committee
    is published, as the sum of the members' parts (TenderEscrowPart): bidders seal their data
    key to `public_key_pem` as well as to their own certificate; the private key was never
    whole anywhere, and exists only as the members' shares of every part, each encrypted to one
    member's certificate."""

    tender = models.OneToOneField(
        Tender, on_delete=models.PROTECT, primary_key=True, related_name="escrow"
    )
    public_key_pem = models.TextField(_("escrow public key (PEM)"))
    key_id = models.CharField(_("escrow key id"), max_length=64)
    threshold = models.PositiveSmallIntegerField(_("shares needed"))
    # [{"member": user id, "member_number", "member_certificate_sha256", "parts":
    #   [{"dealer_number", "public_key", "share": {"member_number",
    #   "member_certificate_sha256", "method", "encrypted_share"}}]}]: only the member's
    # private key opens its shares.
    shares = models.JSONField(_("encrypted shares"))
    # {"<dealer number>": PEM of that member's public part}: the escrow key is their sum.
    public_parts = models.JSONField(_("public parts"), default=dict)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("tender escrow key")
        verbose_name_plural = _("tender escrow keys")

    def __str__(self) -> str:
        return f"escrow {self.key_id[:12]} of {self.tender_id}"

    def share_of(self, user_id: object) -> dict | None:
        return next((share for share in self.shares if share["member"] == str(user_id)), None)


class TenderEscrowPart(models.Model):
    """A committee member's part of the tender's escrow key, made on its own machine
    (`bidtool escrow contribute`) while the tender is a draft: the part's public key, the
    member's proof that it held the private half, and that half's k-of-n shares encrypted to
    every member. signing/envelope/escrow_parts.py says why no one holds the escrow key."""

    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="escrow_parts")
    member = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    member_number = models.PositiveSmallIntegerField(_("member number"))
    public_key_pem = models.TextField(_("public part (PEM)"))
    # EscrowPart.to_json(): dealer number, public key, threshold, proof, encrypted shares.
    part = models.JSONField(_("escrow part"))
    contributed_at = models.DateTimeField(_("contributed at"))

    class Meta:
        verbose_name = _("escrow part")
        verbose_name_plural = _("escrow parts")
        constraints = [
            models.UniqueConstraint(fields=["tender", "member"], name="escrow_part_one_per_member")
        ]

    def __str__(self) -> str:
        return f"escrow part {self.member_number} of {self.tender_id}"
