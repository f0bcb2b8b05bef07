"""Stories of the draw start from a tender past its deadline with bidders, and a pool."""

import uuid

from accounts.models import Role
from bids.models import Bid, BidUpload
from evaluation.models import Expert
from tests.evaluation.factories import REGION, SPECIALTY, ExpertFactory
from tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    ProjectFactory,
    TenderFactory,
    days_from_now,
)
from trading.models import Tender, TenderState
from trading.services import Acting


def bid_on(tender: Tender, organisation, *, state: str = "submitted") -> Bid:
    """A bid row of `organisation` (no file stored: the draw reads only who bid)."""
    user = MembershipFactory(role=Role.BIDDER, organisation=organisation).user
    sequence = Bid.objects.filter(tender=tender).count() + 1
    upload = BidUpload.objects.create(
        tender=tender,
        bidder=organisation,
        user=user,
        certificate_sha256="0" * 64,
        size=1,
        part_size=1,
        bucket="bids",
        object_key=f"bids/{uuid.uuid4()}",
        storage_upload_id="-",
        state="complete",
        created_at=days_from_now(-2),
    )
    return Bid.objects.create(
        tender=tender,
        bidder=organisation,
        submitted_by=user,
        upload=upload,
        state=state,
        sequence=sequence,
        received_at=days_from_now(-2),
        size=1,
        header_sha256="0" * 64,
        ciphertext_sha256="0" * 64,
        signer_certificate_sha256="0" * 64,
        sealed_at="2026-01-01T00:00:00Z",
    )


def tender_past_deadline(
    *,
    state: str = TenderState.OPENED,
    regime: str = "works",
    bidders: int = 3,
    agent: bool = True,
    estimated_price_fen: int = 12_500_000_00,
    tenderee=None,
    deadline_in_days: float = -1,
) -> Tender:
    """A tender whose deadline has passed, with `bidders` submitted bids, a tenderee's person
    (`tender.acting`), an agent's person (`tender.agent_acting`) and the bidders' organisations
    (`tender.bidders`). Moved into `state` by a queryset update (the lifecycle is trading's)."""
    project = ProjectFactory(
        regime=regime,
        agent=OrganisationFactory() if agent else None,
        **({"tenderee": tenderee} if tenderee is not None else {}),
    )
    tender = TenderFactory(
        project=project,
        estimated_price_fen=estimated_price_fen,
        bid_deadline=days_from_now(deadline_in_days),
        documents_from=days_from_now(-30),
        documents_until=days_from_now(-10),
        clarification_cutoff=days_from_now(-15),
    )
    Tender.objects.filter(pk=tender.pk).update(state=state, published_at=days_from_now(-30))
    tender.refresh_from_db()
    tender.acting = Acting(
        user=MembershipFactory(role=Role.TENDEREE, organisation=project.tenderee).user
    )
    tender.agent_acting = (
        Acting(user=MembershipFactory(role=Role.AGENT, organisation=project.agent).user)
        if agent
        else None
    )
    tender.bidders = [OrganisationFactory() for _ in range(bidders)]
    for organisation in tender.bidders:
        bid_on(tender, organisation)
    return tender


def pool(count: int, *, specialty: str = SPECIALTY, region: str = REGION, **fields) -> list[Expert]:
    return ExpertFactory.create_batch(count, specialties=[specialty], region=region, **fields)


def tenderee_person(tender: Tender):
    """Another person acting for the tenderee: a representative it may name."""
    return MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user


def request_five(tender: Tender, *, acting=None, region: str = "", specialty: str = SPECIALTY):
    """A panel of five experts of one specialty, requested by the tenderee."""
    from evaluation.panel.request import panel_request

    return panel_request(
        acting=acting or tender.acting,
        tender_id=tender.pk,
        specialties=[{"specialty": specialty, "count": 5}],
        region=region,
        size=5,
    )


def confirm_all(panel) -> None:
    from evaluation.models import PanelSeat
    from evaluation.panel.seats import seat_confirm

    for seat in PanelSeat.objects.filter(panel=panel, kind="expert", state="drawn"):
        seat_confirm(acting=Acting(user=seat.user), seat_id=seat.pk)


def complete_panel(tender: Tender):
    """A panel of five, every seat confirmed."""
    panel = request_five(tender)
    confirm_all(panel)
    panel.refresh_from_db()
    return panel


def seat_of(panel, *, state: str = "drawn"):
    from evaluation.models import PanelSeat

    return PanelSeat.objects.filter(panel=panel, kind="expert", state=state).first()
