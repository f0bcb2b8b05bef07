"""Members score the qualified bids; the leader closes scoring and consolidates; the report is
signed. Each story is one refusal or one rule of the law, told on rows."""

import datetime as dt
from decimal import Decimal

import pytest

from evaluation.errors import EvaluationRefused
from evaluation.models import (
    BidEvaluation,
    BidOutcome,
    EvaluationReport,
    PanelSeat,
    ReportSignature,
    Score,
    SeatState,
    SessionState,
)
from evaluation.report.services import (
    candidates_publicize_from_report,
    report_refusal_record,
    report_sign,
)
from evaluation.session.consolidation import consolidation_close, scoring_close
from evaluation.session.convene import session_convene, session_elect_leader
from evaluation.session.review import criteria_of, review_close, review_start, verdict_record
from evaluation.session.scores import score_record
from evaluation.session.selectors import session_seen
from monitoring.clock import database_now
from monitoring.models import Event
from tests.evaluation.stories import Evaluation, opened_tender
from trading.models import Notice, NoticeKind

pytestmark = pytest.mark.django_db


def at_scoring(story: Evaluation) -> None:
    """Convened, leader elected, both reviews passed by everyone but bid 4 (rejected)."""
    now = database_now()
    session_convene(
        acting=story.tenderee,
        tender_id=story.tender.pk,
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=8),
    )
    session_elect_leader(
        acting=story.member(1), tender_id=story.tender.pk, leader_seat_id=story.seats[0].pk
    )
    review_start(acting=story.member(0), tender_id=story.tender.pk)
    session = story.tender.evaluation
    for stage in ("qualification", "responsiveness"):
        for index in range(len(story.seats)):
            for bid in story.bids:
                if BidEvaluation.objects.get(bid=bid).outcome == BidOutcome.REJECTED:
                    continue
                for criterion in criteria_of(session, stage):
                    fails = bid == story.bids[4] and criterion.code == "bidder_qualified"
                    verdict_record(
                        acting=story.member(index),
                        tender_id=story.tender.pk,
                        bid_id=bid.pk,
                        criterion=criterion.code,
                        passed=not fails,
                        reason="资质等级不满足招标文件要求" if fails else "",
                    )
        review_close(acting=story.member(0), tender_id=story.tender.pk)


def score_everything(story: Evaluation, *, points=("30", "8")) -> None:
    for index in range(len(story.seats)):
        for bid in story.bids[:4]:
            for criterion, value in zip(("c1", "c2"), points, strict=True):
                score_record(
                    acting=story.member(index),
                    tender_id=story.tender.pk,
                    bid_id=bid.pk,
                    criterion=criterion,
                    points=value,
                )


def at_signing(story: Evaluation) -> None:
    """Everyone scored alike (no flag); scoring closed and consolidated: the report waits."""
    at_scoring(story)
    score_everything(story)
    scoring_close(acting=story.member(0), tender_id=story.tender.pk)
    consolidation_close(acting=story.member(0), tender_id=story.tender.pk)


def test_a_score_outside_its_range_is_refused_and_nothing_is_recorded():
    story = opened_tender()
    at_scoring(story)

    with pytest.raises(EvaluationRefused, match=r"is scored from 0 to 40; 40\.5 is outside"):
        score_record(
            acting=story.member(2),
            tender_id=story.tender.pk,
            bid_id=story.bids[0].pk,
            criterion="c1",
            points="40.5",
        )

    assert not Score.objects.exists()
    refused = Event.objects.get(action="evaluation.refused")
    assert refused.payload["service"] == "score_record"


def test_a_rejected_bid_is_not_scored():
    story = opened_tender()
    at_scoring(story)

    with pytest.raises(EvaluationRefused, match="rejected in review"):
        score_record(
            acting=story.member(0),
            tender_id=story.tender.pk,
            bid_id=story.bids[4].pk,
            criterion="c1",
            points="30",
        )


def test_scoring_cannot_close_before_every_score_is_in():
    story = opened_tender()
    at_scoring(story)
    score_record(
        acting=story.member(0),
        tender_id=story.tender.pk,
        bid_id=story.bids[0].pk,
        criterion="c1",
        points="30",
    )

    with pytest.raises(EvaluationRefused, match="39 of 40 scores are missing"):
        scoring_close(acting=story.member(0), tender_id=story.tender.pk)


def test_the_price_score_is_computed_and_the_best_total_ranks_first():
    story = opened_tender()
    at_scoring(story)
    score_everything(story)
    scoring_close(acting=story.member(0), tender_id=story.tender.pk)

    consolidation_close(acting=story.member(0), tender_id=story.tender.pk)

    # Four valid prices (10.0, 10.2, 9.8, 10.5 million): the mean method drops the highest and
    # the lowest when more than 3, so the benchmark is (10.0 + 10.2) / 2 = 10.1 million. The
    # scheme deducts nothing per percent (no rates given), so every price scores its full 50.
    ranked = list(BidEvaluation.objects.exclude(rank=None).order_by("rank"))
    assert [item.price_working["benchmark_fen"] for item in ranked] == [10_100_000_00] * 4
    assert {item.price_score for item in ranked} == {Decimal("50.00")}
    # Equal totals (38 + 50): ties go to the lower price.
    assert [item.price_fen for item in ranked] == [
        9_800_000_00,
        10_000_000_00,
        10_200_000_00,
        10_500_000_00,
    ]
    assert story.tender.evaluation.__class__.objects.get(tender=story.tender).state == (
        SessionState.SIGNING
    )


def test_an_expert_cannot_sign_with_a_certificate_not_bound_to_it(certificate_authority):
    from signing.cms import sign_detached

    story = opened_tender()
    at_signing(story)
    report = EvaluationReport.objects.get()
    stranger = certificate_authority.issue_person(
        name="冒名者", person_id="110108199001010000", key_type="ec-p256"
    )

    with pytest.raises(EvaluationRefused, match="not bound to you"):
        report_sign(
            acting=story.member(1),
            tender_id=story.tender.pk,
            signature=sign_detached(bytes(report.document), credential=stranger),
        )
    assert not ReportSignature.objects.exists()


def test_refusing_to_sign_without_a_reason_counts_as_agreement():
    story = opened_tender()
    at_signing(story)

    entry = report_refusal_record(
        acting=story.member(0), tender_id=story.tender.pk, seat_id=story.seats[3].pk
    )

    assert (entry.agrees, entry.refused_without_reason, entry.dissent) == (True, True, "")


def test_the_candidates_wait_for_every_signature():
    story = opened_tender()
    at_signing(story)

    with pytest.raises(EvaluationRefused, match="not signed by every member"):
        candidates_publicize_from_report(acting=story.tenderee, tender_id=story.tender.pk)


def test_a_recused_members_scores_are_void():
    story = opened_tender(members=6)
    at_scoring(story)
    score_everything(story)
    # Member 5 gave wildly different scores, then recused: its conclusions are void.
    Score.objects.filter(seat=story.seats[5]).update(points=0)
    PanelSeat.objects.filter(pk=story.seats[5].pk).update(state=SeatState.RECUSED)

    scoring_close(acting=story.member(0), tender_id=story.tender.pk)

    assert not Score.objects.filter(flagged=True).exists()


def two_envelopes_scored() -> Evaluation:
    """A two-envelope tender whose members scored four bids, the third below the technical
    pass mark of 35 (20 + 8)."""
    story = opened_tender(two_envelopes=True, technical_pass_mark=35)
    at_scoring(story)
    for index in range(len(story.seats)):
        for position, bid in enumerate(story.bids[:4]):
            for criterion, value in (("c1", "20" if position == 2 else "30"), ("c2", "8")):
                score_record(
                    acting=story.member(index),
                    tender_id=story.tender.pk,
                    bid_id=bid.pk,
                    criterion=criterion,
                    points=value,
                )
    return story


def test_with_two_envelopes_prices_stay_closed_until_the_technical_result_is_signed():
    story = two_envelopes_scored()
    before = session_seen(acting=story.member(1), tender_id=story.tender.pk)
    assert {bid["price_fen"] for bid in before["bids"]} == {None}

    scoring_close(acting=story.member(0), tender_id=story.tender.pk)

    after = session_seen(acting=story.member(1), tender_id=story.tender.pk)
    assert after["bids"][0]["price_fen"] is not None
    below = BidEvaluation.objects.get(bid=story.bids[2])
    assert below.outcome == BidOutcome.REJECTED
    assert below.rejection_grounds[-1]["ground"] == "technical_below_pass_mark"
    consolidation_close(acting=story.member(0), tender_id=story.tender.pk)
    assert BidEvaluation.objects.get(bid=story.bids[2]).rank is None


def test_signing_the_technical_result_reads_the_price_envelopes_of_the_bids_that_passed():
    story = two_envelopes_scored()
    assert not Notice.objects.filter(kind=NoticeKind.PRICE_OPENING).exists()

    scoring_close(acting=story.member(0), tender_id=story.tender.pk)

    notice = Notice.objects.get(tender=story.tender, kind=NoticeKind.PRICE_OPENING)
    read = {bid["id"]: bid for bid in notice.body["bids"]}
    passed = [bid for position, bid in enumerate(story.bids[:4]) if position != 2]
    for bid in passed:
        price = bid.decryption.price_sheet["total_price_fen"]
        assert (read[str(bid.pk)]["status"], read[str(bid.pk)]["price_fen"]) == ("valid", price)
    below = read[str(story.bids[2].pk)]
    assert below["status"] == "disqualified"
    assert "price_fen" not in below
    assert notice.body["text"].startswith(f"The price envelopes of the {len(passed)} bid(s)")
