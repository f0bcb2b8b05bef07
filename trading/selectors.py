"""Queries of the trading app; each page costs a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from accounts.models import Role, RoleMembership, User
from accounts.selectors import user_has_role
from monitoring.clock import database_now
from trading.law.periods import RefundDue, bid_security_refund_due
from trading.models import (
    Award,
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
) -> QuerySet[Tender]:
    tenders = (
        _public(Tender.objects.all())
        .select_related("project", "project__tenderee", "project__agent")
        .defer("search_text", "search_grams")
        .order_by("-published_at", "id")
    )
    # Through the n-gram and trigram indexes (trading/search.py), never a scan of every title.
    terms = search if isinstance(search, SearchTerms) else SearchTerms.of(search)
    if terms.texts:
        tenders = tenders.filter(matching(terms))
    if category:
        tenders = tenders.filter(category=category)
    if region:
        tenders = tenders.filter(project__region__startswith=region)
    if state:
        tenders = tenders.filter(state=state)
    return tenders


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
