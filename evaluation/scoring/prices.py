"""The price score (价格分): computed from the tender's scheme and the prices of the bids that
passed review, never typed by an expert.

Two methods (docs/evaluation.md, "Scoring"):

- lowest price as benchmark (最低评标价为基准价, 低价优先法): benchmark = the lowest valid price;
  score = benchmark / price × full points. The only method government procurement allows, with no
  price dropped (财政部令第87号 第五十五条).
- mean as benchmark (平均值基准价): the mean of the valid prices, the highest and the lowest
  dropped when there are more than `drop_above`; lowered by a factor k when the scheme says so;
  each 1% of deviation above or below costs its own number of points, pro rata, down to a floor.

Each step rounds once, half up, and the next step uses the rounded figure, so that a reader of
the working can redo every line by hand: the mean and the benchmark to the fen, the deviation to
0.01%, the score to 0.01 point.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Generic, TypeVar

from django.utils.translation import gettext as _

from evaluation.scoring.errors import ScoringRefused
from evaluation.scoring.numbers import half_up, plain, points, yuan
from evaluation.scoring.schemes import PriceMethod, PriceScheme
from trading.law.rules import Regime

BidId = TypeVar("BidId", bound=Hashable)
ZERO = Decimal(0)


@dataclass(frozen=True)
class PriceScore(Generic[BidId]):
    """One bid's price score, with what it was computed from."""

    bid: BidId
    price_fen: int
    benchmark_fen: int
    deviation_percent: Decimal  # (price − benchmark) / benchmark × 100, to 0.01
    score: Decimal
    unfloored: Decimal  # the score before the scheme's minimum (the same when not floored)
    scheme: PriceScheme

    @property
    def working(self) -> tuple[str, ...]:
        """How the score was computed (计算过程), in the active language."""
        scheme, price, benchmark = self.scheme, yuan(self.price_fen), yuan(self.benchmark_fen)
        full = plain(scheme.full_points)
        if scheme.method is PriceMethod.LOWEST_PRICE_BENCHMARK:
            return (
                _(
                    "score = benchmark / price × %(full)s = %(benchmark)s / %(price)s × %(full)s "
                    "= %(score)s"
                )
                % {"full": full, "benchmark": benchmark, "price": price, "score": self.score},
            )
        lines = [
            _(
                "deviation = (price − benchmark) / benchmark × 100 = (%(price)s − %(benchmark)s) "
                "/ %(benchmark)s × 100 = %(deviation)s%%"
            )
            % {"price": price, "benchmark": benchmark, "deviation": self.deviation_percent}
        ]
        values = {"full": full, "deviation": abs(self.deviation_percent), "score": self.unfloored}
        if self.deviation_percent > 0:
            values["rate"] = plain(scheme.above_rate)
            lines.append(
                _(
                    "score = %(full)s − %(rate)s × %(deviation)s = %(score)s "
                    "(%(rate)s deducted per 1%% above the benchmark)"
                )
                % values
            )
        elif self.deviation_percent < 0:
            values["rate"] = plain(scheme.below_rate)
            lines.append(
                _(
                    "score = %(full)s − %(rate)s × %(deviation)s = %(score)s "
                    "(%(rate)s deducted per 1%% below the benchmark)"
                )
                % values
            )
        else:
            lines.append(_("score = %(full)s (the price is the benchmark)") % values)
        if self.score != self.unfloored:
            lines.append(
                _("the score is raised to the scheme's minimum: %(minimum)s")
                % {"minimum": self.score}
            )
        return tuple(lines)


@dataclass(frozen=True)
class PriceResult(Generic[BidId]):
    """Every bid's price score, the benchmark, and which prices formed it."""

    scheme: PriceScheme
    benchmark_fen: int
    counted: tuple[BidId, ...]  # the bids whose prices formed the benchmark, lowest price first
    dropped: tuple[BidId, ...]  # (lowest, highest) when the mean method dropped them
    total_fen: int  # the sum of the counted prices
    mean_fen: int | None  # the mean, to the fen (mean method only)
    scores: Mapping[BidId, PriceScore[BidId]]  # in the order the prices were given

    def points(self) -> dict[BidId, Decimal]:
        return {bid: price_score.score for bid, price_score in self.scores.items()}

    @property
    def working(self) -> tuple[str, ...]:
        """How the benchmark was found, in the active language."""
        if self.mean_fen is None:
            return (
                _("benchmark = the lowest valid price = %(benchmark)s yuan")
                % {"benchmark": yuan(self.benchmark_fen)},
            )
        scheme, count = self.scheme, len(self.counted) + len(self.dropped)
        if self.dropped:
            lowest, highest = (self.scores[bid].price_fen for bid in self.dropped)
            first = _(
                "%(count)s valid prices, more than %(above)s: the highest (%(highest)s yuan) "
                "and the lowest (%(lowest)s yuan) are dropped"
            ) % {
                "count": count,
                "above": scheme.drop_above,
                "highest": yuan(highest),
                "lowest": yuan(lowest),
            }
        elif scheme.drop_above is not None:
            first = _("%(count)s valid prices, not more than %(above)s: none is dropped") % {
                "count": count,
                "above": scheme.drop_above,
            }
        else:
            first = _("%(count)s valid prices: the scheme drops none") % {"count": count}
        mean = _("mean = %(total)s / %(count)s = %(mean)s yuan, to the fen") % {
            "total": yuan(self.total_fen),
            "count": len(self.counted),
            "mean": yuan(self.mean_fen),
        }
        if scheme.downward_factor:
            benchmark = _(
                "benchmark = mean × (1 − %(factor)s) = %(mean)s × %(keep)s = %(benchmark)s yuan, "
                "to the fen"
            ) % {
                "factor": plain(scheme.downward_factor),
                "keep": plain(1 - scheme.downward_factor),
                "mean": yuan(self.mean_fen),
                "benchmark": yuan(self.benchmark_fen),
            }
        else:
            benchmark = _("benchmark = mean = %(benchmark)s yuan") % {
                "benchmark": yuan(self.benchmark_fen)
            }
        return (first, mean, benchmark)


def _checked_prices(prices: Mapping[BidId, int]) -> None:
    if not prices:
        raise ScoringRefused(
            "prices_missing", _("prices: at least one valid price is needed"), field="prices"
        )
    for bid, price in prices.items():
        if not isinstance(price, int) or isinstance(price, bool) or price <= 0:
            raise ScoringRefused(
                "price_invalid",
                _("prices[%(bid)s]: a price is a whole number of fen above 0; it is %(price)r")
                % {"bid": bid, "price": price},
                field=f"prices[{bid}]",
            )


def price_scores(
    scheme: PriceScheme,
    prices: Mapping[BidId, int],
    *,
    regime: Regime | str,
    category: str,
    total_points: Decimal | int = 100,
) -> PriceResult[BidId]:
    """The price score of every bid that passed review (bid → price in fen), after refusing a
    scheme the regime's law forbids (`PriceScheme.check_lawful`). `total_points` is the total
    of the scheme's weights, against which the price weight is measured."""
    scheme.check_lawful(regime=regime, category=category, total_points=total_points)
    _checked_prices(prices)
    # Lowest first; among equal prices, the order given (which of them is dropped is then
    # immaterial: the mean is the same).
    ordered = sorted(prices, key=prices.__getitem__)
    mean_fen: int | None = None
    dropped: tuple[BidId, ...] = ()
    if scheme.method is PriceMethod.LOWEST_PRICE_BENCHMARK:
        counted = tuple(ordered)
        benchmark = prices[ordered[0]]
        total = sum(prices.values())
    else:
        counted = tuple(ordered)
        if scheme.drop_above is not None and len(ordered) > scheme.drop_above:
            dropped, counted = (ordered[0], ordered[-1]), tuple(ordered[1:-1])
        total = sum(prices[bid] for bid in counted)
        mean_fen = half_up(Fraction(total, len(counted)))
        benchmark = half_up(mean_fen * (1 - Fraction(scheme.downward_factor)))
        if benchmark <= 0:  # only a mean under 1 fen with a factor could get here
            raise ScoringRefused(
                "benchmark_invalid",
                _("the benchmark rounds to 0 fen: the prices are too small to score"),
                field="prices",
            )
    scores = {bid: _score(scheme, bid, price, benchmark) for bid, price in prices.items()}
    return PriceResult(scheme, benchmark, counted, dropped, total, mean_fen, scores)


def _score(scheme: PriceScheme, bid: BidId, price: int, benchmark: int) -> PriceScore[BidId]:
    deviation = points(Fraction(price - benchmark, benchmark) * 100)
    full = Fraction(scheme.full_points)
    if scheme.method is PriceMethod.LOWEST_PRICE_BENCHMARK:
        score = points(Fraction(benchmark, price) * full)
        return PriceScore(bid, price, benchmark, deviation, score, score, scheme)
    rate = scheme.above_rate if deviation > 0 else scheme.below_rate
    unfloored = points(full - Fraction(rate) * abs(Fraction(deviation)))
    score = max(unfloored, points(Fraction(scheme.minimum)))
    return PriceScore(bid, price, benchmark, deviation, score, unfloored, scheme)
