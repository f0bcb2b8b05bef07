"""The cast of evaluation stories told on rows: an opened tender whose bids are decrypted (rows
as the opening leaves them, without ciphertext: these stories never read a file), its tenderee,
and a complete panel of confirmed experts. The end-to-end story seals and opens for real."""

import hashlib
from dataclasses import dataclass

from accounts.acting import Acting
from accounts.models import Organisation, Role, User, UserCertificate
from bids.models import Bid, BidDecryption, BidState, DecryptionState
from evaluation.models import Panel, PanelSeat, PanelState, SeatState
from tests.evaluation.draw_setup import bid_on
from tests.evaluation.factories import PanelFactory, PanelSeatFactory
from tests.factories import MembershipFactory, OrganisationFactory, TenderFactory, days_from_now
from trading.models import Tender, TenderState

PRICES = [10_000_000_00, 10_200_000_00, 9_800_000_00, 10_500_000_00, 9_900_000_00]


def certificate_sha256_of(user: User) -> str:
    return hashlib.sha256(str(user.pk).encode()).hexdigest()


def bind_certificate(user: User) -> None:
    """A certificate row bound to `user` (no key: these stories never sign), as certificate
    login leaves it; the closed area's gate checks the session's certificate against it."""
    UserCertificate.objects.create(
        user=user,
        certificate_sha256=certificate_sha256_of(user),
        certificate_der=b"",
        subject=f"CN={user.get_username()}",
        serial_number=str(user.pk.int)[:20],
        not_after=days_from_now(365),
    )


def decrypted_bid(tender: Tender, bidder: Organisation, price_fen: int, sequence: int) -> Bid:
    """A bid row as the opening leaves it: decrypted, with its price sheet."""
    bid = bid_on(tender, bidder)
    Bid.objects.filter(pk=bid.pk).update(
        state=BidState.DECRYPTED,
        sequence=sequence,
        header_sha256="b" * 64,
        ciphertext_sha256="c" * 64,
        signer_certificate_sha256="d" * 64,
    )
    BidDecryption.objects.create(
        session=tender.opening, bid=bid, price_sheet={"total_price_fen": price_fen}
    )
    BidDecryption.objects.filter(bid=bid).update(state=DecryptionState.DECRYPTED)
    return Bid.objects.get(pk=bid.pk)


@dataclass
class Evaluation:
    tender: Tender
    tenderee: Acting
    bids: list[Bid]
    seats: list[PanelSeat]

    def member(self, index: int) -> Acting:
        """The member in the evaluation room, in a session opened with its certificate."""
        user = self.seats[index].user
        return Acting(
            user=user, client_ip="127.0.0.1", certificate_sha256=certificate_sha256_of(user)
        )

    @property
    def panel(self) -> Panel:
        return Panel.objects.get(tender=self.tender)


def opened_tender(prices: list[int] | None = None, *, members: int = 5, **scheme) -> Evaluation:
    """An opened tender with a decrypted bid per price and a complete panel of `members`."""
    from bids.models import OpeningSession

    tender = TenderFactory(state=TenderState.OPENED)
    if scheme:
        Tender.objects.filter(pk=tender.pk).update(
            scoring_scheme={**tender.scoring_scheme, **scheme}
        )
        tender.refresh_from_db()
    OpeningSession.objects.create(tender=tender, created_at=days_from_now(-1))
    bids = [
        decrypted_bid(tender, OrganisationFactory(), price, number + 1)
        for number, price in enumerate(prices or PRICES)
    ]
    tenderee: User = MembershipFactory(
        role=Role.TENDEREE, organisation=tender.project.tenderee
    ).user
    panel = PanelFactory(tender=tender, requested_by=tenderee, size=members)
    Panel.objects.filter(pk=panel.pk).update(state=PanelState.COMPLETE)
    PanelSeatFactory.create_batch(members, panel=panel)
    PanelSeat.objects.filter(panel=panel).update(state=SeatState.CONFIRMED)
    for seat in PanelSeat.objects.filter(panel=panel).select_related("user"):
        bind_certificate(seat.user)
    return Evaluation(
        tender=Tender.objects.get(pk=tender.pk),
        tenderee=Acting(user=tenderee, client_ip="10.0.0.8"),
        bids=bids,
        seats=list(PanelSeat.objects.filter(panel=panel).order_by("user__username")),
    )
