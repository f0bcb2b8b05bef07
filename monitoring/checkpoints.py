"""Signed, timestamped checkpoints of the event chain, and their verification."""

from dataclasses import dataclass

from django.db import transaction

from monitoring.chain import locked_head
from monitoring.clock import database_now
from monitoring.models import Event, EventCheckpoint
from signing.canonical import canonical_json
from signing.cms import sign_detached, verify_detached
from signing.conf import platform_credential, platform_timestamp_authority, platform_trust_store
from signing.errors import SigningError
from signing.timestamps import verify_timestamp


def checkpoint_statement(*, sequence: int, digest: str) -> bytes:
    """The bytes the platform signs for a checkpoint."""
    return canonical_json(
        {"purpose": "event-log-checkpoint", "sequence": sequence, "digest": digest}
    )


def checkpoint_create() -> EventCheckpoint | None:
    """Sign the current head, unless nothing was appended since the last checkpoint.

    Takes the chain lock, so the head cannot move while it is being signed; writes no event
    (that would move the head it signs).
    """
    with transaction.atomic():
        head = locked_head()
        last = EventCheckpoint.objects.order_by("-sequence").first()
        if head.last_sequence == 0 or (last is not None and last.sequence >= head.last_sequence):
            return None
        statement = checkpoint_statement(sequence=head.last_sequence, digest=head.last_digest)
        return EventCheckpoint.objects.create(
            sequence=head.last_sequence,
            digest=head.last_digest,
            created_at=database_now(),
            signature=sign_detached(statement, credential=platform_credential()),
            timestamp_token=platform_timestamp_authority().timestamp(statement),
        )


@dataclass(frozen=True)
class CheckpointProblem:
    sequence: int
    problem: str

    def __str__(self) -> str:
        return f"checkpoint at sequence {self.sequence}: {self.problem}"


def find_broken_checkpoint() -> tuple[int, CheckpointProblem | None]:
    """Check every checkpoint's signature and token, and that the chain still holds the
    digest it signed at its sequence. Returns how many were checked and the first problem."""
    trust = platform_trust_store()
    checked = 0
    events = dict(
        Event.objects.filter(sequence__in=EventCheckpoint.objects.values("sequence")).values_list(
            "sequence", "digest"
        )
    )
    for checkpoint in EventCheckpoint.objects.order_by("sequence").iterator():
        statement = checkpoint_statement(sequence=checkpoint.sequence, digest=checkpoint.digest)
        try:
            stamp = verify_timestamp(bytes(checkpoint.timestamp_token), statement, trust=trust)
            verify_detached(
                bytes(checkpoint.signature), statement, trust=trust, at=stamp.generated_at
            )
        except SigningError as error:
            return checked, CheckpointProblem(checkpoint.sequence, f"not signed: {error}")
        found = events.get(checkpoint.sequence)
        if found != checkpoint.digest:
            return checked, CheckpointProblem(
                checkpoint.sequence,
                f"the chain was rewritten: signed digest {checkpoint.digest}, chain holds {found}",
            )
        checked += 1
    return checked, None
