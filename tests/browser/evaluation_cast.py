"""The cast of the expert's journey: a tender whose real sealed bids were opened (tests/bids),
a pool of exactly five experts holding certificates (the draw seats them all), and the other
members' tools: their own certificate sessions on the API, as in tests/evaluation."""

from dataclasses import dataclass
from typing import Any

from django.test import Client

from accounts.acting import Acting
from accounts.models import User
from accounts.services import certificate_bind
from evaluation.models import Panel, PanelSeat
from evaluation.panel.request import panel_request
from monitoring.services import PLATFORM
from signing.credentials import Credential
from tests.bids.conftest import certificate_login
from tests.bids.opening import OpeningStory, build_opening
from tests.evaluation.factories import SPECIALTY, ExpertFactory

PRICES = [10_000_000_00, 10_300_000_00, 9_700_000_00]
TECHNICAL = b"TECHNICAL-OFFER-PLAINTEXT " * 3000
PRICE = b"PRICE-SCHEDULE-PLAINTEXT " * 100
PANEL_SIZE = 5


@dataclass
class Member:
    user: User
    credential: Credential
    seat: PanelSeat
    client: Client | None = None  # its certificate session on the API (the others only)


def opened(certificate_authority, settings) -> OpeningStory:
    """Three bids sealed, submitted, decrypted and the opening record finalised."""
    settings.OPENING_CONFIRMATION_MINUTES = 0
    story = build_opening(
        certificate_authority, bidders=len(PRICES), prices=PRICES, contents=(TECHNICAL, PRICE)
    )
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    for bidder in story.bidders:
        assert bidder.hand_over_key(story.tender_id).status_code == 202
    assert story.run_decryptions() == ["decrypted"] * len(PRICES)
    assert story.host_post("finalise").json()["outcome"] == "opened"
    return story


def drawn_panel(story: OpeningStory, certificate_authority) -> tuple[Panel, list[Member]]:
    """Five experts with certificates in the pool; the tenderee requests a panel of five, so the
    draw seats each of them (drawn, not yet confirmed)."""
    credentials = {}
    for index in range(PANEL_SIZE):
        expert = ExpertFactory(user__full_name=f"评标专家{index}")
        credential = certificate_authority.issue_person(
            name=f"评标专家{index}", person_id=f"11010819800101{index:04d}", key_type="ec-p256"
        )
        certificate_bind(user=expert.user, certificate=credential.certificate, actor=PLATFORM)
        credentials[expert.user.pk] = credential
    panel = panel_request(
        acting=Acting(user=story.host_user, client_ip="10.0.0.8"),
        tender_id=story.tender.pk,
        specialties=[{"specialty": SPECIALTY, "count": PANEL_SIZE}],
        size=PANEL_SIZE,
    )
    seats = PanelSeat.objects.filter(panel=panel).select_related("user").order_by("user__username")
    return panel, [Member(seat.user, credentials[seat.user_id], seat) for seat in seats]


def api_session(member: Member) -> Client:
    """The member's certificate session from inside the room (127.0.0.1, the default room)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="127.0.0.1")
    certificate_login(client, member.credential)
    member.client = client
    return client


def post(client: Client, tender_id: str, step: str, body: dict[str, Any] | None = None) -> Any:
    response = client.post(
        f"/api/v1/tenders/{tender_id}/evaluation/{step}",
        body or {},
        content_type="application/json",
    )
    assert response.status_code == 200, (step, response.json())
    return response.json()


def seen(client: Client, tender_id: str) -> Any:
    return client.get(f"/api/v1/tenders/{tender_id}/evaluation").json()
