"""Running the alert rules: each enabled rule's finder lists the breaches it sees now, and each
breach becomes one alert, however often the rules run.

- A breach not seen before raises an alert (`alert.raised`), keyed by the rule's code and the
  breach's key; the database's unique constraint (monitoring `alert_one_per_breach`) holds
  when two runs meet.
- A breach seen again at a worse severity (a yellow card now overdue) escalates the alert in
  place (`alert.escalated`): the same row turns red and is open again, so the supervisor's
  list keeps one line per breach, with its history in the event log. A better severity never
  lowers it.
- Anything else leaves the alert as it is: a second run changes nothing and writes nothing.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from monitoring.alerts import alert_raise
from monitoring.clock import database_now
from monitoring.models import SEVERITY_RANK, Alert, AlertSeverity, Event
from monitoring.services import PLATFORM
from monitoring.transitions import apply_transition
from supervision.rules import compliance, experts, timeliness
from supervision.rules.registry import AlertRule, Breach, RuleMisconfigured, configured_rules

logger = logging.getLogger(__name__)

Finder = Callable[[AlertRule, dt.datetime], list[Breach]]

FINDERS: Mapping[str, Finder] = MappingProxyType(
    {
        "publicity_start": timeliness.publicity_start,
        "contract_signing": timeliness.contract_signing,
        "bid_security_refund": timeliness.bid_security_refund,
        "objection_answer": timeliness.objection_answer,
        "evaluation_overtime": timeliness.evaluation_overtime,
        "minimum_bids": compliance.minimum_bids,
        "panel_composition": compliance.panel_composition,
        "schedule": compliance.schedule,
        "expert_score_deviation": experts.expert_score_deviation,
        "expert_repeat_tenderee": experts.expert_repeat_tenderee,
    }
)


def rules_ready() -> tuple[AlertRule, ...]:
    """The configured rules, each with its finder: what start-up checks (supervision.apps)."""
    rules = configured_rules()
    missing = [rule.code for rule in rules if rule.code not in FINDERS]
    if missing:
        raise RuleMisconfigured(f"alert rule {missing[0]!r} has no finder in FINDERS")
    return rules


# The evidence names at most this many events per breach: the latest of its objects.
EVIDENCE_EVENTS = 20


@dataclass
class RunResult:
    raised: int = 0
    escalated: int = 0
    unchanged: int = 0
    failed_rules: list[str] = field(default_factory=list)
    by_rule: dict[str, int] = field(default_factory=dict)


def rules_evaluate() -> RunResult:
    """Run every enabled rule once at the database's now; one failing rule does not stop the
    others (it is logged and named in the result). Safe to run twice, or twice at once."""
    now = database_now()
    result = RunResult()
    for rule in configured_rules():
        if not rule.enabled:
            continue
        try:
            breaches = FINDERS[rule.code](rule, now)
            outcomes = _settle(rule, breaches, now)
        except Exception:
            logger.exception("alert rule %s failed", rule.code)
            result.failed_rules.append(rule.code)
            continue
        result.by_rule[rule.code] = len(breaches)
        result.raised += outcomes.count("raised")
        result.escalated += outcomes.count("escalated")
        result.unchanged += outcomes.count("unchanged")
    return result


def _settle(rule: AlertRule, breaches: list[Breach], now: dt.datetime) -> list[str]:
    existing = {
        alert.breach_key: alert
        for alert in Alert.objects.filter(
            kind=rule.code, breach_key__in=[breach.key for breach in breaches]
        ).only("id", "severity", "breach_key")
    }
    waiting = [
        breach
        for breach in breaches
        if breach.key not in existing
        or SEVERITY_RANK[AlertSeverity(breach.severity)]
        > SEVERITY_RANK[AlertSeverity(existing[breach.key].severity)]
    ]
    events = _events_of(waiting)
    outcomes = ["unchanged"] * (len(breaches) - len(waiting))
    for breach in waiting:
        evidence = {
            "facts": dict(breach.facts),
            "objects": [{"type": kind, "id": identifier} for kind, identifier in breach.objects],
            "events": events.get(breach.key, []),
        }
        outcomes.append(_raise_or_escalate(rule, breach, evidence, existing.get(breach.key), now))
    return outcomes


def _events_of(breaches: Iterable[Breach]) -> dict[str, list[int]]:
    """The latest events of each breach's objects, as sequence numbers (one query)."""
    by_type: dict[str, set[str]] = defaultdict(set)
    for breach in breaches:
        for kind, identifier in breach.objects:
            by_type[kind].add(identifier)
    if not by_type:
        return {}
    condition = Q()
    for kind, identifiers in by_type.items():
        condition |= Q(object_type=kind, object_id__in=identifiers)
    sequences: dict[tuple[str, str], list[int]] = defaultdict(list)
    for kind, identifier, sequence in (
        Event.objects.filter(condition)
        .order_by("sequence")
        .values_list("object_type", "object_id", "sequence")
    ):
        sequences[(kind, identifier)].append(sequence)
    found = {}
    for breach in breaches:
        numbers = sorted({number for item in breach.objects for number in sequences[item]})
        found[breach.key] = numbers[-EVIDENCE_EVENTS:]
    return found


def _raise_or_escalate(
    rule: AlertRule,
    breach: Breach,
    evidence: dict[str, Any],
    alert: Alert | None,
    now: dt.datetime,
) -> str:
    if alert is None:
        try:
            with transaction.atomic():
                alert_raise(
                    kind=rule.code,
                    severity=breach.severity,
                    object_type=breach.object_type,
                    object_id=breach.object_id,
                    tender_id=breach.tender_id,
                    message=breach.message,
                    evidence=evidence,
                    rule_source=breach.source,
                    breach_key=breach.key,
                )
            return "raised"
        except IntegrityError:
            pass  # another run raised it first: escalate that one if this is worse
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(kind=rule.code, breach_key=breach.key)
        before = AlertSeverity(locked.severity)
        if SEVERITY_RANK[AlertSeverity(breach.severity)] <= SEVERITY_RANK[before]:
            return "unchanged"
        apply_transition(
            locked,
            "escalate",
            actor=PLATFORM,
            action="alert.escalated",
            arguments=(breach.severity, breach.message, evidence, now),
            changed_fields=["severity", "message", "evidence", "escalated_at"],
            payload={
                "kind": rule.code,
                "from_severity": before.value,
                "to_severity": breach.severity,
                "message": breach.message,
                "breach": breach.key,
            },
        )
    return "escalated"
