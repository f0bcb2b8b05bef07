"""Segment digests: a sealed file checked in pieces cut at multiples of 1 MiB, in any order."""

import hashlib
import io
import os

import pytest

from signing.envelope import seal as sealing
from signing.envelope.container import check_segments, read_envelope
from signing.envelope.errors import PartDigestMismatch
from signing.envelope.segments import (
    SEGMENT_SIZE,
    SegmentHasher,
    ciphertext_sha256,
    segment_count,
    segment_list_sha256,
    segment_range,
)
from tests.signing.envelope_helpers import open_bytes, seal_contents, verify_bytes

MIB = 1 << 20


def test_the_file_is_cut_every_mebibyte_from_its_start_and_the_front_is_left_out():
    assert SEGMENT_SIZE == MIB
    # Parts from 5,000 to 3 MiB + 10: [5000, 1 MiB), [1 MiB, 2 MiB), [2 MiB, 3 MiB), the rest.
    assert segment_count(5000, 3 * MIB + 10) == 4
    assert segment_range(0, 5000, 3 * MIB + 10) == (5000, MIB)
    assert segment_range(3, 5000, 3 * MIB + 10) == (3 * MIB, 3 * MIB + 10)
    # A front longer than a segment: the first segment starts inside the second MiB.
    assert segment_count(MIB + 7, 2 * MIB) == 1
    assert segment_range(0, MIB + 7, 2 * MIB) == (MIB + 7, 2 * MIB)


def test_pieces_hashed_apart_give_the_digests_of_the_whole_file():
    data = os.urandom(3 * MIB + 12345)
    parts_offset = 4096
    expected = [
        hashlib.sha256(data[start:end]).hexdigest()
        for start, end in (
            segment_range(number, parts_offset, len(data))
            for number in range(segment_count(parts_offset, len(data)))
        )
    ]

    whole = SegmentHasher(start=0, parts_offset=parts_offset)
    whole.update(data)
    pieces = []
    for start in (2 * MIB, 0, MIB):  # any order, as upload parts arrive
        hasher = SegmentHasher(start=start, parts_offset=parts_offset)
        for offset in range(start, min(start + MIB, len(data)), 9999):  # in odd-sized reads
            hasher.update(data[offset : min(offset + 9999, start + MIB)])
        pieces.append((start, hasher.hexdigests()))
    last = SegmentHasher(start=3 * MIB, parts_offset=parts_offset)
    last.update(memoryview(data)[3 * MIB :])
    pieces.append((3 * MIB, last.hexdigests()))

    assert whole.hexdigests() == expected
    assert [digest for _, found in sorted(pieces) for digest in found] == expected
    assert (
        ciphertext_sha256([data[:100], data[100:]], parts_offset)
        == hashlib.sha256(b"".join(bytes.fromhex(digest) for digest in expected)).hexdigest()
    )
    assert segment_list_sha256(expected) == ciphertext_sha256([data], parts_offset)


def test_a_changed_segment_is_named_by_its_bytes(bidder_credential):
    sealed = seal_contents(bidder_credential, [os.urandom(2 * MIB)])
    envelope = read_envelope(io.BytesIO(sealed))
    hasher = SegmentHasher(start=0, parts_offset=envelope.parts_offset)
    changed = bytearray(sealed)
    changed[MIB + 5] ^= 1
    hasher.update(changed)
    found = hasher.hexdigests()

    with pytest.raises(PartDigestMismatch, match=rf"Bytes {MIB}\.\.{2 * MIB - 1} .*segment 1"):
        check_segments(envelope, found)
    with pytest.raises(PartDigestMismatch, match="make 2 segments but the signed header lists 3"):
        check_segments(envelope, list(envelope.header.segments[:2]))
    check_segments(envelope, list(envelope.header.segments))


class _SkewedSegments(SegmentHasher):
    """A faulty sealer's segment hashing: the second segment's digest is wrong."""

    def hexdigests(self) -> list[str]:
        found = super().hexdigests()
        found[1] = hashlib.sha256(b"not these bytes").hexdigest()
        return found


def test_a_bid_whose_header_lists_a_wrong_segment_fails_the_bidders_own_check(
    bidder_credential, trust_store, monkeypatch
):
    # Every part's digest is right and the header is validly signed: only the segment list
    # is wrong, which the platform's upload refuses. `bidtool verify` must say so first.
    monkeypatch.setattr(sealing, "SegmentHasher", _SkewedSegments)
    sealed = seal_contents(bidder_credential, [os.urandom(2 * MIB), os.urandom(1000)])
    monkeypatch.undo()

    with pytest.raises(PartDigestMismatch, match=r"Bytes \d+\.\.\d+ .*\(segment 1\)"):
        open_bytes(sealed, trust=trust_store, private_key=bidder_credential.private_key)
    with pytest.raises(PartDigestMismatch, match=r"\(segment 1\)"):
        verify_bytes(sealed, trust=trust_store)
    # The platform's own opening skips the ciphertext digests (checked at receipt) and so
    # never meets the list; the bid decrypts.
    opened = open_bytes(
        sealed,
        trust=trust_store,
        private_key=bidder_credential.private_key,
        check_ciphertext_digests=False,
    )
    assert len(opened.manifest["files"]) == 2
