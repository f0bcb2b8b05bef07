"""Prices in arithmetic or geometric progression over any subset of three or more bids."""

import random

from supervision.collusion.inputs import BidEvidence
from supervision.collusion.progressions import (
    expected_by_chance,
    progression_findings,
    progressions,
)
from supervision.collusion.rules import ARITHMETIC_PRICES, GEOMETRIC_PRICES


def priced(*prices: int) -> list[BidEvidence]:
    return [
        BidEvidence(bid_id=f"bid-{index}", bidder_id=chr(ord("A") + index), price_fen=price)
        for index, price in enumerate(prices)
    ]


def test_progressions_are_found_in_any_subset_whatever_the_order():
    # Sorted: 1, 3, 5, 7, 10, 20 → 1, 3, 5, 7 (step 2); 10 and 20 belong to none.
    assert progressions([5, 1, 3, 10, 7, 20], tolerance=0.1) == [(1, 2, 0, 4)]


def test_a_progression_inside_a_longer_one_is_not_repeated():
    # 0, 2, 4, 6, 8 holds 0, 4, 8 (step 4) and 2, 4, 6: only the whole is reported.
    assert progressions([0, 2, 4, 6, 8], tolerance=0.1) == [(0, 1, 2, 3, 4)]


def test_equal_values_are_no_progression():
    assert progressions([5, 5, 5, 9], tolerance=0.1) == []


def test_steps_equal_within_the_tolerance_make_a_progression():
    assert progressions([100.0, 200.4, 299.8], tolerance=1.0) == [(0, 1, 2)]
    assert progressions([100.0, 202.0, 299.8], tolerance=1.0) == []


def test_three_bids_stepped_by_a_round_amount_among_honest_ones():
    bids = priced(10_412_345_67, 9_650_000_00, 11_020_304_05, 9_850_000_00, 9_750_000_00)

    [finding] = progression_findings(bids)

    assert (finding.rule, finding.bidders, finding.severity) == (
        ARITHMETIC_PRICES,
        ("B", "D", "E"),
        "yellow",
    )
    assert finding.evidence["prices_fen"] == [9_650_000_00, 9_750_000_00, 9_850_000_00]
    assert finding.evidence["bidders_in_order"] == ["B", "E", "D"]
    assert finding.evidence["step_fen"] == 100_000_00
    # 5 bids: 10 pairs × (5 · 2 · 100 fen / 137 030 405 fen spread) ≈ 7.3e-5.
    assert finding.evidence["expected_by_chance"] == 7.3e-05


def test_four_bids_in_progression_are_red():
    bids = priced(9_000_000_00, 9_100_000_00, 9_200_000_00, 9_300_000_00, 10_123_456_78)
    [finding] = progression_findings(bids)
    assert (finding.bidders, finding.severity) == (("A", "B", "C", "D"), "red")


def test_prices_in_constant_ratio_rounded_to_the_yuan():
    # 1 % steps: 8 000 000, 8 080 000, 8 160 800, 8 242 408 yuan.
    bids = priced(8_000_000_00, 8_080_000_00, 8_160_800_00, 8_242_408_00, 9_321_456_78)

    [finding] = progression_findings(bids)

    assert (finding.rule, finding.bidders, finding.severity) == (
        GEOMETRIC_PRICES,
        ("A", "B", "C", "D"),
        "red",
    )
    assert finding.evidence["ratio"] == 1.01


def test_round_thousands_make_chance_progressions_too_likely_to_report():
    # Every price a multiple of 100 000 yuan: 3 of 6 in step is no surprise.
    bids = priced(
        9_000_000_00, 9_100_000_00, 9_200_000_00, 9_700_000_00, 9_900_000_00, 10_500_000_00
    )
    assert progression_findings(bids) == []


def test_chance_grows_with_the_number_of_bids():
    assert expected_by_chance(8, 3, tolerance=100, span=1e8) == 28 * 8 * 200 / 1e8
    # 500 bids spread over 10 million yuan: 3 in step happen by chance, 4 hardly.
    assert expected_by_chance(500, 3, tolerance=100, span=1e9) > 1
    assert expected_by_chance(500, 4, tolerance=100, span=1e9) < 0.01


def test_honest_prices_quoted_to_the_yuan_show_no_progression():
    rng = random.Random(7)
    for _tender in range(200):
        prices = [round(1_100_000_000 * rng.lognormvariate(0, 0.06), -2) for _ in range(8)]
        assert progression_findings(priced(*map(int, prices))) == []
