"""What the event log hands out for anyone to check offline: an event's inclusion proof and the
signed checkpoints (docs/event-log.md). Selectors: each costs a fixed number of queries."""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from config.errors import Refusal
from monitoring.chain import chained_fields
from monitoring.checkpoints import statement_of
from monitoring.models import Event, EventCheckpoint
from monitoring.tree import subtree_hashes
from signing.eventlog import (
    PROOF_KIND,
    PROOF_VERSION,
    event_leaf_hash,
    signed_checkpoint_json,
)
from signing.merkle import inclusion_ranges, verify_inclusion

CHECKPOINT_PAGE_SIZE = 100


def signed_checkpoint_of(checkpoint: EventCheckpoint) -> dict[str, Any]:
    return signed_checkpoint_json(
        statement_of(checkpoint), bytes(checkpoint.signature), bytes(checkpoint.timestamp_token)
    )


def event_inclusion_proof(*, event: Event) -> dict[str, Any]:
    """The proof bundle of one event in the latest checkpoint's tree (three queries): the
    event's fields, its leaf, the audit path and the signed, timestamped checkpoint, whose CMS
    signature carries the platform's certificate and chain and whose token the TSA's.

    Unchecked: callers decide who may see the event (its payload is in the bundle).
    """
    checkpoint = (
        EventCheckpoint.objects.filter(tree_size__gte=event.sequence).order_by("-tree_size").first()
    )
    if checkpoint is None:
        raise Refusal(
            "event_not_checkpointed",
            _(
                "Event %(sequence)s is not yet in a signed checkpoint; one is signed every "
                "%(seconds)s seconds: ask again then."
            )
            % {"sequence": event.sequence, "seconds": settings.EVENT_CHECKPOINT_INTERVAL_SECONDS},
            status=409,
        )
    index, size = event.sequence - 1, checkpoint.tree_size
    path = subtree_hashes(inclusion_ranges(index, size))
    leaf = event_leaf_hash(event.digest)
    # A stored node changed or lost would hand out a proof that fails on the bidder's side:
    # fail here instead, where verify_events can be run.
    verify_inclusion(
        index=index, size=size, leaf=leaf, proof=path, root=bytes.fromhex(checkpoint.root_hash)
    )
    return {
        "kind": PROOF_KIND,
        "version": PROOF_VERSION,
        "event": {**chained_fields(event), "digest": event.digest, "payload": event.payload},
        "leaf_hash": leaf.hex(),
        "leaf_index": index,
        "tree_size": size,
        "audit_path": [node.hex() for node in path],
        "signed_checkpoint": signed_checkpoint_of(checkpoint),
    }


def checkpoints_published(*, after: int = 0, limit: int = CHECKPOINT_PAGE_SIZE) -> list[dict]:
    """Signed checkpoints of more than `after` events, oldest first, `limit` at most (one
    query): what anyone may copy to hold the platform to its log."""
    rows = EventCheckpoint.objects.filter(tree_size__gt=after).order_by("tree_size")[:limit]
    return [
        {
            "tree_size": checkpoint.tree_size,
            "root_hash": checkpoint.root_hash,
            "previous_tree_size": checkpoint.previous_tree_size,
            "previous_root_hash": checkpoint.previous_root_hash,
            "consistency_proof": checkpoint.consistency_proof,
            "created_at": checkpoint.created_at.isoformat(),
            "signed_checkpoint": signed_checkpoint_of(checkpoint),
        }
        for checkpoint in rows
    ]
