"""Queries of the trading app; each page costs a fixed number of queries."""

from django.db.models import Q, QuerySet

from accounts.models import Role, RoleMembership, User
from trading.law.periods import RefundDue, bid_security_refund_due
from trading.models import Award, Contract, Project, Tender, TenderState

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
    search: str = "",
    category: str = "",
    region: str = "",
    state: str = "",
) -> QuerySet[Tender]:
    tenders = (
        _public(Tender.objects.all())
        .select_related("project", "project__tenderee", "project__agent")
        .order_by("-published_at", "id")
    )
    if search:
        tenders = tenders.filter(Q(title__icontains=search) | Q(project__name__icontains=search))
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
        Tender.objects.filter(
            Q(project__tenderee__in=tenderee_of) | Q(project__agent__in=agent_of)
        )
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
