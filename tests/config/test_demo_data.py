"""`make run` loads demo tenders in several states, so that every role has something to look at
in the first minute: a published tender with signed documents and a bid with its receipt, two
drafts, a terminated tender, one at its opening and one opened with its signed record."""

import pytest

from accounts.demo import load_demo_identities
from accounts.demo_certificates import demo_certificates_issue
from bids.demo import demo_opened_ensure, demo_opening_ensure, demo_receipt_ensure
from bids.models import OpeningSession
from trading.demo import (
    demo_cancelled_ensure,
    demo_documents_ensure,
    demo_drafts_ensure,
    demo_tender_ensure,
)
from trading.models import Notice, NoticeKind, Tender, TenderState

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_cast(bid_settings, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    load_demo_identities()
    demo_certificates_issue()
    return tmp_path


def test_run_loads_tenders_in_several_states_for_every_role(demo_cast):
    demo_documents_ensure()
    drafts = demo_drafts_ensure()
    cancelled = demo_cancelled_ensure()
    receipt = demo_receipt_ensure()
    opening = demo_opening_ensure()
    opened = demo_opened_ensure()

    assert [draft.state for draft in drafts] == [TenderState.DRAFT] * 2
    assert cancelled.state == TenderState.CANCELLED
    assert receipt is not None and receipt.receipt.bid == receipt.bid
    assert opened.state == TenderState.OPENED
    record = OpeningSession.objects.get(tender=opened)
    assert record.record_signature and len(record.lines) == 3
    assert demo_documents_ensure().tender == demo_tender_ensure()
    assert Notice.objects.filter(tender=cancelled, kind=NoticeKind.TERMINATION).exists()
    assert demo_receipt_ensure() is None
    assert demo_opened_ensure().pk == opened.pk
    assert opening.state == TenderState.OPENING
    public = Tender.objects.filter(published_at__isnull=False).values_list("state", flat=True)
    assert sorted(public) == sorted(
        [TenderState.PUBLISHED, TenderState.CANCELLED, TenderState.OPENING, TenderState.OPENED]
    )


def test_a_certificate_file_kept_from_another_database_is_bound_again_not_replaced(demo_cast):
    from accounts.models import UserCertificate

    before = (demo_cast / "demo-certificates" / "bidder1.p12").read_bytes()
    bound = UserCertificate.objects.get(user__username="bidder1").certificate_sha256
    UserCertificate.objects.all().delete()  # `make demo`'s database: the same files, no binding

    demo_certificates_issue()

    assert (demo_cast / "demo-certificates" / "bidder1.p12").read_bytes() == before
    assert UserCertificate.objects.get(user__username="bidder1").certificate_sha256 == bound
    assert UserCertificate.objects.filter(user__username="tenderee").exists()
