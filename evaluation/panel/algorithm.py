"""The panel draw (专家抽取), as a pure function anyone can run again (docs/evaluation.md).

No Django here, nor anything of the platform but `signing.canonical` (itself pure): a supervisor,
a bidder or a journalist replays a revealed draw record with this file and the standard library.

Inputs of one round:
  * the seed: 32 random bytes, whose SHA-256 was in the event log before the draw;
  * the round's number r (1 for the first draw, 2, 3, … for each replacement);
  * the requests: (specialty, count) pairs in the panel's order;
  * the round's snapshot: for each specialty, the ids (text) of the experts eligible for it.

The round's sub-seed is SHA-256(seed || r as 4 bytes big-endian). For each specialty in the
requests' order, its eligible ids are ordered by HMAC-SHA256(key=sub-seed, message=specialty
|| 0x00 || id) (UTF-8; the id breaks a tie, which SHA-256 makes impossible in practice), and the
first `count` ids not already taken in this round are drawn. An expert eligible for two
specialties is drawn at most once. Where a specialty has fewer free ids than its count, all of
them are drawn: the caller sees the shortfall.
"""

import hashlib
import heapq
import hmac
from collections.abc import Mapping, Sequence

from signing.canonical import canonical_json

ALGORITHM_NAME = "hmac-sha256-rank"
ALGORITHM_VERSION = 1
SEED_BYTES = 32


def round_seed(seed: bytes, number: int) -> bytes:
    """The sub-seed of round `number`: SHA-256(seed || number as 4 bytes big-endian)."""
    return hashlib.sha256(seed + number.to_bytes(4, "big")).digest()


def rank_key(sub_seed: bytes, specialty: str, expert_id: str) -> bytes:
    """Where an expert stands in a specialty's order for a round: lowest is drawn first."""
    message = specialty.encode("utf-8") + b"\x00" + expert_id.encode("utf-8")
    return hmac.digest(sub_seed, message, "sha256")


def draw_round(
    *,
    seed: bytes,
    number: int,
    requests: Sequence[tuple[str, int]],
    snapshot: Mapping[str, Sequence[str]],
) -> dict[str, list[str]]:
    """{specialty: ids drawn, in the order drawn} for one round."""
    sub_seed = round_seed(seed, number)
    taken: set[str] = set()
    drawn: dict[str, list[str]] = {}
    for specialty, count in requests:
        pool = snapshot.get(specialty, ())
        prefix = specialty.encode("utf-8") + b"\x00"  # rank_key's message, built once

        def place(expert_id: str, prefix: bytes = prefix) -> tuple[bytes, str]:
            return hmac.digest(sub_seed, prefix + expert_id.encode("utf-8"), "sha256"), expert_id

        # Only the first count + already-taken places can matter: no need to sort the rest.
        ordered = heapq.nsmallest(min(len(pool), count + len(taken)), pool, key=place)
        chosen: list[str] = []
        for expert_id in ordered:
            if len(chosen) == count:
                break
            if expert_id not in taken:
                chosen.append(expert_id)
                taken.add(expert_id)
        drawn[specialty] = chosen
    return drawn


def snapshot_sha256(snapshot: Mapping[str, Sequence[str]]) -> str:
    """SHA-256 (hex) of the canonical JSON of a round's snapshot: keys sorted, no spaces, UTF-8."""
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


def drawn_sha256(drawn: Mapping[str, Sequence[str]]) -> str:
    """SHA-256 (hex) of the canonical JSON of what a round drew: the event log keeps only this
    until the panel is revealed, so that the log names no expert."""
    return hashlib.sha256(canonical_json(drawn)).hexdigest()


def seed_sha256(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()
