"""The Merkle tree over the event log, read from the database in a fixed number of queries.

A proof names subtrees (`signing.merkle.inclusion_ranges`, `consistency_ranges`); each splits
into complete subtrees (`perfect_pieces`). Those of TILE_SIZE events and more are stored
(`EventTreeNode`, written by the checkpoint that completes them); smaller ones are hashed from
the digests of their events, fewer than TILE_SIZE per range. So a proof reads O(log n) stored
nodes and a few hundred digests at most, however long the log.
"""

from collections.abc import Iterable, Sequence
from functools import reduce
from operator import or_

from django.db.models import Q

from monitoring.models import Event, EventTreeNode
from signing.eventlog import event_leaf_hash
from signing.merkle import Range, fold_pieces, perfect_pieces, root_of

TILE_LEVEL = 8
TILE_SIZE = 1 << TILE_LEVEL


class TreeNodeMissing(Exception):
    """A stored subtree a proof needs is not there: the checkpoint that completed it is gone."""


def keep_completed(completed: Iterable[tuple[int, int, bytes]]) -> int:
    """Store the subtrees of TILE_SIZE events and more a checkpoint completed; returns how many."""
    nodes = [
        EventTreeNode(level=level, index=index, hash=node.hex())
        for level, index, node in completed
        if level >= TILE_LEVEL
    ]
    EventTreeNode.objects.bulk_create(nodes)
    return len(nodes)


def _stored(pieces: set[Range]) -> dict[Range, bytes]:
    """One query for every stored piece."""
    wanted = {}
    for start, end in pieces:
        level = (end - start).bit_length() - 1
        wanted[(level, start >> level)] = (start, end)
    if not wanted:
        return {}
    found = EventTreeNode.objects.filter(
        reduce(or_, (Q(level=level, index=index) for level, index in wanted))
    ).values_list("level", "index", "hash")
    hashes = {wanted[(level, index)]: bytes.fromhex(node) for level, index, node in found}
    missing = sorted(set(wanted.values()) - hashes.keys())
    if missing:
        raise TreeNodeMissing(f"no stored hash for the events {missing[0][0] + 1}…{missing[0][1]}")
    return hashes


def _hashed_from_events(pieces: set[Range]) -> dict[Range, bytes]:
    """One query for the digests of the events under the small pieces (fewer than a tile's)."""
    if not pieces:
        return {}
    # Leaf index i is event sequence i + 1.
    rows = Event.objects.filter(
        reduce(or_, (Q(sequence__gt=start, sequence__lte=end) for start, end in pieces))
    ).values_list("sequence", "digest")
    leaves = {sequence - 1: event_leaf_hash(digest) for sequence, digest in rows}
    hashes = {}
    for start, end in pieces:
        try:
            hashes[(start, end)] = root_of([leaves[index] for index in range(start, end)])
        except KeyError as missing:
            raise TreeNodeMissing(f"event {missing.args[0] + 1} is not in the log") from None
    return hashes


def subtree_hashes(spans: Sequence[Range]) -> list[bytes]:
    """MTH of each range, in order (two queries at most)."""
    split = {span: perfect_pieces(span) for span in spans}
    pieces = {piece for parts in split.values() for piece in parts}
    hashes = _stored({piece for piece in pieces if piece[1] - piece[0] >= TILE_SIZE})
    hashes |= _hashed_from_events({piece for piece in pieces if piece[1] - piece[0] < TILE_SIZE})
    return [fold_pieces([hashes[piece] for piece in split[span]]) for span in spans]
