"""What each reader sees of complaints, in a fixed number of queries.

- Supervisors see every complaint.
- The complainant (a bidder organisation the user acts for) sees its own, with their decisions,
  receipts and attachments.
- The tenderee (or its agent) sees the complaints about its tenders once accepted, and the
  decisions from then on; not who complained before the bid deadline (a complaint tells who
  took an interest in the tender: 电子招标投标办法 第二十一条, as trading.selectors.objection_seen
  hides an objection's author), nor the attachments, nor the signed documents that name the
  complainant until then.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Role, RoleMembership, User
from monitoring.clock import database_now
from supervision.complaints.prior import OBJECTION_OF_MATTER
from supervision.models import (
    ACCEPTED_STATES,
    Complaint,
    ComplaintAttachment,
    ComplaintDecision,
    ComplaintMatter,
)


@dataclass(frozen=True)
class DecisionSeen:
    id: UUID
    step: str
    step_label: str
    reason: str
    decided_at: datetime
    due: datetime | None
    late: bool
    document_sha256: str


@dataclass(frozen=True)
class AttachmentSeen:
    id: UUID
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ComplaintSeen:
    """A complaint as one reader may see it: `complainant` is None while its identity is
    secret to the reader; `documents` says whether the reader may have the signed receipt
    and decisions (they name the complainant)."""

    id: UUID
    tender_id: UUID
    tender_title: str
    matter: str
    matter_label: str
    text: str
    state: str
    state_label: str
    filed_at: datetime
    window_due: datetime
    acceptance_due: datetime | None
    decision_due: datetime | None
    prior_objection_id: UUID | None
    complainant: str | None
    complainant_uscc: str | None
    documents: bool
    decisions: list[DecisionSeen]
    attachments: list[AttachmentSeen]
    steps: list[str]  # the decisions this reader may take now (supervisors only)


@dataclass(frozen=True)
class ComplaintReader:
    """What decides what a user sees: read once per page (one query, and the clock)."""

    user: User
    supervisor: bool
    bidder_of: frozenset
    manages: frozenset  # organisations the user acts for as tenderee or agent
    now: datetime

    @classmethod
    def of(cls, user: User) -> "ComplaintReader":
        memberships = list(
            RoleMembership.objects.filter(
                user=user, role__in=(Role.SUPERVISOR, Role.BIDDER, Role.TENDEREE, Role.AGENT)
            ).values_list("role", "organisation_id")
        )
        return cls(
            user=user,
            supervisor=any(role == Role.SUPERVISOR for role, _ in memberships),
            bidder_of=frozenset(org for role, org in memberships if role == Role.BIDDER),
            manages=frozenset(
                org for role, org in memberships if role in (Role.TENDEREE, Role.AGENT)
            ),
            now=database_now(),
        )

    def visible(self) -> QuerySet[Complaint]:
        complaints = Complaint.objects.select_related("tender", "tender__project", "organisation")
        if self.supervisor:
            return complaints
        return complaints.filter(
            Q(organisation_id__in=self.bidder_of)
            | Q(
                Q(tender__project__tenderee_id__in=self.manages)
                | Q(tender__project__agent_id__in=self.manages),
                state__in=ACCEPTED_STATES,
            )
        )

    def own(self, complaint: Complaint) -> bool:
        return self.supervisor or complaint.organisation_id in self.bidder_of

    def knows_complainant(self, complaint: Complaint) -> bool:
        deadline = complaint.tender.bid_deadline
        return self.own(complaint) or (deadline is not None and self.now >= deadline)

    def see(self, complaint: Complaint) -> ComplaintSeen:
        own = self.own(complaint)
        known = self.knows_complainant(complaint)
        return ComplaintSeen(
            id=complaint.pk,
            tender_id=complaint.tender_id,
            tender_title=complaint.tender.title,
            matter=complaint.matter,
            matter_label=complaint.get_matter_display(),
            text=complaint.text,
            state=complaint.state,
            state_label=complaint.get_state_display(),
            filed_at=complaint.filed_at,
            window_due=complaint.window_due,
            acceptance_due=complaint.acceptance_due,
            decision_due=complaint.decision_due,
            prior_objection_id=complaint.prior_objection_id if own else None,
            complainant=complaint.organisation.name if known else None,
            complainant_uscc=complaint.organisation.uscc if known else None,
            documents=known,
            decisions=[
                DecisionSeen(
                    id=item.pk,
                    step=item.step,
                    step_label=item.get_step_display(),
                    reason=item.reason,
                    decided_at=item.decided_at,
                    due=item.due,
                    late=item.late,
                    document_sha256=item.document_sha256,
                )
                for item in complaint.decisions.all()
            ],
            attachments=[
                AttachmentSeen(id=item.pk, name=item.name, size=item.size, sha256=item.sha256)
                for item in complaint.attachments.all()
            ]
            if own
            else [],
            steps=complaint.steps_open() if self.supervisor else [],
        )


def _with_children(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return complaints.prefetch_related(
        Prefetch(
            "decisions",
            queryset=ComplaintDecision.objects.defer(
                "document", "platform_signature", "timestamp_token"
            ).order_by("decided_at"),
        ),
        Prefetch("attachments", queryset=ComplaintAttachment.objects.order_by("name", "id")),
    ).defer("receipt_document", "receipt_signature", "receipt_timestamp_token")


def complaints_seen(
    *, user: User, tender_id: UUID | None = None, limit: int = 200
) -> list[ComplaintSeen]:
    """The complaints `user` may see, newest first (four queries whatever their number)."""
    reader = ComplaintReader.of(user)
    complaints = reader.visible()
    if tender_id is not None:
        complaints = complaints.filter(tender_id=tender_id)
    return [reader.see(complaint) for complaint in _with_children(complaints)[:limit]]


def complaint_seen(*, user: User, complaint_id: UUID) -> ComplaintSeen | None:
    """One complaint as `user` may see it; None when it may not (or there is none): a reader
    is never told that a complaint it may not see exists."""
    reader = ComplaintReader.of(user)
    complaint = _with_children(reader.visible().filter(pk=complaint_id)).first()
    return None if complaint is None else reader.see(complaint)


def complaint_receipt_for(*, user: User, complaint_id: UUID) -> Complaint | None:
    """The complaint with its signed receipt, for the complainant and supervisors."""
    reader = ComplaintReader.of(user)
    complaint = reader.visible().filter(pk=complaint_id).first()
    if complaint is None or not reader.own(complaint):
        return None
    return complaint


def complaint_decision_for(
    *, user: User, complaint_id: UUID, decision_id: UUID
) -> ComplaintDecision | None:
    """A signed decision, for a reader who may see the complaint and whom it names (the
    tenderee from the bid deadline on)."""
    reader = ComplaintReader.of(user)
    complaint = reader.visible().filter(pk=complaint_id).first()
    if complaint is None or not reader.knows_complainant(complaint):
        return None
    return ComplaintDecision.objects.filter(complaint=complaint, pk=decision_id).first()


@dataclass(frozen=True)
class ObjectionChoice:
    """An objection a complaint may follow, as the complainant's form offers it."""

    id: UUID
    matter: str
    matter_label: str
    text: str
    state: str
    raised_at: datetime
    answer_due: datetime


def objections_to_complain_of(*, organisation_id: UUID, tender_id: UUID) -> list[ObjectionChoice]:
    """The organisation's objections on the tender, each under the matter a complaint about
    it names (one query per kind of objection)."""
    choices = []
    for matter, kind in OBJECTION_OF_MATTER.items():
        manager = kind.model._default_manager
        for objection in manager.filter(
            organisation_id=organisation_id, **{f"{kind.tender_path}_id": tender_id}
        ).order_by("raised_at"):
            choices.append(
                ObjectionChoice(
                    id=objection.pk,
                    matter=matter,
                    matter_label=str(ComplaintMatter(matter).label),
                    text=objection.text,
                    state=objection.state,
                    raised_at=objection.raised_at,
                    answer_due=objection.answer_due,
                )
            )
    return choices


def complaint_attachment_for(
    *, user: User, complaint_id: UUID, attachment_id: UUID
) -> ComplaintAttachment | None:
    """An attachment, for the complainant and supervisors only."""
    reader = ComplaintReader.of(user)
    complaint = reader.visible().filter(pk=complaint_id).first()
    if complaint is None or not reader.own(complaint):
        return None
    return ComplaintAttachment.objects.filter(complaint=complaint, pk=attachment_id).first()
