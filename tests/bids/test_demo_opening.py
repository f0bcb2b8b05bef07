"""`make run` opens a demo tender's hall: three demo bidders' real sealed bids, the deadline
passed, and each bidder able to decrypt its own with its demo certificate."""

import pytest

from accounts.demo import load_demo_identities
from accounts.demo_certificates import demo_certificates_issue
from bids.demo import demo_opening_ensure
from bids.models import BidState
from trading.models import Notice, NoticeKind, TenderState
from trading.ocds import ocds_datetime


@pytest.mark.django_db
def test_the_demo_opening_is_made_once_with_three_sealed_bids(bid_settings, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    load_demo_identities()
    demo_certificates_issue()

    tender = demo_opening_ensure()
    again = demo_opening_ensure()

    assert again.pk == tender.pk
    assert tender.state == TenderState.OPENING
    assert list(tender.bids.values_list("state", flat=True)) == [BidState.SUBMITTED] * 3
    assert (tmp_path / "demo-certificates" / "bidder1.p12").exists()


@pytest.mark.django_db
def test_the_demo_openings_latest_release_gives_the_tenders_own_dates(
    bid_settings, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    load_demo_identities()
    demo_certificates_issue()

    tender = demo_opening_ensure()

    latest = Notice.objects.filter(tender=tender).order_by("sequence").last()
    assert latest.kind == NoticeKind.AMENDMENT
    block = latest.release["tender"]
    assert block["tenderPeriod"] == {
        "startDate": ocds_datetime(tender.published_at),
        "endDate": ocds_datetime(tender.bid_deadline),
    }
    assert block["enquiryPeriod"] == {
        "startDate": ocds_datetime(tender.documents_from),
        "endDate": ocds_datetime(tender.clarification_cutoff),
    }
    assert block["documents"][0]["datePublished"] == ocds_datetime(tender.documents_from)
    assert (
        tender.published_at
        <= tender.documents_from
        <= tender.documents_until
        <= tender.bid_deadline
    )
    assert tender.clarification_cutoff <= tender.bid_deadline
