"""The cast of closed-area stories: a tender whose real sealed bids were opened and decrypted
(tests/bids/opening.py), its panel and session, and an expert holding a certificate.

The room's network in these stories is 10.20.0.0/16; an expert inside it writes from
10.20.1.5, anyone outside from 10.9.0.1.
"""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import Role
from accounts.services import certificate_bind
from bids.models import Bid
from evaluation.models import EvaluationSession, PanelSeat
from monitoring.services import PLATFORM
from signing.credentials import Credential
from storage.objects import MINIMUM_PART_SIZE
from tests.bids.conftest import certificate_login
from tests.bids.opening import OpeningStory, build_opening
from tests.evaluation.factories import (
    EvaluationSessionFactory,
    ExpertFactory,
    ExpertUserFactory,
    PanelFactory,
    PanelSeatFactory,
)
from trading.models import Tender

ROOM_NETWORK = "10.20.0.0/16"
ROOM_ADDRESS = "10.20.1.5"
OUTSIDE_ADDRESS = "10.9.0.1"

# What each bidder seals: a technical offer and a price file (the two envelopes' price part).
TECHNICAL = b"TECHNICAL-OFFER-PLAINTEXT " * 3000  # 78 KB: five Cobblestone chunks
PRICE = b"PRICE-SCHEDULE-PLAINTEXT " * 100
CONTENTS = (TECHNICAL, PRICE)
# tests/bids/conftest.py `seal` names the files by position.
TECHNICAL_NAME, PRICE_NAME = "file-0.pdf", "file-1.pdf"


@pytest.fixture
def room_settings(settings, platform_ca, s3_server):
    settings.BID_UPLOAD_PART_SIZE = MINIMUM_PART_SIZE
    settings.BID_MAX_SIZE = 2 * 1024**3
    settings.EVALUATION_ROOM_NETWORKS = [ROOM_NETWORK]
    settings.PLATFORM_TRUSTED_PROXY_COUNT = 0
    return settings


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class RoomStory:
    opening: OpeningStory
    session: EvaluationSession
    seat: PanelSeat
    credential: Credential
    certificate_authority: object
    clients: list[Client] = field(default_factory=list)

    @property
    def tender(self) -> Tender:
        return self.opening.tender

    @property
    def expert(self):
        return self.seat.user

    def bids(self) -> list[Bid]:
        return list(Bid.objects.filter(tender=self.tender).order_by("sequence"))

    def client(self, *, address: str = ROOM_ADDRESS, **headers: str) -> Client:
        """The expert's browser, logged in with its certificate, from `address`."""
        client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address, **headers)
        certificate_login(client, self.credential)
        return client

    def password_client(self, *, address: str = ROOM_ADDRESS) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address)
        client.force_login(self.expert)
        return client

    def bids_url(self, tender_id=None) -> str:
        return f"/evaluation/room/{tender_id or self.tender.pk}/"

    def file_url(self, bid_id, index: int, tender_id=None) -> str:
        return f"/evaluation/room/{tender_id or self.tender.pk}/bids/{bid_id}/files/{index}"

    def api_bids_url(self) -> str:
        return f"/api/v1/evaluation/room/{self.tender.pk}/bids"

    def api_file_url(self, bid_id, index: int) -> str:
        return f"/api/v1/evaluation/room/{self.tender.pk}/bids/{bid_id}/files/{index}"

    def scheme(self, **flags) -> None:
        scheme = {**self.tender.scoring_scheme, **flags}
        Tender.objects.filter(pk=self.tender.pk).update(scoring_scheme=scheme)

    def window(self, *, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
        EvaluationSession.objects.filter(pk=self.session.pk).update(
            starts_at=starts_at, ends_at=ends_at
        )

    def another_expert(self, *, seat_state: str | None = None, index: int = 1):
        """Another expert with a certificate; seated on this panel in `seat_state` if given."""
        credential = expert_credential(self.certificate_authority, index)
        expert = ExpertFactory()
        certificate_bind(user=expert.user, certificate=credential.certificate, actor=PLATFORM)
        if seat_state is not None:
            PanelSeatFactory(panel=self.session.panel, expert=expert, state=seat_state)
        client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=ROOM_ADDRESS)
        certificate_login(client, credential)
        return expert.user, client


def expert_credential(certificate_authority, index: int = 0) -> Credential:
    return certificate_authority.issue_person(
        name=f"专家{index}", person_id=f"11010819800101{index:04d}", key_type="ec-p256"
    )


def opened_tender(certificate_authority, *, bidders: int, contents=CONTENTS) -> OpeningStory:
    """Real sealed bids, opened: every bidder hands over its key and the worker decrypts."""
    story = build_opening(certificate_authority, bidders=bidders, contents=contents)
    story.reach_deadline()
    for bidder in story.bidders:
        assert bidder.post(story.tender_id, "sign-in").status_code == 200
    started = story.host_post("start")
    assert started.status_code == 200, started.json()
    for bidder in story.bidders:
        response = bidder.hand_over_key(story.tender_id)
        assert response.status_code == 202, response.json()
    assert story.run_decryptions() == ["decrypted"] * bidders
    return story


def build_room(certificate_authority, *, bidders: int = 2, contents=CONTENTS) -> RoomStory:
    """An opened tender, its panel with one confirmed expert and its session open now."""
    opening = opened_tender(certificate_authority, bidders=bidders, contents=contents)
    panel = PanelFactory(tender=opening.tender, state="complete")
    session = EvaluationSessionFactory(
        panel=panel,
        starts_at=now() - dt.timedelta(minutes=30),
        ends_at=now() + dt.timedelta(hours=4),
    )
    credential = expert_credential(certificate_authority)
    user = ExpertUserFactory()
    certificate_bind(user=user, certificate=credential.certificate, actor=PLATFORM)
    seat = PanelSeatFactory(panel=panel, expert=ExpertFactory(user=user), state="confirmed")
    assert user.memberships.filter(role=Role.EXPERT).exists()
    return RoomStory(opening, session, seat, credential, certificate_authority)


def stored_objects() -> set[tuple[str, str, int]]:
    """Every object in the platform's buckets: (bucket, key, size)."""
    from minio import Minio

    client = Minio(
        endpoint=settings.S3_ENDPOINT,
        access_key=settings.S3_ACCESS_KEY,
        secret_key=settings.S3_SECRET_KEY,
        secure=settings.S3_SECURE,
    )
    return {
        (bucket, item.object_name, item.size)
        for bucket in settings.S3_BUCKETS.values()
        for item in client.list_objects(bucket_name=bucket, recursive=True)
    }
