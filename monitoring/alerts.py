"""Alerts for supervisors (预警): raised by the services that discover a breach, one event each."""

from typing import Any

from monitoring.clock import database_now
from monitoring.models import Alert
from monitoring.services import PLATFORM, Actor, record_event


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
    rule_source: str = "",
    breach_key: str = "",
) -> Alert:
    """Record an alert and its event; call inside the transaction of what discovered it.

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
    record_event(
        actor=actor,
        action="alert.raised",
        object_type="monitoring.alert",
        object_id=str(alert.pk),
        payload={
            "kind": kind,
            "severity": severity,
            "object_type": object_type,
            "object_id": object_id,
            "tender": tender_id,
            "message": message,
            "evidence": evidence or {},
            **({"rule_source": rule_source} if rule_source else {}),
            **({"breach": breach_key} if breach_key else {}),
        },
    )
    return alert


def alerts_for_tender(*, tender_id: object) -> list[Alert]:
    return list(Alert.objects.filter(tender_id=str(tender_id)))
