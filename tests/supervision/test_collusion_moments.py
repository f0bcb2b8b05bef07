"""The screens' statistics on small tables worked out by hand (formulas in moments.py)."""

import math

import pytest

from supervision.collusion.moments import (
    chi_square_cdf,
    coefficient_of_variation,
    kurtosis,
    relative_distance,
    skewness,
    standard_deviation,
)

# Prices 10, 12, 14, 20 (any unit: the screens are scale-free).
#   mean 14; deviations −4, −2, 0, 6; squares 16 + 4 + 0 + 36 = 56; σ² = 56/3
#   CV = √(56/3) / 14 = √(2/21) ≈ 0.308607
#   Σd³ = −64 − 8 + 0 + 216 = 144; skewness = 4/(3·2) · 144/(56/3)^1.5 ≈ 1.190341
#   Σd⁴ = 256 + 16 + 0 + 1296 = 1568; Σ(d/σ)⁴ = 1568/(56/3)² = 4.5
#   kurtosis = 4·5/(3·2·1) · 4.5 − 3·3²/(2·1) = 15 − 13.5 = 1.5
#   losing bids 12, 14, 20: mean 46/3, squares (100 + 16 + 196)/9 = 104/3, σ² = 52/3
#   RD = (12 − 10)/√(52/3) ≈ 0.480384
SKEWED = [10, 14, 12, 20]
# Prices 1 … 5: symmetric and flat.
#   σ² = (4 + 1 + 0 + 1 + 4)/4 = 2.5; CV = √2.5/3 ≈ 0.527046; skewness 0
#   Σ(d/σ)⁴ = 34/6.25 = 5.44; kurtosis = 5·6/(4·3·2) · 5.44 − 3·4²/(3·2) = 6.8 − 8 = −1.2
#   losing 2 … 5: σ² = 5/3; RD = 1/√(5/3) ≈ 0.774597
EVEN = [3, 1, 5, 2, 4]


def test_the_four_screens_of_a_skewed_table():
    assert standard_deviation(SKEWED) == pytest.approx(math.sqrt(56 / 3), rel=1e-12)
    assert coefficient_of_variation(SKEWED) == pytest.approx(math.sqrt(2 / 21), rel=1e-12)
    assert coefficient_of_variation(SKEWED) == pytest.approx(0.308607, abs=1e-6)
    assert skewness(SKEWED) == pytest.approx(2 / 3 * 144 / (56 / 3) ** 1.5, rel=1e-12)
    assert skewness(SKEWED) == pytest.approx(1.190341, abs=1e-6)
    assert kurtosis(SKEWED) == pytest.approx(1.5, rel=1e-12)
    assert relative_distance(SKEWED) == pytest.approx(2 / math.sqrt(52 / 3), rel=1e-12)
    assert relative_distance(SKEWED) == pytest.approx(0.480384, abs=1e-6)


def test_the_four_screens_of_an_even_table():
    assert coefficient_of_variation(EVEN) == pytest.approx(0.527046, abs=1e-6)
    assert skewness(EVEN) == pytest.approx(0.0, abs=1e-12)
    assert kurtosis(EVEN) == pytest.approx(-1.2, rel=1e-12)
    assert relative_distance(EVEN) == pytest.approx(0.774597, abs=1e-6)


def test_screens_are_undefined_on_too_few_bids_or_no_spread():
    assert skewness([1, 2]) is None
    assert kurtosis([1, 2, 3]) is None
    assert relative_distance([1, 2]) is None
    assert relative_distance([1, 5, 5]) is None  # the losing bids do not spread
    assert coefficient_of_variation([7]) is None
    assert skewness([4, 4, 4]) is None


def test_chi_square_in_closed_form():
    # 2 degrees: 1 − e^(−x/2); 3 degrees at x = 7.814728 is the 95 % quantile of the tables.
    assert chi_square_cdf(2.0, 2) == pytest.approx(1 - math.exp(-1), rel=1e-12)
    assert chi_square_cdf(7.814728, 3) == pytest.approx(0.95, abs=1e-6)
    assert chi_square_cdf(0.0, 3) == 0.0
    with pytest.raises(ValueError, match="2 or 3 degrees"):
        chi_square_cdf(1.0, 4)
