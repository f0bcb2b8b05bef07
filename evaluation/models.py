"""The closed evaluation: the expert pool, the panel drawn for a tender, the session in the
closed area, its reviews and scores, and the signed report (docs/evaluation.md).

States move only through services (monitoring.transitions.apply_transition); every field that
is a state is protected.
"""

import uuid
from datetime import datetime

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import User
from bids.models import Bid
from trading.models import Tender

# --- The expert pool (专家库) ---


class ExpertState(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    BLACKLISTED = "blacklisted", _("Blacklisted")


class ExpertTitle(models.TextChoices):
    # 专业技术职称: the pool admits experts of senior title or equivalent experience.
    SENIOR = "senior", _("Senior")
    PROFESSOR_LEVEL = "professor_level", _("Professor level")
    EQUIVALENT = "equivalent", _("Equivalent experience")


class Expert(ConcurrentTransitionMixin, models.Model):
    """A person in the expert pool, with the specialties it may be drawn for."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="expert_profile")
    # Category codes of the pool's classification (评标专家专业分类标准), e.g. "A010101".
    specialties = ArrayField(models.CharField(max_length=20), verbose_name=_("specialties"))
    # Administrative division code (行政区划代码) of where the expert works, e.g. "310000".
    region = models.CharField(_("region"), max_length=12)
    employer_uscc = models.CharField(_("employer's credit code"), max_length=18, blank=True)
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=20, choices=ExpertTitle.choices)
    state = FSMField(
        _("state"),
        max_length=20,
        choices=ExpertState.choices,
        default=ExpertState.ACTIVE,
        protected=True,
        db_index=True,
    )
    state_reason = models.TextField(_("reason of the state"), blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        indexes = [GinIndex(fields=["specialties"], name="expert_specialties_gin")]

    def __str__(self) -> str:
        return f"expert {self.user.get_username()}"

    @transition(field=state, source=ExpertState.ACTIVE, target=ExpertState.SUSPENDED)
    def suspend(self, reason: str) -> None:
        self.state_reason = reason

    @transition(field=state, source=ExpertState.SUSPENDED, target=ExpertState.ACTIVE)
    def reinstate(self, reason: str) -> None:
        self.state_reason = reason

    @transition(
        field=state,
        source=[ExpertState.ACTIVE, ExpertState.SUSPENDED],
        target=ExpertState.BLACKLISTED,
    )
    def blacklist(self, reason: str) -> None:
        self.state_reason = reason


class ConflictKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    PERSON = "person", _("Person")


class ExpertConflict(models.Model):
    """A conflict an expert declares (回避): an organisation it must not judge, or a person (a
    relative, a former colleague) and the organisation that person works for."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField(_("kind"), max_length=20, choices=ConflictKind.choices)
    # The organisation avoided: itself, or the one the person works for.
    uscc = models.CharField(_("organisation's credit code"), max_length=18, blank=True)
    person_name = models.CharField(_("person"), max_length=100, blank=True)
    reason = models.TextField(_("reason"))
    declared_at = models.DateTimeField(_("declared at"))

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        indexes = [models.Index(fields=["uscc"], name="expert_conflict_uscc")]

    def __str__(self) -> str:
        return f"conflict of {self.expert_id}: {self.uscc or self.person_name}"


# --- The panel (评标委员会): its request, its draws and its seats ---


class PanelState(models.TextChoices):
    # The seed's hash is in the log; no expert is drawn yet.
    COMMITTED = "committed", _("Seed committed")
    DRAWN = "drawn", _("Drawn")
    # Every seat confirmed: the session may convene.
    COMPLETE = "complete", _("Complete")
    # The result is published: the seed and the panel are public (条例 第四十六条).
    REVEALED = "revealed", _("Revealed")


class Panel(ConcurrentTransitionMixin, models.Model):
    """The panel requested for a tender, drawn from a committed seed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="panel")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    # [{"specialty": code, "count": n}] in the request's order.
    specialties = models.JSONField(_("specialties and counts"))
    region = models.CharField(_("region"), max_length=12, blank=True)
    size = models.PositiveSmallIntegerField(_("size"))
    state = FSMField(
        _("state"),
        max_length=20,
        choices=PanelState.choices,
        default=PanelState.COMMITTED,
        protected=True,
    )
    # SHA-256 of the seed, logged before any draw; the seed itself is kept wrapped under the
    # platform evaluation key until the result is published.
    seed_sha256 = models.CharField(_("seed SHA-256"), max_length=64)
    seed_wrapped = models.BinaryField(default=b"")
    seed_wrap_method = models.CharField(max_length=60, blank=True)
    seed = models.CharField(_("revealed seed"), max_length=64, blank=True)
    revealed_at = models.DateTimeField(_("revealed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation panel")
        verbose_name_plural = _("evaluation panels")

    def __str__(self) -> str:
        return f"panel of {self.tender_id} ({self.state})"

    @transition(field=state, source=PanelState.COMMITTED, target=PanelState.DRAWN)
    def record_draw(self) -> None:
        pass

    @transition(field=state, source=PanelState.DRAWN, target=PanelState.COMPLETE)
    def complete(self) -> None:
        pass

    @transition(field=state, source=PanelState.COMPLETE, target=PanelState.DRAWN)
    def reopen(self) -> None:
        """A member recused after the panel was complete: a replacement is drawn."""

    @transition(field=state, source=[PanelState.COMPLETE], target=PanelState.REVEALED)
    def reveal(self, seed: str, revealed_at: datetime) -> None:
        self.seed = seed
        self.revealed_at = revealed_at


class PanelDraw(models.Model):
    """One round of drawing: the first draw, or a replacement for a declined or recused seat.
    Everything needed to replay it: the round's pool snapshot and what was drawn from it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="draws")
    number = models.PositiveSmallIntegerField(_("round"))
    drawn_at = models.DateTimeField(_("drawn at"))
    # {"specialty": [expert ids of the eligible pool, sorted]}: the input of the algorithm.
    pool_snapshot = models.JSONField(_("eligible pool"))
    pool_sha256 = models.CharField(max_length=64)
    # [{"specialty": code, "count": n}] in the order drawn: with the snapshot, the input of the
    # algorithm (jsonb keeps no key order, so `drawn` alone cannot tell the order).
    requests = models.JSONField(_("requested"), default=list)
    # {"specialty": [expert ids drawn, in order]}: the output.
    drawn = models.JSONField(_("drawn"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("panel draw")
        verbose_name_plural = _("panel draws")
        constraints = [
            models.UniqueConstraint(fields=["panel", "number"], name="panel_draw_number_unique")
        ]

    def __str__(self) -> str:
        return f"draw {self.number} of {self.panel_id}"


class SeatKind(models.TextChoices):
    EXPERT = "expert", _("Expert")
    # 招标人代表: at most a third of the panel (招标投标法 第三十七条).
    REPRESENTATIVE = "representative", _("Tenderee's representative")


class SeatState(models.TextChoices):
    DRAWN = "drawn", _("Drawn")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    # Withdrew after confirming (a conflict found late): its conclusions are void (条例 第四十八条).
    RECUSED = "recused", _("Recused")


class PanelSeat(ConcurrentTransitionMixin, models.Model):
    """One member of the panel: an expert drawn, or a tenderee's representative named."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="seats")
    draw = models.ForeignKey(
        PanelDraw, on_delete=models.PROTECT, null=True, blank=True, related_name="seats"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=SeatKind.choices)
    expert = models.ForeignKey(
        Expert, on_delete=models.PROTECT, null=True, blank=True, related_name="seats"
    )
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="panel_seats")
    specialty = models.CharField(_("specialty"), max_length=20, blank=True)
    state = FSMField(
        _("state"),
        max_length=20,
        choices=SeatState.choices,
        default=SeatState.DRAWN,
        protected=True,
    )
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("panel seat")
        verbose_name_plural = _("panel seats")
        constraints = [
            models.UniqueConstraint(fields=["panel", "user"], name="panel_seat_user_unique")
        ]

    def __str__(self) -> str:
        return f"seat of {self.user_id} on {self.panel_id} ({self.state})"

    @transition(field=state, source=SeatState.DRAWN, target=SeatState.CONFIRMED)
    def confirm(self, decided_at: datetime) -> None:
        self.decided_at = decided_at

    @transition(field=state, source=SeatState.DRAWN, target=SeatState.DECLINED)
    def decline(self, reason: str, decided_at: datetime) -> None:
        self.reason, self.decided_at = reason, decided_at

    @transition(field=state, source=SeatState.CONFIRMED, target=SeatState.RECUSED)
    def recuse(self, reason: str, decided_at: datetime) -> None:
        self.reason, self.decided_at = reason, decided_at


# --- The session in the closed area (封闭评标) ---


class SessionState(models.TextChoices):
    CONVENED = "convened", _("Convened")
    LEADER_ELECTED = "leader_elected", _("Leader elected")
    QUALIFICATION = "qualification", _("Qualification review")
    RESPONSIVENESS = "responsiveness", _("Responsiveness review")
    SCORING = "scoring", _("Scoring")
    CONSOLIDATION = "consolidation", _("Consolidation")
    SIGNING = "signing", _("Signing")
    REPORTED = "reported", _("Reported")


class EvaluationSession(ConcurrentTransitionMixin, models.Model):
    """The panel at work on one tender, inside its time window and the room's networks."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.OneToOneField(Tender, on_delete=models.PROTECT, related_name="evaluation")
    panel = models.OneToOneField(Panel, on_delete=models.PROTECT, related_name="session")
    state = FSMField(
        _("state"),
        max_length=20,
        choices=SessionState.choices,
        default=SessionState.CONVENED,
        protected=True,
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    leader = models.ForeignKey(
        PanelSeat, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    convened_at = models.DateTimeField(_("convened at"))
    # When the technical result was signed: the price envelopes open only after it (双信封).
    technical_signed_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation session")
        verbose_name_plural = _("evaluation sessions")

    def __str__(self) -> str:
        return f"evaluation of {self.tender_id} ({self.state})"

    @transition(field=state, source=SessionState.CONVENED, target=SessionState.LEADER_ELECTED)
    def elect_leader(self, leader: PanelSeat) -> None:
        self.leader = leader

    @transition(field=state, source=SessionState.LEADER_ELECTED, target=SessionState.QUALIFICATION)
    def start_qualification(self) -> None:
        pass

    @transition(field=state, source=SessionState.QUALIFICATION, target=SessionState.RESPONSIVENESS)
    def start_responsiveness(self) -> None:
        pass

    @transition(field=state, source=SessionState.RESPONSIVENESS, target=SessionState.SCORING)
    def start_scoring(self) -> None:
        pass

    @transition(field=state, source=SessionState.SCORING, target=SessionState.CONSOLIDATION)
    def consolidate(self) -> None:
        pass

    @transition(field=state, source=SessionState.CONSOLIDATION, target=SessionState.SIGNING)
    def start_signing(self) -> None:
        pass

    @transition(field=state, source=SessionState.SIGNING, target=SessionState.REPORTED)
    def close_with_report(self, reported_at: datetime) -> None:
        self.reported_at = reported_at


class ReviewStage(models.TextChoices):
    QUALIFICATION = "qualification", _("Qualification review")
    RESPONSIVENESS = "responsiveness", _("Responsiveness review")


class ReviewVerdict(models.Model):
    """One expert's pass or fail of one bid on one review criterion, with its reason."""

    session = models.ForeignKey(
        EvaluationSession, on_delete=models.CASCADE, related_name="verdicts"
    )
    seat = models.ForeignKey(PanelSeat, on_delete=models.PROTECT, related_name="verdicts")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=20, choices=ReviewStage.choices)
    criterion = models.CharField(_("criterion"), max_length=40)
    passed = models.BooleanField(_("passed"))
    reason = models.TextField(_("reason"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("review verdict")
        verbose_name_plural = _("review verdicts")
        constraints = [
            models.UniqueConstraint(
                fields=["seat", "bid", "stage", "criterion"], name="review_verdict_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion} of {self.bid_id}: {self.passed}"


class BidOutcome(models.TextChoices):
    QUALIFIED = "qualified", _("Qualified")
    REJECTED = "rejected", _("Rejected")


class BidEvaluation(models.Model):
    """The panel's conclusion on one bid: the price it is judged on, whether it stands (and
    why not), its price explanation when abnormally low, its scores and rank."""

    session = models.ForeignKey(
        EvaluationSession, on_delete=models.CASCADE, related_name="bid_evaluations"
    )
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="evaluation")
    # 暗标: the code the bidder appears under in the technical part ("A", "B", …).
    code = models.CharField(_("code"), max_length=8)
    price_fen = models.BigIntegerField(_("price"))
    outcome = models.CharField(max_length=20, choices=BidOutcome.choices, blank=True)
    # [{"ground": code, "source": law, "stage", "criterion", "reason"}]: why it was rejected.
    rejection_grounds = models.JSONField(default=list, blank=True)
    # 令87 第六十条: an abnormally low price stands only with the bidder's written explanation.
    price_explanation_requested_at = models.DateTimeField(null=True, blank=True)
    price_explanation = models.TextField(blank=True)
    price_explanation_accepted = models.BooleanField(null=True, blank=True)
    price_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    price_working = models.JSONField(default=dict, blank=True)
    total_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("bid evaluation")
        verbose_name_plural = _("bid evaluations")
        constraints = [
            models.UniqueConstraint(fields=["session", "code"], name="bid_evaluation_code_unique")
        ]

    def __str__(self) -> str:
        return f"evaluation of {self.bid_id} ({self.outcome or 'open'})"


class Score(models.Model):
    """One expert's points for one qualified bid on one scored criterion."""

    session = models.ForeignKey(EvaluationSession, on_delete=models.CASCADE, related_name="scores")
    seat = models.ForeignKey(PanelSeat, on_delete=models.PROTECT, related_name="scores")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="+")
    criterion = models.CharField(_("criterion"), max_length=40)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    reason = models.TextField(_("reason"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    # Set at consolidation when the score is an outlier; cleared by a confirmation or a change,
    # each with its reason (令87 第六十四条).
    flagged = models.BooleanField(_("flagged"), default=False)
    flag_reason = models.TextField(_("reason for keeping or changing"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["seat", "bid", "criterion"], name="score_once")
        ]

    def __str__(self) -> str:
        return f"{self.criterion} of {self.bid_id}: {self.points}"


class ReportState(models.TextChoices):
    SIGNING = "signing", _("Being signed")
    SIGNED = "signed", _("Signed")


class EvaluationReport(ConcurrentTransitionMixin, models.Model):
    """The evaluation report (评标报告), generated from the data; every member signs its
    digest. Once signed it is the only source of the candidates (条例 第五十三条)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.OneToOneField(
        EvaluationSession, on_delete=models.PROTECT, related_name="report"
    )
    # The canonical JSON the members sign, and its SHA-256.
    document = models.BinaryField(_("canonical JSON"))
    document_sha256 = models.CharField(max_length=64)
    # [{"rank", "bid", "uscc", "name", "price_fen", "score"}]: at most three.
    candidates = models.JSONField(_("candidates"))
    state = FSMField(
        _("state"),
        max_length=20,
        choices=ReportState.choices,
        default=ReportState.SIGNING,
        protected=True,
    )
    generated_at = models.DateTimeField(_("generated at"))
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation report")
        verbose_name_plural = _("evaluation reports")

    def __str__(self) -> str:
        return f"report of {self.session_id} ({self.state})"

    @transition(field=state, source=ReportState.SIGNING, target=ReportState.SIGNED)
    def seal(self, signed_at: datetime) -> None:
        self.signed_at = signed_at


class ReportSignature(models.Model):
    """A member's signature of the report's digest (CMS, with its certificate), or its recorded
    refusal; dissent is written (条例 第五十三条)."""

    report = models.ForeignKey(
        EvaluationReport, on_delete=models.CASCADE, related_name="signatures"
    )
    seat = models.ForeignKey(PanelSeat, on_delete=models.PROTECT, related_name="+")
    signature = models.BinaryField(_("CMS signature"), default=b"")
    certificate_sha256 = models.CharField(max_length=64, blank=True)
    agrees = models.BooleanField(_("agrees"))
    dissent = models.TextField(_("dissent"), blank=True)
    # Refused to sign and gave no reason: recorded as agreement (条例 第五十三条).
    refused_without_reason = models.BooleanField(default=False)
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("report signature")
        verbose_name_plural = _("report signatures")
        constraints = [
            models.UniqueConstraint(fields=["report", "seat"], name="report_signature_once")
        ]

    def __str__(self) -> str:
        return f"signature of {self.seat_id} on {self.report_id}"
