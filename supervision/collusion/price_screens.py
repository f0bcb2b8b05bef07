"""The statistical screens on a tender's prices: the whole tender against the literature's
cartel signs, and every subgroup of 3–4 bids against the other bids (partial cartels).

Cost: O(n) for the tender. Subgroups: every one while there are few (at most
SUBGROUP_ENUMERATION_MAXIMUM, n ≤ 16), each in O(1) from running sums; beyond, the n − m + 1
windows of consecutive sorted prices, which hold the tightest subgroup of each size: O(n log n).
"""

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any

from supervision.collusion import thresholds
from supervision.collusion.findings import Finding
from supervision.collusion.inputs import BidEvidence
from supervision.collusion.moments import (
    chi_square_cdf,
    coefficient_of_variation,
    kurtosis,
    relative_distance,
    skewness,
)
from supervision.collusion.rules import PRICE_SCREENS, TIGHT_SUBGROUP


def _rounded(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.4g}")


def screens_of(values: Sequence[float]) -> dict[str, float | None]:
    """The four screens of a list of prices, rounded to 4 significant digits for the evidence."""
    return {
        "cv": _rounded(coefficient_of_variation(values)),
        "kurtosis": _rounded(kurtosis(values)),
        "skewness": _rounded(skewness(values)),
        "rd": _rounded(relative_distance(values)),
    }


def cartel_signs(screens: dict[str, float | None]) -> list[str]:
    """Which of the four screens point to bid rigging (thresholds.py gives the sources)."""
    tests = {
        "cv": lambda value: value <= thresholds.CV_MAXIMUM,
        "kurtosis": lambda value: value >= thresholds.KURTOSIS_MINIMUM,
        "skewness": lambda value: value <= thresholds.SKEWNESS_MAXIMUM,
        "rd": lambda value: value >= thresholds.RD_MINIMUM,
    }
    return [name for name, test in tests.items() if (v := screens[name]) is not None and test(v)]


def _priced(bids: Sequence[BidEvidence]) -> list[BidEvidence]:
    return sorted(
        (bid for bid in bids if bid.price_fen is not None and bid.price_fen > 0),
        key=lambda bid: bid.price_fen or 0,
    )


def tender_findings(bids: Sequence[BidEvidence]) -> list[Finding]:
    """The tender is flagged when its CV is low and ASYMMETRY_SIGNS_REQUIRED of the other
    three screens agree."""
    priced = _priced(bids)
    if len(priced) < thresholds.TENDER_SCREEN_MINIMUM_BIDS:
        return []
    screens = screens_of([float(bid.price_fen or 0) for bid in priced])
    signs = cartel_signs(screens)
    if "cv" not in signs or len(signs) - 1 < thresholds.ASYMMETRY_SIGNS_REQUIRED:
        return []
    return [
        Finding(
            PRICE_SCREENS,
            tuple(sorted({bid.bidder_id for bid in priced})),
            {"bids": len(priced), "screens": screens, "signs": signs},
        )
    ]


def subgroups(count: int, size: int) -> Iterator[tuple[int, ...]]:
    """Positions in the sorted prices: every subgroup while they are few, else the windows."""
    total = sum(math.comb(count, each) for each in thresholds.SUBGROUP_SIZES)
    if total <= thresholds.SUBGROUP_ENUMERATION_MAXIMUM:
        yield from itertools.combinations(range(count), size)
    else:
        for start in range(count - size + 1):
            yield tuple(range(start, start + size))


def _variation(total: float, squares: float, count: int, centre: float) -> float | None:
    """CV from the sum and sum of squares of values measured from `centre`."""
    if count < 2:
        return None
    average = total / count
    variance = max(0.0, (squares - total * average) / (count - 1))
    return None if average + centre <= 0 else math.sqrt(variance) / (average + centre)


def subgroup_findings(bids: Sequence[BidEvidence]) -> list[Finding]:
    """Subgroups of 3–4 bids whose CV is at most SUBGROUP_CV_MAXIMUM and so far below the other
    bids' that chance would show it in fewer than SUBGROUP_ALPHA of tenders, counting every
    subgroup of both sizes (Bonferroni; bids taken as normal, so (m−1)·(CV/CV_rest)² is χ² with
    m − 1 degrees of freedom). A subgroup inside a flagged larger one is not repeated."""
    priced = _priced(bids)
    count = len(priced)
    centre = sum(bid.price_fen or 0 for bid in priced) / max(count, 1)
    values = [(bid.price_fen or 0) - centre for bid in priced]
    total, squares = math.fsum(values), math.fsum(value * value for value in values)
    flagged: list[tuple[tuple[int, ...], dict[str, Any]]] = []
    for size in thresholds.SUBGROUP_SIZES:
        if count - size < thresholds.SUBGROUP_REFERENCE_MINIMUM:
            continue
        compared = sum(math.comb(count, each) for each in thresholds.SUBGROUP_SIZES)
        for group in subgroups(count, size):
            inside = [values[position] for position in group]
            group_total, group_squares = sum(inside), sum(value * value for value in inside)
            variation = _variation(group_total, group_squares, size, centre)
            if variation is None or variation > thresholds.SUBGROUP_CV_MAXIMUM:
                continue
            rest = _variation(total - group_total, squares - group_squares, count - size, centre)
            if not rest:
                continue
            chance = compared * chi_square_cdf((size - 1) * (variation / rest) ** 2, size - 1)
            if chance <= thresholds.SUBGROUP_ALPHA:
                prices = [float(priced[position].price_fen or 0) for position in group]
                flagged.append(
                    (
                        group,
                        {
                            **screens_of(prices),
                            "cv_of_the_others": _rounded(rest),
                            "expected_by_chance": float(f"{chance:.2g}"),
                        },
                    )
                )
    findings = []
    for group, screens in flagged:
        if any(set(group) < set(other) for other, _screens in flagged):
            continue
        members = [priced[position] for position in group]
        findings.append(
            Finding(
                TIGHT_SUBGROUP,
                tuple(sorted({bid.bidder_id for bid in members})),
                {
                    "prices_fen": [bid.price_fen for bid in members],
                    "bids": [bid.bid_id for bid in members],
                    "bidders_in_order": [bid.bidder_id for bid in members],
                    "screens": screens,
                },
            )
        )
    return findings
