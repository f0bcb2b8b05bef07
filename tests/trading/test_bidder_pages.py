"""The bidder's pages of objections and notifications, told with the test client: it objects to
the candidates from its page (条例 第五十四条), reads the answers to its objections (to the
result and to the documents, 第二十二条) and every notice sent to it. The browser tells the
award journey (tests/browser/test_award_journey.py)."""

import pytest

from tests.trading.test_award import end_publicity, evaluated_tender, publicize
from tests.trading.test_award_pages import errors_under
from tests.trading.test_objections import bidder_who_obtained
from tests.trading.test_objections import tender as published_tender  # noqa: F401 - fixture
from trading.award import candidate_objection_answer
from trading.models import CandidateObjection, ObjectionState, TenderState
from trading.objections import objection_answer
from trading.services import tender_clarify

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender(client):
    """Candidates publicized; the client is the third-ranked candidate's bid manager."""
    tender = evaluated_tender()
    publicize(tender)
    client.force_login(tender.bidder_acting[2].user)
    return tender


def test_a_bidder_objects_to_the_candidates_from_its_page(client, tender):
    page = client.get("/tenders/objections/").content.decode()
    assert f'name="tender" value="{tender.pk}"' in page and tender.bidders[0].name in page

    refused = client.post("/tenders/objections/", {"tender": tender.pk, f"{tender.pk}-text": " "})
    assert refused.status_code == 200
    assert "This field is required." in errors_under(refused.content.decode(), f"{tender.pk}-text")
    assert not CandidateObjection.objects.exists()

    sent = client.post(
        "/tenders/objections/", {"tender": tender.pk, f"{tender.pk}-text": "业绩不实"}
    )
    assert sent.status_code == 302
    objection = CandidateObjection.objects.get(tender=tender)
    assert (objection.organisation, objection.text) == (tender.bidders[2], "业绩不实")
    tender.refresh_from_db()
    assert tender.state == TenderState.SUSPENDED
    waiting = client.get("/tenders/objections/").content.decode()
    assert "业绩不实" in waiting and "Waiting for the answer" in waiting

    candidate_objection_answer(acting=tender.acting, objection_id=objection.pk, answer="业绩属实")
    answered = client.get("/tenders/objections/").content.decode()
    assert "业绩属实" in answered and "Waiting for the answer" not in answered


def test_a_bidder_the_report_does_not_name_is_offered_no_form_and_refused(client, tender):
    client.force_login(evaluated_tender().bidder_acting[0].user)  # a bidder of another tender

    page = client.get("/tenders/objections/").content.decode()
    response = client.post("/tenders/objections/", {"tender": tender.pk, f"{tender.pk}-text": "x"})

    assert str(tender.pk) not in page
    assert response.status_code == 302
    assert not CandidateObjection.objects.exists()


def test_no_objection_to_the_candidates_once_the_publicity_is_over(client, tender):
    end_publicity(tender)

    page = client.get("/tenders/objections/").content.decode()
    response = client.post("/tenders/objections/", {"tender": tender.pk, f"{tender.pk}-text": "x"})

    assert f'value="{tender.pk}"' not in page
    assert response.status_code == 302
    assert not CandidateObjection.objects.exists()


def test_a_bidder_reads_the_answer_to_its_objection_to_the_documents(client, published_tender):  # noqa: F811
    acting = bidder_who_obtained(published_tender)
    client.force_login(acting.user)
    client.post(f"/tenders/{published_tender.pk}/objections", {"text": "资格条件排斥潜在投标人"})
    objection = published_tender.objections.get()
    assert objection.state == ObjectionState.RAISED

    objection_answer(acting=published_tender.acting, objection_id=objection.pk, answer="已修改")
    page = client.get("/tenders/objections/").content.decode()

    assert "资格条件排斥潜在投标人" in page and "已修改" in page


def test_a_bidder_reads_every_notice_sent_to_it(client, published_tender):  # noqa: F811
    acting = bidder_who_obtained(published_tender)
    client.force_login(acting.user)
    tender_clarify(acting=published_tender.acting, tender_id=published_tender.pk, text="更正")

    page = client.get("/tenders/notifications/").content.decode()

    assert "Clarification: " in page and published_tender.title in page
    client.force_login(published_tender.acting.user)  # a tenderee has no notices
    assert client.get("/tenders/notifications/").status_code == 403
