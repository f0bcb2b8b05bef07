"""The lowest evaluated price (经评审的最低投标价法): each bid's price plus or minus the
adjustments the panel quantified under the tender documents' rules (评标价), ranked lowest first;
equal evaluated prices by the lower bid price, then by the earlier submission sequence.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.utils.translation import gettext as _

from evaluation.scoring.errors import ScoringRefused
from evaluation.scoring.numbers import yuan
from evaluation.scoring.ranking import TieBreak, rank

BidId = TypeVar("BidId", bound=Hashable)


@dataclass(frozen=True)
class Adjustment:
    """An amount added to a bid's price for evaluation only (negative: deducted), and why."""

    amount_fen: int
    reason: str


@dataclass(frozen=True)
class EvaluatedPrice(Generic[BidId]):
    bid: BidId
    position: int  # 1 is first
    price_fen: int
    adjustments: tuple[Adjustment, ...]
    evaluated_fen: int
    tie_broken_by: TieBreak | None  # how it was put after the bid before it, when equal

    @property
    def working(self) -> str:
        """evaluated price = price ± each adjustment (its reason) = result, in yuan."""
        terms = "".join(
            f" {'+' if item.amount_fen >= 0 else '−'} {yuan(abs(item.amount_fen))} ({item.reason})"
            for item in self.adjustments
        )
        return _("evaluated price = %(price)s%(terms)s = %(evaluated)s yuan") % {
            "price": yuan(self.price_fen),
            "terms": terms,
            "evaluated": yuan(self.evaluated_fen),
        }


def _whole_fen(value: object, where: str, *, positive: bool) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and (value > 0 or not positive):
        return value
    message = (
        _("%(where)s: a whole number of fen above 0; it is %(value)r")
        if positive
        else _("%(where)s: a whole number of fen; it is %(value)r")
    )
    raise ScoringRefused("price_invalid", message % {"where": where, "value": value}, field=where)


def rank_by_evaluated_price(
    *,
    prices: Mapping[BidId, int],
    sequence: Mapping[BidId, int],
    adjustments: Mapping[BidId, Sequence[Adjustment]] | None = None,
) -> tuple[EvaluatedPrice[BidId], ...]:
    """The bids that passed review (bid → price in fen), lowest evaluated price first."""
    adjustments = adjustments or {}
    if not prices:
        raise ScoringRefused("prices_missing", _("prices: no bid to rank"), field="prices")
    for bid in adjustments:
        if bid not in prices:
            raise ScoringRefused(
                "bid_unknown",
                _("adjustments[%(bid)s]: not a bid that passed review") % {"bid": bid},
                field=f"adjustments[{bid}]",
            )
    evaluated: dict[BidId, int] = {}
    for bid, price in prices.items():
        total = _whole_fen(price, f"prices[{bid}]", positive=True)
        for number, item in enumerate(adjustments.get(bid, ())):
            total += _whole_fen(item.amount_fen, f"adjustments[{bid}][{number}]", positive=False)
        if total <= 0:
            raise ScoringRefused(
                "evaluated_price_invalid",
                _("adjustments[%(bid)s]: the evaluated price must be above 0; it is %(total)s yuan")
                % {"bid": bid, "total": yuan(total)},
                field=f"adjustments[{bid}]",
            )
        evaluated[bid] = total
    ranked = rank(prices, result=evaluated.__getitem__, prices=prices, sequence=sequence)
    return tuple(
        EvaluatedPrice(
            bid=bid,
            position=place,
            price_fen=prices[bid],
            adjustments=tuple(adjustments.get(bid, ())),
            evaluated_fen=evaluated[bid],
            tie_broken_by=tie,
        )
        for place, (bid, tie) in enumerate(ranked, start=1)
    )
