"""Consolidation (汇总) of comprehensive scoring: each expert's total per bid, the panel's mean per
criterion and overall, the ranking, and the scores the panel must look at again.

财政部令第87号 第六十四条 lets a consolidated result be changed only for a summing error, a score
outside its range, objective criteria scored differently by the experts, or a score the panel
finds abnormally high or low. The first cannot happen here; a score outside its range is refused;
the other two are returned as flags, to be confirmed or changed with a recorded reason:

- an objective criterion (客观分) where the experts' scores are not all equal;
- a subjective score whose distance from the panel's mean of that criterion for that bid (every
  expert's score counted, its own included) is more than `OutlierRule.share` of the criterion's
  maximum (the default basis: a fixed distance on the criterion's scale) or of the mean itself.

Totals are exact sums of two-place scores; a mean is rounded half up to two places. The work is
one pass over the scores and one over the bids and criteria: O(bids × experts × criteria).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from django.utils.translation import gettext as _

from evaluation.scoring.criteria import Criterion, OutlierRule
from evaluation.scoring.errors import ScoringRefused
from evaluation.scoring.flags import Flag, criterion_flags
from evaluation.scoring.numbers import as_cents, cents_to_points, divide_cents
from evaluation.scoring.ranking import TieBreak, rank

BidId = TypeVar("BidId", bound=Hashable)
ExpertId = TypeVar("ExpertId", bound=Hashable)
CriterionId = TypeVar("CriterionId", bound=Hashable)


@dataclass(frozen=True)
class BidResult(Generic[BidId, ExpertId, CriterionId]):
    bid: BidId
    position: int  # 1 is first
    total: Decimal  # the mean of the experts' totals, to 0.01
    price_fen: int
    price_score: Decimal
    expert_totals: Mapping[ExpertId, Decimal]  # each expert's criteria plus the price score
    criterion_means: Mapping[CriterionId, Decimal]
    tie_broken_by: TieBreak | None  # how it was put after the bid before it, when equal


@dataclass(frozen=True)
class Consolidation(Generic[BidId, ExpertId, CriterionId]):
    ranking: tuple[BidResult[BidId, ExpertId, CriterionId], ...]  # best first
    flags: tuple[Flag[BidId, ExpertId, CriterionId], ...]  # by bid, criterion, expert

    def of(self, bid: BidId) -> BidResult[BidId, ExpertId, CriterionId]:
        return next(result for result in self.ranking if result.bid == bid)


def _refuse_incomplete(code: str, where: str, message: str) -> ScoringRefused:
    return ScoringRefused(code, f"{where}: {message}", field=where)


def _criterion_scores(
    by_criterion: Mapping[CriterionId, object],
    criteria: Sequence[tuple[Criterion[CriterionId], int, int]],
    where: str,
) -> list[int]:
    """One expert's scores of one bid, in hundredths, in the criteria's order, each in range."""
    cents = []
    for criterion, low, high in criteria:
        try:
            value = by_criterion[criterion.key]
        except KeyError:
            raise _refuse_incomplete(
                "score_missing",
                f"{where}[{criterion.key}]",
                _("no score is given for criterion %s") % criterion.label,
            ) from None
        score = as_cents(value, where=f"{where}[{criterion.key}]")
        if not low <= score <= high:
            raise ScoringRefused(
                "score_out_of_range",
                _("%(where)s: %(score)s is outside the range of %(criterion)s, %(low)s–%(high)s")
                % {
                    "where": f"{where}[{criterion.key}]",
                    "score": value,
                    "criterion": criterion.label,
                    "low": criterion.minimum,
                    "high": criterion.maximum,
                },
                field=f"{where}[{criterion.key}]",
            )
        cents.append(score)
    if len(by_criterion) != len(criteria):
        keys = {criterion.key for criterion, _low, _high in criteria}
        extra = next(key for key in by_criterion if key not in keys)
        raise _refuse_incomplete(
            "criterion_unknown", f"{where}[{extra}]", _("%s is not a criterion") % extra
        )
    return cents


def consolidate(
    *,
    criteria: Sequence[Criterion[CriterionId]],
    scores: Mapping[ExpertId, Mapping[BidId, Mapping[CriterionId, Decimal]]],
    price_scores: Mapping[BidId, Decimal],
    prices: Mapping[BidId, int],
    sequence: Mapping[BidId, int],
    outlier: OutlierRule | None = None,
) -> Consolidation[BidId, ExpertId, CriterionId]:
    """Consolidate every expert's scores (expert → bid → criterion → score) of the bids that
    passed review (the keys of `price_scores`, each bid's computed price score). `prices` (fen)
    break ties in the total, then `sequence` (e.g. the submission order). Every expert scores
    every bid on every criterion, within its range, with at most two decimal places; anything
    else is refused naming the score."""
    rule = outlier or OutlierRule()
    bids = list(price_scores)
    if not bids:
        raise ScoringRefused(
            "price_scores_missing",
            _("price_scores: no bid that passed review is given"),
            field="price_scores",
        )
    price_cents = [as_cents(price_scores[bid], where=f"price_scores[{bid}]") for bid in bids]
    for bid in bids:
        if bid not in prices:
            raise _refuse_incomplete("price_missing", f"prices[{bid}]", _("no price is given"))
    bounds = [
        (criterion, as_cents(criterion.minimum, where=""), as_cents(criterion.maximum, where=""))
        for criterion in criteria
    ]
    if not bounds or len({criterion.key for criterion in criteria}) != len(criteria):
        raise ScoringRefused(
            "criteria_invalid", _("criteria: one or more, each once"), field="criteria"
        )
    if not scores:
        raise ScoringRefused("scores_missing", _("scores: no expert has scored"), field="scores")
    index = {bid: position for position, bid in enumerate(bids)}
    # given[bid][criterion] = every expert's score in hundredths, in the experts' order.
    given: list[list[list[int]]] = [[[] for _c in criteria] for _b in bids]
    totals: list[dict[ExpertId, int]] = [{} for _b in bids]
    for expert, by_bid in scores.items():
        for bid, by_criterion in by_bid.items():
            where = f"scores[{expert}][{bid}]"
            if bid not in index:
                raise _refuse_incomplete("bid_unknown", where, _("not a bid that passed review"))
            position = index[bid]
            row = given[position]
            cents = _criterion_scores(by_criterion, bounds, where)
            for column, score in enumerate(cents):
                row[column].append(score)
            totals[position][expert] = sum(cents) + price_cents[position]
        if len(by_bid) != len(bids):
            missing = next(bid for bid in bids if bid not in by_bid)
            raise _refuse_incomplete(
                "score_missing", f"scores[{expert}][{missing}]", _("the bid is not scored")
            )
    experts = list(scores)
    flags: list[Flag[BidId, ExpertId, CriterionId]] = []
    means: list[dict[CriterionId, Decimal]] = []
    for position, bid in enumerate(bids):
        bid_means: dict[CriterionId, Decimal] = {}
        for (criterion, _low, high), values in zip(bounds, given[position], strict=True):
            total = sum(values)
            mean = cents_to_points(divide_cents(total, len(values)))
            bid_means[criterion.key] = mean
            flags.extend(criterion_flags(rule, bid, criterion, high, experts, values, total, mean))
        means.append(bid_means)
    overall = [
        divide_cents(sum(totals[position].values()), len(experts)) for position in range(len(bids))
    ]
    ranked = rank(
        bids,
        result=lambda bid: -overall[index[bid]],
        prices=prices,
        sequence=sequence,
    )
    ranking = tuple(
        BidResult(
            bid=bid,
            position=place,
            total=cents_to_points(overall[index[bid]]),
            price_fen=prices[bid],
            price_score=cents_to_points(price_cents[index[bid]]),
            expert_totals={
                expert: cents_to_points(cents) for expert, cents in totals[index[bid]].items()
            },
            criterion_means=means[index[bid]],
            tie_broken_by=tie,
        )
        for place, (bid, tie) in enumerate(ranked, start=1)
    )
    return Consolidation(ranking, tuple(flags))
