"""What the finders share: how a moment is written in a message, and the filter that leaves out
what a rule has already settled (one alert per breach: a red card is never looked at again)."""

import datetime as dt

from django.db.models import CharField, Exists, OuterRef
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast

from monitoring.models import Alert, AlertSeverity
from supervision.rules.registry import AlertRule
from trading.law.working_days import SHANGHAI

ZONE_NAME = "Asia/Shanghai"


def shown(moment: dt.datetime | None) -> str:
    """A moment as every supervision page and message writes it: Shanghai time, zone named."""
    if moment is None:
        return ""
    return f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M} ({ZONE_NAME})"


def iso(moment: dt.datetime | None) -> str | None:
    """A moment in an alert's evidence: ISO 8601 on the Shanghai clock."""
    return None if moment is None else moment.astimezone(SHANGHAI).isoformat()


def already_alerted(
    rule: AlertRule, object_type: str, *, red_only: bool, outer: str = "pk"
) -> Exists:
    """An alert of `rule` on the object the outer row's `outer` field names exists (red
    only, for a timeliness rule, whose yellow card may still turn red): the finder need not
    look at the row again."""
    alerts = Alert.objects.filter(
        kind=rule.code,
        object_type=object_type,
        object_id=Cast(OuterRef(outer), output_field=CharField()),
    )
    if red_only:
        alerts = alerts.filter(severity=AlertSeverity.RED)
    return Exists(alerts)


def not_yet_red(rule: AlertRule, object_type: str, *, outer: str = "pk") -> Combinable:
    return ~already_alerted(rule, object_type, red_only=True, outer=outer)


def not_yet_alerted(rule: AlertRule, object_type: str, *, outer: str = "pk") -> Combinable:
    return ~already_alerted(rule, object_type, red_only=False, outer=outer)
