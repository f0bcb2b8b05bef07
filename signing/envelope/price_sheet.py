"""The structured price sheet (投标报价一览表) read out at the opening (唱标).

Money is integer fen: a float or a fractional amount is refused rather than rounded, because a
rounded price is not the price the bidder signed.
"""

from typing import Any

from signing.envelope.errors import PriceSheetInvalid

REQUIRED_FIELDS = ("total_price_fen", "duration_days", "quality")
OPTIONAL_FIELDS = ("other",)
MAX_TOTAL_PRICE_FEN = 10**17  # far above any tender; stops absurd values from JSON
MAX_TEXT_LENGTH = 2000


def _integer(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PriceSheetInvalid(
            f"Price sheet field {field} must be an integer, not {type(value).__name__}."
        )
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")) or not value.is_integer():
            raise PriceSheetInvalid(
                f"Price sheet field {field} must be a whole number; {value!r} has a fraction."
            )
        raise PriceSheetInvalid(
            f"Price sheet field {field} must be an integer, not a decimal ({value!r})."
        )
    return value


def validate_price_sheet(price_sheet: Any) -> dict[str, Any]:
    """Check a price sheet and return it in its canonical shape; PriceSheetInvalid names why."""
    if not isinstance(price_sheet, dict):
        raise PriceSheetInvalid("The price sheet must be a JSON object.")
    for field in REQUIRED_FIELDS:
        if field not in price_sheet:
            raise PriceSheetInvalid(f"Price sheet field {field} is missing.")
    unknown = sorted(set(price_sheet) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise PriceSheetInvalid(
            f'Price sheet field {unknown[0]} is not known; put other declared values under "other".'
        )
    total_price_fen = _integer(price_sheet["total_price_fen"], "total_price_fen")
    if total_price_fen < 0:
        raise PriceSheetInvalid(f"Price sheet total_price_fen is negative ({total_price_fen}).")
    if total_price_fen > MAX_TOTAL_PRICE_FEN:
        raise PriceSheetInvalid("Price sheet total_price_fen is implausibly large.")
    duration_days = _integer(price_sheet["duration_days"], "duration_days")
    if duration_days <= 0:
        raise PriceSheetInvalid(f"Price sheet duration_days must be positive ({duration_days}).")
    quality = price_sheet["quality"]
    if not isinstance(quality, str) or not quality.strip():
        raise PriceSheetInvalid("Price sheet field quality must be a non-empty text.")
    if len(quality) > MAX_TEXT_LENGTH:
        raise PriceSheetInvalid("Price sheet field quality is too long.")
    other = price_sheet.get("other", {})
    if not isinstance(other, dict):
        raise PriceSheetInvalid("Price sheet field other must be an object of declared values.")
    for name, value in other.items():
        if isinstance(value, float):
            raise PriceSheetInvalid(
                f"Price sheet other.{name} is a decimal; give money in integer fen and other "
                "quantities as integers or text."
            )
        if not isinstance(value, str | int):
            raise PriceSheetInvalid(
                f"Price sheet other.{name} must be text or an integer, not {type(value).__name__}."
            )
        if isinstance(value, str) and len(value) > MAX_TEXT_LENGTH:
            raise PriceSheetInvalid(f"Price sheet other.{name} is too long.")
    return {
        "total_price_fen": total_price_fen,
        "duration_days": duration_days,
        "quality": quality,
        "other": dict(other),
    }
