"""Use cases of the event log. `record_event` is called by every state-changing service."""

import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from monitoring.chain import (
    SEALED_IDENTITY_DIGEST,
    event_digest,
    locked_head,
    sealed_identity_digest,
)
from monitoring.clock import database_now
from monitoring.models import Event, EventChainHead, SealedIdentity
from signing.canonical import canonical_digest


@dataclass(frozen=True)
class Actor:
    """Who acted: a user (None for the platform itself) in a role, from an address."""

    user: Any = None
    role: str = ""
    client_ip: str | None = None


PLATFORM = Actor(role="platform")

# What a sealed event shows in place of its actor's name.
SEALED_LABEL = "sealed"


@dataclass(frozen=True)
class Sealed:
    """What an event about obtaining documents or bidding must not show before the deadline
    (办法 第21条): the tender it concerns and the payload's identifying fields. The actor and
    its address are sealed with them."""

    tender_id: str
    fields: dict[str, Any] = field(default_factory=dict)


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
    sealed: Sealed | None = None,
) -> Event:
    """Append one event to the chain. Must run inside the caller's transaction.

    With `sealed`, the actor, its address, the tender and `sealed.fields` go to a
    `SealedIdentity` row instead, and the event's payload carries that row's digest.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must be called inside the caller's transaction")
    payload = payload or {}
    head = locked_head()
    user = actor.user
    label = user.get_username() if user is not None else "platform"
    client_ip = actor.client_ip
    identity = None
    if sealed is not None:
        identity = _seal(actor, label, sealed, payload)
        payload = {**payload, SEALED_IDENTITY_DIGEST: sealed_identity_digest(identity)}
        user, label, client_ip = None, SEALED_LABEL, None
    event = Event(
        sequence=head.last_sequence + 1,
        # Taken after the lock, so times never go backwards along the chain.
        occurred_at=database_now(),
        actor=user,
        actor_label=label,
        role=actor.role,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        from_state=from_state,
        to_state=to_state,
        client_ip=client_ip,
        payload=payload,
        payload_digest=canonical_digest(payload),
        previous_digest=head.last_digest,
    )
    event.digest = event_digest(event)
    event.save(force_insert=True)
    if identity is not None:
        identity.event = event
        identity.save(force_insert=True)
    EventChainHead.objects.filter(pk=1).update(
        last_sequence=event.sequence, last_digest=event.digest
    )
    return event


# Payload keys that would let a reader of the event tie it to a tender or an organisation.
_IDENTIFYING_KEYS = frozenset({"tender", "tender_id", "bidder_uscc", "organisation", "uscc"})


def _seal(actor: Actor, label: str, sealed: Sealed, payload: dict[str, Any]) -> SealedIdentity:
    named = (_IDENTIFYING_KEYS | sealed.fields.keys()) & payload.keys()
    if named:
        # A refusal here, not a silent drop: the caller would believe the field recorded.
        raise ValueError(f"a sealed event's payload must not hold {sorted(named)}: seal them")
    return SealedIdentity(
        tender_id=str(sealed.tender_id),
        actor=actor.user,
        actor_label=label,
        client_ip=actor.client_ip,
        fields=sealed.fields,
        salt=secrets.token_hex(32),
    )
