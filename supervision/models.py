"""The supervisors' side (监督): the console, alert rules and complaints live here.

It sits on top of every app and reads them all; no app imports it. What every app writes to (the
clock, the event chain, transitions, checkpoints, the chronograph) stays in `monitoring`, the
bottom layer (docs/architecture.md).

Complaints (投诉, 招标投标法实施条例 第六十条至第六十二条; 政府采购法 第五十五条、第五十六条):
`filed → accepted | refused → investigating → upheld | dismissed` (DESIGN §4), each step after
filing a decision of the supervising authority, signed by the platform and timestamped
(docs/supervision.md, "Complaints and suspension").
"""

import uuid
from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import (
    ConcurrentTransitionMixin,
    FSMField,
    get_available_FIELD_transitions,
    transition,
)

from accounts.models import Organisation, Role, RoleMembership


class ComplaintState(models.TextChoices):
    FILED = "filed", _("Filed")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    INVESTIGATING = "investigating", _("Investigating")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


# The states the tenderee sees a complaint about its tenders in: from its acceptance on.
ACCEPTED_STATES = (
    ComplaintState.ACCEPTED,
    ComplaintState.INVESTIGATING,
    ComplaintState.UPHELD,
    ComplaintState.DISMISSED,
)


class ComplaintMatter(models.TextChoices):
    """What is complained of. The first three need a prior objection to the tenderee
    (招标投标法实施条例 第六十条: the matters of 第二十二条, 第四十四条 and 第五十四条)."""

    TENDER_DOCUMENTS = "tender_documents", _("The tender documents")
    OPENING = "opening", _("The opening")
    EVALUATION_RESULT = "evaluation_result", _("The evaluation result")
    OTHER = "other", _("Another act of the tendering")


def is_supervisor(instance: object, user: object) -> bool:
    """The permission of a decision's transition, checked again by apply_transition."""
    return RoleMembership.objects.filter(user=user, role=Role.SUPERVISOR).exists()


class Complaint(ConcurrentTransitionMixin, models.Model):
    """A bidder's complaint about a tender to the supervising authority. `state` moves only by
    supervision.complaints.services, through monitoring.transitions.apply_transition."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tender = models.ForeignKey(
        "trading.Tender", on_delete=models.PROTECT, related_name="complaints"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("complainant"),
    )
    filed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    matter = models.CharField(_("matter"), max_length=30, choices=ComplaintMatter.choices)
    text = models.TextField(_("facts and request"))
    # When the complainant knew of the act, for a matter that needs no prior objection (the
    # complaint period counts from it); None when the period counts from the objection.
    known_at = models.DateTimeField(_("known at"), null=True, blank=True)
    # The prior objection (异议前置): at most one, of the kind the matter names.
    document_objection = models.ForeignKey(
        "trading.DocumentObjection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    opening_objection = models.ForeignKey(
        "bids.OpeningObjection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    candidate_objection = models.ForeignKey(
        "trading.CandidateObjection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("filed at"))
    # Exclusive instants (24:00 of the last day, Asia/Shanghai): see trading.law.periods.due.
    window_due = models.DateTimeField(_("complaint period ended"))
    acceptance_due = models.DateTimeField(_("acceptance due"), null=True, blank=True)
    decision_due = models.DateTimeField(_("decision due"), null=True, blank=True)
    # The platform's receipt of the filing: canonical JSON, CMS signature, RFC 3161 token.
    receipt_document = models.BinaryField(_("receipt"))
    receipt_signature = models.BinaryField(_("receipt signature"))
    receipt_timestamp_token = models.BinaryField(_("receipt timestamp token"))
    state = FSMField(
        _("state"),
        max_length=20,
        choices=ComplaintState.choices,
        default=ComplaintState.FILED,
        protected=True,
        db_index=True,
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-filed_at"]
        constraints = [
            models.CheckConstraint(
                name="complaint_one_prior_objection",
                condition=(
                    models.Q(opening_objection__isnull=True, candidate_objection__isnull=True)
                    | models.Q(document_objection__isnull=True, candidate_objection__isnull=True)
                    | models.Q(document_objection__isnull=True, opening_objection__isnull=True)
                ),
            ),
            # One complaint on an objection at a time; a refused one may be filed again.
            *(
                models.UniqueConstraint(
                    fields=[field],
                    condition=~models.Q(state=ComplaintState.REFUSED),
                    name=f"complaint_one_per_{field}",
                )
                for field in ("document_objection", "opening_objection", "candidate_objection")
            ),
        ]

    def __str__(self) -> str:
        return f"complaint {self.pk} on {self.tender_id} ({self.state})"

    @property
    def prior_objection_id(self) -> uuid.UUID | None:
        return (
            self.document_objection_id or self.opening_objection_id or self.candidate_objection_id
        )

    def steps_open(self) -> list[str]:
        """The decisions the state allows now (a page's buttons; the services check again)."""
        field = self._meta.get_field("state")
        return [transition.name for transition in get_available_FIELD_transitions(self, field)]

    # Transitions change memory only; supervision.complaints.services applies them.

    @transition(
        field=state,
        source=ComplaintState.FILED,
        target=ComplaintState.ACCEPTED,
        permission=is_supervisor,
    )
    def accept(self, decision_due: datetime | None) -> None:
        if decision_due is not None:
            self.decision_due = decision_due

    @transition(
        field=state,
        source=ComplaintState.FILED,
        target=ComplaintState.REFUSED,
        permission=is_supervisor,
    )
    def refuse(self) -> None:
        pass

    @transition(
        field=state,
        source=ComplaintState.ACCEPTED,
        target=ComplaintState.INVESTIGATING,
        permission=is_supervisor,
    )
    def investigate(self) -> None:
        pass

    @transition(
        field=state,
        source=ComplaintState.INVESTIGATING,
        target=ComplaintState.UPHELD,
        permission=is_supervisor,
    )
    def uphold(self) -> None:
        pass

    @transition(
        field=state,
        source=ComplaintState.INVESTIGATING,
        target=ComplaintState.DISMISSED,
        permission=is_supervisor,
    )
    def dismiss(self) -> None:
        pass


class ComplaintAttachment(models.Model):
    """A file the complainant gave with its complaint, in object storage under a key made of
    ids (never of its name)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="attachments")
    name = models.CharField(_("file name"), max_length=200)
    size = models.BigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    object_key = models.CharField(max_length=200, unique=True)

    class Meta:
        verbose_name = _("complaint attachment")
        verbose_name_plural = _("complaint attachments")
        ordering = ["complaint", "name", "id"]

    def __str__(self) -> str:
        return self.name


class ComplaintDecision(models.Model):
    """One step of the supervising authority on a complaint, with its reason: a document
    signed by the platform (CMS) and timestamped (RFC 3161). The canonical JSON in `document`
    is what `platform_signature` and `timestamp_token` cover."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="decisions")
    # The state the decision moved the complaint to.
    step = models.CharField(_("step"), max_length=20, choices=ComplaintState.choices)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"))
    due = models.DateTimeField(_("due"), null=True, blank=True)
    late = models.BooleanField(_("late"), default=False)
    document = models.BinaryField(_("decision document"))
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64)
    platform_signature = models.BinaryField(_("platform signature"))
    timestamp_token = models.BinaryField(_("timestamp token"))

    class Meta:
        verbose_name = _("complaint decision")
        verbose_name_plural = _("complaint decisions")
        ordering = ["decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "step"], name="complaint_decision_one_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} of {self.complaint_id}"


# The collusion screens' runs live with their screens; the app's models module declares them.
from supervision.collusion.models import CollusionRun, CollusionScreening  # noqa: E402, F401
