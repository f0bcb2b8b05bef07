"""The lowest evaluated price (经评审的最低投标价法), against a table computed by hand."""

import pytest

from evaluation.scoring import Adjustment, ScoringRefused, TieBreak, rank_by_evaluated_price

PRICES = {"A": 1_000_000_00, "B": 1_010_000_00, "C": 990_000_00, "D": 1_030_000_00}
ADJUSTMENTS = {
    "A": [Adjustment(20_000_00, "工期延长20天"), Adjustment(-5_000_00, "付款条件优于要求")],
    "C": [Adjustment(25_000_00, "缺项按最高报价补齐")],
    "D": [Adjustment(-20_000_00, "质保期延长")],
}


def test_the_lowest_evaluated_price_ranks_first_and_equal_ones_by_the_lower_bid_price():
    ranking = rank_by_evaluated_price(
        prices=PRICES, adjustments=ADJUSTMENTS, sequence={"A": 1, "B": 2, "C": 3, "D": 4}
    )
    # A 1,000,000 + 20,000 − 5,000 = 1,015,000; B 1,010,000; C 990,000 + 25,000 = 1,015,000;
    # D 1,030,000 − 20,000 = 1,010,000.
    assert [(r.bid, r.position, r.evaluated_fen, r.tie_broken_by) for r in ranking] == [
        ("B", 1, 1_010_000_00, None),
        ("D", 2, 1_010_000_00, TieBreak.PRICE),
        ("C", 3, 1_015_000_00, None),
        ("A", 4, 1_015_000_00, TieBreak.PRICE),
    ]
    assert ranking[3].working == (
        "evaluated price = 1,000,000.00 + 20,000.00 (工期延长20天) − 5,000.00 (付款条件优于要求) "
        "= 1,015,000.00 yuan"
    )
    assert ranking[0].working == "evaluated price = 1,010,000.00 = 1,010,000.00 yuan"


def test_equal_evaluated_and_bid_prices_are_listed_in_submission_order():
    ranking = rank_by_evaluated_price(
        prices={"A": 500_00, "B": 500_00, "C": 400_00},
        adjustments={"C": [Adjustment(100_00, "偏差调整")]},
        sequence={"A": 9, "B": 4, "C": 7},
    )
    assert [(r.bid, r.tie_broken_by) for r in ranking] == [
        ("C", None),  # 500 evaluated from the lowest bid price
        ("B", TieBreak.PRICE),
        ("A", TieBreak.SEQUENCE),
    ]


@pytest.mark.parametrize(
    ("prices", "adjustments", "code", "field"),
    [
        ({}, {}, "prices_missing", "prices"),
        ({"A": 0}, {}, "price_invalid", "prices[A]"),
        ({"A": 100}, {"B": [Adjustment(1, "x")]}, "bid_unknown", "adjustments[B]"),
        ({"A": 100}, {"A": [Adjustment(1.5, "x")]}, "price_invalid", "adjustments[A][0]"),
        ({"A": 100}, {"A": [Adjustment(-100, "x")]}, "evaluated_price_invalid", "adjustments[A]"),
    ],
)
def test_a_bad_price_or_adjustment_is_refused(prices, adjustments, code, field):
    with pytest.raises(ScoringRefused) as refused:
        rank_by_evaluated_price(prices=prices, adjustments=adjustments, sequence={"A": 1, "B": 2})
    assert (refused.value.code, refused.value.field) == (code, field)
