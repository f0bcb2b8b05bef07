"""The tender page tells a bidder whether it has a submitted bid, and nothing about others."""

import pytest

from tests.bids.conftest import BidClient, seal


@pytest.mark.django_db
def test_the_tender_page_shows_a_bidder_its_own_submitted_bid(
    tender, bidder_client, other_bidder_client, bidder_credential
):
    before = bidder_client.get(f"/tenders/{tender.pk}/", headers={"accept-language": "en"})
    assert "has no submitted bid for this tender" in before.content.decode()

    response = BidClient(bidder_client).submit(tender.pk, seal(bidder_credential, tender.pk))
    assert response.status_code == 201, response.json()

    mine = bidder_client.get(f"/tenders/{tender.pk}/", headers={"accept-language": "en"})
    assert "Your organisation has a submitted bid" in mine.content.decode()
    theirs = other_bidder_client.get(f"/tenders/{tender.pk}/", headers={"accept-language": "en"})
    assert "has no submitted bid for this tender" in theirs.content.decode()


@pytest.mark.django_db
def test_a_visitor_sees_no_bid_panel(client, tender):
    page = client.get(f"/tenders/{tender.pk}/").content.decode()
    assert "submitted bid" not in page
