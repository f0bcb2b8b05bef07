"""Celery tasks of supervision: the periodic run of the alert rules (registered in beat)."""

from dataclasses import asdict

from celery import shared_task

from supervision.rules.engine import rules_evaluate


@shared_task(acks_late=True, ignore_result=False)
def alert_rules_evaluate() -> dict:
    """Driven by Celery beat every SUPERVISION_RULES_INTERVAL_SECONDS; safe to run twice."""
    return asdict(rules_evaluate())
