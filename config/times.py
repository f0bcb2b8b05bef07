"""How the platform shows a moment and an amount to a person: times in Asia/Shanghai with the zone
named, money in yuan with two decimals (CONVENTIONS, "Names"). Pages, refusals and notices use
these, never a raw UTC ISO string or a number of fen."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai_time(moment: dt.datetime | str | None, *, seconds: bool = False) -> str:
    """`2026-12-02 09:30 (Beijing time)` for an aware datetime or an ISO 8601 string with its
    offset; "" for None; a string without an offset as written. A naive datetime is a
    programming error: what it means is unknown."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            parsed = dt.datetime.fromisoformat(moment)
        except ValueError:
            return moment  # not a time (a date, say): shown as written
        if parsed.tzinfo is None:
            return moment
        moment = parsed
    if moment.tzinfo is None:
        raise ValueError(f"a naive datetime has no zone to show: {moment!r}")
    shown = moment.astimezone(SHANGHAI).strftime(
        "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    )
    # Outside the f-string: xgettext does not read calls inside one, and the text went untranslated.
    zone = _("(Beijing time)")
    return f"{shown} {zone}"


def yuan(fen: int | str | None) -> str:
    """Integer fen as yuan with thousands separators and two decimals (`1,234,567.89`); "" for
    None. Integer arithmetic only: no float rounding."""
    if fen is None or fen == "":
        return ""
    amount = int(fen)
    sign, amount = ("-", -amount) if amount < 0 else ("", amount)
    whole, cents = divmod(amount, 100)
    return f"{sign}{whole:,}.{cents:02d}"
