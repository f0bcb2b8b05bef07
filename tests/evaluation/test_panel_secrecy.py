"""Until the panel is revealed its members are secret (条例 第四十六条): the tenderee and its agent
see counts and states, bidders nothing, an expert its own seat, supervisors everything (each
read an event); then the draw record is public."""

import json

import pytest

from accounts.models import Role
from evaluation.models import PanelSeat, SeatKind
from evaluation.panel.reveal import panel_reveal
from evaluation.panel.seats import seat_decline
from evaluation.panel.selectors import panel_disclosure_read
from monitoring.models import Event
from monitoring.services import PLATFORM
from tests.evaluation.draw_setup import (
    SPECIALTY,
    complete_panel,
    pool,
    request_five,
    seat_of,
    tender_past_deadline,
)
from tests.factories import MembershipFactory, UserFactory
from trading.services import Acting

pytestmark = pytest.mark.django_db


def progress_url(tender) -> str:
    return f"/api/v1/tenders/{tender.pk}/panel/progress"


def record_url(tender) -> str:
    return f"/api/v1/tenders/{tender.pk}/panel/draw-record"


def test_the_tenderee_sees_counts_and_states_but_no_experts_name(client):
    tender = tender_past_deadline()
    experts = pool(6)
    panel = request_five(tender)
    seat = seat_of(panel)
    seat_decline(acting=Acting(user=seat.user), seat_id=seat.pk, reason="出差")
    client.force_login(tender.acting.user)

    body = client.get(progress_url(tender)).json()

    assert (body["state"], body["size"], body["rounds"], body["vacancies"]) == ("drawn", 5, 2, 0)
    assert body["counts"] == {"drawn": 5, "confirmed": 0, "declined": 1, "recused": 0}
    assert {line["name"] for line in body["seats"]} == {""}
    page = client.get(f"/evaluation/tenders/{tender.pk}/panel/").content.decode()
    text = json.dumps(body) + page
    for expert in experts:
        assert expert.user.full_name not in text
        assert str(expert.pk) not in text
    assert "出差" not in text


def test_a_bidder_sees_nothing_of_the_panel(client):
    tender = tender_past_deadline()
    pool(5)
    request_five(tender)
    client.force_login(MembershipFactory(role=Role.BIDDER, organisation=tender.bidders[0]).user)

    # Another organisation's tender: told it does not exist (404), never a 403.
    assert client.get(progress_url(tender)).status_code == 404
    assert client.get(f"/evaluation/tenders/{tender.pk}/panel/").status_code == 404
    assert client.get(record_url(tender)).status_code == 404
    assert "panel-panel" not in client.get(f"/tenders/{tender.pk}/").content.decode()


def test_an_expert_sees_its_own_seat_only(client):
    tender = tender_past_deadline()
    pool(5)
    panel = request_five(tender)
    seat = seat_of(panel)
    client.force_login(seat.user)

    body = client.get("/api/v1/panel/seats").json()

    assert body == [
        {
            "id": str(seat.pk),
            "tender": str(tender.pk),
            "tender_title": tender.title,
            "tenderee": tender.project.tenderee.name,
            "specialty": SPECIALTY,
            "state": "drawn",
            "decided_at": None,
        }
    ]
    assert client.get(progress_url(tender)).status_code == 404


def test_a_supervisor_reads_who_sits_and_the_read_is_an_event():
    tender = tender_past_deadline()
    pool(5)
    panel = request_five(tender)
    supervisor = MembershipFactory(role=Role.SUPERVISOR, organisation=None).user

    disclosure = panel_disclosure_read(acting=Acting(user=supervisor), tender_id=tender.pk)

    expert_seats = PanelSeat.objects.filter(panel=panel, kind=SeatKind.EXPERT)
    assert sorted(line.name for line in disclosure.seats) == sorted(
        str(seat.user) for seat in expert_seats
    )
    assert [round_["number"] for round_ in disclosure.rounds] == [1]
    event = Event.objects.get(action="panel.read")
    assert (event.actor, event.role, event.object_id) == (supervisor, "supervisor", str(panel.pk))


def test_an_operator_cannot_read_who_sits():
    from django.core.exceptions import PermissionDenied

    tender = tender_past_deadline()
    pool(5)
    request_five(tender)
    operator = MembershipFactory(role=Role.OPERATOR, organisation=None).user

    with pytest.raises(PermissionDenied):
        panel_disclosure_read(acting=Acting(user=operator), tender_id=tender.pk)
    assert not Event.objects.filter(action="panel.read").exists()


def test_no_event_names_a_drawn_expert_before_the_reveal():
    tender = tender_past_deadline()
    experts = pool(7)
    panel = request_five(tender)
    seat = seat_of(panel)
    seat_decline(acting=Acting(user=seat.user), seat_id=seat.pk, reason="回避")

    readable = json.dumps(
        [
            [event.actor_label, str(event.actor_id), event.payload]
            for event in Event.objects.order_by("sequence")
        ],
        ensure_ascii=False,
    )

    for expert in experts:
        for name in (str(expert.pk), str(expert.user.pk), expert.user.username):
            assert name not in readable


def test_the_draw_record_is_public_only_once_the_panel_is_revealed(client):
    tender = tender_past_deadline()
    pool(5)
    panel = complete_panel(tender)

    assert client.get(record_url(tender)).status_code == 404
    panel_reveal(panel_id=panel.pk, actor=PLATFORM)
    response = client.get(record_url(tender))  # anyone, not logged in

    assert response.status_code == 200
    record = response.json()
    panel.refresh_from_db()
    assert (record["seed"], record["seed_sha256"]) == (panel.seed, panel.seed_sha256)
    assert record["algorithm"]["name"] == "hmac-sha256-rank"
    assert [entry["number"] for entry in record["rounds"]] == [1]
    assert len(record["rounds"][0]["drawn"][SPECIALTY]) == 5
    members = {member["expert"]: member["name"] for member in record["members"]}
    for seat in PanelSeat.objects.filter(panel=panel):
        assert members[str(seat.expert_id)] == seat.user.full_name


def test_the_tender_page_shows_the_record_link_to_anyone_after_the_reveal(client):
    tender = tender_past_deadline()
    pool(5)
    panel = complete_panel(tender)
    panel_reveal(panel_id=panel.pk, actor=PLATFORM)
    client.force_login(UserFactory())

    page = client.get(f"/tenders/{tender.pk}/").content.decode()

    assert record_url(tender) in page
