"""Merkle trees as RFC 9162 (and RFC 6962 before it) define them: the known answers of the
Certificate Transparency reference tests, and properties over any tree."""

import base64
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signing.merkle import (
    EMPTY_ROOT,
    Frontier,
    ProofInvalid,
    consistency_proof,
    consistency_ranges,
    fold_pieces,
    inclusion_proof,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    perfect_pieces,
    root_of,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)

# The leaves and answers of the CT reference tests (RFC 6962 test vectors, as kept in
# github.com/transparency-dev/merkle testonly/constants.go).
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [
    (0, 1, []),
    (0, 2, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"]),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# Roots of larger trees whose leaf i is the two bytes of i, little-endian (the compact range
# golden values of the same reference tests, in base64 there).
CT_LARGE_ROOTS = {
    100: "dUh9hYH88p0CMoHkdr1wC2szbhcLAXOejWpINIooKUY=",
    255: "SmdsuKUqiod3RX2jyF2M6JnbdE4QuTwwipfAowI4/i0=",
    256: "qFI0t/tZ1MdOYgyPpPzHFiZVw86koScXy9q3FU5casA=",
    1000: "RXrgb8xHd55Y48FbfotJwCbV82Kx22LZfEbmBGAvwlQ=",
    4095: "cWRFdQhPcjn9WyBXE/r1f04ejxIm5lvg40DEpRBVS0w=",
}

CT_HASHES = [leaf_hash(leaf) for leaf in CT_LEAVES]


def hexes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 9162 §2.1.1 writes it, recursively, over leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(reference_root(leaves[:split]), reference_root(leaves[split:]))


def test_leaf_and_node_hashes_are_those_of_the_rfc():
    assert leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_the_root_of_each_reference_tree(size):
    assert root_of(CT_HASHES[:size]).hex() == CT_ROOTS[size]


def test_the_frontier_gives_the_reference_roots_of_larger_trees():
    frontier = Frontier()
    for index in range(max(CT_LARGE_ROOTS) + 1):
        if index in CT_LARGE_ROOTS:
            assert base64.b64encode(frontier.root()).decode() == CT_LARGE_ROOTS[index]
            assert len(frontier.nodes) == index.bit_count()
        frontier.append(leaf_hash(index.to_bytes(2, "little")))


@pytest.mark.parametrize(("index", "size", "expected"), CT_INCLUSION)
def test_the_reference_inclusion_proofs(index, size, expected):
    proof = inclusion_proof(index, CT_HASHES[:size])
    assert proof == hexes(expected)
    verify_inclusion(
        index=index,
        size=size,
        leaf=CT_HASHES[index],
        proof=proof,
        root=bytes.fromhex(CT_ROOTS[size]),
    )


@pytest.mark.parametrize(("old", "new", "expected"), CT_CONSISTENCY)
def test_the_reference_consistency_proofs(old, new, expected):
    proof = consistency_proof(old, CT_HASHES[:new])
    assert proof == hexes(expected)
    verify_consistency(
        old_size=old,
        new_size=new,
        old_root=bytes.fromhex(CT_ROOTS[old]),
        new_root=bytes.fromhex(CT_ROOTS[new]),
        proof=proof,
    )


def test_a_proof_of_the_wrong_length_or_index_is_refused():
    proof = inclusion_proof(5, CT_HASHES)
    root = bytes.fromhex(CT_ROOTS[8])
    leaf = CT_HASHES[5]
    with pytest.raises(ProofInvalid, match="shorter than the tree is high"):
        verify_inclusion(index=5, size=8, leaf=leaf, proof=proof[:-1], root=root)
    with pytest.raises(ProofInvalid, match="longer than the tree is high"):
        verify_inclusion(index=5, size=8, leaf=leaf, proof=[*proof, root], root=root)
    with pytest.raises(ProofInvalid, match="leaf index 8 is not in a tree of 8 leaves"):
        verify_inclusion(index=8, size=8, leaf=leaf, proof=proof, root=root)
    with pytest.raises(ProofInvalid, match="leads to"):
        verify_inclusion(index=4, size=8, leaf=leaf, proof=proof, root=root)
    with pytest.raises(ProofInvalid, match="not a 32-byte SHA-256 hash"):
        verify_inclusion(index=5, size=8, leaf=b"WrongLeaf", proof=proof, root=root)


def test_a_consistency_proof_is_refused_for_other_roots_or_sizes():
    proof = consistency_proof(6, CT_HASHES)
    old, new = bytes.fromhex(CT_ROOTS[6]), bytes.fromhex(CT_ROOTS[8])
    with pytest.raises(ProofInvalid, match="not to the old root"):
        verify_consistency(
            old_size=6, new_size=8, old_root=bytes.fromhex(CT_ROOTS[5]), new_root=new, proof=proof
        )
    with pytest.raises(ProofInvalid, match="not to the new root"):
        verify_consistency(
            old_size=6, new_size=8, old_root=old, new_root=bytes.fromhex(CT_ROOTS[7]), proof=proof
        )
    with pytest.raises(ProofInvalid, match="cannot grow"):
        verify_consistency(old_size=8, new_size=6, old_root=new, new_root=old, proof=proof)
    with pytest.raises(ProofInvalid, match="consistency proof is empty"):
        verify_consistency(old_size=6, new_size=8, old_root=old, new_root=new, proof=[])
    with pytest.raises(ProofInvalid, match="two different roots"):
        verify_consistency(old_size=8, new_size=8, old_root=old, new_root=new, proof=[])


leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=70).map(
    lambda leaves: [leaf_hash(leaf) for leaf in leaves]
)


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists)
def test_every_leaf_is_proven_in_every_tree_that_holds_it(leaves):
    for size in range(1, len(leaves) + 1):
        tree = leaves[:size]
        root = root_of(tree)
        assert root == reference_root(tree)
        for index in range(size):
            verify_inclusion(
                index=index,
                size=size,
                leaf=leaves[index],
                proof=inclusion_proof(index, tree),
                root=root,
            )


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_a_changed_leaf_fails_its_proof(leaves, data):
    size = data.draw(st.integers(1, len(leaves)))
    index = data.draw(st.integers(0, size - 1))
    other = data.draw(st.binary(min_size=32, max_size=32).filter(lambda v: v != leaves[index]))
    tree = leaves[:size]
    proof = inclusion_proof(index, tree)
    with pytest.raises(ProofInvalid):
        verify_inclusion(index=index, size=size, leaf=other, proof=proof, root=root_of(tree))
    changed = [*tree[:index], other, *tree[index + 1 :]]
    with pytest.raises(ProofInvalid):
        verify_inclusion(
            index=index, size=size, leaf=tree[index], proof=proof, root=root_of(changed)
        )


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_every_older_tree_is_consistent_with_every_newer_one(leaves, data):
    new = data.draw(st.integers(1, len(leaves)))
    old = data.draw(st.integers(0, new))
    old_root, new_root = root_of(leaves[:old]), root_of(leaves[:new])
    proof = consistency_proof(old, leaves[:new])
    verify_consistency(
        old_size=old, new_size=new, old_root=old_root, new_root=new_root, proof=proof
    )
    if 0 < old < new:
        rewritten = [*leaves[: old - 1], bytes(32), *leaves[old:new]]
        with pytest.raises(ProofInvalid):
            verify_consistency(
                old_size=old,
                new_size=new,
                old_root=old_root,
                new_root=root_of(rewritten),
                proof=consistency_proof(old, rewritten),
            )


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_a_frontier_extended_in_steps_keeps_every_completed_subtree(leaves, data):
    cut = data.draw(st.integers(0, len(leaves)))
    start = Frontier()
    start.extend(leaves[:cut])
    resumed = Frontier.from_json(cut, start.to_json())
    completed: list[tuple[int, int, bytes]] = []
    resumed.extend(leaves[cut:], completed)
    assert resumed.root() == root_of(leaves)
    for level, index, node in completed:
        span = (index << level, (index + 1) << level)
        assert span[1] <= len(leaves) and span[1] > cut
        assert node == subtree_root(leaves, span)


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_the_subtrees_of_a_proof_fold_from_complete_pieces(leaves, data):
    """What lets the log answer from stored complete subtrees instead of every leaf."""
    size = len(leaves)
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(0, size))
    for span in [*inclusion_ranges(index, size), *consistency_ranges(old, size)]:
        pieces = perfect_pieces(span)
        assert fold_pieces([subtree_root(leaves, piece) for piece in pieces]) == (
            subtree_root(leaves, span)
        )
