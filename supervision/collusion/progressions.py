"""Prices in arithmetic or geometric progression (条例 第四十条（四）: 投标报价呈规律性差异) over
any subset of three or more bids of a tender.

A geometric progression is an arithmetic one of the logarithms, so one search serves both.
The search takes every pair of sorted values (i < j) as the first two terms, with the step
d = vⱼ − vᵢ, and looks the following terms vᵢ + k·d up in a hash table of buckets one
tolerance wide (the target's bucket and its two neighbours): O(1) per look-up, so O(n²) for
the pairs plus the length of the progressions found, against O(n³) for trying every triple. A
pair whose term before (vᵢ − d) exists is skipped: its progression is found from its start; a
step too long for a third term ends the pairs of vᵢ (about half of all pairs).
"""

import functools
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from supervision.collusion import thresholds
from supervision.collusion.findings import Finding
from supervision.collusion.inputs import BidEvidence
from supervision.collusion.rules import ARITHMETIC_PRICES, GEOMETRIC_PRICES, RED


class _Lookup:
    """Sorted values in buckets one tolerance wide, to find a value near a target."""

    def __init__(self, values: Sequence[float], tolerance: float) -> None:
        self.values = values
        self.tolerance = tolerance
        self.buckets: dict[int, list[int]] = defaultdict(list)
        for position, value in enumerate(values):
            self.buckets[math.floor(value / tolerance)].append(position)

    def near(self, target: float, *, after: int = -1) -> int | None:
        """The position (> `after`) of the value nearest `target` within the tolerance."""
        bucket = math.floor(target / self.tolerance)
        best, best_distance = None, self.tolerance
        for key in (bucket - 1, bucket, bucket + 1):
            for position in self.buckets.get(key, ()):
                distance = abs(self.values[position] - target)
                if position > after and distance <= best_distance:
                    best, best_distance = position, distance
        return best


def progressions(
    values: Sequence[float],
    *,
    tolerance: float,
    minimum_terms: int = thresholds.PROGRESSION_MINIMUM_TERMS,
) -> list[tuple[int, ...]]:
    """Maximal progressions of at least `minimum_terms` among `values`: tuples of indices into
    `values`, in increasing order of value. Steps within `tolerance` of zero (equal values) are
    left to the identical-price screen; a progression contained in a longer one is dropped."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ordered = [values[index] for index in order]
    lookup = _Lookup(ordered, tolerance)
    found: list[tuple[int, ...]] = []
    for first, start in enumerate(ordered):
        for second in range(first + 1, len(ordered)):
            step = ordered[second] - start
            if start + 2 * step > ordered[-1] + tolerance:
                break  # no third term can follow: nor with any later, longer step
            if step <= tolerance or lookup.near(start - step) is not None:
                continue
            run = [first, second]
            while (term := lookup.near(start + len(run) * step, after=run[-1])) is not None:
                run.append(term)
            if len(run) >= minimum_terms:
                found.append(tuple(order[position] for position in run))
    kept: list[tuple[int, ...]] = []
    for candidate in sorted(found, key=len, reverse=True):
        if not any(set(candidate) <= set(longer) for longer in kept):
            kept.append(candidate)
    return kept


def expected_by_chance(count: int, terms: int, *, tolerance: float, span: float) -> float:
    """About how many progressions of `terms` terms `count` values spread over `span` hold by
    chance: count²/2 pairs as first terms, each further term present with probability
    count·2·tolerance/span."""
    if span <= 0:
        return math.inf
    return count * (count - 1) / 2 * min(1.0, count * 2 * tolerance / span) ** (terms - 2)


def _finding(
    rule: str, run: tuple[int, ...], priced: list[BidEvidence], details: dict[str, Any]
) -> Finding:
    bids = [priced[index] for index in run]
    return Finding(
        rule,
        tuple(sorted({bid.bidder_id for bid in bids})),
        {
            "prices_fen": [bid.price_fen for bid in bids],
            "bids": [bid.bid_id for bid in bids],
            "bidders_in_order": [bid.bidder_id for bid in bids],
            **details,
        },
        severity=RED if len(run) >= thresholds.PROGRESSION_RED_TERMS else "",
    )


def progression_findings(bids: Sequence[BidEvidence]) -> list[Finding]:
    """Prices of three or more bids in arithmetic progression (equal steps within 1 yuan) or
    geometric progression (equal ratios, within 1 yuan of the lowest price), where chance would
    rarely give as long a one among this many bids; a geometric progression on the bids of an
    arithmetic one is not repeated."""
    priced = [bid for bid in bids if bid.price_fen is not None and bid.price_fen > 0]
    prices = [bid.price_fen for bid in priced if bid.price_fen is not None]
    if len(prices) < thresholds.PROGRESSION_MINIMUM_TERMS:
        return []
    # All prices round thousands: an exact progression is that much likelier by chance.
    quantum = float(functools.reduce(math.gcd, prices))
    low, high = min(prices), max(prices)
    tolerance = float(thresholds.ARITHMETIC_TOLERANCE_FEN)
    screens: tuple[tuple[str, list[float], float, float, float], ...] = (
        (ARITHMETIC_PRICES, [float(price) for price in prices], tolerance, high - low, quantum),
        (
            GEOMETRIC_PRICES,
            [math.log(price) for price in prices],
            tolerance / low,
            math.log(high / low),
            quantum / low,
        ),
    )
    findings: list[Finding] = []
    seen: set[frozenset[int]] = set()
    for rule, values, within, span, rounding in screens:
        for run in progressions(values, tolerance=within):
            chance = expected_by_chance(
                len(values), len(run), tolerance=max(within, rounding / 2), span=span
            )
            if chance > thresholds.PROGRESSION_CHANCE_MAXIMUM or frozenset(run) in seen:
                continue
            seen.add(frozenset(run))
            step = (values[run[-1]] - values[run[0]]) / (len(run) - 1)
            details: dict[str, Any] = (
                {"step_fen": round(step)}
                if rule == ARITHMETIC_PRICES
                else {"ratio": round(math.exp(step), 6)}
            )
            findings.append(
                _finding(
                    rule, run, priced, {**details, "expected_by_chance": float(f"{chance:.2g}")}
                )
            )
    return findings
