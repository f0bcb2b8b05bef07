"""Every refusal of an evaluation step is on record: written to the event log after the step's
transaction has rolled back, so the refusal is kept while nothing else changed. Who was refused
is sealed (the panel is secret until the result is published, 条例 第四十六条)."""

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction

from config.errors import Refusal
from monitoring.services import Actor, Sealed, record_event

Service = TypeVar("Service", bound=Callable[..., Any])


def refusal_record(refusal: Refusal, *, actor: Actor, tender_id: str, step: str) -> None:
    """Write a refusal to the event log once."""
    if getattr(refusal, "recorded", False):
        return
    with transaction.atomic():
        record_event(
            actor=actor,
            action="evaluation.refused",
            object_type="evaluation.step",
            object_id=step,
            payload={"service": step, "code": refusal.code},
            sealed=Sealed(tender_id=tender_id, fields={"message": refusal.message}),
        )
    refusal.recorded = True  # type: ignore[attr-defined]


def refusals_logged(service: Service) -> Service:
    """Log every Refusal of `service` (called with keyword arguments `acting` and `tender_id`)
    after its transaction has rolled back, then raise it again."""

    @functools.wraps(service)
    def logged(*args: Any, **kwargs: Any) -> Any:
        try:
            return service(*args, **kwargs)
        except Refusal as refusal:
            acting = kwargs.get("acting")
            refusal_record(
                refusal,
                actor=Actor(
                    user=getattr(acting, "user", None),
                    role=getattr(acting, "role", ""),
                    client_ip=getattr(acting, "client_ip", None),
                ),
                tender_id=str(kwargs.get("tender_id", "")),
                step=service.__name__,
            )
            raise

    return logged  # type: ignore[return-value]
