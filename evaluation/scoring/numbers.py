"""The arithmetic every score shares: exact rationals, one rounding rule, money shown in yuan.

Scores are `Decimal` with two places, rounded half up (0.005 → 0.01, −0.005 → −0.01: away from
zero, as `decimal.ROUND_HALF_UP` does); money is whole fen. Intermediate values are exact
`Fraction`s, so that the only rounding is the one each step of a working names.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

from evaluation.scoring.errors import ScoringRefused

FEN_PER_YUAN = 100
CENT = Decimal("0.01")


def half_up(value: Fraction) -> int:
    """The nearest whole number, a half rounded away from zero."""
    magnitude = (2 * abs(value.numerator) + value.denominator) // (2 * value.denominator)
    return -magnitude if value < 0 else magnitude


def points(value: Fraction) -> Decimal:
    """A value rounded half up to two places, as a Decimal with exactly two places."""
    return Decimal(half_up(value * 100)).scaleb(-2)


def cents_to_points(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def divide_cents(total: int, count: int) -> int:
    """total / count rounded half up (count > 0): the mean of scores in hundredths."""
    magnitude = (2 * abs(total) + count) // (2 * count)
    return -magnitude if total < 0 else magnitude


def yuan(fen: int) -> str:
    """Whole fen shown as yuan with thousands separators: 123456789 → '1,234,567.89'."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{part:02d}"


def plain(value: Decimal | int) -> str:
    """A number as a person writes it: 30, 0.5, 27.50 (the places it was given with)."""
    return f"{value:,}" if isinstance(value, int) else format(value, "f")


def decimal_of(value: object, *, field: str, code: str = "price_scheme_invalid") -> Decimal:
    """A finite Decimal from an int, a Decimal, a decimal string or a float (read by its repr,
    as JSON gives it); anything else is refused naming the field."""
    if isinstance(value, bool):
        number = None
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | str):
        try:
            number = Decimal(value)
        except ArithmeticError:
            number = None
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        number = None
    if number is None or not number.is_finite():
        raise ScoringRefused(
            code,
            _("%(field)s: must be a number; it is %(value)r") % {"field": field, "value": value},
            field=field,
        )
    return number


def as_cents(value: object, *, where: str) -> int:
    """A score given as a Decimal or an int with at most two decimal places, in hundredths;
    anything else (a float, a third decimal place, NaN) is refused naming where it is."""
    if isinstance(value, Decimal):
        scaled = value.scaleb(2)
        if scaled.is_finite() and scaled == scaled.to_integral_value():
            return int(scaled)
    elif isinstance(value, int) and not isinstance(value, bool):
        return value * 100
    raise ScoringRefused(
        "score_invalid",
        _("%(where)s: a score is a number with at most 2 decimal places; it is %(value)r")
        % {"where": where, "value": value},
        field=where,
    )
