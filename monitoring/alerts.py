"""Alerts for supervisors (预警): raised by the services that discover a breach, one event each."""

from typing import Any

from monitoring.clock import database_now
from monitoring.models import Alert
from monitoring.services import PLATFORM, Actor, Sealed, record_event


def alert_raise(
    *,
    kind: str,
    severity: str,
    object_type: str,
    object_id: str,
    message: str,
    tender_id: str = "",
    evidence: dict[str, Any] | None = None,
    actor: Actor = PLATFORM,
    sealed: bool = False,
    rule_source: str = "",
    breach_key: str = "",
) -> Alert:
    """Record an alert and its event; call inside the transaction of what discovered it.

    A `sealed` alert names bidders in a suspicion (a collusion screen's): its event keeps only
    the kind and severity, and its object, tender, message and evidence go to the event's
    sealed identity, which only supervisors read (docs/event-log.md, "Sealed events").
    With a `breach_key`, a second alert of the same kind and key is refused by the database
    (IntegrityError): the caller raising alerts by rule finds the first one instead."""
    alert = Alert.objects.create(
        kind=kind,
        severity=severity,
        object_type=object_type,
        object_id=object_id,
        tender_id=tender_id,
        message=message,
        evidence=evidence or {},
        raised_at=database_now(),
        rule_source=rule_source,
        breach_key=breach_key,
    )
    described = {
        "object_type": object_type,
        "object_id": object_id,
        "message": message,
        "evidence": evidence or {},
    }
    payload: dict[str, Any] = {"kind": kind, "severity": severity}
    if rule_source:
        payload["rule_source"] = rule_source
    if breach_key:
        payload["breach"] = breach_key
    if not sealed:
        payload |= {**described, "tender": tender_id}
    record_event(
        actor=actor,
        action="alert.raised",
        object_type="monitoring.alert",
        object_id=str(alert.pk),
        payload=payload,
        sealed=Sealed(tender_id=tender_id, fields=described) if sealed else None,
    )
    return alert


def alerts_for_tender(*, tender_id: object) -> list[Alert]:
    return list(Alert.objects.filter(tender_id=str(tender_id)))
