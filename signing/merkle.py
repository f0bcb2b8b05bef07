"""Merkle trees in the style of Certificate Transparency v2 (RFC 9162 §2.1): pure, no Django.

    leaf hash  = SHA-256(0x00 || leaf bytes)
    node hash  = SHA-256(0x01 || left || right)
    MTH({})    = SHA-256("")
    MTH(D[n])  = node hash(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n

The distinct prefixes keep a leaf from passing for a node (second preimages). Proofs are lists
of node hashes in the RFC's order, from the bottom of the tree up; their verifiers are the
RFC's algorithms (§2.1.3.2, §2.1.4.2) and raise ProofInvalid naming what did not hold.

The platform's event log (monitoring/) keeps a `Frontier` with each checkpoint, so that the next
root costs the new leaves only, and computes proofs from stored subtree hashes: the functions
below that return index ranges say which subtrees a proof needs without reading any.
"""

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from signing.errors import SigningError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

# [start, end): the leaves under one node of the tree (or a subtree the RFC hashes whole).
Range = tuple[int, int]


class ProofInvalid(SigningError):
    code = "proof_invalid"


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two smaller than `size` (≥ 2): where the RFC splits a tree."""
    if size < 2:
        raise ValueError(f"a tree of {size} leaves has no split")
    return 1 << ((size - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, without recursion: the frontier folds them left to right."""
    frontier = Frontier()
    frontier.extend(leaf_hashes)
    return frontier.root()


def subtree_root(leaf_hashes: Sequence[bytes], span: Range) -> bytes:
    """MTH(D[start:end]) over the given leaf hashes."""
    start, end = span
    if not 0 <= start <= end <= len(leaf_hashes):
        raise ValueError(f"range {span} outside a tree of {len(leaf_hashes)} leaves")
    return root_of(leaf_hashes[start:end])


# --- Which subtrees a proof is made of ----------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(index, D[size]) (RFC 9162 §2.1.3.1) as the ranges of its nodes, bottom first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + split_point(end - start)
        if index < middle:
            ranges.append((middle, end))
            end = middle
        else:
            ranges.append((start, middle))
            start = middle
    return ranges[::-1]


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1) as ranges, bottom first; empty when
    the sizes are equal or the old tree is empty (nothing to prove)."""
    if not 0 <= old_size <= new_size:
        raise ValueError(f"a tree of {old_size} leaves cannot grow into one of {new_size}")
    if old_size in (0, new_size):
        return []
    ranges: list[Range] = []
    start, end, remaining, whole_old_tree = 0, new_size, old_size, True
    while remaining != end - start:
        middle = start + split_point(end - start)
        if remaining <= middle - start:
            ranges.append((middle, end))
            end = middle
        else:
            ranges.append((start, middle))
            remaining -= middle - start
            start = middle
            whole_old_tree = False
    if not whole_old_tree:
        ranges.append((start, end))
    return ranges[::-1]


def perfect_pieces(span: Range) -> list[Range]:
    """The complete subtrees MTH(D[start:end]) is built of, largest first.

    Every range a proof names starts at a multiple of a power of two at least its size, so
    its RFC splits follow the binary digits of its size: MTH = node(p1, node(p2, … pk)).
    """
    start, end = span
    pieces: list[Range] = []
    while start < end:
        size = 1 << ((end - start).bit_length() - 1)
        if start % size:
            raise ValueError(f"range {span} is not aligned as the tree's subtrees are")
        pieces.append((start, start + size))
        start += size
    return pieces


def fold_pieces(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from the hashes of its `perfect_pieces`, in the same order."""
    if not hashes:
        raise ValueError("an empty range has no subtree hash")
    result = hashes[-1]
    for piece in reversed(hashes[:-1]):
        result = node_hash(piece, result)
    return result


def proof_from(ranges: Iterable[Range], subtree: Callable[[Range], bytes]) -> list[bytes]:
    return [subtree(span) for span in ranges]


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf `index` in the tree of all `leaf_hashes`."""
    return proof_from(
        inclusion_ranges(index, len(leaf_hashes)), lambda span: subtree_root(leaf_hashes, span)
    )


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The proof that the tree of the first `old_size` leaves is a prefix of the whole."""
    return proof_from(
        consistency_ranges(old_size, len(leaf_hashes)),
        lambda span: subtree_root(leaf_hashes, span),
    )


# --- Verifiers (RFC 9162 §2.1.3.2 and §2.1.4.2) -------------------------------------------


def _check_hashes(proof: Sequence[bytes], *named: tuple[str, bytes]) -> None:
    for what, value in (*named, *(("a proof node", node) for node in proof)):
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise ProofInvalid(f"{what} is not a {HASH_SIZE}-byte SHA-256 hash")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root an audit path leads to from `leaf` (a leaf hash); ProofInvalid if its length
    does not fit the tree."""
    _check_hashes(proof, ("the leaf hash", leaf))
    if not 0 <= index < size:
        raise ProofInvalid(f"leaf index {index} is not in a tree of {size} leaves")
    position, last = index, size - 1
    result = leaf
    for sibling in proof:
        if last == 0:
            raise ProofInvalid("the audit path is longer than the tree is high")
        if position & 1 or position == last:
            result = node_hash(sibling, result)
            while not position & 1 and position:
                position, last = position >> 1, last >> 1
        else:
            result = node_hash(result, sibling)
        position, last = position >> 1, last >> 1
    if last != 0:
        raise ProofInvalid("the audit path is shorter than the tree is high")
    return result


def verify_inclusion(
    *, index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofInvalid unless `proof` shows leaf hash `leaf` at `index` under `root`."""
    _check_hashes((), ("the root", root))
    found = root_from_inclusion(index, size, leaf, proof)
    if not hmac.compare_digest(found, root):
        raise ProofInvalid(
            f"the audit path of leaf {index} leads to {found.hex()}, not to the root "
            f"{root.hex()} of the tree of {size} leaves"
        )


def verify_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofInvalid unless `proof` shows that the tree of `old_size` leaves with root
    `old_root` is a prefix of the tree of `new_size` leaves with root `new_root`."""
    _check_hashes(proof, ("the old root", old_root), ("the new root", new_root))
    if not 0 <= old_size <= new_size:
        raise ProofInvalid(f"a tree of {old_size} leaves cannot grow into one of {new_size}")
    if old_size == 0:
        if proof or not hmac.compare_digest(old_root, EMPTY_ROOT):
            raise ProofInvalid("the empty tree's root is SHA-256 of nothing, with no proof")
        return
    if old_size == new_size:
        if proof:
            raise ProofInvalid("a tree is consistent with itself with an empty proof")
        if not hmac.compare_digest(old_root, new_root):
            raise ProofInvalid(f"two different roots for one tree of {old_size} leaves")
        return
    if not proof:
        raise ProofInvalid("the consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)  # the old tree is a complete subtree of the new one
    first, last = old_size - 1, new_size - 1
    while first & 1:
        first, last = first >> 1, last >> 1
    old_result = new_result = path[0]
    for node in path[1:]:
        if last == 0:
            raise ProofInvalid("the consistency proof is longer than the tree is high")
        if first & 1 or first == last:
            old_result = node_hash(node, old_result)
            new_result = node_hash(node, new_result)
            while not first & 1 and first:
                first, last = first >> 1, last >> 1
        else:
            new_result = node_hash(new_result, node)
        first, last = first >> 1, last >> 1
    if last != 0:
        raise ProofInvalid("the consistency proof is shorter than the tree is high")
    if not hmac.compare_digest(old_result, old_root):
        raise ProofInvalid(
            f"the consistency proof leads to {old_result.hex()}, not to the old root "
            f"{old_root.hex()} of {old_size} leaves"
        )
    if not hmac.compare_digest(new_result, new_root):
        raise ProofInvalid(
            f"the consistency proof leads to {new_result.hex()}, not to the new root "
            f"{new_root.hex()} of {new_size} leaves"
        )


# --- The frontier: a tree's right edge, enough to extend it ---------------------------------


@dataclass
class Frontier:
    """The roots of the complete subtrees a tree of `size` leaves splits into, largest first
    (one per binary digit of the size: O(log n) hashes). Appending a leaf merges equal
    subtrees as a binary counter carries; the root folds them right to left.

    `completed` collects the (level, index, hash) of every subtree completed by `append`, so
    that a caller can keep the ones a proof will need.
    """

    size: int = 0
    nodes: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.size < 0 or len(self.nodes) != self.size.bit_count():
            raise ValueError(
                f"a frontier of {self.size} leaves has {self.size.bit_count()} nodes, "
                f"not {len(self.nodes)}"
            )

    def append(self, leaf: bytes, completed: list[tuple[int, int, bytes]] | None = None) -> None:
        """Add one leaf hash; each carry completes the subtree of 2**level leaves."""
        node, level, index = leaf, 0, self.size
        while (self.size >> level) & 1:
            node = node_hash(self.nodes.pop(), node)
            level += 1
            index >>= 1
            if completed is not None:
                completed.append((level, index, node))
        self.nodes.append(node)
        self.size += 1

    def extend(
        self, leaves: Iterable[bytes], completed: list[tuple[int, int, bytes]] | None = None
    ) -> None:
        for leaf in leaves:
            self.append(leaf, completed)

    def root(self) -> bytes:
        return fold_pieces(self.nodes) if self.nodes else EMPTY_ROOT

    def copy(self) -> "Frontier":
        return Frontier(self.size, list(self.nodes))

    def to_json(self) -> list[str]:
        return [node.hex() for node in self.nodes]

    @classmethod
    def from_json(cls, size: int, nodes: Sequence[str]) -> "Frontier":
        try:
            return cls(size, [bytes.fromhex(node) for node in nodes])
        except (TypeError, ValueError) as error:
            raise ProofInvalid(f"the frontier of {size} leaves is malformed: {error}") from error


def hashes_from_hex(values: object, what: str) -> list[bytes]:
    """A list of hex SHA-256 hashes read from JSON; ProofInvalid naming `what` otherwise."""
    if not isinstance(values, list):
        raise ProofInvalid(f"{what} is not a list of hashes")
    try:
        hashes = [bytes.fromhex(value) for value in values]
    except (TypeError, ValueError) as error:
        raise ProofInvalid(f"{what} holds a value that is not hexadecimal") from error
    _check_hashes(hashes)
    return hashes
