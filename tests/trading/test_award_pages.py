"""The tenderee's pages after the evaluation report (candidates and objections, award, contract,
bid security refunds) and the bidder's page of its award notice, told with the test client; the
browser tells the whole journey (tests/browser/test_award_journey.py)."""

import pytest

from monitoring.models import Event
from tests.factories import days_from_now
from tests.supervision.complaint_stories import clock_at
from tests.trading.test_award import end_publicity, evaluated_tender, publicize
from tests.trading.test_workspace import local
from trading.award import candidate_objection_raise, tender_award
from trading.models import Award, AwardLetter, AwardLetterKind, Contract, TenderState

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender(client):
    tender = evaluated_tender()
    publicize(tender)
    client.force_login(tender.acting.user)
    return tender


def local_text(moment) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def errors_under(html: str, field: str) -> str:
    """The text of the error list drawn under `field` (its id is id_<field>_error)."""
    start = html.index(f'id="id_{field}_error"')
    return html[start : html.index("</ul>", start)]


def test_the_workspace_marks_the_award_as_next_once_the_publicity_is_over(client, tender):
    before = client.get(f"/tenders/workspace/{tender.pk}/").content.decode()
    end_publicity(tender)
    after = client.get(f"/tenders/workspace/{tender.pk}/").content.decode()

    assert 'aria-current="step"' not in before  # the publicity runs: nothing to do yet
    current = after[after.index('aria-current="step"') :][:400]
    assert f"/tenders/workspace/{tender.pk}/award/" in current


def test_awarding_the_second_candidate_without_a_reason_is_refused_under_the_winner(client, tender):
    end_publicity(tender)

    response = client.post(
        f"/tenders/workspace/{tender.pk}/award/", {"winner": tender.bidders[1].uscc}
    )

    assert response.status_code == 200
    assert "第五十五条" in errors_under(response.content.decode(), "winner")
    assert not Award.objects.exists()


def test_the_tenderee_awards_the_first_candidate_and_the_winner_reads_its_award_notice(
    client, tender
):
    end_publicity(tender)

    response = client.post(
        f"/tenders/workspace/{tender.pk}/award/", {"winner": tender.bidders[0].uscc}
    )

    assert response.status_code == 302
    assert Award.objects.get(tender=tender).winner == tender.bidders[0]
    letter = AwardLetter.objects.get(tender=tender, organisation=tender.bidders[0])
    assert letter.kind == AwardLetterKind.AWARD_NOTICE
    client.force_login(tender.bidder_acting[0].user)
    assert f"/tenders/letters/{letter.pk}/" in client.get("/bids/").content.decode()
    page = client.get(f"/tenders/letters/{letter.pk}/").content.decode()
    assert "10,001,000.00" in page and tender.title in page
    signed = client.get(f"/tenders/letters/{letter.pk}/letter.json")
    assert signed.content.startswith(b"{") and b"tender-award-letter" in signed.content
    client.force_login(tender.bidder_acting[1].user)  # another bidder: not its letter
    assert client.get(f"/tenders/letters/{letter.pk}/").status_code == 404


def test_an_objection_is_answered_from_the_candidates_page(client, tender):
    objection = candidate_objection_raise(
        acting=tender.bidder_acting[1], tender_id=tender.pk, text="第一名业绩不实"
    )
    empty = client.post(
        f"/tenders/workspace/{tender.pk}/candidates/",
        {"objection": str(objection.pk), f"{objection.pk}-text": " "},
    )
    assert empty.status_code == 200
    assert errors_under(empty.content.decode(), f"{objection.pk}-text")

    answered = client.post(
        f"/tenders/workspace/{tender.pk}/candidates/",
        {"objection": str(objection.pk), f"{objection.pk}-text": "经核查，业绩属实"},
    )

    assert answered.status_code == 302
    objection.refresh_from_db()
    assert (objection.answer, objection.state) == ("经核查，业绩属实", "answered")
    tender.refresh_from_db()
    assert tender.state == TenderState.PUBLICIZING  # resumed


def test_the_contract_and_the_refunds_are_recorded_in_yuan_and_beijing_time(
    client, tender, settings
):
    end_publicity(tender)
    tender_award(acting=tender.acting, tender_id=tender.pk, winner_uscc=tender.bidders[0].uscc)
    contract_page = f"/tenders/workspace/{tender.pk}/contract/"
    # A form takes minutes: two days on, a contract signed a day after the award is in range.
    with clock_at(settings, days_from_now(2)):
        client.force_login(tender.acting.user)  # the idle session ended meanwhile
        future = client.post(contract_page, {"signed_at": local(1), "value": "10001000.00"})
        assert "must be between the award notice" in errors_under(
            future.content.decode(), "signed_at"
        )

        signed = client.post(contract_page, {"signed_at": local(-1), "value": "10001000.50"})

        assert signed.status_code == 302
        contract = Contract.objects.get(tender=tender)
        assert contract.value_fen == 10_001_000_50
        assert local_text(contract.signed_at) == local(-1)
        refunds = f"/tenders/workspace/{tender.pk}/bid-security/"
        response = client.post(refunds, {"recipients": "others", "refunded_at": local(-0.5)})
        assert response.status_code == 302
        event = Event.objects.get(action="bid_security.refunded", object_id=str(tender.pk))
        assert event.payload["recipients"] == "others"
        page = client.get(refunds).content.decode()
        assert local(-0.5).replace("T", " ") in page
