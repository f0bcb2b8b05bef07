"""MinHash signatures of texts over character shingles, and LSH banding to find similar pairs
without comparing every pair.

One permutation hashing (Li, Owen & Zhang, "One permutation hashing", NIPS 2012): each shingle
is hashed once to 64 bits; the hash space is cut into `bins` equal ranges and a text's
signature keeps, per range, the smallest hash of the text that falls in it. The fraction of
bins two signatures agree on estimates the Jaccard similarity of the shingle sets, as k
independent MinHashes would, at the cost of one hash per shingle instead of k. An empty bin
borrows the value of the next non-empty one to its right, marked by the distance (densification
by rotation: Shrivastava & Li, ICML 2014), so short texts still compare.

Shingles of Chinese text are character n-grams: three characters packed into one integer
(21 bits per code point), hashed by SplitMix64's finaliser — fixed, so signatures are the same
in every process and on every run.

Cost: O(L log L) per text of L characters (the sort), O(bins) per signature; banding puts the
signatures in b·n buckets and compares only the pairs that share one.
"""

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence

MASK = (1 << 64) - 1
EMPTY = -1


def _mix(value: int) -> int:
    value = (value * 0x9E3779B97F4A7C15) & MASK
    value ^= value >> 31
    value = (value * 0xBF58476D1CE4E5B9) & MASK
    return value ^ (value >> 29)


def normalise(text: str) -> str:
    """Drop white space and fold case: layout is not content."""
    return "".join(text.split()).casefold()


def shingles(text: str, size: int = 3) -> set[int]:
    """The character `size`-grams of the normalised text, each packed into one integer."""
    codes = [ord(character) for character in normalise(text)]
    if len(codes) < size:
        return {_pack(codes)} if codes else set()
    return {_pack(codes[start : start + size]) for start in range(len(codes) - size + 1)}


def _pack(codes: Sequence[int]) -> int:
    packed = 0
    for code in codes:
        packed = packed << 21 | code
    return packed


def signature(items: Iterable[int], bins: int) -> tuple[int, ...] | None:
    """The one-permutation MinHash of a set of shingles; None for an empty set."""
    hashes = sorted(_mix(item) for item in items)
    if not hashes:
        return None
    width = (MASK + 1) // bins
    values = []
    for number in range(bins):
        position = bisect.bisect_left(hashes, number * width)
        inside = position < len(hashes) and hashes[position] < (number + 1) * width
        values.append(hashes[position] - number * width if inside else EMPTY)
    # Densify: an empty bin takes its right neighbour's value (circularly), plus a mark of how
    # far it looked, so that a borrowed value never equals a value found in place.
    dense = []
    for number in range(bins):
        distance = 0
        while values[(number + distance) % bins] == EMPTY:
            distance += 1
        dense.append(values[(number + distance) % bins] + distance * width)
    return tuple(dense)


def estimated_similarity(first: Sequence[int], second: Sequence[int]) -> float:
    return sum(a == b for a, b in zip(first, second, strict=True)) / len(first)


def candidate_pairs(
    signatures: dict[str, tuple[int, ...]], *, bands: int, rows: int
) -> set[tuple[str, str]]:
    """Pairs of keys whose signatures agree on every row of at least one band: pairs of
    similarity J are caught with probability 1 − (1 − J^rows)^bands."""
    candidates: set[tuple[str, str]] = set()
    for band in range(bands):
        buckets: dict[tuple[int, ...], list[str]] = defaultdict(list)
        for key, values in signatures.items():
            buckets[values[band * rows : (band + 1) * rows]].append(key)
        for members in buckets.values():
            candidates.update(itertools.combinations(sorted(members), 2))
    return candidates


def jaccard(first: set[int], second: set[int]) -> float:
    union = len(first | second)
    return len(first & second) / union if union else 0.0
