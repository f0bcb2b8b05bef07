"""Consolidation against a table computed by hand: five experts, three bids, a subjective and an
objective criterion, and the computed price score."""

from decimal import Decimal

import pytest

from evaluation.scoring import (
    Criterion,
    CriterionKind,
    FlagKind,
    OutlierBasis,
    OutlierRule,
    ScoringRefused,
    TieBreak,
    consolidate,
)

D = Decimal
EXPERTS = ("E1", "E2", "E3", "E4", "E5")
TECHNICAL = Criterion("technical", D(0), D(40), CriterionKind.SUBJECTIVE, "技术方案")
BUSINESS = Criterion("business", D(0), D(10), CriterionKind.OBJECTIVE, "商务")
PRICES = {"A": 1_000_000_00, "B": 950_000_00, "C": 1_100_000_00}
PRICE_SCORES = {"A": D("28.50"), "B": D("30.00"), "C": D("25.91")}
SEQUENCE = {"A": 1, "B": 2, "C": 3}


def panel(technical: dict, business: dict) -> dict:
    """expert → bid → criterion → score, from one column of scores per bid and criterion."""
    return {
        expert: {
            bid: {"technical": D(technical[bid][n]), "business": D(business[bid][n])}
            for bid in technical
        }
        for n, expert in enumerate(EXPERTS)
    }


TECHNICAL_SCORES = {
    "A": ("35", "34", "36", "35", "35.50"),
    "B": ("30", "31", "29", "30", "30"),
    "C": ("38", "37", "38", "39", "38"),
}
BUSINESS_SCORES = {
    "A": ("8", "8", "8", "8", "8"),
    "B": ("9", "9", "9", "9", "9"),
    "C": ("7", "7", "7", "7", "6"),
}


def run(scores, **changes):
    arguments = {
        "criteria": [TECHNICAL, BUSINESS],
        "scores": scores,
        "price_scores": PRICE_SCORES,
        "prices": PRICES,
        "sequence": SEQUENCE,
    }
    arguments.update(changes)
    return consolidate(**arguments)


def test_five_experts_consolidate_three_bids_into_a_ranking():
    result = run(panel(TECHNICAL_SCORES, BUSINESS_SCORES))
    # Experts' totals = technical + business + price score:
    #   A: 71.50 70.50 72.50 71.50 72.00 → 358.00 / 5 = 71.60
    #   B: 69 70 68 69 69 → 345 / 5 = 69.00
    #   C: 70.91 69.91 70.91 71.91 69.91 → 353.55 / 5 = 70.71
    assert [(r.bid, r.position, str(r.total)) for r in result.ranking] == [
        ("A", 1, "71.60"),
        ("C", 2, "70.71"),
        ("B", 3, "69.00"),
    ]
    a = result.of("A")
    assert {expert: str(total) for expert, total in a.expert_totals.items()} == {
        "E1": "71.50",
        "E2": "70.50",
        "E3": "72.50",
        "E4": "71.50",
        "E5": "72.00",
    }
    assert a.criterion_means == {"technical": D("35.10"), "business": D("8.00")}
    assert (a.price_score, a.price_fen, a.tie_broken_by) == (D("28.50"), 1_000_000_00, None)
    assert result.of("C").criterion_means == {"technical": D("38.00"), "business": D("6.80")}


def test_an_objective_criterion_scored_differently_is_flagged():
    result = run(panel(TECHNICAL_SCORES, BUSINESS_SCORES))
    [flag] = result.flags
    assert (flag.kind, flag.bid, flag.criterion.key, flag.expert) == (
        FlagKind.OBJECTIVE_DISAGREEMENT,
        "C",
        "business",
        None,
    )
    assert flag.scores == {"E1": D(7), "E2": D(7), "E3": D(7), "E4": D(7), "E5": D(6)}
    assert flag.message == (
        "bid C, objective criterion 商务: the experts must give the same score and gave "
        "E1: 7.00, E2: 7.00, E3: 7.00, E4: 7.00, E5: 6.00 (财政部令第87号 第六十四条)"
    )


def test_a_score_further_from_the_mean_than_a_fifth_of_the_maximum_is_flagged():
    technical = {**TECHNICAL_SCORES, "B": ("30", "31", "20", "30", "30")}
    result = run(panel(technical, {**BUSINESS_SCORES, "C": ("7",) * 5}))
    # B: mean (30 + 31 + 20 + 30 + 30) / 5 = 28.20; E3 is 8.20 away, more than 0.20 × 40 = 8.
    [flag] = result.flags
    assert (flag.kind, flag.bid, flag.expert, flag.scores) == (
        FlagKind.OUTLIER,
        "B",
        "E3",
        {"E3": D(20)},
    )
    assert (flag.panel_mean, flag.threshold) == (D("28.20"), D("8.00"))
    assert flag.message == (
        "bid B, criterion 技术方案: E3 gave 20.00, 8.20 from the panel's mean 28.20, more than "
        "8.00; to be confirmed or changed with a reason (财政部令第87号 第六十四条)"
    )
    assert result.of("B").total == D("67.20")  # 69 + 70 + 59 + 69 + 69 = 336 / 5


def test_a_score_exactly_at_the_outlier_distance_is_not_flagged():
    at_limit = {**TECHNICAL_SCORES, "B": ("12", "20", "20", "20", "28")}  # mean 20, ±8
    beyond = {**TECHNICAL_SCORES, "B": ("11", "20", "20", "20", "29")}  # mean 20, ±9
    same_business = {**BUSINESS_SCORES, "C": ("7",) * 5}
    assert run(panel(at_limit, same_business)).flags == ()
    flagged = run(panel(beyond, same_business)).flags
    assert [(flag.expert, flag.scores[flag.expert]) for flag in flagged] == [
        ("E1", D(11)),
        ("E5", D(29)),
    ]


def test_the_outlier_rule_may_measure_from_the_mean_instead():
    rule = OutlierRule(share=D("0.20"), basis=OutlierBasis.MEAN)  # 0.20 × mean 20 = 4
    same_business = {**BUSINESS_SCORES, "C": ("7",) * 5}
    at_limit = {**TECHNICAL_SCORES, "B": ("16", "20", "20", "20", "24")}
    beyond = {**TECHNICAL_SCORES, "B": ("15", "20", "20", "20", "25")}
    assert run(panel(at_limit, same_business), outlier=rule).flags == ()
    flagged = run(panel(beyond, same_business), outlier=rule).flags
    assert [(flag.expert, flag.threshold) for flag in flagged] == [("E1", D(4)), ("E5", D(4))]


def test_equal_totals_are_ranked_by_the_lower_price_then_by_submission():
    technical = {"A": ("30",) * 5, "B": ("30",) * 5, "C": ("30",) * 5}
    business = {"A": ("8",) * 5, "B": ("8",) * 5, "C": ("8",) * 5}
    result = run(
        panel(technical, business),
        price_scores={"A": D("20.00"), "B": D("20.00"), "C": D("20.00")},
        prices={"A": 500_00, "B": 400_00, "C": 400_00},
        sequence={"A": 1, "B": 3, "C": 2},
    )
    assert [(r.bid, r.position, str(r.total), r.tie_broken_by) for r in result.ranking] == [
        ("C", 1, "58.00", None),
        ("B", 2, "58.00", TieBreak.SEQUENCE),  # same price as C, submitted later
        ("A", 3, "58.00", TieBreak.PRICE),  # dearer than B
    ]


def test_totals_equal_as_shown_are_ties_though_their_exact_means_differ():
    # With a price score of 41.66 each:
    #   A: 71.67 + 71.67 + 71.66 = 215.00 / 3 = 71.666… → 71.67
    #   B: 71.68 + 71.67 + 71.66 = 215.01 / 3 = 71.67
    # B is higher by the exact means, but the report shows 71.67 twice: A's lower price wins.
    three = ("E1", "E2", "E3")
    technical = {"A": ("30.01", "30.01", "30"), "B": ("30.02", "30.01", "30")}
    scores = {
        expert: {bid: {"technical": D(technical[bid][n])} for bid in technical}
        for n, expert in enumerate(three)
    }
    result = consolidate(
        criteria=[TECHNICAL],
        scores=scores,
        price_scores={"A": D("41.66"), "B": D("41.66")},
        prices={"A": 100_00, "B": 200_00},
        sequence={"A": 1, "B": 2},
    )
    assert [(r.bid, str(r.total), r.tie_broken_by) for r in result.ranking] == [
        ("A", "71.67", None),
        ("B", "71.67", TieBreak.PRICE),
    ]


@pytest.mark.parametrize(
    ("score", "code", "message"),
    [
        (D("40.01"), "score_out_of_range", "40.01 is outside the range of 技术方案, 0.00–40.00"),
        (D("-1"), "score_out_of_range", "-1 is outside the range of 技术方案"),
        (D("35.555"), "score_invalid", "at most 2 decimal places"),
        (35.5, "score_invalid", "at most 2 decimal places; it is 35.5"),
        (D("NaN"), "score_invalid", "at most 2 decimal places"),
    ],
)
def test_a_score_outside_its_range_or_badly_written_is_refused(score, code, message):
    scores = panel(TECHNICAL_SCORES, BUSINESS_SCORES)
    scores["E2"]["B"]["technical"] = score
    with pytest.raises(ScoringRefused) as refused:
        run(scores)
    assert (refused.value.code, refused.value.field) == (code, "scores[E2][B][technical]")
    assert message in refused.value.message


def test_an_unscored_bid_or_criterion_and_an_unknown_one_are_refused():
    missing_criterion = panel(TECHNICAL_SCORES, BUSINESS_SCORES)
    del missing_criterion["E3"]["A"]["business"]
    missing_bid = panel(TECHNICAL_SCORES, BUSINESS_SCORES)
    del missing_bid["E4"]["C"]
    unknown_criterion = panel(TECHNICAL_SCORES, BUSINESS_SCORES)
    unknown_criterion["E1"]["A"]["design"] = D(1)
    unknown_bid = panel(TECHNICAL_SCORES, BUSINESS_SCORES)
    unknown_bid["E5"]["Z"] = unknown_bid["E5"]["A"]
    refusals = []
    for scores in (missing_criterion, missing_bid, unknown_criterion, unknown_bid):
        with pytest.raises(ScoringRefused) as refused:
            run(scores)
        refusals.append((refused.value.code, refused.value.field))
    assert refusals == [
        ("score_missing", "scores[E3][A][business]"),
        ("score_missing", "scores[E4][C]"),
        ("criterion_unknown", "scores[E1][A][design]"),
        ("bid_unknown", "scores[E5][Z]"),
    ]


def test_consolidating_no_bid_is_refused():
    with pytest.raises(ScoringRefused) as refused:
        run({"E1": {}}, price_scores={}, prices={}, sequence={})
    assert (refused.value.code, refused.value.field) == ("price_scores_missing", "price_scores")


def test_a_repeated_submission_sequence_is_refused():
    with pytest.raises(ScoringRefused) as refused:
        run(panel(TECHNICAL_SCORES, BUSINESS_SCORES), sequence={"A": 1, "B": 1, "C": 2})
    assert refused.value.code == "sequence_repeated"


@pytest.mark.parametrize(
    ("build", "code", "field"),
    [
        (lambda: Criterion("x", D(10), D(5)), "criterion_invalid", "criteria[x]"),
        (lambda: Criterion("x", D(0), D(5), "fuzzy"), "choice_invalid", "criteria[x].kind"),
        (lambda: OutlierRule(share=D(0)), "outlier_rule_invalid", "outlier.share"),
        (lambda: OutlierRule(basis="median"), "choice_invalid", "outlier.basis"),
    ],
)
def test_a_bad_criterion_or_outlier_rule_is_refused(build, code, field):
    with pytest.raises(ScoringRefused) as refused:
        build()
    assert (refused.value.code, refused.value.field) == (code, field)
