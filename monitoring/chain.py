"""The event chain: digests of events, the append lock, and verification of the whole chain."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitoring.locks import locked_singleton
from monitoring.models import GENESIS_DIGEST, Event, EventChainHead, SealedIdentity
from signing.canonical import canonical_digest
from signing.eventlog import CHAINED_FIELDS, event_digest_of


def chained_value(value: Any) -> Any:
    """A field's value as the chain hashes it (the archive lists events the same way)."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if value is None or isinstance(value, int | str):
        return value
    return str(value)


def chained_fields(event: Event) -> dict[str, Any]:
    """The event's chained fields as JSON holds them (an inclusion proof carries these)."""
    return {name: chained_value(getattr(event, name)) for name in CHAINED_FIELDS}


def event_digest(event: Event) -> str:
    """SHA-256 over the canonical JSON of the event's chained fields."""
    return event_digest_of(chained_fields(event))


# The payload key under which a sealed event carries its sealed identity's digest.
SEALED_IDENTITY_DIGEST = "sealed_identity_sha256"


def sealed_identity_content(identity: SealedIdentity) -> dict[str, Any]:
    """The sealed row as the JSON its digest is taken over."""
    return {
        "actor_id": None if identity.actor_id is None else str(identity.actor_id),
        "actor_label": identity.actor_label,
        "client_ip": chained_value(identity.client_ip),
        "fields": identity.fields,
        "salt": identity.salt,
        "tender_id": identity.tender_id,
    }


def sealed_identity_digest(identity: SealedIdentity) -> str:
    """SHA-256 over the canonical JSON of the sealed row, salt included: without the salt the
    digest of "bidder X on tender T" could be found by trying the few possible bidders."""
    return canonical_digest(sealed_identity_content(identity))


def locked_head() -> EventChainHead:
    return locked_singleton(EventChainHead)


@dataclass(frozen=True)
class BrokenLink:
    """The first place where the chain does not hold."""

    event_id: int | None
    sequence: int | None
    problem: str
    expected: str
    found: str

    def __str__(self) -> str:
        where = f"event id {self.event_id} (sequence {self.sequence})" if self.event_id else "head"
        return f"{where}: {self.problem}: expected {self.expected}, found {self.found}"


def events_in_order(after: int = 0, up_to: int | None = None) -> Iterator[Event]:
    """Events after sequence `after` (up to `up_to`), with their sealed identities."""
    events = Event.objects.select_related("sealed_identity").filter(sequence__gt=after)
    if up_to is not None:
        events = events.filter(sequence__lte=up_to)
    return events.order_by("sequence").iterator(chunk_size=2000)


def _sealed_identity_problem(event: Event) -> tuple[str, str, str] | None:
    """Whether the event's sealed identity is there and matches the digest the event holds."""
    named = event.payload.get(SEALED_IDENTITY_DIGEST) if isinstance(event.payload, dict) else None
    identity = getattr(event, "sealed_identity", None)
    if identity is None:
        return None if named is None else ("sealed identity missing", named, "none")
    found = sealed_identity_digest(identity)
    if named is None:
        return "sealed identity not named by its event", found, "none"
    if found != named:
        return "sealed identity does not match its digest", named, found
    return None


def link_problem(event: Event, *, sequence: int, previous_digest: str) -> BrokenLink | None:
    """Whether `event` is event number `sequence`, linked to `previous_digest`, and hashes to
    its own digest (its payload and sealed identity included)."""
    if event.sequence != sequence:
        return BrokenLink(
            event.pk,
            event.sequence,
            "sequence gap (events removed)",
            str(sequence),
            str(event.sequence),
        )
    if event.previous_digest != previous_digest:
        return BrokenLink(
            event.pk,
            event.sequence,
            "previous digest does not link",
            previous_digest,
            event.previous_digest,
        )
    if canonical_digest(event.payload) != event.payload_digest:
        return BrokenLink(
            event.pk,
            event.sequence,
            "payload does not match its digest",
            canonical_digest(event.payload),
            event.payload_digest,
        )
    sealed_problem = _sealed_identity_problem(event)
    if sealed_problem is not None:
        return BrokenLink(event.pk, event.sequence, *sealed_problem)
    recomputed = event_digest(event)
    if recomputed != event.digest:
        return BrokenLink(
            event.pk,
            event.sequence,
            "event digest does not match its fields",
            recomputed,
            event.digest,
        )
    return None


def find_broken_link() -> tuple[int, BrokenLink | None]:
    """Walk the whole chain; return how many events were checked and the first broken link."""
    previous_digest = GENESIS_DIGEST
    checked = 0
    for event in events_in_order():
        broken = link_problem(event, sequence=checked + 1, previous_digest=previous_digest)
        if broken is not None:
            return checked, broken
        previous_digest = event.digest
        checked += 1
    head = EventChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_sequence, head.last_digest) != (checked, previous_digest):
        return checked, BrokenLink(
            None,
            None,
            "chain head does not match the last event (events removed from the end)",
            f"{head.last_sequence}/{head.last_digest}",
            f"{checked}/{previous_digest}",
        )
    return checked, None
