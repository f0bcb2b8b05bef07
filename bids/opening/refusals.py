"""Every refusal in the opening hall is on record: written to the event log after the step's
transaction has rolled back, so the refusal is kept while nothing else changed."""

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction

from accounts.models import Role
from accounts.selectors import user_has_role
from bids.errors import BidRefused
from monitoring.clock import database_now
from monitoring.services import Actor, Sealed, record_event
from trading.models import Tender

Service = TypeVar("Service", bound=Callable[..., Any])


def refusal_record(refusal: BidRefused, *, actor: Actor, tender_id: object, step: str) -> None:
    """Write a refusal to the event log once (the API records those raised before a service)."""
    if getattr(refusal, "recorded", False):
        return
    with transaction.atomic():
        if _is_bidder(actor) and _before_deadline(tender_id):
            # A bidder at the hall before the deadline is a bidder of the tender: who, and
            # which tender, is sealed (办法 第21条); the message names the tender.
            record_event(
                actor=actor,
                action="opening.refused",
                object_type="trading.tender",
                object_id="",
                payload={"service": step, "code": refusal.code},
                sealed=Sealed(tender_id=str(tender_id), fields={"message": refusal.message}),
            )
        else:
            record_event(
                actor=actor,
                action="opening.refused",
                object_type="trading.tender",
                object_id=str(tender_id),
                payload={"service": step, "code": refusal.code, "message": refusal.message},
            )
    refusal.recorded = True  # type: ignore[attr-defined]


def _is_bidder(actor: Actor) -> bool:
    # By the person, not only the session's role: a bidder calling a committee member's step
    # (an escrow share) is still a bidder of the tender.
    user = actor.user
    return actor.role == Role.BIDDER or (
        user is not None and user_has_role(user=user, role=Role.BIDDER)
    )


def _before_deadline(tender_id: object) -> bool:
    deadline = Tender.objects.filter(pk=tender_id).values_list("bid_deadline", flat=True).first()
    return deadline is not None and database_now() < deadline


def refusals_logged(service: Service) -> Service:
    """Write every refusal of a hall service to the event log, after its transaction has
    rolled back (so the refusal is on record while nothing else changed)."""

    @functools.wraps(service)
    def logged(*args: Any, **kwargs: Any) -> Any:
        try:
            return service(*args, **kwargs)
        except BidRefused as refusal:
            acting = kwargs.get("acting")
            role = getattr(acting, "role", "")  # a bidder session acts as bidder
            refusal_record(
                refusal,
                actor=Actor(
                    user=getattr(acting, "user", None),
                    role=role,
                    client_ip=getattr(acting, "client_ip", None),
                ),
                tender_id=kwargs.get("tender_id", ""),
                step=service.__name__,
            )
            raise

    return logged  # type: ignore[return-value]
