"""The statistical screens on a whole tender and on its subgroups of 3–4 bids."""

from supervision.collusion.inputs import BidEvidence
from supervision.collusion.price_screens import (
    cartel_signs,
    screens_of,
    subgroup_findings,
    subgroups,
    tender_findings,
)
from supervision.collusion.rules import PRICE_SCREENS, TIGHT_SUBGROUP


def priced(*prices: int) -> list[BidEvidence]:
    return [
        BidEvidence(bid_id=f"bid-{index}", bidder_id=chr(ord("A") + index), price_fen=price)
        for index, price in enumerate(prices)
    ]


# Cover bidding: one low bid, five covers packed 0.2 % apart (in 10 000 yuan).
#   mean 995; deviations −45, 5, 7, 9, 11, 13; Σd² = 2470, σ² = 494, σ ≈ 22.226
#   CV = 22.226/995 ≈ 0.02234 (≤ 0.03)
#   Σd³ = −91125 + 125 + 343 + 729 + 1331 + 2197 = −86400; skewness = 6/(5·4) · −86400/494^1.5
#     ≈ 0.3 · −7.8691 ≈ −2.361 (≤ −0.5)
#   Σd⁴ = 4100625 + 625 + 2401 + 6561 + 14641 + 28561 = 4153414; Σ(d/σ)⁴ = 4153414/494² ≈ 17.020
#     kurtosis = 6·7/(5·4·3) · 17.020 − 3·5²/(4·3) ≈ 11.914 − 6.25 ≈ 5.664 (≥ 1)
#   covers 1000 … 1008: σ² = (16 + 4 + 0 + 4 + 16)/4 = 10; RD = 50/√10 ≈ 15.81 (≥ 1)
COVER_BIDDING = [950, 1000, 1002, 1004, 1006, 1008]
# Competition: spread by about 8 %.
COMPETITIVE = [880, 1010, 930, 1090, 975, 1050]


def test_cover_bidding_shows_all_four_signs_and_flags_the_tender():
    bids = priced(*(price * 1_000_000 for price in COVER_BIDDING))

    [finding] = tender_findings(bids)

    assert (finding.rule, finding.severity) == (PRICE_SCREENS, "notice")
    assert finding.bidders == ("A", "B", "C", "D", "E", "F")
    assert finding.evidence == {
        "bids": 6,
        "screens": {"cv": 0.02234, "kurtosis": 5.664, "skewness": -2.361, "rd": 15.81},
        "signs": ["cv", "kurtosis", "skewness", "rd"],
    }


def test_a_competitive_tender_shows_no_sign():
    screens = screens_of([float(price) for price in COMPETITIVE])
    assert cartel_signs(screens) == []
    assert tender_findings(priced(*COMPETITIVE)) == []


def test_a_low_cv_alone_does_not_flag_a_tender():
    # Packed evenly: CV ≈ 0.0032 but no asymmetry (skewness 0, RD ≈ 0.5).
    even = priced(*(1_000_000 + 1000 * step for step in range(-3, 4)))
    assert cartel_signs(screens_of([float(bid.price_fen or 0) for bid in even])) == ["cv"]
    assert tender_findings(even) == []


def test_fewer_than_five_bids_are_not_screened_as_a_tender():
    assert tender_findings(priced(950, 1000, 1001, 1002)) == []


def test_every_subgroup_while_few_and_windows_beyond():
    assert len(list(subgroups(8, 3))) == 56
    assert len(list(subgroups(8, 4))) == 70
    assert list(subgroups(40, 3))[:2] == [(0, 1, 2), (1, 2, 3)]
    assert len(list(subgroups(40, 4))) == 37


def test_three_bids_packed_far_tighter_than_the_others_are_flagged():
    # Five bids spread by about 6 %, three within 0.01 % of each other (yuan → fen).
    others = [9_210_000_00, 10_130_000_00, 10_870_000_00, 9_640_000_00, 11_150_000_00]
    packed = [10_400_000_00, 10_400_500_00, 10_401_000_00]
    bids = priced(*others, *packed)

    [finding] = subgroup_findings(bids)

    assert (finding.rule, finding.severity, finding.bidders) == (
        TIGHT_SUBGROUP,
        "yellow",
        ("F", "G", "H"),
    )
    assert finding.evidence["prices_fen"] == packed
    assert finding.evidence["screens"]["cv"] == 4.807e-05
    assert finding.evidence["screens"]["expected_by_chance"] < 0.001


def test_a_spread_tender_has_no_tight_subgroup():
    others = [9_210_000_00, 10_130_000_00, 10_870_000_00, 9_640_000_00, 11_150_000_00]
    assert subgroup_findings(priced(*others, 10_400_000_00, 10_010_000_00, 9_800_000_00)) == []
