"""The scores the panel must look at again before the result stands (财政部令第87号 第六十四条):
objective criteria the experts scored differently, and subjective scores far from the panel's
mean (`OutlierRule`). Each is confirmed or changed with a recorded reason by the caller."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Generic, TypeVar

from django.utils.translation import gettext as _

from evaluation.scoring.criteria import Criterion, CriterionKind, OutlierBasis, OutlierRule
from evaluation.scoring.numbers import cents_to_points, points

BidId = TypeVar("BidId", bound=Hashable)
ExpertId = TypeVar("ExpertId", bound=Hashable)
CriterionId = TypeVar("CriterionId", bound=Hashable)


class FlagKind(StrEnum):
    OBJECTIVE_DISAGREEMENT = "objective_disagreement"
    OUTLIER = "outlier"


@dataclass(frozen=True)
class Flag(Generic[BidId, ExpertId, CriterionId]):
    """A score to be confirmed or changed with a recorded reason (令87 第六十四条)."""

    kind: FlagKind
    bid: BidId
    criterion: Criterion[CriterionId]
    expert: ExpertId | None  # the outlying expert; None for a disagreement (all concerned)
    scores: Mapping[ExpertId, Decimal]  # every expert's score (disagreement) or the outlier's
    panel_mean: Decimal
    threshold: Decimal | None  # the largest distance from the mean not flagged (outliers)

    @property
    def message(self) -> str:
        values = {
            "bid": self.bid,
            "criterion": self.criterion.label,
            "mean": self.panel_mean,
            "scores": ", ".join(f"{expert}: {score}" for expert, score in self.scores.items()),
        }
        if self.kind is FlagKind.OBJECTIVE_DISAGREEMENT:
            return (
                _(
                    "bid %(bid)s, objective criterion %(criterion)s: the experts must give the "
                    "same score and gave %(scores)s (财政部令第87号 第六十四条)"
                )
                % values
            )
        score = next(iter(self.scores.values()))
        values.update(expert=self.expert, score=score, distance=abs(score - self.panel_mean))
        values["threshold"] = self.threshold
        return (
            _(
                "bid %(bid)s, criterion %(criterion)s: %(expert)s gave %(score)s, %(distance)s "
                "from the panel's mean %(mean)s, more than %(threshold)s; to be confirmed or "
                "changed with a reason (财政部令第87号 第六十四条)"
            )
            % values
        )


def criterion_flags(
    rule: OutlierRule,
    bid: BidId,
    criterion: Criterion[CriterionId],
    high: int,
    experts: list[ExpertId],
    values: list[int],
    total: int,
    mean: Decimal,
) -> list[Flag[BidId, ExpertId, CriterionId]]:
    """The flags of one criterion of one bid, from every expert's score in hundredths."""
    if criterion.kind is CriterionKind.OBJECTIVE:
        if values.count(values[0]) == len(values):
            return []
        every = {
            expert: cents_to_points(score) for expert, score in zip(experts, values, strict=True)
        }
        return [Flag(FlagKind.OBJECTIVE_DISAGREEMENT, bid, criterion, None, every, mean, None)]
    share, count = rule.share_fraction, len(values)
    # |score − total / count| > share × basis, in integers (share = p / q):
    # q × |count × score − total| > p × basis × count.
    scaled_basis = high * count if rule.basis is OutlierBasis.MAXIMUM else abs(total)
    limit = share.numerator * scaled_basis
    outlying = [
        (expert, score)
        for expert, score in zip(experts, values, strict=True)
        if share.denominator * abs(count * score - total) > limit
    ]
    if not outlying:
        return []
    threshold = points(share * Fraction(scaled_basis, count * 100))
    return [
        Flag(
            FlagKind.OUTLIER,
            bid,
            criterion,
            expert,
            {expert: cents_to_points(score)},
            mean,
            threshold,
        )
        for expert, score in outlying
    ]
