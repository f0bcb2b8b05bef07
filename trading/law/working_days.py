"""Day counting in the Asia/Shanghai calendar, with public holidays and make-up working days.

Legal periods are counted in whole days of the local calendar, never in hours:

- the day of the event that starts a period is not counted; the period starts the next day
  (民法典 第二百零一条; for government procurement 财政部令第87号 第八十五条);
- a last day that is not a working day moves to the next working day (民法典 第二百零三条;
  财政部令第87号 第八十五条), and a period ends at 24:00 of its last day (民法典 第二百零三条);
- working-day periods count only working days: Monday to Friday that are not public holidays,
  plus the weekend days declared working days (调休).

Aware datetimes in, aware Asia/Shanghai datetimes out. docs/law-policy.md has worked examples.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

SHANGHAI = ZoneInfo("Asia/Shanghai")

# A calendar that declares a whole year non-working is broken; stop rather than loop forever.
_MAX_ROLL_DAYS = 366


def _as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise TypeError(f"expected a date, got the datetime {value.isoformat()}")
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def local(moment: dt.datetime) -> dt.datetime:
    """The same instant on the Asia/Shanghai clock; a naive datetime is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is needed, got the naive {moment.isoformat()}")
    return moment.astimezone(SHANGHAI)


def local_date(moment: dt.datetime) -> dt.date:
    """The Asia/Shanghai calendar day of an instant."""
    return local(moment).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """24:00 of a day in Asia/Shanghai, i.e. 00:00 of the next day: the (exclusive) end of a
    period whose last day is ``day`` (民法典 第二百零三条: 最后一日的截止时间为二十四时)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=SHANGHAI)


@dataclass(frozen=True)
class HolidayCalendar:
    """Working days: Monday to Friday except public holidays, plus make-up working days."""

    holidays: frozenset[dt.date] = frozenset()
    makeup_workdays: frozenset[dt.date] = frozenset()

    def __post_init__(self) -> None:
        both = self.holidays & self.makeup_workdays
        if both:
            days = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"a day cannot be both a holiday and a make-up working day: {days}")
        weekdays = sorted(d.isoformat() for d in self.makeup_workdays if d.weekday() < 5)
        if weekdays:
            raise ValueError(
                "make-up working days must be Saturdays or Sundays, "
                f"these are weekdays: {', '.join(weekdays)}"
            )

    @classmethod
    def from_lists(
        cls,
        holidays: Iterable[dt.date | str] = (),
        makeup_workdays: Iterable[dt.date | str] = (),
    ) -> HolidayCalendar:
        """A calendar from dates or ISO 8601 date strings ("2026-10-01")."""
        return cls(
            holidays=frozenset(_as_date(d) for d in holidays),
            makeup_workdays=frozenset(_as_date(d) for d in makeup_workdays),
        )

    @classmethod
    def from_settings(cls) -> HolidayCalendar:
        """The calendar of settings.TRADING_HOLIDAYS and settings.TRADING_MAKEUP_WORKDAYS."""
        return cls.from_lists(
            getattr(settings, "TRADING_HOLIDAYS", []),
            getattr(settings, "TRADING_MAKEUP_WORKDAYS", []),
        )

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def next_working_day_from(self, day: dt.date) -> dt.date:
        """``day`` itself when it is a working day, otherwise the first working day after it."""
        for offset in range(_MAX_ROLL_DAYS + 1):
            candidate = day + dt.timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_MAX_ROLL_DAYS} days after {day.isoformat()}")

    def last_day(
        self, start: dt.date, days: int, *, working: bool, roll_forward: bool = True
    ) -> dt.date:
        """The last day of a period of ``days`` days that starts the day after ``start``.

        Calendar days: ``start + days``, moved to the next working day when it is not one and
        ``roll_forward`` is set. Working days: the ``days``-th working day after ``start``.
        A period of 0 days ends on ``start``.
        """
        if days < 0:
            raise ValueError(f"a period cannot last {days} days")
        if days == 0:
            return start
        if not working:
            end = start + dt.timedelta(days=days)
            return self.next_working_day_from(end) if roll_forward else end
        day, counted = start, 0
        while counted < days:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
            elif (day - start).days > days + _MAX_ROLL_DAYS:
                raise ValueError(f"fewer than {days} working days within a year of {start}")
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def resolve_calendar(calendar: HolidayCalendar | None) -> HolidayCalendar:
    """``calendar`` itself, or the calendar of the settings when none is given."""
    return calendar if calendar is not None else HolidayCalendar.from_settings()


def is_working_day(day: dt.date, *, calendar: HolidayCalendar | None = None) -> bool:
    """Whether ``day`` is a working day (settings calendar unless one is given)."""
    return resolve_calendar(calendar).is_working_day(day)


def add_days(
    start: dt.datetime,
    days: int,
    *,
    working: bool,
    roll_forward: bool = True,
    calendar: HolidayCalendar | None = None,
) -> dt.datetime:
    """The same time of day on the last day of a ``days``-day period starting after ``start``.

    财政部令第87号 第八十五条: the first day is not counted, and a last day that is a holiday
    (or weekend) moves to the next working day; ``roll_forward=False`` turns that off for
    periods counted backwards from a fixed moment (see docs/law-policy.md).

    Example, with the National Day holiday 2026-10-01..07: 3 calendar days from 2026-09-28
    10:00 end on 10-01, a holiday, so the result is 2026-10-08 10:00.
    """
    moment = local(start)
    day = resolve_calendar(calendar).last_day(
        moment.date(), days, working=working, roll_forward=roll_forward
    )
    return dt.datetime.combine(day, moment.timetz().replace(tzinfo=None), tzinfo=SHANGHAI)


def period_end(
    start: dt.datetime,
    days: int,
    *,
    working: bool,
    calendar: HolidayCalendar | None = None,
) -> dt.datetime:
    """The exclusive end (24:00 of the last day) of a period of ``days`` days after ``start``:
    an act done "within ``days`` days of ``start``" is on time when it happens before this."""
    day = resolve_calendar(calendar).last_day(local_date(start), days, working=working)
    return end_of_day(day)


def calendar_days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Calendar days from ``start`` to ``end``, counted by Asia/Shanghai dates: the day of
    ``start`` not counted, the day of ``end`` counted, the time of day ignored."""
    return (local_date(end) - local_date(start)).days


def working_days_between(
    start: dt.datetime, end: dt.datetime, *, calendar: HolidayCalendar | None = None
) -> int:
    """Working days from ``start`` to ``end`` counted like calendar_days_between."""
    return resolve_calendar(calendar).working_days_between(local_date(start), local_date(end))
