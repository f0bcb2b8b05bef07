"""Expected ends of legal periods, worked out day by day for the assertions of the tests."""

import datetime as dt

from trading.law.working_days import end_of_day, is_working_day, local_date


def end_of_third_day_after(start: dt.datetime) -> dt.datetime:
    """24:00 (Asia/Shanghai) of the third day after ``start``, the day of ``start`` not
    counted; a third day that is a rest day moves to the next working day (民法典 第二百零三条).

    From a Wednesday the third day is a Saturday, so the period ends on Monday at 24:00.
    """
    day = local_date(start) + dt.timedelta(days=3)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return end_of_day(day)
