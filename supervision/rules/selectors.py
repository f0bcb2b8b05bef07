"""The alerts as supervisors read them: newest first, filtered, keyset-paginated, each with its
rule and its evidence as links into the console. Unchecked: callers check the reader."""

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from config.errors import Refusal
from monitoring.models import Alert, AlertSeverity, AlertState
from supervision.rules.registry import AlertRule, configured_rules

PAGE_SIZE = 50
# "active": what still needs a supervisor (open or acknowledged); the default list.
ACTIVE = "active"

# Which console page shows an object of each type named in an alert's evidence.
OBJECT_PAGES = {
    "trading.tender": "supervision:timeline",
    "trading.documentobjection": "supervision:timeline",
    "trading.candidateobjection": "supervision:timeline",
    "trading.contract": "supervision:timeline",
    "bids.bid": "supervision:bids",
    "bids.bidupload": "supervision:bids",
    "bids.biddecryption": "supervision:bids",
    "bids.openingsession": "supervision:opening",
    "evaluation.panel": "supervision:panel",
    "evaluation.panelseat": "supervision:panel",
    "evaluation.evaluationsession": "supervision:scores",
    "evaluation.evaluationreport": "supervision:scores",
    "evaluation.bidevaluation": "supervision:scores",
}


@dataclass(frozen=True)
class EvidenceLink:
    label: str
    url: str  # empty where no page shows the object


@dataclass(frozen=True)
class AlertView:
    alert: Alert
    rule: AlertRule | None
    objects: list[EvidenceLink]
    events: list[EvidenceLink]
    facts: dict


@dataclass(frozen=True)
class AlertPage:
    alerts: list[AlertView]
    next_cursor: str
    state: str
    severity: str
    kind: str


def _cursor(alert: Alert) -> str:
    raw = f"{alert.raised_at.isoformat()}|{alert.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after(cursor: str) -> Q:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, identifier = raw.split("|")
        raised_at, pk = dt.datetime.fromisoformat(moment), int(identifier)
        if raised_at.tzinfo is None:
            raise ValueError
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise Refusal(
            "cursor_invalid",
            _("after: not a position in the list; follow the page's own link"),
            field="after",
        ) from None
    # The first condition bounds the index scan (see supervision.console.selectors).
    return Q(raised_at__lte=raised_at) & (
        Q(raised_at__lt=raised_at) | Q(raised_at=raised_at, pk__lt=pk)
    )


def _tender_of(alert: Alert, object_type: str, object_id: str) -> str:
    if object_type == "trading.tender":
        return object_id
    return alert.tender_id


def alert_view(alert: Alert, rules: dict[str, AlertRule]) -> AlertView:
    evidence = alert.evidence if isinstance(alert.evidence, dict) else {}
    objects = []
    for item in evidence.get("objects", []):
        if not isinstance(item, dict):
            continue
        object_type, object_id = str(item.get("type", "")), str(item.get("id", ""))
        page, tender = OBJECT_PAGES.get(object_type), _tender_of(alert, object_type, object_id)
        url = reverse(page, args=[tender]) if page and tender else ""
        objects.append(EvidenceLink(f"{object_type} {object_id}", url))
    timeline = reverse("supervision:timeline", args=[alert.tender_id]) if alert.tender_id else ""
    events = [
        EvidenceLink(f"#{sequence}", f"{timeline}#event-{sequence}" if timeline else "")
        for sequence in evidence.get("events", [])
        if isinstance(sequence, int)
    ]
    facts = evidence.get("facts", {})
    return AlertView(
        alert=alert,
        rule=rules.get(alert.kind),
        objects=objects,
        events=events,
        facts=facts if isinstance(facts, dict) else {},
    )


def alerts_filtered(*, state: str = ACTIVE, severity: str = "", kind: str = "") -> QuerySet[Alert]:
    alerts = Alert.objects.all()
    if state == ACTIVE:
        alerts = alerts.filter(state__in=[AlertState.OPEN, AlertState.ACKNOWLEDGED])
    elif state in AlertState.values:
        alerts = alerts.filter(state=state)
    if severity in AlertSeverity.values:
        alerts = alerts.filter(severity=severity)
    if kind:
        alerts = alerts.filter(kind=kind)
    return alerts.select_related("acknowledged_by", "resolved_by")


def alert_page(
    *, state: str = ACTIVE, severity: str = "", kind: str = "", after: str = ""
) -> AlertPage:
    """One page of alerts, newest first: one query whatever their number."""
    state = state if state in (ACTIVE, *AlertState.values) else ACTIVE
    severity = severity if severity in AlertSeverity.values else ""
    rules = {rule.code: rule for rule in configured_rules()}
    # Other apps raise alerts of their own kinds (bid_tampered, collusion …): any code goes.
    kind = kind if re.fullmatch(r"[a-z0-9_.\-]{1,60}", kind) else ""
    alerts = alerts_filtered(state=state, severity=severity, kind=kind)
    if after:
        alerts = alerts.filter(_after(after))
    rows = list(alerts.order_by("-raised_at", "-pk")[: PAGE_SIZE + 1])
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    return AlertPage(
        alerts=[alert_view(alert, rules) for alert in rows],
        next_cursor=_cursor(rows[-1]) if more else "",
        state=state,
        severity=severity,
        kind=kind,
    )
