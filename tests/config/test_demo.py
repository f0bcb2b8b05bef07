"""`make demo` tells one tender's story from draft to contract on the test run's parts (real
PostgreSQL, S3 and CA), living every legal period on the demo's clock."""

import datetime as dt

import pytest
from django.conf import settings as django_settings

from accounts.demo import load_demo_identities
from accounts.demo_certificates import demo_certificates_issue
from bids.models import Bid, BidState, OpeningSession, Receipt
from config.demo.clock import DemoClock
from config.demo.story import BIDDERS, TITLE, run_story
from evaluation.models import EvaluationReport, ReportSignature, ReportState
from monitoring.clock import database_now
from monitoring.models import Event
from trading.law.periods import period_last_day
from trading.law.regimes import policy_for
from trading.law.rules import ISSUE_TO_DEADLINE, Regime
from trading.law.working_days import local_date, resolve_calendar
from trading.models import (
    Award,
    CandidatePublicity,
    Contract,
    DocumentDownload,
    Notice,
    NoticeKind,
    Tender,
    TenderState,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_cast(bid_settings, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    load_demo_identities()
    demo_certificates_issue()
    return tmp_path


@pytest.fixture
def story(demo_cast):
    clock = DemoClock()
    told: list[tuple[str, str]] = []
    started = database_now()
    try:
        tender = run_story(
            clock=clock, say=lambda chinese, english: told.append((chinese, english))
        )
        offset = clock.offset
    finally:
        clock.stop()
    return tender, told, started, offset


def test_the_demo_takes_one_tender_from_draft_to_contract(story):
    tender, told, _started, _offset = story
    tender = Tender.objects.get(pk=tender.pk)
    assert (tender.title, tender.state) == (TITLE, TenderState.CONTRACTED)
    moves = list(
        Event.objects.filter(object_id=str(tender.pk), action__startswith="tender.")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert moves == [
        "tender.drafted",
        "tender.published",
        "tender.clarified",
        "tender.bidding_closed",
        "tender.opening_started",
        "tender.opened",
        "tender.evaluation_started",
        "tender.candidates_publicized",
        "tender.awarded",
        "tender.contracted",
    ]
    assert Bid.objects.filter(tender=tender, state=BidState.DECRYPTED).count() == len(BIDDERS)
    assert Receipt.objects.filter(bid__tender=tender).count() == len(BIDDERS)
    assert DocumentDownload.objects.filter(tender=tender).count() == len(BIDDERS)
    report = EvaluationReport.objects.get(session__tender=tender)
    assert report.state == ReportState.SIGNED
    assert ReportSignature.objects.filter(report=report).exclude(signature=b"").count() == 5
    award = Award.objects.get(tender=tender)
    assert award.winner.uscc == report.candidates[0]["uscc"] and report.candidates[0]["rank"] == 1
    assert Contract.objects.get(tender=tender).value_fen == award.price_fen
    kinds = set(Notice.objects.filter(tender=tender).values_list("kind", flat=True))
    assert {NoticeKind.OPENING_RECORD, NoticeKind.CANDIDATE_PUBLICITY} <= kinds
    steps = [(chinese, english) for chinese, english in told if not chinese.startswith(" ")]
    assert [chinese[0] for chinese, _english in steps] == list("①②③④⑤⑥⑥⑥⑦⑧⑨⑩⑪⑫⑬⑭")
    assert [english.split(".")[0] for _chinese, english in steps] == [
        str(number) for number in (1, 2, 3, 4, 5, 6, 6, 6, 7, 8, 9, 10, 11, 12, 13, 14)
    ]


def test_every_legal_period_is_lived_through_not_shortened(story):
    tender, _told, started, offset = story
    tender = Tender.objects.get(pk=tender.pk)
    # 招标投标法 第二十四条: the deadline on the 20th day after the documents are first issued,
    # or the first working day after it (the platform's calendar decides).
    policy = policy_for(Regime.WORKS)
    last_day = period_last_day(
        policy, policy.rule(ISSUE_TO_DEADLINE), tender.documents_from, resolve_calendar(None)
    )
    assert local_date(tender.bid_deadline) == last_day
    assert (last_day - local_date(tender.documents_from)).days >= 20
    assert tender.published_at <= tender.documents_from
    opening = OpeningSession.objects.get(tender=tender)
    assert opening.decryption_started_at >= tender.bid_deadline
    publicity = CandidatePublicity.objects.get(tender=tender)
    award = Award.objects.get(tender=tender)
    # 条例 第五十四条: at least 3 days of publicity, and the award only after it.
    assert (local_date(publicity.ends_at) - local_date(publicity.published_at)).days >= 3
    assert award.decided_at >= publicity.ends_at
    assert Contract.objects.get(tender=tender).signed_at < award.contract_due
    # The demo's clock moved forward by the weeks it lived, then stopped.
    assert offset - django_settings.PLATFORM_CLOCK_OFFSET_SECONDS >= 25 * 86400
    assert database_now() - started < dt.timedelta(hours=1)
