"""The cast and props of opening-hall stories: a tender with bids sealed for real, its deadline
passed, the host, the committee, and each bidder's client doing what bidtool does.

Bidders and members hold EC P-256 certificates (fast to issue); one bidder per index.
"""

import base64
import datetime as dt
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.test import Client

from accounts.models import Organisation, Role
from accounts.services import certificate_bind
from accounts.uscc import make_uscc
from bids.models import BidDecryption
from bids.opening.decryption import decrypt_bid
from monitoring.services import PLATFORM
from signing.credentials import Credential
from signing.envelope.escrow_parts import deal_escrow_part, open_member_shares, seal_member_shares
from signing.envelope.format import wrap_info
from signing.envelope.keywrap import unwrap_key
from tests.bids.conftest import BidClient, certificate_login, seal
from tests.factories import MembershipFactory, TenderFactory, UserFactory
from trading.models import Tender, TenderState
from trading.services import Acting, tender_publish, tender_sweep_due


def price_sheet(total_price_fen: int) -> dict:
    return {
        "total_price_fen": total_price_fen,
        "duration_days": 200,
        "quality": "合格",
        "other": {"bid_security": "已缴纳"},
    }


@dataclass
class HallBidder:
    name: str
    uscc: str
    credential: Credential
    client: Client
    price_fen: int
    bid_id: str = ""

    def hall(self, tender_id) -> dict:
        return self.client.get(f"/api/v1/tenders/{tender_id}/opening").json()

    def post(self, tender_id, action: str, body: dict | None = None):
        return self.client.post(
            f"/api/v1/tenders/{tender_id}/opening/{action}",
            body or {},
            content_type="application/json",
        )

    def unwrapped_key(self, tender_id) -> bytes:
        """What `bidtool decrypt` does on the bidder's machine: fetch and unwrap locally."""
        wrapped = self.client.get(f"/api/v1/tenders/{tender_id}/opening/wrapped-key").json()
        info = wrap_info(
            tender_id=wrapped["tender_id"], bidder_uscc=wrapped["bidder_uscc"], role=wrapped["role"]
        )
        return unwrap_key(
            wrapped["method"],
            base64.b64decode(wrapped["wrapped_key"]),
            self.credential.private_key,
            info=info,
        )

    def hand_over_key(self, tender_id, key: bytes | None = None):
        key = self.unwrapped_key(tender_id) if key is None else key
        return self.post(tender_id, "data-key", {"data_key": base64.b64encode(key).decode("ascii")})


@dataclass
class CommitteeMember:
    user: object
    credential: Credential
    client: Client

    def contribute(self, tender_id) -> dict:
        """What `bidtool escrow contribute` does while the tender is a draft: deal a part of
        the escrow key to the committee, here, and send it."""
        path = f"/api/v1/tenders/{tender_id}/escrow-part"
        brief = self.client.get(path).json()
        part = deal_escrow_part(
            tender_id=brief["tender"],
            dealer_number=brief["member_number"],
            threshold=brief["threshold"],
            member_certificates=[
                x509.load_der_x509_certificate(base64.b64decode(member["certificate"]))
                for member in brief["members"]
            ],
        )
        response = self.client.post(path, {"part": part.to_json()}, content_type="application/json")
        assert response.status_code == 201, response.json()
        return response.json()

    def opened_shares(self, tender_id) -> dict[str, str]:
        """What `bidtool escrow-share` does first: fetch the shares and open them locally."""
        body = self.share_body(tender_id)
        return open_member_shares(body["share"]["parts"], self.credential.private_key)

    def share_body(self, tender_id) -> dict:
        return self.client.get(f"/api/v1/tenders/{tender_id}/opening/escrow-share").json()

    def sealed_shares(self, tender_id, opened: dict[str, str] | None = None) -> dict:
        """…then encrypt them to the key service: the body `bidtool escrow-share` sends."""
        body = self.share_body(tender_id)
        opened = self.opened_shares(tender_id) if opened is None else opened
        key = serialization.load_pem_public_key(body["submit_to"]["public_key"].encode())
        method, wrapped = seal_member_shares(
            opened,
            key_service_key=key,
            tender_id=body["tender"],
            escrow_key_id=body["escrow_key_id"],
            member_number=body["share"]["member_number"],
        )
        return {"method": method, "wrapped_share": base64.b64encode(wrapped).decode("ascii")}

    def submit_share(self, tender_id, opened: dict[str, str] | None = None):
        return self.client.post(
            f"/api/v1/tenders/{tender_id}/opening/escrow-share",
            self.sealed_shares(tender_id, opened),
            content_type="application/json",
        )


@dataclass
class OpeningStory:
    tender: Tender
    host: Client
    host_user: object
    bidders: list[HallBidder]
    members: list[CommitteeMember] = field(default_factory=list)

    @property
    def tender_id(self) -> str:
        return str(self.tender.pk)

    def host_post(self, action: str, body: dict | None = None):
        return self.host.post(
            f"/api/v1/tenders/{self.tender_id}/opening/{action}",
            body or {},
            content_type="application/json",
        )

    def refresh(self) -> Tender:
        self.tender.refresh_from_db()
        return self.tender

    def reach_deadline(self) -> None:
        """The deadline passes and the chronograph opens the hall."""
        Tender.objects.filter(pk=self.tender.pk).update(
            bid_deadline=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        )
        tender_sweep_due()
        assert self.refresh().state == TenderState.OPENING

    def run_decryptions(self) -> list[str]:
        """The worker's part, run in the test process: every job with an accepted key."""
        return [
            decrypt_bid(decryption.pk)
            for decryption in BidDecryption.objects.filter(
                session__tender=self.tender, state="decrypting"
            )
        ]


def _client(credential: Credential) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.9.0.1")
    certificate_login(client, credential)
    return client


def build_opening(
    certificate_authority,
    *,
    bidders: int,
    committee: int = 0,
    threshold: int = 2,
    prices: list[int] | None = None,
    contents: tuple[bytes, ...] = (b"technical offer " * 64,),
    scheme: dict | None = None,
) -> OpeningStory:
    """A published tender with `bidders` sealed, submitted bids (escrow-sealed when there is a
    committee), before its deadline; `scheme` is added to its scoring scheme."""
    draft = TenderFactory()
    if scheme:
        Tender.objects.filter(pk=draft.pk).update(scoring_scheme={**draft.scoring_scheme, **scheme})
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=draft.project.tenderee)
    members = []
    for index in range(committee):
        credential = certificate_authority.issue_person(
            name=f"委员{index}", person_id=f"11010119900101{index:04d}", key_type="ec-p256"
        )
        user = UserFactory(username=f"committee-{draft.pk.hex[:6]}-{index}")
        certificate_bind(user=user, certificate=credential.certificate, actor=PLATFORM)
        members.append(CommitteeMember(user, credential, None))  # type: ignore[arg-type]
    if members:
        Tender.objects.filter(pk=draft.pk).update(
            opening_committee={
                "members": [str(member.user.pk) for member in members],
                "threshold": threshold,
            }
        )
    for member in members:
        member.client = _client(member.credential)
        member.contribute(draft.pk)
    tender = tender_publish(
        acting=Acting(user=tenderee.user, client_ip="10.0.0.8"), tender_id=draft.pk
    )
    escrow_key = None
    if members:
        escrow_key = serialization.load_pem_public_key(tender.escrow.public_key_pem.encode())
    host = Client(HTTP_ACCEPT_LANGUAGE="en")
    host.force_login(tenderee.user)
    cast = []
    prices = prices or [10_000_000_00 + index * 12_345_00 for index in range(bidders)]
    for index in range(bidders):
        name = f"投标人{index}建设有限公司"
        uscc = make_uscc(
            authority="9",
            organisation_type="1",
            division="310000",
            body=f"{draft.lot_number % 100:02d}{index:06d}",
        )
        credential = certificate_authority.issue_organisation(
            name=name, uscc=uscc, key_type="ec-p256"
        )
        organisation = Organisation.objects.filter(
            uscc=uscc
        ).first() or Organisation.objects.create(name=name, uscc=uscc)
        membership = MembershipFactory(
            role=Role.BIDDER, organisation=organisation, user=UserFactory(username=f"bidder-{uscc}")
        )
        certificate_bind(user=membership.user, certificate=credential.certificate, actor=PLATFORM)
        client = _client(credential)
        sealed = seal(
            credential,
            tender.pk,
            contents=contents,
            price_sheet=price_sheet(prices[index]),
            escrow_public_key=escrow_key,
        )
        response = BidClient(client).submit(tender.pk, sealed)
        assert response.status_code in (200, 201), response.json()
        cast.append(
            HallBidder(name, uscc, credential, client, prices[index], response.json()["bid"]["id"])
        )
    return OpeningStory(tender, host, tenderee.user, cast, members)
