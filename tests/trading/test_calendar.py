"""Day counting in the Asia/Shanghai calendar.

民法典 第二百零一条、第二百零三条; 财政部令第87号 第八十五条.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from trading.law.working_days import (
    SHANGHAI,
    HolidayCalendar,
    add_days,
    calendar_days_between,
    end_of_day,
    is_working_day,
    period_end,
    working_days_between,
)

# National Day 2026: Thursday 10-01 to Wednesday 10-07 off; Sunday 09-20 and Saturday 10-10 worked.
NATIONAL_DAY_2026 = HolidayCalendar.from_lists(
    holidays=[f"2026-10-0{day}" for day in range(1, 8)],
    makeup_workdays=["2026-09-20", "2026-10-10"],
)
WEEKENDS_ONLY = HolidayCalendar()


def at(month: int, day: int, hour: int = 9, minute: int = 30) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def test_the_first_day_is_not_counted():
    assert add_days(at(3, 2, 16, 0), 1, working=False, calendar=WEEKENDS_ONLY) == at(3, 3, 16, 0)
    assert add_days(at(3, 2, 16, 0), 1, working=True, calendar=WEEKENDS_ONLY) == at(3, 3, 16, 0)


def test_a_last_day_on_a_working_day_stays_where_it_is():
    assert add_days(at(3, 2), 17, working=False, calendar=WEEKENDS_ONLY) == at(3, 19)


def test_a_last_day_on_a_sunday_rolls_forward_to_monday():
    # 2026-03-02 is a Monday; its 20th day is Sunday 03-22.
    assert add_days(at(3, 2), 20, working=False, calendar=WEEKENDS_ONLY) == at(3, 23)


def test_without_rolling_forward_the_last_day_may_be_a_sunday():
    assert add_days(at(3, 2), 20, working=False, roll_forward=False, calendar=WEEKENDS_ONLY) == at(
        3, 22
    )


def test_a_last_day_in_the_national_day_holiday_rolls_to_the_day_after_it():
    assert add_days(at(9, 28, 10, 0), 3, working=False, calendar=NATIONAL_DAY_2026) == at(
        10, 8, 10, 0
    )


def test_a_last_day_on_a_make_up_saturday_does_not_roll():
    assert add_days(at(9, 30), 10, working=False, calendar=NATIONAL_DAY_2026) == at(10, 10)


def test_working_days_skip_the_national_day_holiday_and_count_the_make_up_saturday():
    # 10-08 Thursday, 10-09 Friday, 10-10 make-up Saturday.
    assert add_days(at(9, 30), 3, working=True, calendar=NATIONAL_DAY_2026) == at(10, 10)
    assert add_days(at(9, 30), 4, working=True, calendar=NATIONAL_DAY_2026) == at(10, 12)


def test_a_make_up_sunday_is_a_working_day():
    # Friday 09-18: Saturday 09-19 is off, Sunday 09-20 is worked.
    assert add_days(at(9, 18), 1, working=True, calendar=NATIONAL_DAY_2026) == at(9, 20)
    assert add_days(at(9, 18), 1, working=True, calendar=WEEKENDS_ONLY) == at(9, 21)


def test_working_days_between_counts_across_the_holiday():
    assert working_days_between(at(9, 30), at(10, 12), calendar=NATIONAL_DAY_2026) == 4
    assert working_days_between(at(9, 30), at(10, 7), calendar=NATIONAL_DAY_2026) == 0
    assert working_days_between(at(10, 12), at(9, 30), calendar=NATIONAL_DAY_2026) == 0


def test_calendar_days_are_counted_by_date_whatever_the_time_of_day():
    assert calendar_days_between(at(3, 2, 23, 59), at(3, 22, 0, 1)) == 20
    assert calendar_days_between(at(3, 2, 0, 1), at(3, 22, 23, 59)) == 20


def test_utc_instants_are_counted_on_the_shanghai_calendar():
    # 2026-03-02 17:00 UTC is 2026-03-03 01:00 in Shanghai: the count starts the day after 03-03.
    utc = ZoneInfo("UTC")
    issued = dt.datetime(2026, 3, 2, 17, 0, tzinfo=utc)
    assert calendar_days_between(issued, at(3, 22)) == 19
    result = add_days(issued, 1, working=False, calendar=WEEKENDS_ONLY)
    assert result == at(3, 4, 1, 0)
    assert result.tzinfo == SHANGHAI


def test_zero_days_is_the_start_itself():
    assert add_days(at(3, 7), 0, working=False, calendar=WEEKENDS_ONLY) == at(3, 7)


def test_a_negative_period_is_refused():
    with pytest.raises(ValueError, match="a period cannot last -1 days"):
        add_days(at(3, 2), -1, working=False, calendar=WEEKENDS_ONLY)


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="an aware datetime is needed"):
        add_days(dt.datetime(2026, 3, 2, 9, 30), 1, working=False, calendar=WEEKENDS_ONLY)


def test_a_period_ends_at_midnight_after_its_last_day():
    assert end_of_day(dt.date(2026, 3, 5)) == dt.datetime(2026, 3, 6, 0, 0, tzinfo=SHANGHAI)
    # Three working days from Monday 03-02: Tuesday, Wednesday, Thursday.
    assert period_end(at(3, 2), 3, working=True, calendar=WEEKENDS_ONLY) == at(3, 6, 0, 0)
    # Three calendar days from Wednesday 03-04 end on Saturday 03-07, rolled to Monday 03-09.
    assert period_end(at(3, 4), 3, working=False, calendar=WEEKENDS_ONLY) == at(3, 10, 0, 0)


def test_the_calendar_comes_from_settings_when_none_is_given(settings):
    settings.TRADING_HOLIDAYS = ["2026-10-01"]
    settings.TRADING_MAKEUP_WORKDAYS = ["2026-10-10"]

    assert is_working_day(dt.date(2026, 10, 1)) is False
    assert is_working_day(dt.date(2026, 10, 2)) is True  # not listed: an ordinary Friday
    assert is_working_day(dt.date(2026, 10, 10)) is True
    assert is_working_day(dt.date(2026, 10, 11)) is False


def test_without_settings_only_weekends_are_off(settings):
    settings.TRADING_HOLIDAYS = []
    settings.TRADING_MAKEUP_WORKDAYS = []

    assert is_working_day(dt.date(2026, 10, 1)) is True
    assert is_working_day(dt.date(2026, 10, 3)) is False


def test_a_day_cannot_be_both_a_holiday_and_a_make_up_working_day():
    with pytest.raises(ValueError, match="both a holiday and a make-up working day: 2026-10-10"):
        HolidayCalendar.from_lists(holidays=["2026-10-10"], makeup_workdays=["2026-10-10"])


def test_a_make_up_working_day_must_be_a_weekend_day():
    with pytest.raises(ValueError, match="these are weekdays: 2026-10-09"):
        HolidayCalendar.from_lists(makeup_workdays=["2026-10-09"])
