"""Complaint clocks across a holiday: working days skip the National Day week and count its
make-up working days (调休); a period whose last day falls in the holiday rolls forward
(招标投标法实施条例 第六十、六十一条; 政府采购法 第五十五、五十六条; 民法典 第二百零三条)."""

import pytest

from supervision.complaints.errors import ComplaintRefused
from supervision.complaints.services import complaint_decide, complaint_file
from supervision.models import ComplaintState
from tests.factories import ProjectFactory
from tests.supervision.complaint_stories import (
    NATIONAL_DAY_HOLIDAYS,
    NATIONAL_DAY_MAKEUP_WORKDAYS,
    answered,
    clock_at,
    objection_to_documents,
    published_tender,
    shanghai,
)

# Thursday 2027-09-30, the last working day before National Day.
LAST_DAY_BEFORE_THE_HOLIDAY = shanghai(2027, 9, 30, 15, 0)


@pytest.fixture
def national_day(settings):
    settings.TRADING_HOLIDAYS = NATIONAL_DAY_HOLIDAYS
    settings.TRADING_MAKEUP_WORKDAYS = NATIONAL_DAY_MAKEUP_WORKDAYS


def file_other_matter(story, known_at):
    return complaint_file(
        acting=story.bidder,
        tender_id=story.tender.pk,
        matter="other",
        text="招标代理机构泄露潜在投标人名称",
        known_at=known_at,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("holidays", "acceptance_due"),
    [
        # Friday 10-08, Saturday 10-09 (make-up), Monday 10-11: due by the end of 10-11.
        (True, shanghai(2027, 10, 12, 0, 0)),
        # Without the holiday: Friday 10-01, Monday 10-04, Tuesday 10-05.
        (False, shanghai(2027, 10, 6, 0, 0)),
    ],
)
def test_a_complaint_filed_on_the_last_working_day_before_national_day_is_accepted_after_it(
    settings, holidays, acceptance_due
):
    settings.TRADING_HOLIDAYS = NATIONAL_DAY_HOLIDAYS if holidays else []
    settings.TRADING_MAKEUP_WORKDAYS = NATIONAL_DAY_MAKEUP_WORKDAYS if holidays else []
    with clock_at(settings, LAST_DAY_BEFORE_THE_HOLIDAY):
        story = published_tender()
        complaint = file_other_matter(story, known_at=shanghai(2027, 9, 29, 10, 0))

    assert complaint.acceptance_due == acceptance_due
    assert complaint.decision_due is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accepted_at", "late"),
    [(shanghai(2027, 10, 11, 23, 50), False), (shanghai(2027, 10, 12, 0, 10), True)],
)
def test_the_acceptance_after_national_day_is_on_time_until_its_third_working_day(
    settings, national_day, accepted_at, late
):
    with clock_at(settings, LAST_DAY_BEFORE_THE_HOLIDAY):
        story = published_tender()
        complaint = file_other_matter(story, known_at=shanghai(2027, 9, 29, 10, 0))
    with clock_at(settings, accepted_at):
        decision = complaint_decide(
            acting=story.supervisor, complaint_id=complaint.pk, step="accept", reason="予以受理"
        )

    complaint.refresh_from_db()
    assert (decision.late, decision.due) == (late, shanghai(2027, 10, 12, 0, 0))
    # 30 working days after the acceptance day: Monday 11-22 after Monday 10-11, Tuesday 11-23
    # after Tuesday 10-12.
    last_day = shanghai(2027, 11, 24, 0, 0) if late else shanghai(2027, 11, 23, 0, 0)
    assert complaint.decision_due == last_day


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filed_at", "allowed"),
    [(shanghai(2027, 10, 8, 23, 0), True), (shanghai(2027, 10, 9, 9, 0), False)],
)
def test_a_complaint_period_ending_in_the_holiday_rolls_to_the_first_working_day(
    settings, national_day, filed_at, allowed
):
    # Known on Friday 09-24: the 10th day is Monday 10-04, a holiday; the period runs to 10-08.
    with clock_at(settings, shanghai(2027, 9, 24, 9, 0)):
        story = published_tender()
    with clock_at(settings, filed_at):
        if allowed:
            complaint = file_other_matter(story, known_at=shanghai(2027, 9, 24, 11, 0))
            assert complaint.window_due == shanghai(2027, 10, 9, 0, 0)
            return
        with pytest.raises(ComplaintRefused) as refused:
            file_other_matter(story, known_at=shanghai(2027, 9, 24, 11, 0))
    assert refused.value.code == "complaint_period_over"
    assert "it was due by the end of 2027-10-08 (Asia/Shanghai), 10 days after 2027-09-24" in (
        refused.value.message
    )


@pytest.mark.django_db
def test_in_government_procurement_the_decision_counts_from_receipt_in_working_days(
    settings, national_day
):
    with clock_at(settings, shanghai(2027, 9, 13, 10, 0)):  # Monday
        story = published_tender(project=ProjectFactory(regime="government_procurement"))
        # A challenge is answered within 7 working days: by the end of Wednesday 09-22.
        challenge = answered(story, objection_to_documents(story))
    with clock_at(settings, LAST_DAY_BEFORE_THE_HOLIDAY):
        with pytest.raises(ComplaintRefused) as without_challenge:
            file_other_matter(story, known_at=shanghai(2027, 9, 29, 10, 0))
        complaint = complaint_file(
            acting=story.bidder,
            tender_id=story.tender.pk,
            matter="tender_documents",
            text="采购需求指向特定供应商",
            objection_id=challenge.pk,
        )

    # 政府采购法 第五十五条: every complaint follows a challenge.
    assert without_challenge.value.code == "prior_objection_required"
    assert "政府采购法 第五十五条" in without_challenge.value.message
    assert complaint.state == ComplaintState.FILED
    # 15 working days after the answer period (09-22): 09-23, 09-24, Sunday 09-26 (make-up),
    # 09-27…09-30, 10-08, Saturday 10-09 (make-up), 10-11…10-15, 10-18.
    assert complaint.window_due == shanghai(2027, 10, 19, 0, 0)
    assert complaint.acceptance_due is None  # no acceptance period in the policy
    # 30 working days of receipt: 10-08, 10-09, then five weeks to Wednesday 11-17.
    assert complaint.decision_due == shanghai(2027, 11, 18, 0, 0)
