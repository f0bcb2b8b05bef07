"""双信封 at the opening: the hall, the price reading, the record and its notice name every
bidder, its duration and quality, and no price; the prices wait for the second opening after
the technical evaluation (tests/evaluation/test_scoring_session.py)."""

import json

import pytest

from bids.models import OpeningSession
from monitoring.models import Event
from tests.bids.opening import build_opening
from trading.models import Notice, NoticeKind

pytestmark = pytest.mark.django_db(transaction=False)

PRICES = [12_345_678_91, 11_876_543_21, 13_024_681_35]


def test_a_two_envelope_opening_reads_no_price(bid_settings, certificate_authority, settings):
    settings.OPENING_CONFIRMATION_MINUTES = 0
    story = build_opening(
        certificate_authority, bidders=3, prices=PRICES, scheme={"two_envelopes": True}
    )
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    for bidder in story.bidders:
        assert bidder.hand_over_key(story.tender_id).status_code == 202
    assert story.run_decryptions() == ["decrypted"] * 3

    hall = story.bidders[0].hall(story.tender_id)
    finalised = story.host_post("finalise")

    assert finalised.status_code == 200, finalised.json()
    rows = hall["bidders"]
    assert [row["total_price_fen"] for row in rows] == [None] * 3
    assert [row["duration_days"] for row in rows] == [200] * 3
    assert all(row["price_sealed"] for row in rows)
    lines = OpeningSession.objects.get(tender=story.tender).lines
    assert [line["price_envelope"] for line in lines] == ["sealed"] * 3
    notice = Notice.objects.get(tender=story.tender, kind=NoticeKind.OPENING_RECORD)
    assert [bid["name"] for bid in notice.body["bids"]] == [b.name for b in story.bidders]
    published = [
        json.dumps(notice.body),
        json.dumps(notice.release),
        bytes(OpeningSession.objects.get(tender=story.tender).record_document).decode(),
        *(json.dumps(event.payload) for event in Event.objects.all()),
        story.host.get(f"/bids/opening/{story.tender_id}/").content.decode(),
    ]
    for price in PRICES:
        assert not [text for text in published if str(price) in text], price
        assert not [text for text in published if f"{price / 100:,.2f}" in text], price


def test_a_one_envelope_opening_still_reads_every_price(
    bid_settings, certificate_authority, settings
):
    settings.OPENING_CONFIRMATION_MINUTES = 0
    story = build_opening(certificate_authority, bidders=3, prices=PRICES)
    story.reach_deadline()
    story.host_post("start")
    for bidder in story.bidders:
        bidder.hand_over_key(story.tender_id)
    story.run_decryptions()

    hall = story.bidders[0].hall(story.tender_id)

    assert [row["total_price_fen"] for row in hall["bidders"]] == PRICES
    assert not any(row["price_sealed"] for row in hall["bidders"])
