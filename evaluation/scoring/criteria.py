"""What the experts score: a criterion with its range and kind, and the rule that flags a score
far from the panel's mean."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cached_property
from typing import Generic, TypeVar

from django.utils.translation import gettext as _

from evaluation.scoring.errors import ScoringRefused
from evaluation.scoring.numbers import as_cents, cents_to_points, decimal_of

CriterionId = TypeVar("CriterionId", bound=Hashable)


Choice = TypeVar("Choice", bound=StrEnum)


def _choice(choices: type[Choice], value: object, where: str) -> Choice:
    try:
        return choices(str(value))
    except ValueError:
        raise ScoringRefused(
            "choice_invalid",
            _("%(where)s: must be one of %(choices)s; it is %(actual)r")
            % {"where": where, "choices": ", ".join(choices), "actual": value},
            field=where,
        ) from None


class CriterionKind(StrEnum):
    OBJECTIVE = "objective"  # 客观分: a fact in the bid; every expert must give the same score
    SUBJECTIVE = "subjective"  # 主观分: the expert's judgement within the range


@dataclass(frozen=True)
class Criterion(Generic[CriterionId]):
    """A scored criterion other than the price (whose score is computed, never typed)."""

    key: CriterionId
    minimum: Decimal
    maximum: Decimal
    kind: CriterionKind = CriterionKind.SUBJECTIVE
    name: str = ""

    def __post_init__(self) -> None:
        where = f"criteria[{self.key}]"
        low, high = (as_cents(getattr(self, end), where=where) for end in ("minimum", "maximum"))
        if not low <= high or high <= 0:
            raise ScoringRefused(
                "criterion_invalid",
                _("%(where)s: the range %(low)s–%(high)s must rise to a maximum above 0")
                % {"where": where, "low": self.minimum, "high": self.maximum},
                field=where,
            )
        object.__setattr__(self, "minimum", cents_to_points(low))
        object.__setattr__(self, "maximum", cents_to_points(high))
        object.__setattr__(self, "kind", _choice(CriterionKind, self.kind, f"{where}.kind"))

    @property
    def label(self) -> str:
        return self.name or str(self.key)


class OutlierBasis(StrEnum):
    MAXIMUM = "maximum"  # share × the criterion's maximum: the same distance for every bid
    MEAN = "mean"  # share × the panel's mean: relative to what the panel gave that bid


@dataclass(frozen=True)
class OutlierRule:
    """A subjective score is flagged when |score − panel mean| > share × basis (strictly)."""

    share: Decimal = field(default=Decimal("0.20"))
    basis: OutlierBasis = OutlierBasis.MAXIMUM

    def __post_init__(self) -> None:
        share = decimal_of(self.share, field="outlier.share", code="outlier_rule_invalid")
        if not 0 < share <= 1:
            raise ScoringRefused(
                "outlier_rule_invalid",
                _("outlier.share: must be above 0 and at most 1; it is %s") % share,
                field="outlier.share",
            )
        object.__setattr__(self, "share", share)
        object.__setattr__(self, "basis", _choice(OutlierBasis, self.basis, "outlier.basis"))

    @cached_property
    def share_fraction(self) -> Fraction:
        return Fraction(self.share)
