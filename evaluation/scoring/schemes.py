"""A price score's scheme (价格分计算办法): which method, how many points, and the mean method's
parameters; validated when built, each refusal naming its field, and checked against the law of
the tender's regime (财政部令第87号 第五十五条 in government procurement).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from django.utils.translation import gettext as _

from evaluation.scoring.errors import ScoringRefused
from evaluation.scoring.numbers import decimal_of
from trading.law.checks import check_price_scheme
from trading.law.rules import Regime

INVALID = "price_scheme_invalid"
ZERO = Decimal(0)
Number = Decimal | int | str
# What a tender's `scoring_scheme["price"]` may say.
PARAMETERS = {"formula", "drop_above", "downward_factor", "above_rate", "below_rate", "minimum"}
# What each field of a legal violation is called in the scheme.
LAW_FIELDS = {"price_weight": "full_points", "drops": "drop_above", "method": "method"}


class PriceMethod(StrEnum):
    # 最低评标价为基准价 (低价优先法): score = lowest price / price × full points.
    LOWEST_PRICE_BENCHMARK = "lowest_price_benchmark"
    # 平均值基准价: points deducted per 1% of deviation from the (lowered) mean.
    MEAN_BENCHMARK = "mean_benchmark"


def _refuse(name: str, message: str) -> ScoringRefused:
    where = f"price_scheme.{name}"
    return ScoringRefused(INVALID, f"{where}: {message}", field=where)


def _number(name: str, value: object) -> Decimal:
    return decimal_of(value, field=f"price_scheme.{name}", code=INVALID)


def _method(value: object) -> PriceMethod:
    try:
        return PriceMethod(str(value))
    except ValueError:
        raise _refuse(
            "method",
            _("must be one of %(methods)s; it is %(actual)r")
            % {"methods": ", ".join(PriceMethod), "actual": value},
        ) from None


def _drop_above(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 2:
        return value
    raise _refuse(
        "drop_above",
        _("must be a whole number of 2 or more, or empty to never drop; it is %r") % (value,),
    )


@dataclass(frozen=True)
class PriceScheme:
    """How the price score is computed. `full_points` is the price's weight (e.g. 30 of 100).

    Mean method only: `drop_above` — when there are more valid prices than this, the highest and
    the lowest one are dropped before the mean (None: never); `downward_factor` k — the benchmark
    is mean × (1 − k), a fraction such as 0.03; `above_rate` and `below_rate` — points deducted
    per 1% of deviation above and below the benchmark, pro rata; `minimum` — the floor of a score.
    Numbers may be given as int, Decimal or decimal string; they are held as Decimal.
    """

    method: PriceMethod
    full_points: Decimal
    drop_above: int | None = None
    downward_factor: Decimal = field(default=ZERO)
    above_rate: Decimal = field(default=ZERO)
    below_rate: Decimal = field(default=ZERO)
    minimum: Decimal = field(default=ZERO)

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", _method(self.method))
        for name in ("full_points", "downward_factor", "above_rate", "below_rate", "minimum"):
            object.__setattr__(self, name, _number(name, getattr(self, name)))
        if self.full_points <= 0:
            raise _refuse("full_points", _("must be greater than 0; it is %s") % self.full_points)
        if self.method is PriceMethod.LOWEST_PRICE_BENCHMARK:
            self._refuse_mean_parameters()
            return
        _drop_above(self.drop_above)
        if not ZERO <= self.downward_factor < 1:
            raise _refuse(
                "downward_factor",
                _("must be a fraction from 0 up to, not including, 1; it is %s")
                % self.downward_factor,
            )
        for name in ("above_rate", "below_rate"):
            if getattr(self, name) < 0:
                raise _refuse(name, _("must be 0 or more; it is %s") % getattr(self, name))
        if not ZERO <= self.minimum <= self.full_points:
            raise _refuse(
                "minimum",
                _("must be from 0 to the full points %(full)s; it is %(actual)s")
                % {"full": self.full_points, "actual": self.minimum},
            )

    def _refuse_mean_parameters(self) -> None:
        if self.drop_above is not None:
            raise _refuse("drop_above", _("applies only to the mean method"))
        for name in ("downward_factor", "above_rate", "below_rate", "minimum"):
            if getattr(self, name) != 0:
                raise _refuse(name, _("applies only to the mean method"))

    @classmethod
    def lowest_price(cls, *, full_points: Number) -> PriceScheme:
        return cls(PriceMethod.LOWEST_PRICE_BENCHMARK, _number("full_points", full_points))

    @classmethod
    def mean(
        cls,
        *,
        full_points: Number,
        above_rate: Number,
        below_rate: Number,
        drop_above: int | None = 3,
        downward_factor: Number = 0,
        minimum: Number = 0,
    ) -> PriceScheme:
        return cls(
            PriceMethod.MEAN_BENCHMARK,
            _number("full_points", full_points),
            _drop_above(drop_above),
            _number("downward_factor", downward_factor),
            _number("above_rate", above_rate),
            _number("below_rate", below_rate),
            _number("minimum", minimum),
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], *, full_points: Number) -> PriceScheme:
        """From a tender's `scoring_scheme["price"]`, e.g. {"formula": "mean_benchmark",
        "drop_above": 3, "downward_factor": "0.03", "above_rate": "1", "below_rate": "0.5",
        "minimum": 0}. A mean scheme that does not say `drop_above` drops above 3 prices."""
        for name in data:
            if name not in PARAMETERS:
                raise _refuse(name, _("is not a parameter of a price scheme"))
        method = _method(data.get("formula"))
        default_drop = 3 if method is PriceMethod.MEAN_BENCHMARK else None
        return cls(
            method,
            _number("full_points", full_points),
            _drop_above(data.get("drop_above", default_drop)),
            _number("downward_factor", data.get("downward_factor", 0)),
            _number("above_rate", data.get("above_rate", 0)),
            _number("below_rate", data.get("below_rate", 0)),
            _number("minimum", data.get("minimum", 0)),
        )

    @property
    def drops(self) -> bool:
        """Whether the highest and lowest prices may be dropped before the benchmark."""
        return self.method is PriceMethod.MEAN_BENCHMARK and self.drop_above is not None

    def check_lawful(
        self, *, regime: Regime | str, category: str, total_points: Decimal | int = 100
    ) -> None:
        """Refuse a scheme the regime's law forbids, naming every rule broken and its source:
        in government procurement a price weight under 30% (goods) or 10% (services), dropping
        prices, or a method other than the lowest price as benchmark (令87 第五十五条)."""
        total = decimal_of(total_points, field="total_points", code=INVALID)
        if not 0 < self.full_points <= total:
            raise _refuse(
                "full_points",
                _("must be within the total score %(total)s; it is %(actual)s")
                % {"total": total, "actual": self.full_points},
            )
        violations = check_price_scheme(
            regime,
            category=category,
            method=self.method.value,
            price_weight_percent=Fraction(self.full_points) * 100 / Fraction(total),
            drops=self.drops,
        )
        if violations:
            first = violations[0]
            raise ScoringRefused(
                first.rule_code,
                "; ".join(violation.message for violation in violations),
                field=f"price_scheme.{LAW_FIELDS.get(first.field, first.field)}",
                violations=tuple(violations),
            )
