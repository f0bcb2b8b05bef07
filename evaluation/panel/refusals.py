"""Every refused panel request or seat decision is on record: written to the event log after the
use case's transaction has rolled back, so the refusal is kept while nothing else changed."""

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from accounts.acting import Acting
from config.errors import Refusal
from evaluation.models import PanelSeat
from monitoring.clock import database_now
from monitoring.services import Actor, Sealed, record_event
from trading.models import Tender

Service = TypeVar("Service", bound=Callable[..., Any])


def refusal_record(
    error: Exception, *, actor: Actor, tender_id: str, step: str, sealed: bool
) -> None:
    """Write one `panel.refused` event. Sealed (办法 第21条, 条例 第四十六条): the actor is kept
    apart, for supervisors, where it could tell who bids (before the deadline) or who sits on
    a panel (an expert deciding on a seat)."""
    if isinstance(error, Refusal):
        code, message, field = error.code, error.message, error.field or ""
    elif isinstance(error, Http404):  # another organisation's tender (trading.services)
        code, message, field = "not_found", str(error), ""
    else:
        code, message, field = "forbidden", str(error), ""
    payload = {"service": step, "code": code, "field": field}
    with transaction.atomic():
        if sealed:
            record_event(
                actor=actor,
                action="panel.refused",
                object_type="trading.tender",
                object_id="",
                payload=payload,
                sealed=Sealed(tender_id=tender_id, fields={"message": message}),
            )
        else:
            record_event(
                actor=actor,
                action="panel.refused",
                object_type="trading.tender",
                object_id=tender_id,
                payload={**payload, "message": message},
            )


def _before_deadline(tender_id: str) -> bool:
    try:
        deadline = (
            Tender.objects.filter(pk=tender_id).values_list("bid_deadline", flat=True).first()
        )
    except (ValueError, TypeError):
        return False
    return deadline is None or database_now() < deadline


def _seat_tender(seat_id: object) -> str:
    try:
        tender_id = (
            PanelSeat.objects.filter(pk=seat_id).values_list("panel__tender_id", flat=True).first()
        )
    except (ValueError, TypeError):
        return ""
    return str(tender_id or "")


def refusals_logged(service: Service) -> Service:
    """Log every refusal (and permission denied) of a panel use case taking `acting` and either
    `tender_id` (sealed before the bid deadline) or `seat_id` (always sealed)."""

    @functools.wraps(service)
    def logged(*args: Any, **kwargs: Any) -> Any:
        try:
            return service(*args, **kwargs)
        except (Refusal, PermissionDenied, Http404) as error:
            acting: Acting | None = kwargs.get("acting")
            actor = acting.as_actor() if acting is not None else Actor()
            if "seat_id" in kwargs:
                tender_id, sealed = _seat_tender(kwargs["seat_id"]), True
            else:
                tender_id = str(kwargs.get("tender_id", ""))
                sealed = _before_deadline(tender_id)
            refusal_record(
                error, actor=actor, tender_id=tender_id, step=service.__name__, sealed=sealed
            )
            raise

    return logged  # type: ignore[return-value]
