"""Use cases of the event log. `record_event` is called by every state-changing service."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from monitoring.chain import event_digest, locked_head
from monitoring.clock import database_now
from monitoring.models import Event, EventChainHead
from signing.canonical import canonical_digest


@dataclass(frozen=True)
class Actor:
    """Who acted: a user (None for the platform itself) in a role, from an address."""

    user: Any = None
    role: str = ""
    client_ip: str | None = None


PLATFORM = Actor(role="platform")


def client_ip_of(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the address the trusted proxies saw.

    Behind N trusted proxies (PLATFORM_TRUSTED_PROXY_COUNT), the client is the N-th address from
    the right of X-Forwarded-For; anything further left was written by the client and is ignored.
    """
    proxies = settings.PLATFORM_TRUSTED_PROXY_COUNT
    forwarded = [
        address.strip()
        for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if address.strip()
    ]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def record_event(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    from_state: str = "",
    to_state: str = "",
    payload: dict[str, Any] | None = None,
) -> Event:
    """Append one event to the chain. Must run inside the caller's transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must be called inside the caller's transaction")
    payload = payload or {}
    head = locked_head()
    user = actor.user
    event = Event(
        sequence=head.last_sequence + 1,
        # Taken after the lock, so times never go backwards along the chain.
        occurred_at=database_now(),
        actor=user,
        actor_label=(user.get_username() if user is not None else "platform"),
        role=actor.role,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        from_state=from_state,
        to_state=to_state,
        client_ip=actor.client_ip,
        payload=payload,
        payload_digest=canonical_digest(payload),
        previous_digest=head.last_digest,
    )
    event.digest = event_digest(event)
    event.save(force_insert=True)
    EventChainHead.objects.filter(pk=1).update(
        last_sequence=event.sequence, last_digest=event.digest
    )
    return event
