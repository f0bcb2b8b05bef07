"""`{{ due|last_day }}`: a due instant (24:00 of the last day) shown as its last day, the way
a period is named to people ("by the end of 2027-10-11"), in Asia/Shanghai."""

import datetime as dt

from django import template

from supervision.complaints.clocks import last_day as last_day_of

register = template.Library()


@register.filter
def last_day(moment: dt.datetime | None) -> str:
    return "" if moment is None else last_day_of(moment)
