"""After evaluation through the API: publicity, award, contract and archive, as a client sees it."""

import pytest

from tests.factories import days_from_now
from tests.trading.test_award import end_publicity, evaluated_tender, publicize, report
from trading.models import TenderState


@pytest.mark.django_db
def test_a_tenderee_client_takes_a_tender_from_evaluation_to_the_archive(client, object_storage):
    tender = evaluated_tender()
    client.force_login(tender.acting.user)

    # The candidates come from the signed evaluation report (tests/evaluation): published here
    # through the service the report's publication calls.
    publicized = publicize(tender, report_at=days_from_now(-1), bidders=[tender.bidders[3].uscc])
    assert publicized.tender.state == TenderState.PUBLICIZING

    early = client.post(
        f"/api/v1/tenders/{tender.pk}/award",
        {"winner_uscc": tender.bidders[0].uscc},
        content_type="application/json",
    )
    assert early.status_code == 400
    end_publicity(tender)
    awarded = client.post(
        f"/api/v1/tenders/{tender.pk}/award",
        {"winner_uscc": tender.bidders[0].uscc},
        content_type="application/json",
    )
    assert awarded.json()["state"] == TenderState.AWARDED

    contracted = client.post(
        f"/api/v1/tenders/{tender.pk}/contract",
        {
            "value_fen": report(tender)[0]["price_fen"],
            "signed_at": days_from_now(0).isoformat(),
        },
        content_type="application/json",
    )
    assert contracted.json()["state"] == TenderState.CONTRACTED

    archived = client.post(f"/api/v1/tenders/{tender.pk}/archive")
    assert archived.status_code == 200, archived.json()
    assert archived.json()["state"] == TenderState.ARCHIVED


@pytest.mark.django_db
def test_a_bidder_cannot_award(client):
    tender = evaluated_tender()
    client.force_login(tender.bidder_acting[0].user)
    response = client.post(
        f"/api/v1/tenders/{tender.pk}/award",
        {"winner_uscc": tender.bidders[0].uscc},
        content_type="application/json",
    )
    # Another organisation's tender step: told it does not exist, as for an unknown id.
    assert response.status_code == 404
