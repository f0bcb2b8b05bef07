"""The panel's pages and API: the tenderee's request and progress, the expert's invitations."""

import pytest

from evaluation.models import Panel, PanelSeat, SeatKind
from monitoring.models import Event
from tests.evaluation.draw_setup import (
    SPECIALTY,
    pool,
    request_five,
    seat_of,
    tender_past_deadline,
    tenderee_person,
)

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    data = {
        "specialties-TOTAL_FORMS": "4",
        "specialties-INITIAL_FORMS": "0",
        "specialties-MIN_NUM_FORMS": "0",
        "specialties-MAX_NUM_FORMS": "1000",
        "specialties-0-specialty": SPECIALTY,
        "specialties-0-count": "4",
        "size": "5",
        "region": "",
    }
    data.update(overrides)
    return data


def test_the_tenderee_requests_a_panel_with_a_representative_from_the_form(client):
    tender = tender_past_deadline()
    representative = tenderee_person(tender)
    pool(6)
    client.force_login(tender.acting.user)

    page = client.get(f"/evaluation/tenders/{tender.pk}/panel/request/").content.decode()
    response = client.post(
        f"/evaluation/tenders/{tender.pk}/panel/request/",
        form_data(representatives=[str(representative.pk)]),
    )

    assert str(representative) in page
    assert response.status_code == 302
    assert response["Location"] == f"/evaluation/tenders/{tender.pk}/panel/"
    panel = Panel.objects.get(tender=tender)
    assert panel.seats.filter(kind=SeatKind.EXPERT).count() == 4
    assert panel.seats.get(kind=SeatKind.REPRESENTATIVE).user == representative
    progress = client.get(response["Location"]).content.decode()
    assert panel.seed_sha256 in progress
    assert str(representative) in progress


def test_an_even_panel_from_the_form_shows_the_law_beside_the_size(client):
    tender = tender_past_deadline()
    pool(6)
    client.force_login(tender.acting.user)

    response = client.post(
        f"/evaluation/tenders/{tender.pk}/panel/request/",
        form_data(**{"size": "6", "specialties-0-count": "6"}),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["size"] == [
        "members: the panel must have an odd number of members (招标投标法 第三十七条); it has 6"
    ]
    assert not Panel.objects.exists()
    assert Event.objects.filter(action="panel.refused").count() == 1


def test_a_pool_too_small_from_the_form_is_shown_above_the_specialties(client):
    tender = tender_past_deadline()
    pool(3)
    client.force_login(tender.acting.user)

    response = client.post(
        f"/evaluation/tenders/{tender.pk}/panel/request/", form_data(**{"specialties-0-count": "5"})
    )

    assert response.context["problem"] == (
        f"The pool has 3 eligible experts of {SPECIALTY}; the panel needs 5."
    )


def test_the_request_over_the_api_answers_with_the_progress(client):
    tender = tender_past_deadline()
    pool(5)
    client.force_login(tender.acting.user)

    response = client.post(
        f"/api/v1/tenders/{tender.pk}/panel/request",
        {"specialties": [{"specialty": SPECIALTY, "count": 5}], "size": 5},
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["counts"]["drawn"], body["vacancies"]) == ("drawn", 5, 0)


def test_a_refused_request_over_the_api_names_the_field(client):
    tender = tender_past_deadline(regime="government_procurement")
    pool(5)
    client.force_login(tender.acting.user)

    response = client.post(
        f"/api/v1/tenders/{tender.pk}/panel/request",
        {"specialties": [{"specialty": SPECIALTY, "count": 5}], "size": 5},
        content_type="application/json",
    )

    assert response.status_code == 400
    body = response.json()
    assert (body["error"], body["field"]) == ("invalid", "size")
    assert "at least 7 members" in body["message"]


def test_the_expert_confirms_on_its_invitations_page(client):
    tender = tender_past_deadline()
    pool(5)
    seat = seat_of(request_five(tender))
    client.force_login(seat.user)

    page = client.get("/evaluation/invitations/").content.decode()
    response = client.post(f"/evaluation/invitations/{seat.pk}/confirm/")

    assert tender.title in page
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.state == "confirmed"


def test_the_expert_declines_with_a_reason_on_its_invitations_page(client):
    tender = tender_past_deadline()
    pool(6)
    panel = request_five(tender)
    seat = seat_of(panel)
    client.force_login(seat.user)

    client.post(f"/evaluation/invitations/{seat.pk}/decline/", {"reason": "与投标人有亲属关系"})

    seat.refresh_from_db()
    assert (seat.state, seat.reason) == ("declined", "与投标人有亲属关系")
    assert PanelSeat.objects.filter(panel=panel, draw__number=2).count() == 1


def test_a_decline_over_the_api_without_a_reason_names_the_field(client):
    tender = tender_past_deadline()
    pool(6)
    seat = seat_of(request_five(tender))
    client.force_login(seat.user)

    response = client.post(
        f"/api/v1/panel/seats/{seat.pk}/decline", {}, content_type="application/json"
    )

    assert (response.status_code, response.json()["field"]) == (400, "reason")


def test_the_tenderee_finds_the_panel_from_the_tender_page(client):
    tender = tender_past_deadline()
    client.force_login(tender.acting.user)

    page = client.get(f"/tenders/{tender.pk}/").content.decode()

    assert f"/evaluation/tenders/{tender.pk}/panel/request/" in page


def test_the_progress_and_the_draw_record_match_the_api_document(client):
    from evaluation.panel.reveal import panel_reveal
    from monitoring.services import PLATFORM
    from tests.config.test_openapi import assert_matches
    from tests.evaluation.draw_setup import complete_panel

    tender = tender_past_deadline()
    pool(5)
    panel = complete_panel(tender)
    panel_reveal(panel_id=panel.pk, actor=PLATFORM)
    client.force_login(tender.acting.user)

    progress = client.get(f"/api/v1/tenders/{tender.pk}/panel/progress").json()
    record = client.get(f"/api/v1/tenders/{tender.pk}/panel/draw-record").json()

    assert_matches("/api/v1/tenders/{tender_id}/panel/progress", "get", 200, progress)
    assert_matches("/api/v1/tenders/{tender_id}/panel/draw-record", "get", 200, record)
    assert {line["name"] for line in progress["seats"]} != {""}  # revealed: names shown
