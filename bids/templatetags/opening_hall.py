"""Filters of the opening-hall page; static/js/opening-hall.js formats the same way."""

import datetime as dt
from zoneinfo import ZoneInfo

from django import template

register = template.Library()

SHANGHAI = ZoneInfo("Asia/Shanghai")


@register.filter
def yuan(fen: int | str | None) -> str:
    """Integer fen as yuan with two decimals and thousands separators ("" for None)."""
    if fen is None or fen == "":
        return ""
    whole, cents = divmod(int(fen), 100)
    return f"{whole:,}.{cents:02d}"


@register.filter
def shanghai(moment: str | dt.datetime | None) -> str:
    """An ISO 8601 time (as the hall read model gives it) shown in Asia/Shanghai."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


@register.filter
def countdown(seconds: int | str | None) -> str:
    """Seconds left as H:MM:SS ("" for None)."""
    if seconds is None or seconds == "":
        return ""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"
