"""Ranking with the law's tie-break: equal results are ranked by the lower price; equal results
and equal prices by the earlier submission sequence, a stable order the caller gives.

In government procurement bids equal in both score and price are tied (并列, 财政部令第87号
第五十五条): the sequence only lists them in a stable order, and `TieBreak.SEQUENCE` on a bid
tells the caller that the choice between it and the bid before it is made as the tender
documents say, not by the ranking.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping
from enum import StrEnum
from typing import TypeVar

from django.utils.translation import gettext as _

from evaluation.scoring.errors import ScoringRefused

BidId = TypeVar("BidId", bound=Hashable)


class TieBreak(StrEnum):
    """Why a bid comes after the one before it although their results are equal."""

    PRICE = "price"  # the bid before it has the lower price
    SEQUENCE = "sequence"  # equal prices too: the bid before it was submitted earlier


def check_sequence(bids: Collection[BidId], sequence: Mapping[BidId, int]) -> None:
    """Every bid has a whole sequence number, and no two share one."""
    for bid in bids:
        number = sequence.get(bid)
        if not isinstance(number, int) or isinstance(number, bool):
            raise ScoringRefused(
                "sequence_missing",
                _("sequence[%(bid)s]: every bid needs a whole submission sequence number")
                % {"bid": bid},
                field=f"sequence[{bid}]",
            )
    if len({sequence[bid] for bid in bids}) != len(bids):
        raise ScoringRefused(
            "sequence_repeated",
            _("sequence: two bids have the same submission sequence number"),
            field="sequence",
        )


def rank(
    bids: Collection[BidId],
    *,
    result: Callable[[BidId], int],
    prices: Mapping[BidId, int],
    sequence: Mapping[BidId, int],
) -> list[tuple[BidId, TieBreak | None]]:
    """Bids best first by `result` (lower is better: pass a negated score), then by the lower
    price, then by the earlier sequence; each with how it was separated from the one before."""
    check_sequence(bids, sequence)
    ordered = sorted(bids, key=lambda bid: (result(bid), prices[bid], sequence[bid]))
    ranked: list[tuple[BidId, TieBreak | None]] = []
    for position, bid in enumerate(ordered):
        tie: TieBreak | None = None
        if position and result(ordered[position - 1]) == result(bid):
            tie = (
                TieBreak.PRICE
                if prices[ordered[position - 1]] != prices[bid]
                else TieBreak.SEQUENCE
            )
        ranked.append((bid, tie))
    return ranked
