"""The law as policy: each rule at n − 1, n and n + 1, with the rule and its source named."""

import datetime as dt
from fractions import Fraction

import pytest

from trading.law.checks import (
    check_bid_count,
    check_bid_security,
    check_candidates,
    check_panel,
    required_bids,
)
from trading.law.periods import (
    contract_due,
    deadline_after_amendment,
    due,
    objection_answer_due,
    objection_to_documents_allowed,
    publicity_window,
    result_announcement_window,
)
from trading.law.regimes import policy_for
from trading.law.rules import Regime, RuleNotApplicable, Unit, UnknownRegime, Violation
from trading.law.schedule import check_schedule
from trading.law.working_days import SHANGHAI, HolidayCalendar

WORKS = Regime.WORKS
GP = Regime.GOVERNMENT_PROCUREMENT
NATIONAL_DAY_2026 = HolidayCalendar.from_lists(
    holidays=[f"2026-10-0{day}" for day in range(1, 8)],
    makeup_workdays=["2026-09-20", "2026-10-10"],
)
WEEKENDS_ONLY = HolidayCalendar()


def at(month: int, day: int, hour: int = 9, minute: int = 30) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def works_schedule(**changes):
    """A lawful works schedule: documents from Wednesday 03-04, deadline Wednesday 03-25."""
    schedule = {
        "published_at": at(3, 4, 9, 0),
        "documents_from": at(3, 4, 9, 0),
        "documents_until": at(3, 11, 17, 0),
        "clarification_cutoff": at(3, 5, 17, 0),
        "bid_deadline": at(3, 25),
        "decryption_window_minutes": 60,
    }
    schedule.update(changes)
    return check_schedule(WORKS, calendar=WEEKENDS_ONLY, **schedule)


def gp_schedule(**changes):
    """A lawful procurement schedule published just before the National Day holiday."""
    schedule = {
        "published_at": at(9, 30, 9, 0),
        "documents_from": at(9, 30, 9, 0),
        "documents_until": at(10, 14, 17, 0),
        "clarification_cutoff": at(10, 1, 10, 0),
        "bid_deadline": at(10, 21),
        "decryption_window_minutes": 30,
    }
    schedule.update(changes)
    return check_schedule(GP, calendar=NATIONAL_DAY_2026, **schedule)


# --- the policy itself -----------------------------------------------------------------------


def test_an_unknown_regime_is_named_in_the_error():
    with pytest.raises(
        UnknownRegime,
        match=(r"unknown regime 'railways': expected one of works, government_procurement"),
    ):
        policy_for("railways")
    with pytest.raises(UnknownRegime, match="unknown regime 'railways'"):
        check_bid_count("railways", valid_bids=3)


def test_a_regime_is_found_by_its_value_or_its_member():
    assert policy_for("works") is policy_for(WORKS)
    assert policy_for("government_procurement").regime == GP


def test_a_rule_the_regime_lacks_is_named_in_the_error():
    with pytest.raises(RuleNotApplicable, match="the works regime has no rule 'large_budget'"):
        policy_for(WORKS).rule("large_budget")


def test_every_rule_carries_its_number_unit_and_source():
    for regime in Regime:
        for rule in policy_for(regime):
            assert rule.source, rule.code
            assert str(rule.description), rule.code
            assert rule.description_zh, rule.code
            assert rule.unit in Unit.values


def test_the_works_numbers_are_those_of_the_tendering_law():
    policy = policy_for(WORKS)
    assert {rule.code: (rule.number, rule.unit, rule.source) for rule in policy} == {
        "documents_available": (5, "calendar_days", "招标投标法实施条例 第十六条"),
        "issue_to_deadline": (20, "calendar_days", "招标投标法 第二十四条"),
        "amendment_notice": (
            15,
            "calendar_days",
            "招标投标法 第二十三条; 招标投标法实施条例 第二十一条",
        ),
        "document_objection_cutoff": (10, "calendar_days", "招标投标法实施条例 第二十二条"),
        "document_objection_answer": (3, "calendar_days", "招标投标法实施条例 第二十二条"),
        "minimum_bids": (3, "count", "招标投标法 第二十八条; 招标投标法实施条例 第四十四条"),
        "panel_minimum": (5, "count", "招标投标法 第三十七条"),
        "panel_expert_share": (Fraction(2, 3), "fraction", "招标投标法 第三十七条"),
        "candidates_maximum": (3, "count", "招标投标法实施条例 第五十三条"),
        "candidate_publicity_start": (3, "calendar_days", "招标投标法实施条例 第五十四条"),
        "candidate_publicity_duration": (3, "calendar_days", "招标投标法实施条例 第五十四条"),
        "candidate_objection_answer": (3, "calendar_days", "招标投标法实施条例 第五十四条"),
        "contract_signing": (30, "calendar_days", "招标投标法 第四十六条"),
        "award_report": (15, "calendar_days", "招标投标法 第四十七条"),
        "complaint_window": (10, "calendar_days", "招标投标法实施条例 第六十条"),
        "complaint_acceptance": (3, "working_days", "招标投标法实施条例 第六十一条"),
        "complaint_decision": (30, "working_days", "招标投标法实施条例 第六十一条"),
        "bid_security_maximum": (2, "percent", "招标投标法实施条例 第二十六条"),
        "bid_security_refund": (5, "calendar_days", "招标投标法实施条例 第五十七条"),
        "withdrawn_bid_security_refund": (5, "calendar_days", "招标投标法实施条例 第三十五条"),
    }
    assert policy.rolls_forward_source == "民法典 第二百零三条"


def test_government_procurement_counts_working_days_where_order_87_does():
    policy = policy_for(GP)
    working = {rule.code for rule in policy if rule.unit == Unit.WORKING_DAYS}
    assert working == {
        "notice_duration",
        "documents_available",
        "document_objection_window",
        "document_objection_answer",
        "award_decision",
        "result_announcement_start",
        "result_announcement_duration",
        "contract_filing",
        "complaint_window",
        "complaint_decision",
        "bid_security_refund",
        "unsuccessful_bid_security_refund",
        "withdrawn_bid_security_refund",
    }
    assert policy.number("large_budget") == 10_000_000
    assert policy.rule("large_budget").unit == Unit.YUAN
    assert policy.number("panel_minimum_large") == 7
    assert policy.rule("issue_to_deadline").source == "政府采购法 第三十五条"
    assert policy.rolls_forward_source == "财政部令第87号 第八十五条"


# --- the schedule ----------------------------------------------------------------------------


def test_a_lawful_works_schedule_has_no_violations():
    assert works_schedule() == []


def test_documents_available_four_days_are_too_few():
    assert works_schedule(documents_until=at(3, 8, 17, 0)) == [
        Violation(
            "documents_until",
            "documents_available",
            "documents_until: must be at least 5 days after the documents are first issued "
            "(招标投标法实施条例 第十六条); it is 4 days",
            "招标投标法实施条例 第十六条",
        )
    ]


def test_documents_available_five_or_six_days_are_enough():
    assert works_schedule(documents_until=at(3, 9, 17, 0)) == []
    assert works_schedule(documents_until=at(3, 10, 17, 0)) == []


def test_a_deadline_nineteen_days_after_the_first_issue_is_refused():
    assert works_schedule(bid_deadline=at(3, 23)) == [
        Violation(
            "bid_deadline",
            "issue_to_deadline",
            "bid_deadline: must be at least 20 days after the documents are first issued "
            "(招标投标法 第二十四条); it is 19 days",
            "招标投标法 第二十四条",
        )
    ]


def test_a_deadline_twenty_or_twenty_one_days_after_the_first_issue_is_accepted():
    assert works_schedule(bid_deadline=at(3, 24)) == []
    assert works_schedule(bid_deadline=at(3, 25)) == []


def test_a_deadline_at_half_past_nine_on_the_twentieth_day_is_enough_after_an_afternoon_issue():
    # Issued 03-04 17:00, deadline 03-24 09:30: fewer than 20 × 24 hours, but 20 days by date.
    assert (
        works_schedule(
            published_at=at(3, 4, 17, 0), documents_from=at(3, 4, 17, 0), bid_deadline=at(3, 24)
        )
        == []
    )


def test_a_twentieth_day_on_a_sunday_moves_the_earliest_deadline_to_monday():
    # Issued Monday 03-02: the 20th day is Sunday 03-22, so the period runs to Monday 03-23.
    violations = works_schedule(
        published_at=at(3, 2, 9, 0), documents_from=at(3, 2, 9, 0), bid_deadline=at(3, 22)
    )
    assert violations == [
        Violation(
            "bid_deadline",
            "issue_to_deadline",
            "bid_deadline: must be at least 20 days after the documents are first issued "
            "(招标投标法 第二十四条); it is 20 days, and the last day of the period falls on a "
            "non-working day, so the period runs to 2026-03-23 (民法典 第二百零三条)",
            "招标投标法 第二十四条",
        )
    ]
    assert (
        works_schedule(
            published_at=at(3, 2, 9, 0), documents_from=at(3, 2, 9, 0), bid_deadline=at(3, 23)
        )
        == []
    )


def test_a_clarification_cutoff_fourteen_days_before_the_deadline_is_refused():
    assert works_schedule(clarification_cutoff=at(3, 11, 17, 0)) == [
        Violation(
            "clarification_cutoff",
            "amendment_notice",
            "clarification_cutoff: must be at least 15 days before the bid deadline "
            "(招标投标法 第二十三条; 招标投标法实施条例 第二十一条), "
            "or a clarification at the cutoff moves the deadline; it is 14 days",
            "招标投标法 第二十三条; 招标投标法实施条例 第二十一条",
        )
    ]


def test_a_clarification_cutoff_fifteen_or_sixteen_days_before_the_deadline_is_accepted():
    assert works_schedule(clarification_cutoff=at(3, 10, 17, 0)) == []
    assert works_schedule(clarification_cutoff=at(3, 9, 17, 0)) == []


def test_a_schedule_out_of_order_names_every_field_at_once():
    violations = works_schedule(
        documents_from=at(3, 3, 9, 0),
        documents_until=at(3, 26, 9, 0),
        clarification_cutoff=at(3, 25),
        decryption_window_minutes=0,
    )
    assert [(v.field, v.rule_code) for v in violations] == [
        ("documents_from", "schedule_order"),
        ("documents_until", "schedule_order"),
        ("clarification_cutoff", "schedule_order"),
        ("decryption_window_minutes", "decryption_window"),
    ]
    assert violations[0].message == (
        "documents_from: the documents cannot be issued before the notice is published"
    )
    assert violations[3].message == (
        "decryption_window_minutes: must be more than 0 minutes; it is 0"
    )
    assert {v.source for v in violations} == {"platform rule"}


def test_documents_ending_before_they_start_are_refused_once():
    assert works_schedule(documents_until=at(3, 3, 9, 0)) == [
        Violation(
            "documents_until",
            "schedule_order",
            "documents_until: the documents cannot stop being available before they are issued",
            "platform rule",
        )
    ]


def test_a_naive_schedule_time_is_refused():
    with pytest.raises(ValueError, match="an aware datetime is needed"):
        works_schedule(bid_deadline=dt.datetime(2026, 3, 25, 9, 30))


def test_a_lawful_procurement_schedule_across_the_national_day_has_no_violations():
    assert gp_schedule() == []


def test_procurement_documents_for_four_working_days_across_the_holiday_are_too_few():
    # From 09-30: 10-08, 10-09, 10-10 (make-up Saturday), 10-12 = 4 working days; 10-13 is the 5th.
    assert gp_schedule(documents_until=at(10, 12, 17, 0)) == [
        Violation(
            "documents_until",
            "documents_available",
            "documents_until: must be at least 5 working days after the notice is published "
            "(财政部令第87号 第十八条); it is 4 working days",
            "财政部令第87号 第十八条",
        )
    ]
    assert gp_schedule(documents_until=at(10, 13, 17, 0)) == []
    assert gp_schedule(documents_until=at(10, 14, 17, 0)) == []


def test_procurement_twenty_days_are_counted_from_the_first_issue():
    assert [v.rule_code for v in gp_schedule(bid_deadline=at(10, 19))] == ["issue_to_deadline"]
    assert gp_schedule(bid_deadline=at(10, 20)) == []
    assert gp_schedule(bid_deadline=at(10, 21)) == []


def test_a_procurement_twentieth_day_in_the_holiday_moves_the_earliest_deadline_after_it():
    # Issued Friday 09-11: the 20th day, 10-01, is a holiday, so the period runs to 10-08.
    schedule = {
        "published_at": at(9, 11, 9, 0),
        "documents_from": at(9, 11, 9, 0),
        "documents_until": at(9, 18, 17, 0),
        "clarification_cutoff": at(9, 14, 10, 0),
    }
    violations = gp_schedule(bid_deadline=at(10, 7), **schedule)
    assert violations == [
        Violation(
            "bid_deadline",
            "issue_to_deadline",
            "bid_deadline: must be at least 20 days after the documents are first issued "
            "(政府采购法 第三十五条); it is 26 days, and the last day of the period falls on a "
            "non-working day, so the period runs to 2026-10-08 (财政部令第87号 第八十五条)",
            "政府采购法 第三十五条",
        )
    ]
    assert gp_schedule(bid_deadline=at(10, 8), **schedule) == []


# --- amendments and objections ----------------------------------------------------------------


@pytest.mark.parametrize("regime", [WORKS, GP])
def test_an_amendment_fifteen_days_before_the_deadline_leaves_it_alone(regime):
    assert deadline_after_amendment(
        regime, amended_at=at(3, 10, 17, 0), bid_deadline=at(3, 25)
    ) == at(3, 25)
    assert deadline_after_amendment(
        regime, amended_at=at(3, 9, 17, 0), bid_deadline=at(3, 25)
    ) == at(3, 25)


@pytest.mark.parametrize("regime", [WORKS, GP])
def test_an_amendment_fourteen_days_before_the_deadline_moves_it_one_day(regime):
    moved = deadline_after_amendment(regime, amended_at=at(3, 11, 8, 0), bid_deadline=at(3, 25))
    assert moved == at(3, 26)  # the same 09:30
    assert moved.tzinfo == SHANGHAI


def test_an_amendment_the_day_before_the_deadline_moves_it_fifteen_days_later():
    assert deadline_after_amendment(
        WORKS, amended_at=at(3, 24, 20, 0), bid_deadline=at(3, 25)
    ) == at(4, 8)


def test_objections_to_works_documents_close_ten_days_before_the_deadline():
    deadline = at(3, 25)
    assert objection_to_documents_allowed(WORKS, at=at(3, 14, 12, 0), bid_deadline=deadline)
    assert objection_to_documents_allowed(WORKS, at=at(3, 15, 23, 59), bid_deadline=deadline)
    assert not objection_to_documents_allowed(WORKS, at=at(3, 16, 0, 0), bid_deadline=deadline)
    assert not objection_to_documents_allowed(WORKS, at=at(3, 26), bid_deadline=deadline)


def test_a_works_objection_is_answered_within_three_days():
    # Raised Thursday 03-12: Friday, Saturday, Sunday 03-15 — a Sunday, rolled to Monday 03-16.
    assert objection_answer_due(WORKS, raised_at=at(3, 12, 10, 0), calendar=WEEKENDS_ONLY) == at(
        3, 17, 0, 0
    )
    # Raised Monday 03-09: the 3rd day is Thursday 03-12, due by its 24:00.
    assert objection_answer_due(WORKS, raised_at=at(3, 9, 10, 0), calendar=WEEKENDS_ONLY) == at(
        3, 13, 0, 0
    )


def test_a_procurement_challenge_runs_seven_working_days_from_receiving_the_documents():
    # Received Tuesday 09-29: 09-30, 10-08, 10-09, 10-10, 10-12, 10-13, 10-14.
    def allowed(moment):
        return objection_to_documents_allowed(
            GP,
            at=moment,
            bid_deadline=at(10, 30),
            documents_received_at=at(9, 29, 10, 0),
            calendar=NATIONAL_DAY_2026,
        )

    assert allowed(at(10, 13, 23, 59))
    assert allowed(at(10, 14, 23, 59))
    assert not allowed(at(10, 15, 0, 0))


def test_a_procurement_challenge_needs_the_day_the_documents_were_received():
    with pytest.raises(TypeError, match="counts objections from documents_received_at"):
        objection_to_documents_allowed(GP, at=at(10, 8), bid_deadline=at(10, 30))


def test_a_procurement_challenge_is_answered_within_seven_working_days():
    assert objection_answer_due(GP, raised_at=at(9, 29, 10, 0), calendar=NATIONAL_DAY_2026) == at(
        10, 15, 0, 0
    )


# --- bids, panel, candidates, security ---------------------------------------------------------


@pytest.mark.parametrize("regime", [WORKS, GP])
def test_two_bids_are_too_few_and_three_or_four_are_enough(regime):
    source = policy_for(regime).rule("minimum_bids").source
    assert check_bid_count(regime, valid_bids=2) == [
        Violation(
            "bids", "minimum_bids", f"bids: at least 3 are needed ({source}); there are 2", source
        )
    ]
    assert check_bid_count(regime, valid_bids=3) == []
    assert check_bid_count(regime, valid_bids=4) == []


def test_a_tender_asking_more_bids_than_the_law_needs_its_own_number_never_fewer():
    source = "招标投标法 第二十八条; 招标投标法实施条例 第四十四条"
    assert check_bid_count(WORKS, valid_bids=4, tender_minimum=5) == [
        Violation(
            "bids", "minimum_bids", f"bids: at least 5 are needed ({source}); there are 4", source
        )
    ]
    assert check_bid_count(WORKS, valid_bids=5, tender_minimum=5) == []
    assert check_bid_count(WORKS, valid_bids=2, tender_minimum=1) != []
    assert required_bids(WORKS, tender_minimum=1) == 3
    assert required_bids(WORKS, tender_minimum=6) == 6


def test_works_allow_at_most_three_candidates():
    assert check_candidates(WORKS, candidates=2) == []
    assert check_candidates(WORKS, candidates=3) == []
    assert check_candidates(WORKS, candidates=4) == [
        Violation(
            "candidates",
            "candidates_maximum",
            "candidates: at most 3 (招标投标法实施条例 第五十三条); there are 4",
            "招标投标法实施条例 第五十三条",
        )
    ]
    assert check_candidates(GP, candidates=4) == []


def test_a_panel_of_four_is_too_small_and_even():
    assert check_panel(WORKS, members=4, experts=3, budget_fen=0) == [
        Violation(
            "members",
            "panel_minimum",
            "members: the panel needs at least 5 members (招标投标法 第三十七条); it has 4",
            "招标投标法 第三十七条",
        ),
        Violation(
            "members",
            "panel_minimum",
            "members: the panel must have an odd number of members (招标投标法 第三十七条); "
            "it has 4",
            "招标投标法 第三十七条",
        ),
    ]


def test_panels_of_five_and_seven_are_lawful_and_six_is_even():
    assert check_panel(WORKS, members=5, experts=4, budget_fen=0) == []
    assert [v.message for v in check_panel(WORKS, members=6, experts=4, budget_fen=0)] == [
        "members: the panel must have an odd number of members (招标投标法 第三十七条); it has 6"
    ]
    assert check_panel(WORKS, members=7, experts=5, budget_fen=0) == []


def test_experts_must_be_two_thirds_of_the_panel():
    assert check_panel(WORKS, members=5, experts=3, budget_fen=0) == [
        Violation(
            "experts",
            "panel_expert_share",
            "experts: at least 2/3 of the panel must be experts (招标投标法 第三十七条); "
            "it is 3 of 5",
            "招标投标法 第三十七条",
        )
    ]
    assert check_panel(WORKS, members=5, experts=4, budget_fen=0) == []
    assert check_panel(WORKS, members=7, experts=4, budget_fen=0)[0].rule_code == (
        "panel_expert_share"
    )
    assert check_panel(WORKS, members=7, experts=5, budget_fen=0) == []
    # Exactly two thirds is enough.
    assert [v.rule_code for v in check_panel(WORKS, members=6, experts=4, budget_fen=0)] == [
        "panel_minimum"
    ]


def test_more_experts_than_members_is_refused():
    assert [
        (v.field, v.rule_code) for v in check_panel(WORKS, members=5, experts=6, budget_fen=0)
    ] == [("experts", "invalid_value")]


def test_a_procurement_budget_of_ten_million_yuan_needs_seven_members():
    ten_million_yuan_fen = 10_000_000 * 100
    assert check_panel(GP, members=5, experts=4, budget_fen=ten_million_yuan_fen - 1) == []
    assert check_panel(GP, members=5, experts=4, budget_fen=ten_million_yuan_fen) == [
        Violation(
            "members",
            "panel_minimum_large",
            "members: the panel needs at least 7 members for a budget of 10,000,000 yuan "
            "or more or a complex or high-impact project (财政部令第87号 第四十七条); it has 5",
            "财政部令第87号 第四十七条",
        )
    ]
    assert check_panel(GP, members=7, experts=5, budget_fen=ten_million_yuan_fen) == []
    assert check_panel(GP, members=9, experts=6, budget_fen=ten_million_yuan_fen + 1) == []


def test_a_complex_procurement_needs_seven_members_whatever_the_budget():
    assert [
        v.rule_code
        for v in check_panel(GP, members=5, experts=4, budget_fen=100, complex_or_high_impact=True)
    ] == ["panel_minimum_large"]


def test_the_works_regime_ignores_the_budget_for_the_panel_size():
    assert check_panel(WORKS, members=5, experts=4, budget_fen=10_000_000_000) == []


def test_bid_security_at_two_percent_is_allowed_and_one_fen_more_is_not():
    price_fen = 1_000_000 * 100  # 1,000,000.00 yuan; 2% is 20,000.00 yuan
    assert check_bid_security(WORKS, security_fen=1_999_999, estimated_price_fen=price_fen) == []
    assert check_bid_security(WORKS, security_fen=2_000_000, estimated_price_fen=price_fen) == []
    assert check_bid_security(WORKS, security_fen=2_000_001, estimated_price_fen=price_fen) == [
        Violation(
            "bid_security_fen",
            "bid_security_maximum",
            "bid_security_fen: bid security must not exceed 2% of the estimated price "
            "(招标投标法实施条例 第二十六条), i.e. 20,000.00 yuan; it is 20,000.01 yuan",
            "招标投标法实施条例 第二十六条",
        )
    ]


def test_bid_security_is_compared_exactly_when_two_percent_is_not_a_whole_fen():
    # 2% of 333 fen is 6.66 fen: 6 fen is within, 7 fen is over.
    assert check_bid_security(WORKS, security_fen=6, estimated_price_fen=333) == []
    assert [
        v.rule_code for v in check_bid_security(WORKS, security_fen=7, estimated_price_fen=333)
    ] == ["bid_security_maximum"]


def test_procurement_bid_security_is_measured_against_the_budget():
    assert check_bid_security(GP, security_fen=2_000_001, estimated_price_fen=100_000_000) == [
        Violation(
            "bid_security_fen",
            "bid_security_maximum",
            "bid_security_fen: bid security must not exceed 2% of the budget "
            "(政府采购法实施条例 第三十三条), i.e. 20,000.00 yuan; it is 20,000.01 yuan",
            "政府采购法实施条例 第三十三条",
        )
    ]


def test_negative_bid_security_is_refused():
    assert [
        v.rule_code for v in check_bid_security(WORKS, security_fen=-1, estimated_price_fen=100)
    ] == ["invalid_value"]


# --- publicity, award and after --------------------------------------------------------------


def test_candidate_publicity_starts_within_three_days_and_lasts_three():
    # Report Monday 03-02: publish by Thursday 03-05; from 03-05 three days end Sunday 03-08,
    # rolled to Monday 03-09.
    assert publicity_window(WORKS, report_at=at(3, 2, 15, 0), calendar=WEEKENDS_ONLY) == (
        at(3, 6, 0, 0),
        at(3, 10, 0, 0),
    )
    # Published Tuesday 03-03: Wednesday, Thursday, Friday 03-06.
    assert publicity_window(
        WORKS, report_at=at(3, 2, 15, 0), published_at=at(3, 3, 10, 0), calendar=WEEKENDS_ONLY
    ) == (at(3, 6, 0, 0), at(3, 7, 0, 0))


def test_procurement_has_no_candidate_publicity():
    with pytest.raises(RuleNotApplicable, match="no rule 'candidate_publicity_start'"):
        publicity_window(GP, report_at=at(3, 2))


def test_a_procurement_result_is_announced_within_two_working_days_for_one():
    # Winner chosen Tuesday 09-29: 09-30 and 10-08 are the two working days.
    assert result_announcement_window(
        GP,
        winner_determined_at=at(9, 29, 16, 0),
        published_at=at(9, 30, 10, 0),
        calendar=NATIONAL_DAY_2026,
    ) == (at(10, 9, 0, 0), at(10, 9, 0, 0))
    with pytest.raises(RuleNotApplicable):
        result_announcement_window(WORKS, winner_determined_at=at(9, 29))


def test_the_contract_is_due_within_thirty_days_of_the_award_notice():
    assert contract_due(WORKS, award_notice_at=at(3, 2), calendar=WEEKENDS_ONLY) == at(4, 2, 0, 0)
    # Notice Tuesday 09-01: the 30th day, 10-01, is in the holiday, so the last day is 10-08.
    assert contract_due(GP, award_notice_at=at(9, 1), calendar=NATIONAL_DAY_2026) == at(10, 9, 0, 0)


def test_the_contract_due_date_follows_the_settings_calendar(settings):
    settings.TRADING_HOLIDAYS = [f"2026-10-0{day}" for day in range(1, 8)]
    settings.TRADING_MAKEUP_WORKDAYS = ["2026-09-20", "2026-10-10"]
    assert contract_due(WORKS, award_notice_at=at(9, 1)) == at(10, 9, 0, 0)
    settings.TRADING_HOLIDAYS = []
    assert contract_due(WORKS, award_notice_at=at(9, 1)) == at(10, 2, 0, 0)


@pytest.mark.parametrize(
    ("regime", "rule_code", "start", "expected_end"),
    [
        (WORKS, "award_report", at(3, 2), at(3, 18, 0, 0)),  # 15 days: Tuesday 03-17
        (WORKS, "complaint_window", at(3, 2), at(3, 13, 0, 0)),  # 10 days: Thursday 03-12
        (WORKS, "complaint_acceptance", at(3, 6), at(3, 12, 0, 0)),  # Fri → Mon, Tue, Wed
        (WORKS, "complaint_decision", at(3, 2), at(4, 14, 0, 0)),  # 30 working days: 04-13
        (WORKS, "bid_security_refund", at(3, 2), at(3, 10, 0, 0)),  # 03-07 Sat → 03-09 Mon
        (WORKS, "withdrawn_bid_security_refund", at(3, 4), at(3, 10, 0, 0)),  # 03-09 Mon
        (GP, "bid_security_refund", at(3, 6), at(3, 14, 0, 0)),  # 5 working days: Fri 03-13
        (GP, "complaint_window", at(3, 2), at(3, 24, 0, 0)),  # 15 working days: 03-23
        (GP, "complaint_decision", at(3, 2), at(4, 14, 0, 0)),
        (GP, "contract_filing", at(3, 2), at(3, 12, 0, 0)),  # 7 working days: Wed 03-11
        (GP, "award_decision", at(3, 2), at(3, 10, 0, 0)),  # 5 working days: Mon 03-09
    ],
)
def test_each_period_ends_at_midnight_after_its_last_day(regime, rule_code, start, expected_end):
    assert due(regime, rule_code, start=start, calendar=WEEKENDS_ONLY) == expected_end


def test_an_act_one_microsecond_before_the_due_instant_is_on_time():
    end = due(WORKS, "complaint_window", start=at(3, 2), calendar=WEEKENDS_ONLY)
    assert at(3, 12, 23, 59) + dt.timedelta(seconds=59, microseconds=999_999) < end
    assert at(3, 13, 0, 0) >= end


def test_a_rule_that_is_not_a_period_has_no_due_date():
    with pytest.raises(RuleNotApplicable, match="the rule 'minimum_bids' is not a period"):
        due(WORKS, "minimum_bids", start=at(3, 2))


def test_the_docs_say_where_every_rule_is_enforced():
    """docs/law-policy.md names, for every rule, the function that enforces it or the later
    issue that reads it."""
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "law-policy.md"
    section = page.read_text(encoding="utf-8").split("## Where each rule is enforced")[1]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            for code in cells[0].replace("`", "").split(", "):
                rows[code] = cells[2]
    codes = {rule.code for regime in Regime for rule in policy_for(regime)}
    assert codes - set(rows) == set()
    for code in codes:
        assert "`" in rows[code] or "issue #" in rows[code], code
