"""The descriptive statistics of the screening literature, over one list of bid prices.

As in Huber & Imhof (2019), "Machine learning with screens for detecting bid-rigging cartels"
(IJIO 65): σ is the sample standard deviation (n − 1); skewness and kurtosis are the
small-sample corrected estimators (Excel's SKEW and KURT); the relative distance is
RD = (p₂ − p₁)/σ of the losing bids p₂ … pₙ. Each returns None where it is undefined (too few
values, or no spread).
"""

import math
from collections.abc import Sequence


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def standard_deviation(values: Sequence[float]) -> float | None:
    if len(values) < 2:
        return None
    centre = mean(values)
    return math.sqrt(math.fsum((value - centre) ** 2 for value in values) / (len(values) - 1))


def coefficient_of_variation(values: Sequence[float]) -> float | None:
    """σ / mean: scale-free, so tenders of any size compare."""
    sigma = standard_deviation(values)
    centre = mean(values) if values else 0.0
    return None if sigma is None or centre <= 0 else sigma / centre


def _standardised_sum(values: Sequence[float], power: int) -> float | None:
    sigma = standard_deviation(values)
    if not sigma:
        return None
    centre = mean(values)
    return math.fsum(((value - centre) / sigma) ** power for value in values)


def skewness(values: Sequence[float]) -> float | None:
    """n/((n−1)(n−2)) · Σ((x − mean)/σ)³: negative when the low bids lie far below the rest."""
    n = len(values)
    total = _standardised_sum(values, 3) if n >= 3 else None
    return None if total is None else n / ((n - 1) * (n - 2)) * total


def kurtosis(values: Sequence[float]) -> float | None:
    """Excess kurtosis, n(n+1)/((n−1)(n−2)(n−3)) · Σ((x − mean)/σ)⁴ − 3(n−1)²/((n−2)(n−3)):
    high when the bids are packed with a few far from them."""
    n = len(values)
    total = _standardised_sum(values, 4) if n >= 4 else None
    if total is None:
        return None
    return n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * total - 3 * (n - 1) ** 2 / (
        (n - 2) * (n - 3)
    )


def relative_distance(values: Sequence[float]) -> float | None:
    """(p₂ − p₁) / σ(p₂ … pₙ): the gap between the two lowest bids against the spread of the
    losing bids; above 1 the winner stands apart from cover bids packed together."""
    ordered = sorted(values)
    sigma = standard_deviation(ordered[1:]) if len(ordered) >= 3 else None
    return None if not sigma else (ordered[1] - ordered[0]) / sigma


def chi_square_cdf(value: float, degrees: int) -> float:
    """P(χ² ≤ value) for 2 or 3 degrees of freedom (subgroups of 3 or 4 bids), in closed form."""
    if value <= 0:
        return 0.0
    if degrees == 2:
        return 1 - math.exp(-value / 2)
    if degrees == 3:
        half = math.sqrt(value / 2)
        return math.erf(half) - math.sqrt(2 * value / math.pi) * math.exp(-value / 2)
    raise ValueError(f"chi_square_cdf takes 2 or 3 degrees of freedom, not {degrees}")
