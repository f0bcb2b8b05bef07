"""The panel is convened, elects its leader and reviews the bids: each member's verdicts,
concluded by majority, with the law's grounds named."""

import datetime as dt
from dataclasses import replace

import pytest

from accounts.acting import Acting
from accounts.models import UserCertificate
from evaluation.errors import EvaluationRefused
from evaluation.models import BidEvaluation, BidOutcome, ReviewVerdict, SessionState
from evaluation.room.access import RoomRefused
from evaluation.session.convene import session_convene, session_elect_leader
from evaluation.session.review import (
    criteria_of,
    price_explanation_decide,
    price_explanation_submit,
    price_explanations_request,
    review_close,
    review_start,
    verdict_record,
)
from monitoring.clock import database_now
from monitoring.models import Alert, Event
from tests.evaluation.stories import Evaluation, opened_tender
from tests.factories import MembershipFactory, days_from_now
from trading.models import TenderState

pytestmark = pytest.mark.django_db


def convened(story: Evaluation):
    now = database_now()
    return session_convene(
        acting=story.tenderee,
        tender_id=story.tender.pk,
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=8),
    )


def at_review(story: Evaluation):
    convened(story)
    session_elect_leader(
        acting=story.member(1), tender_id=story.tender.pk, leader_seat_id=story.seats[0].pk
    )
    return review_start(acting=story.member(0), tender_id=story.tender.pk)


def everyone_passes(story: Evaluation, stage: str, *, except_for=None) -> None:
    """Every member passes every bid on every criterion, but for (member, bid, criterion)
    in `except_for`, which fail."""
    session = story.tender.evaluation
    failing = except_for or set()
    for index in range(len(story.seats)):
        for bid in story.bids:
            if BidEvaluation.objects.get(bid=bid).outcome == BidOutcome.REJECTED:
                continue
            for criterion in criteria_of(session, stage):
                fails = (index, bid.pk, criterion.code) in failing
                verdict_record(
                    acting=story.member(index),
                    tender_id=story.tender.pk,
                    bid_id=bid.pk,
                    criterion=criterion.code,
                    passed=not fails,
                    reason="未加盖投标人公章" if fails else "",
                )


def test_the_tenderee_convenes_the_panel_and_each_bid_gets_a_code():
    story = opened_tender()

    session = convened(story)

    story.tender.refresh_from_db()
    assert story.tender.state == TenderState.EVALUATING
    assert session.state == SessionState.CONVENED
    codes = sorted(BidEvaluation.objects.filter(session=session).values_list("code", flat=True))
    assert codes == ["A", "B", "C", "D", "E"]
    assert Event.objects.filter(action="evaluation.convened", object_id=str(session.pk)).exists()


def test_a_panel_not_yet_complete_cannot_be_convened():
    story = opened_tender()
    story.panel.__class__.objects.filter(pk=story.panel.pk).update(state="drawn")

    with pytest.raises(EvaluationRefused, match="not complete"):
        convened(story)

    story.tender.refresh_from_db()
    assert story.tender.state == TenderState.OPENED
    assert Event.objects.filter(action="evaluation.refused").count() == 1


def test_a_bid_failed_by_a_majority_is_rejected_with_the_ground_and_reasons():
    story = opened_tender()
    at_review(story)
    bid = story.bids[1]
    fails = {(index, bid.pk, "signed_and_sealed") for index in (0, 2, 4)}

    everyone_passes(story, "qualification", except_for=fails)
    session = review_close(acting=story.member(0), tender_id=story.tender.pk)

    assert session.state == SessionState.RESPONSIVENESS
    rejected = BidEvaluation.objects.get(bid=bid)
    assert rejected.outcome == BidOutcome.REJECTED
    assert [ground["ground"] for ground in rejected.rejection_grounds] == ["signed_and_sealed"]
    assert rejected.rejection_grounds[0]["source"] == "招标投标法实施条例 第五十一条(一)"


def test_a_minority_fail_does_not_reject_a_bid():
    story = opened_tender()
    at_review(story)
    bid = story.bids[1]

    everyone_passes(story, "qualification", except_for={(0, bid.pk, "bidder_qualified")})
    review_close(acting=story.member(0), tender_id=story.tender.pk)

    assert BidEvaluation.objects.get(bid=bid).outcome == ""


def test_the_review_cannot_close_while_a_verdict_is_missing():
    story = opened_tender()
    at_review(story)
    session = story.tender.evaluation
    criterion = criteria_of(session, "qualification")[0].code
    verdict_record(
        acting=story.member(0),
        tender_id=story.tender.pk,
        bid_id=story.bids[0].pk,
        criterion=criterion,
        passed=True,
    )

    with pytest.raises(EvaluationRefused, match="verdicts are missing"):
        review_close(acting=story.member(0), tender_id=story.tender.pk)

    session.refresh_from_db()
    assert session.state == SessionState.QUALIFICATION


def test_only_the_leader_closes_a_review():
    story = opened_tender()
    at_review(story)
    everyone_passes(story, "qualification")

    with pytest.raises(EvaluationRefused, match="only the panel's leader"):
        review_close(acting=story.member(3), tender_id=story.tender.pk)


def test_someone_off_the_panel_is_told_there_is_no_session():
    story = opened_tender()
    at_review(story)

    with pytest.raises(RoomRefused) as refused:
        verdict_record(
            acting=story.tenderee,
            tender_id=story.tender.pk,
            bid_id=story.bids[0].pk,
            criterion="bidder_qualified",
            passed=True,
        )

    assert refused.value.status == 404
    assert not ReviewVerdict.objects.exists()
    assert Alert.objects.filter(kind="evaluation_room_access_refused").count() == 1


def test_a_member_outside_the_room_networks_cannot_record_a_verdict():
    story = opened_tender()
    at_review(story)
    outside = replace(story.member(1), client_ip="203.0.113.9")

    with pytest.raises(RoomRefused, match="outside the evaluation room"):
        verdict_record(
            acting=outside,
            tender_id=story.tender.pk,
            bid_id=story.bids[0].pk,
            criterion="bidder_qualified",
            passed=True,
        )

    assert not ReviewVerdict.objects.exists()


def test_a_fail_without_its_reason_is_refused():
    story = opened_tender()
    at_review(story)

    with pytest.raises(EvaluationRefused, match="needs its reason"):
        verdict_record(
            acting=story.member(2),
            tender_id=story.tender.pk,
            bid_id=story.bids[0].pk,
            criterion="bidder_qualified",
            passed=False,
        )


def test_a_price_above_the_ceiling_is_rejected_without_a_vote():
    story = opened_tender([10_000_000_00, 12_000_000_01, 9_900_000_00, 10_100_000_00])
    at_review(story)
    everyone_passes(story, "qualification")
    review_close(acting=story.member(0), tender_id=story.tender.pk)
    everyone_passes(story, "responsiveness")

    review_close(acting=story.member(0), tender_id=story.tender.pk)

    above = BidEvaluation.objects.get(bid=story.bids[1])
    assert above.outcome == BidOutcome.REJECTED
    assert [ground["ground"] for ground in above.rejection_grounds] == ["price_within_ceiling"]
    assert BidEvaluation.objects.filter(outcome=BidOutcome.QUALIFIED).count() == 3


def test_an_abnormally_low_price_stands_only_after_its_explanation_is_decided():
    story = opened_tender([10_000_000_00, 10_100_000_00, 7_000_000_00, 9_900_000_00])
    at_review(story)
    everyone_passes(story, "qualification")
    review_close(acting=story.member(0), tender_id=story.tender.pk)
    everyone_passes(story, "responsiveness")

    with pytest.raises(EvaluationRefused, match="abnormally low"):
        review_close(acting=story.member(0), tender_id=story.tender.pk)
    asked = price_explanations_request(acting=story.member(0), tender_id=story.tender.pk)
    assert [item.bid_id for item in asked] == [story.bids[2].pk]
    price_explanation_decide(
        acting=story.member(0),
        tender_id=story.tender.pk,
        bid_id=story.bids[2].pk,
        accepted=False,
        reason="投标人未在规定时间内提交书面说明",
    )
    review_close(acting=story.member(0), tender_id=story.tender.pk)

    low = BidEvaluation.objects.get(bid=story.bids[2])
    assert low.outcome == BidOutcome.REJECTED
    assert low.rejection_grounds[0]["ground"] == "abnormally_low_price"


def test_a_bidder_asked_to_explain_its_price_does_so_from_its_certificate_session():
    story = opened_tender([10_000_000_00, 10_100_000_00, 7_000_000_00, 9_900_000_00])
    at_review(story)
    everyone_passes(story, "qualification")
    review_close(acting=story.member(0), tender_id=story.tender.pk)
    price_explanations_request(acting=story.member(0), tender_id=story.tender.pk)
    low = story.bids[2]
    # As a request builds it (accounts.acting.acting_from_request): no role, no organisation,
    # only the session's certificate, which names the bidder.
    user = MembershipFactory(role="bidder", organisation=low.bidder).user
    UserCertificate.objects.create(
        user=user,
        certificate_sha256="e" * 64,
        certificate_der=b"",
        subject="CN=bidder",
        serial_number="1",
        uscc=low.bidder.uscc,
        not_after=days_from_now(365),
    )
    bidder = Acting(user=user, client_ip="10.2.0.1", certificate_sha256="e" * 64)

    price_explanation_submit(
        acting=bidder, tender_id=story.tender.pk, explanation="材料为自有库存，成本说明附后"
    )

    assert BidEvaluation.objects.get(bid=low).price_explanation == "材料为自有库存，成本说明附后"
