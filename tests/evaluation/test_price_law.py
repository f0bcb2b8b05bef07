"""The law of the price score in government procurement (财政部令第87号 第五十五条): its weight,
its method and no dropped prices — refused with the rule and its source named."""

from decimal import Decimal

import pytest

from evaluation.scoring import PriceScheme, ScoringRefused, price_scores
from trading.law.checks import check_price_scheme
from trading.law.regimes import policy_for
from trading.law.rules import Regime, Violation

GP = Regime.GOVERNMENT_PROCUREMENT
SOURCE = "财政部令第87号 第五十五条"
PRICES = {"A": 100_00, "B": 110_00, "C": 120_00, "D": 130_00, "E": 140_00}


def test_the_procurement_price_rules_are_those_of_order_87():
    policy = policy_for(GP)
    assert {
        code: (policy.rule(code).number, policy.rule(code).unit, policy.rule(code).source)
        for code in (
            "price_weight_goods",
            "price_weight_services",
            "price_lowest_benchmark",
            "price_drops",
        )
    } == {
        "price_weight_goods": (30, "percent", SOURCE),
        "price_weight_services": (10, "percent", SOURCE),
        "price_lowest_benchmark": (100, "points", SOURCE),
        "price_drops": (0, "count", SOURCE),
    }
    assert not policy_for(Regime.WORKS).has("price_drops")


def test_procurement_refuses_a_mean_scheme_that_drops_the_highest_and_lowest():
    scheme = PriceScheme.mean(full_points=30, above_rate=1, below_rate=1, drop_above=3)
    with pytest.raises(ScoringRefused) as refused:
        price_scores(scheme, PRICES, regime=GP, category="goods")
    assert refused.value.code == "price_drops"
    assert refused.value.field == "price_scheme.drop_above"
    assert refused.value.message == (
        "drops: the highest and the lowest prices may not be dropped (财政部令第87号 第五十五条); "
        "method: the price score must take the lowest valid price as its benchmark "
        "(财政部令第87号 第五十五条); it is mean_benchmark"
    )
    assert [violation.rule_code for violation in refused.value.violations] == [
        "price_drops",
        "price_lowest_benchmark",
    ]


def test_procurement_refuses_the_mean_method_even_without_dropping():
    scheme = PriceScheme.mean(full_points=30, above_rate=1, below_rate=1, drop_above=None)
    with pytest.raises(ScoringRefused) as refused:
        price_scores(scheme, PRICES, regime=GP, category="services")
    assert (refused.value.code, refused.value.field) == (
        "price_lowest_benchmark",
        "price_scheme.method",
    )


def test_works_tendering_may_drop_prices_from_the_mean():
    scheme = PriceScheme.mean(full_points=60, above_rate=1, below_rate=1, drop_above=3)
    result = price_scores(scheme, PRICES, regime="works", category="works")
    assert result.benchmark_fen == 120_00  # (110 + 120 + 130) / 3


@pytest.mark.parametrize(
    ("category", "refused_weight", "lawful_weight"),
    [("goods", "29.99", 30), ("services", "9.99", 10)],
)
def test_procurement_price_weight_below_the_minimum_is_refused(
    category, refused_weight, lawful_weight
):
    with pytest.raises(ScoringRefused) as refused:
        price_scores(
            PriceScheme.lowest_price(full_points=refused_weight),
            PRICES,
            regime=GP,
            category=category,
        )
    minimum = 30 if category == "goods" else 10
    assert refused.value.code == f"price_weight_{category}"
    assert refused.value.field == "price_scheme.full_points"
    assert refused.value.message == (
        f"price_weight: the price must be at least {minimum}% of the total score for "
        f"{category} (财政部令第87号 第五十五条); it is {refused_weight}%"
    )
    lawful = price_scores(
        PriceScheme.lowest_price(full_points=lawful_weight), PRICES, regime=GP, category=category
    )
    assert lawful.scores["A"].score == Decimal(lawful_weight)


def test_the_weight_is_measured_against_the_scheme_total():
    # 30 points of a 120-point scheme are 25%: too little for goods.
    with pytest.raises(ScoringRefused, match="it is 25%"):
        price_scores(
            PriceScheme.lowest_price(full_points=30),
            PRICES,
            regime=GP,
            category="goods",
            total_points=120,
        )


def test_the_check_reports_every_broken_rule_at_once():
    assert check_price_scheme(
        GP, category="goods", method="mean_benchmark", price_weight_percent=20, drops=True
    ) == [
        Violation(
            "price_weight",
            "price_weight_goods",
            "price_weight: the price must be at least 30% of the total score for goods "
            "(财政部令第87号 第五十五条); it is 20%",
            SOURCE,
        ),
        Violation(
            "drops",
            "price_drops",
            "drops: the highest and the lowest prices may not be dropped "
            "(财政部令第87号 第五十五条)",
            SOURCE,
        ),
        Violation(
            "method",
            "price_lowest_benchmark",
            "method: the price score must take the lowest valid price as its benchmark "
            "(财政部令第87号 第五十五条); it is mean_benchmark",
            SOURCE,
        ),
    ]
    assert (
        check_price_scheme(
            "works", category="works", method="mean_benchmark", price_weight_percent=5, drops=True
        )
        == []
    )
