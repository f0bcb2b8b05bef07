"""Queries of the trading app; each page costs a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from accounts.models import Role, RoleMembership, User
from accounts.selectors import user_has_role
from monitoring.clock import database_now
from monitoring.models import Event
from trading.law.periods import RefundDue, bid_security_refund_due
from trading.models import (
    Award,
    AwardLetter,
    Candidate,
    CandidateObjection,
    CandidatePublicity,
    Contract,
    DocumentObjection,
    ObjectionState,
    Project,
    Tender,
    TenderState,
)
from trading.search import SearchTerms, matching

# What the public sees: everything from publication on (DESIGN §3), never drafts.
PUBLIC_STATES = [state for state in TenderState.values if state != TenderState.DRAFT]


def _public(tenders: QuerySet[Tender]) -> QuerySet[Tender]:
    """Tenders that were published: a draft cancelled (or archived) without ever being published
    is in a state the public sees, but was never public and never becomes so."""
    return tenders.filter(state__in=PUBLIC_STATES, published_at__isnull=False)


def user_manages_project(*, user: User, project: Project) -> bool:
    """The tenderee's staff, or the agent's, may draft, publish and run its tenders."""
    if not user.is_authenticated:
        return False
    memberships = RoleMembership.objects.filter(user=user).filter(
        Q(role=Role.TENDEREE, organisation_id=project.tenderee_id)
        | Q(role=Role.AGENT, organisation_id=project.agent_id)
    )
    return memberships.exists()


def tender_list_public(
    *,
    search: str | SearchTerms = "",
    category: str = "",
    region: str = "",
    state: str = "",
    rows: int | None = None,
) -> QuerySet[Tender]:
    """Public tenders, newest first. `rows`: how many the caller reads at most (its offset and
    limit), so that a rare search sorts and cuts its matches before joining their projects."""
    tenders = _public(Tender.objects.all()).order_by("-published_at", "id")
    if category:
        tenders = tenders.filter(category=category)
    if region:
        tenders = tenders.filter(project__region__startswith=region)
    if state:
        tenders = tenders.filter(state=state)
    # Through the n-gram index (trading/search.py), never a scan of every title.
    terms = search if isinstance(search, SearchTerms) else SearchTerms.of(search)
    if terms.texts:
        tenders = tenders.filter(matching(terms, within=tenders, rows=rows))
    return tenders.select_related("project", "project__tenderee", "project__agent").defer(
        "search_text", "search_grams"
    )


def tender_get_public(*, tender_id: object) -> Tender | None:
    return (
        _public(Tender.objects.filter(pk=tender_id))
        .select_related("project", "project__tenderee", "project__agent")
        .first()
    )


def tenders_due_for_closing(*, now: object) -> QuerySet[Tender]:
    return Tender.objects.filter(state=TenderState.PUBLISHED, bid_deadline__lte=now)


def tenders_due_for_opening(*, now: object) -> QuerySet[Tender]:
    return Tender.objects.filter(state=TenderState.BIDDING_CLOSED, bid_deadline__lte=now)


def tenders_managed_by(*, user: User) -> QuerySet[Tender]:
    """Every tender, drafts included, of the organisations the user acts for as tenderee/agent."""
    tenderee_of = RoleMembership.objects.filter(user=user, role=Role.TENDEREE).values(
        "organisation"
    )
    agent_of = RoleMembership.objects.filter(user=user, role=Role.AGENT).values("organisation")
    return (
        Tender.objects.filter(Q(project__tenderee__in=tenderee_of) | Q(project__agent__in=agent_of))
        .select_related("project", "project__tenderee")
        .order_by("-created_at")
    )


def projects_managed_by(*, user: User) -> QuerySet[Project]:
    tenderee_of = RoleMembership.objects.filter(user=user, role=Role.TENDEREE).values(
        "organisation"
    )
    agent_of = RoleMembership.objects.filter(user=user, role=Role.AGENT).values("organisation")
    return Project.objects.filter(Q(tenderee__in=tenderee_of) | Q(agent__in=agent_of)).order_by(
        "code"
    )


def notifications_for(*, user: User) -> QuerySet:
    """The notices sent to the organisations the user acts for as a bidder, newest first."""
    from trading.models import BidderNotification

    organisations = RoleMembership.objects.filter(user=user, role=Role.BIDDER).values(
        "organisation"
    )
    return (
        BidderNotification.objects.filter(organisation__in=organisations)
        .select_related("notice", "notice__tender")
        .order_by("-created_at")
    )


def tender_bid_security_refunds(*, tender: Tender) -> list[RefundDue]:
    """When the tender's bid security is due back to the winner and to the other bidders
    (trading.law.periods.bid_security_refund_due), each None until the award notice or the contract
    it counts from; empty when the tender asks no security. The supervisors' console reads
    these (issue #16)."""
    if tender.bid_security_fen == 0:
        return []
    award = Award.objects.filter(tender=tender).only("award_notice_at").first()
    contract = Contract.objects.filter(tender=tender).only("signed_at").first()
    return bid_security_refund_due(
        tender.project.regime,
        award_notice_at=award.award_notice_at if award else None,
        contract_signed_at=contract.signed_at if contract else None,
    )


@dataclass(frozen=True)
class ObjectionSeen:
    """An objection to the tender documents as one reader may see it: `organisation` is None
    while its author is secret to that reader."""

    id: UUID
    tender_id: UUID
    text: str
    state: str
    raised_at: datetime
    answer_due: datetime
    answer: str
    answered_at: datetime | None
    organisation: str | None


@dataclass(frozen=True)
class _Reader:
    """What decides whether a user may learn who objected: read once per page."""

    supervisor: bool
    bidder_of: frozenset
    now: datetime

    @classmethod
    def of(cls, user: User) -> "_Reader":
        memberships = list(
            RoleMembership.objects.filter(
                user=user, role__in=(Role.SUPERVISOR, Role.BIDDER)
            ).values_list("role", "organisation_id")
        )
        return cls(
            supervisor=any(role == Role.SUPERVISOR for role, _ in memberships),
            bidder_of=frozenset(org for role, org in memberships if role == Role.BIDDER),
            now=database_now(),
        )

    def knows_author(self, objection: DocumentObjection) -> bool:
        """Only bidders that obtained the documents object, so naming the author before the
        deadline would tell the tenderee who obtained them (办法 第二十一条): the author is
        shown to its own organisation and to supervisors, to anyone else from the deadline."""
        deadline = objection.tender.bid_deadline
        return (
            (deadline is not None and self.now >= deadline)
            or self.supervisor
            or objection.organisation_id in self.bidder_of
        )

    def see(self, objection: DocumentObjection) -> ObjectionSeen:
        return ObjectionSeen(
            id=objection.pk,
            tender_id=objection.tender_id,
            text=objection.text,
            state=objection.state,
            raised_at=objection.raised_at,
            answer_due=objection.answer_due,
            answer=objection.answer,
            answered_at=objection.answered_at,
            organisation=objection.organisation.name if self.knows_author(objection) else None,
        )


def objection_seen(*, user: User, objection: DocumentObjection) -> ObjectionSeen:
    """One objection to the tender documents as `user` may see it."""
    return _Reader.of(user).see(objection)


def open_objections_seen(*, user: User, tenders: list[Tender]) -> dict[UUID, list[ObjectionSeen]]:
    """The unanswered objections of each tender, as `user` may see them (three queries)."""
    reader = _Reader.of(user)
    seen: dict[UUID, list[ObjectionSeen]] = {tender.pk: [] for tender in tenders}
    for objection in DocumentObjection.objects.filter(
        tender__in=tenders, state=ObjectionState.RAISED
    ).select_related("organisation", "tender"):
        seen[objection.tender_id].append(reader.see(objection))
    return seen


# The lifecycle steps the workspace offers a button for (the others have forms of their own or
# are the platform's: closing, opening).
WORKSPACE_ACTIONS = ("publish", "cancel")


@dataclass(frozen=True)
class WorkspaceTender:
    """One row of the tenderee's or agent's workspace."""

    tender: Tender
    actions: list[str]  # of WORKSPACE_ACTIONS, those the tender's state allows now
    objections: list[ObjectionSeen]  # unanswered, as this reader may see them


def workspace_tenders(*, user: User) -> list[WorkspaceTender]:
    """The tenders the user manages, newest first, each with its actions and open objections.
    Who objected stays secret until the deadline (办法 第二十一条): `open_objections_seen`
    decides."""
    tenders = list(tenders_managed_by(user=user))
    objections = open_objections_seen(user=user, tenders=tenders)
    return [
        WorkspaceTender(
            tender=tender,
            actions=[
                transition.name
                for transition in tender.get_available_state_transitions()
                if transition.name in WORKSPACE_ACTIONS
            ],
            objections=objections[tender.pk],
        )
        for tender in tenders
    ]


# --- After evaluation: the tenderee's steps from the candidates to the bid security refunds ---

REFUND_ACTION = "bid_security.refunded"  # the event trading.bid_security writes


@dataclass(frozen=True)
class AfterEvaluationStep:
    """One step of the tenderee's work after the evaluation report, as the workspace shows it:
    `status` is "done", "next" (the one to take now), "waiting" (its time has not come) or
    "later" (an earlier step comes first)."""

    code: str  # names the page, never shown
    status: str
    due: datetime | None = None  # the legal limit or the moment it becomes possible


@dataclass(frozen=True)
class RefundRecorded:
    recipients: str
    refunded_at: datetime
    recorded_at: datetime


@dataclass(frozen=True)
class AfterEvaluation:
    """Everything the pages after the evaluation show of one tender (a fixed number of
    queries)."""

    tender: Tender
    publicity: CandidatePublicity | None
    candidates: list[Candidate]
    objections: list[CandidateObjection]  # every objection to the result, oldest first
    award: Award | None
    contract: Contract | None
    refunds_due: list[RefundDue]
    refunds: list[RefundRecorded]
    now: datetime

    @property
    def open_objections(self) -> list[CandidateObjection]:
        return [item for item in self.objections if item.state == ObjectionState.RAISED]

    @property
    def publicity_over(self) -> bool:
        return self.publicity is not None and self.now >= self.publicity.ends_at

    def refunded(self, recipients: str) -> bool:
        return any(item.recipients == recipients for item in self.refunds)

    @property
    def steps(self) -> list[AfterEvaluationStep]:
        """The steps in their legal order, the first not done marked "next" when it can be
        taken now (the services decide again)."""
        publicized = self.publicity is not None
        awarded = self.award is not None
        raw: list[tuple[str, bool, bool, datetime | None]] = [
            # (code, done, possible now, when)
            (
                "candidates",
                publicized,
                self.tender.state == TenderState.EVALUATING,
                None,
            ),
            (
                "objections",
                publicized and not self.open_objections,
                bool(self.open_objections),
                min((item.answer_due for item in self.open_objections), default=None),
            ),
            (
                "award",
                awarded,
                publicized
                and self.publicity_over
                and not self.open_objections
                and self.tender.state == TenderState.PUBLICIZING,
                self.publicity.ends_at if self.publicity else None,
            ),
            (
                "contract",
                self.contract is not None,
                awarded and self.tender.state == TenderState.AWARDED,
                self.award.contract_due if self.award else None,
            ),
        ]
        if self.tender.bid_security_fen > 0:
            dues = [item.due for item in self.refunds_due if item.due is not None]
            raw.append(
                (
                    "refunds",
                    all(self.refunded(item) for item in ("winner", "others")),
                    awarded,
                    min(dues, default=None),
                )
            )
        steps, next_given = [], False
        for code, done, possible, when in raw:
            if done:
                status = "done"
            elif not next_given and possible:
                status, next_given = "next", True
            elif not next_given:
                status = "waiting"
            else:
                status = "later"
            steps.append(AfterEvaluationStep(code=code, status=status, due=when))
        return steps

    @property
    def next_step(self) -> str | None:
        return next((step.code for step in self.steps if step.status == "next"), None)


def after_evaluation(*, tender: Tender) -> AfterEvaluation:
    """The candidates, objections, award, contract and bid security refunds of one tender."""
    publicity = CandidatePublicity.objects.select_related("notice").filter(tender=tender).first()
    award = Award.objects.select_related("winner", "announcement").filter(tender=tender).first()
    contract = Contract.objects.select_related("supplier").filter(tender=tender).first()
    refunds = [
        RefundRecorded(
            recipients=event.payload.get("recipients", ""),
            refunded_at=datetime.fromisoformat(event.payload["refunded_at"]),
            recorded_at=event.occurred_at,
        )
        for event in Event.objects.filter(
            object_type="trading.tender", object_id=str(tender.pk), action=REFUND_ACTION
        ).order_by("sequence")
    ]
    refunds_due = (
        bid_security_refund_due(
            tender.project.regime,
            award_notice_at=award.award_notice_at if award else None,
            contract_signed_at=contract.signed_at if contract else None,
        )
        if tender.bid_security_fen > 0
        else []
    )
    return AfterEvaluation(
        tender=tender,
        publicity=publicity,
        candidates=list(
            Candidate.objects.filter(tender=tender).select_related("organisation").order_by("rank")
        ),
        objections=list(
            CandidateObjection.objects.filter(tender=tender)
            .select_related("organisation")
            .order_by("raised_at")
        ),
        award=award,
        contract=contract,
        refunds_due=refunds_due,
        refunds=refunds,
        now=database_now(),
    )


def award_letters_for(*, user: User) -> QuerySet[AwardLetter]:
    """The award and result notices sent to the organisations the user acts for as a bidder,
    newest first."""
    organisations = RoleMembership.objects.filter(user=user, role=Role.BIDDER).values(
        "organisation"
    )
    return (
        AwardLetter.objects.filter(organisation__in=organisations)
        .select_related("tender", "organisation")
        .order_by("-issued_at")
    )


def award_letter_seen(*, user: User, letter_id: object) -> AwardLetter | None:
    """One letter, to a bidder of its recipient or to the tenderee or agent of its tender;
    None to anyone else (the page answers 404: nobody learns another's letter exists)."""
    letter = award_letters_for(user=user).filter(pk=letter_id).first()
    if letter is not None:
        return letter
    managed = tenders_managed_by(user=user).values("pk")
    return (
        AwardLetter.objects.filter(pk=letter_id, tender__in=managed)
        .select_related("tender", "organisation")
        .first()
    )


def _bidder_organisations(user: User) -> QuerySet:
    return RoleMembership.objects.filter(user=user, role=Role.BIDDER).values("organisation")


def document_objections_of(*, user: User) -> QuerySet[DocumentObjection]:
    """The objections to tender documents raised by the organisations the user acts for as a
    bidder, with their answers, newest first."""
    return (
        DocumentObjection.objects.filter(organisation__in=_bidder_organisations(user))
        .select_related("tender", "organisation")
        .order_by("-raised_at")
    )


def candidate_objections_of(*, user: User) -> QuerySet[CandidateObjection]:
    """The objections to evaluation results raised by the organisations the user acts for as a
    bidder, with their answers, newest first."""
    return (
        CandidateObjection.objects.filter(organisation__in=_bidder_organisations(user))
        .select_related("tender", "organisation")
        .order_by("-raised_at")
    )


def publicities_open_to(*, user: User) -> list[CandidatePublicity]:
    """The candidate publicities running now whose report names an organisation the user acts
    for as a bidder: those it may object to (条例 第五十四条; the service decides again)."""
    publicizing = Q(tender__state=TenderState.PUBLICIZING) | Q(
        tender__state=TenderState.SUSPENDED,
        tender__state_before_suspension=TenderState.PUBLICIZING,
    )
    return list(
        CandidatePublicity.objects.filter(
            publicizing,
            bidders__in=_bidder_organisations(user),
            ends_at__gt=database_now(),
        )
        .select_related("tender", "notice")
        .prefetch_related("tender__candidates__organisation")
        .distinct()
        .order_by("ends_at")
    )


def draft_hidden_from(*, user: User, tender_id: Any) -> bool:
    """Whether the user is to be told the tender does not exist: no tender has the id, or it is
    a draft and the user is none of its managers, the members of its opening committee (who
    contribute their escrow parts to the draft) and the supervisor (docs/hardening.md
    "Permission matrix")."""
    tender = Tender.objects.filter(pk=tender_id).first()
    if tender is None:
        return True
    if tender.state != TenderState.DRAFT:
        return False
    if user_has_role(user=user, role=Role.SUPERVISOR):
        return False
    members = (tender.opening_committee or {}).get("members", [])
    if str(user.pk) in members:
        return False
    return not tenders_managed_by(user=user).filter(pk=tender.pk).exists()


def tender_of_document(document_id: Any) -> Any:
    """The id of the tender a document belongs to (None for an unknown document)."""
    from trading.models import TenderDocument

    return TenderDocument.objects.filter(pk=document_id).values_list("tender_id", flat=True).first()
