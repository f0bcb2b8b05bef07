"""Signed, timestamped checkpoints of the event log: Merkle tree roots over every event
(RFC 9162 style, docs/event-log.md), made by `checkpoint_create` and checked by
`verify_checkpoints` (`manage.py verify_events`)."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from monitoring.chain import events_in_order, link_problem
from monitoring.clock import database_now
from monitoring.models import GENESIS_DIGEST, Event, EventChainHead, EventCheckpoint
from monitoring.tree import keep_completed, subtree_hashes
from signing.canonical import canonical_json
from signing.cms import sign_detached
from signing.conf import platform_credential, platform_timestamp_authority, platform_trust_store
from signing.errors import SigningError
from signing.eventlog import (
    checkpoint_statement,
    event_leaf_hash,
    verify_checkpoint_signature,
    verify_signed_checkpoint_json,
)
from signing.merkle import (
    EMPTY_ROOT,
    Frontier,
    ProofInvalid,
    consistency_ranges,
    hashes_from_hex,
    verify_consistency,
)


class CheckpointRefused(Exception):
    """The log does not extend what the last checkpoint signed: nothing is signed, and the
    missing checkpoint shows in `verify_events` until someone looks."""


def statement_of(checkpoint: EventCheckpoint) -> dict[str, Any]:
    return checkpoint_statement(
        tree_size=checkpoint.tree_size,
        root_hash=checkpoint.root_hash,
        previous_tree_size=checkpoint.previous_tree_size,
        previous_root_hash=checkpoint.previous_root_hash,
        chain_digest=checkpoint.chain_digest,
    )


def checkpoint_create() -> EventCheckpoint | None:
    """Sign the tree of every event appended so far, unless nothing was appended since the
    last checkpoint. Hashes only the new events, from the last checkpoint's frontier.

    Writes no event (that would move what it signs) and takes no chain lock: it signs the
    committed head, so appenders never wait for the signature or the TSA. Two runs at once
    queue on the checkpoints' lock; should the lock be missing, they are told apart by the
    unique `previous_tree_size`, and the one that loses signs nothing.
    """
    credential, authority = platform_credential(), platform_timestamp_authority()
    try:
        with transaction.atomic():
            _lock_checkpoints()
            last = EventCheckpoint.objects.order_by("-tree_size").first()
            # After the lock: a checkpoint that was waiting sees the one made meanwhile.
            head = EventChainHead.objects.filter(pk=1).first()
            done = last.tree_size if last else 0
            if head is None or head.last_sequence <= done:
                return None
            frontier, completed = _extended_frontier(last, head)
            keep_completed(completed)
            statement = checkpoint_statement(
                tree_size=frontier.size,
                root_hash=frontier.root().hex(),
                previous_tree_size=done,
                previous_root_hash=last.root_hash if last else EMPTY_ROOT.hex(),
                chain_digest=head.last_digest,
            )
            proof = subtree_hashes(consistency_ranges(done, frontier.size))
            _check_consistency(statement, proof)
            data = canonical_json(statement)
            return EventCheckpoint.objects.create(
                tree_size=frontier.size,
                root_hash=statement["root_hash"],
                previous_tree_size=done,
                previous_root_hash=statement["previous_root_hash"],
                chain_digest=head.last_digest,
                consistency_proof=[node.hex() for node in proof],
                frontier=frontier.to_json(),
                created_at=database_now(),
                signature=sign_detached(data, credential=credential),
                timestamp_token=authority.timestamp(data),
            )
    except IntegrityError:
        return None  # a concurrent run signed the same events first


# pg_advisory_xact_lock's key for making checkpoints ("ckpt"): the application's database role
# may not lock checkpoint rows (FOR UPDATE needs the UPDATE right it is refused,
# config/database_roles.py), so runs queue on this lock, held until the transaction ends.
CHECKPOINT_LOCK_KEY = 0x636B7074


def _lock_checkpoints() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHECKPOINT_LOCK_KEY])


def _extended_frontier(
    last: EventCheckpoint | None, head: EventChainHead
) -> tuple[Frontier, list[tuple[int, int, bytes]]]:
    """The last checkpoint's frontier extended by the events since, each checked to link to
    the one before: a checkpoint never signs a broken extension of the chain."""
    frontier = Frontier.from_json(last.tree_size, last.frontier) if last else Frontier()
    if last is not None and frontier.root().hex() != last.root_hash:
        raise CheckpointRefused(
            f"the stored frontier of checkpoint {last.tree_size} does not give its signed root"
        )
    previous_digest = last.chain_digest if last else GENESIS_DIGEST
    completed: list[tuple[int, int, bytes]] = []
    for event in events_in_order(after=frontier.size, up_to=head.last_sequence):
        broken = link_problem(event, sequence=frontier.size + 1, previous_digest=previous_digest)
        if broken is not None:
            raise CheckpointRefused(f"the chain is broken after checkpoint: {broken}")
        frontier.append(event_leaf_hash(event.digest), completed)
        previous_digest = event.digest
    if (frontier.size, previous_digest) != (head.last_sequence, head.last_digest):
        raise CheckpointRefused(
            f"the chain head names event {head.last_sequence} ({head.last_digest}), the log "
            f"ends at event {frontier.size} ({previous_digest})"
        )
    return frontier, completed


def _check_consistency(statement: dict[str, Any], proof: list[bytes]) -> None:
    try:
        verify_consistency(
            old_size=statement["previous_tree_size"],
            new_size=statement["tree_size"],
            old_root=bytes.fromhex(statement["previous_root_hash"]),
            new_root=bytes.fromhex(statement["root_hash"]),
            proof=proof,
        )
    except ProofInvalid as error:
        raise CheckpointRefused(f"the stored tree nodes are wrong: {error}") from error


# --- Verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointProblem:
    tree_size: int | None
    problem: str

    def __str__(self) -> str:
        if self.tree_size is None:
            return f"checkpoints: {self.problem}"
        return f"checkpoint of {self.tree_size} events: {self.problem}"


class _Leaves:
    """The log's events in order, hashed into a frontier as far as each checkpoint asks."""

    def __init__(self) -> None:
        self.frontier = Frontier()
        self.rows: Iterator[tuple[int, str, dt.datetime]] = (
            Event.objects.order_by("sequence")
            .values_list("sequence", "digest", "occurred_at")
            .iterator(chunk_size=5000)
        )
        self.last_digest = GENESIS_DIGEST
        self.next_row: tuple[int, str, dt.datetime] | None = next(self.rows, None)

    def advance_to(self, size: int) -> dt.datetime | None:
        """Hash events up to `size`; returns when the first of them occurred."""
        first = None
        while self.frontier.size < size and self.next_row is not None:
            _, digest, occurred_at = self.next_row
            first = first or occurred_at
            self.frontier.append(event_leaf_hash(digest))
            self.last_digest = digest
            self.next_row = next(self.rows, None)
        return first


def verify_checkpoints(
    *, published: list[Any] | None = None
) -> tuple[int, CheckpointProblem | None]:
    """Check every checkpoint, in order, and return how many held and the first problem:

    - its signature (the platform's certificate) and its timestamp (a trusted TSA);
    - that it follows the checkpoint before it, with a consistency proof that holds (a
      removed checkpoint leaves a gap);
    - that the events still give its root (a rewritten event changes it) and reach its size
      (events removed from the end);
    - that it came at most EVENT_CHECKPOINT_MAX_INTERVAL_SECONDS after the first event it
      covers, and that no event is older than that without a checkpoint.

    `published` holds checkpoints kept outside the platform (a bidder's proof, a notice) in
    their published form: each must be signed and the log must still hold its tree.
    """
    trust = platform_trust_store()
    allowed = dt.timedelta(seconds=settings.EVENT_CHECKPOINT_MAX_INTERVAL_SECONDS)
    leaves = _Leaves()
    previous = (0, EMPTY_ROOT.hex())
    checked = 0
    external = _published_by_size(published or [], trust)
    for checkpoint in EventCheckpoint.objects.order_by("tree_size").iterator(chunk_size=100):
        size = checkpoint.tree_size
        for outside in _due(external, before=size):
            problem = _published_problem(outside, leaves)
            if problem is not None:
                return checked, problem
        try:
            stamped_at = verify_checkpoint_signature(
                statement_of(checkpoint),
                bytes(checkpoint.signature),
                bytes(checkpoint.timestamp_token),
                trust=trust,
            ).timestamped_at
        except SigningError as error:
            return checked, CheckpointProblem(size, f"not signed by the platform: {error}")
        if (checkpoint.previous_tree_size, checkpoint.previous_root_hash) != previous:
            return checked, CheckpointProblem(
                size,
                f"a checkpoint is missing before it: it follows the checkpoint of "
                f"{checkpoint.previous_tree_size} events ({checkpoint.previous_root_hash}), "
                f"the one before it is of {previous[0]} events ({previous[1]})",
            )
        problem = _consistency_problem(checkpoint)
        if problem is None:
            problem = _root_problem(checkpoint, leaves, allowed, stamped_at)
        if problem is not None:
            return checked, problem
        previous = (size, checkpoint.root_hash)
        checked += 1
    for outside in _due(external, before=None):
        problem = _published_problem(outside, leaves)
        if problem is not None:
            return checked, problem
    return checked, _uncovered_problem(leaves, allowed)


def _consistency_problem(checkpoint: EventCheckpoint) -> CheckpointProblem | None:
    try:
        verify_consistency(
            old_size=checkpoint.previous_tree_size,
            new_size=checkpoint.tree_size,
            old_root=bytes.fromhex(checkpoint.previous_root_hash),
            new_root=bytes.fromhex(checkpoint.root_hash),
            proof=hashes_from_hex(checkpoint.consistency_proof, "the consistency proof"),
        )
    except (ProofInvalid, ValueError) as error:
        return CheckpointProblem(
            checkpoint.tree_size, f"not consistent with the checkpoint before it: {error}"
        )
    return None


def _root_problem(
    checkpoint: EventCheckpoint, leaves: _Leaves, allowed: dt.timedelta, stamped_at: dt.datetime
) -> CheckpointProblem | None:
    size = checkpoint.tree_size
    first_occurred = leaves.advance_to(size)
    if leaves.frontier.size < size:
        return CheckpointProblem(
            size,
            f"the log holds only {leaves.frontier.size} events (events were removed from the end)",
        )
    root = leaves.frontier.root().hex()
    if root != checkpoint.root_hash or leaves.last_digest != checkpoint.chain_digest:
        return CheckpointProblem(
            size,
            f"the log was rewritten: signed root {checkpoint.root_hash}, the events give {root}",
        )
    if checkpoint.frontier != leaves.frontier.to_json():
        return CheckpointProblem(size, "its stored frontier is not the tree's right edge")
    if first_occurred is not None and stamped_at - first_occurred > allowed:
        return CheckpointProblem(
            size,
            f"late: event {checkpoint.previous_tree_size + 1} occurred at "
            f"{first_occurred.isoformat()} and was first signed at {stamped_at.isoformat()}, "
            f"more than {_duration(allowed)} later",
        )
    return None


def _uncovered_problem(leaves: _Leaves, allowed: dt.timedelta) -> CheckpointProblem | None:
    """Events no checkpoint covers yet must be younger than the allowed interval."""
    if leaves.next_row is None:
        return None
    sequence, _, occurred_at = leaves.next_row
    now = database_now()
    if now - occurred_at <= allowed:
        return None
    return CheckpointProblem(
        None,
        f"missing: no checkpoint covers event {sequence}, which occurred at "
        f"{occurred_at.isoformat()}, more than {_duration(allowed)} ago",
    )


def _duration(interval: dt.timedelta) -> str:
    return f"{int(interval.total_seconds())} s"


# --- Checkpoints kept outside the platform ------------------------------------------------------


@dataclass(frozen=True)
class _Published:
    tree_size: int
    root_hash: str
    problem: str | None  # a signature that does not hold


def _published_by_size(documents: list[Any], trust: Any) -> list[_Published]:
    published = []
    for document in documents:
        signed = document.get("signed_checkpoint", document) if isinstance(document, dict) else {}
        statement = signed.get("checkpoint") if isinstance(signed, dict) else None
        size = statement.get("tree_size") if isinstance(statement, dict) else None
        root = statement.get("root_hash") if isinstance(statement, dict) else None
        try:
            verify_signed_checkpoint_json(signed, trust=trust)
            problem = None
        except SigningError as error:
            problem = f"not signed by the platform: {error}"
        published.append(_Published(size if isinstance(size, int) else -1, str(root), problem))
    return sorted(published, key=lambda item: item.tree_size)


def _due(published: list[_Published], *, before: int | None) -> list[_Published]:
    """Take from the front of `published` those of fewer events than `before` (all if None):
    each is compared with the log before the walk hashes past its size."""
    due = []
    while published and (before is None or published[0].tree_size < before):
        due.append(published.pop(0))
    return due


def _published_problem(published: _Published, leaves: _Leaves) -> CheckpointProblem | None:
    where = f"the published checkpoint of {published.tree_size} events"
    if published.problem is not None:
        return CheckpointProblem(None, f"{where} is {published.problem}")
    leaves.advance_to(published.tree_size)
    if leaves.frontier.size < published.tree_size:
        return CheckpointProblem(
            None,
            f"{where} is not in the log: the log holds only {leaves.frontier.size} events "
            "(events were removed from the end)",
        )
    root = leaves.frontier.root().hex()
    if root != published.root_hash:
        return CheckpointProblem(
            None,
            f"the log was rewritten: {where} signs root {published.root_hash}, the events "
            f"give {root}",
        )
    return None
