"""Segment digests (format version 2): the parts region's SHA-256, one per 1 MiB of the file.

The file is cut at fixed offsets, every SEGMENT_SIZE bytes from its start; a segment is the
part of one such piece that lies in the parts region (the first one starts where the parts
start). The header lists every segment's SHA-256, so that a receiver taking the file in pieces
cut at multiples of SEGMENT_SIZE (the platform's upload parts) can check each piece on its
own, in any order, and never read the file back whole (docs/sealed-bid-format.md §2).
"""

import hashlib
from collections.abc import Iterable, Sequence

SEGMENT_SIZE = 1 << 20


def segment_count(parts_offset: int, total_size: int, segment_size: int = SEGMENT_SIZE) -> int:
    """How many segments a file of `total_size` whose parts start at `parts_offset` has."""
    if total_size <= parts_offset:
        return 0
    return -(-total_size // segment_size) - parts_offset // segment_size


def segment_range(
    number: int, parts_offset: int, total_size: int, segment_size: int = SEGMENT_SIZE
) -> tuple[int, int]:
    """File offsets [start, end) of segment `number` (0-based)."""
    piece = parts_offset // segment_size + number
    return max(piece * segment_size, parts_offset), min((piece + 1) * segment_size, total_size)


def segment_list_sha256(digests: Sequence[str]) -> str:
    """SHA-256 over the segments' digests (32 bytes each, in order): one digest of all the
    ciphertext, computable from the pieces' digests (the receipt's `ciphertext_sha256`)."""
    return hashlib.sha256(b"".join(bytes.fromhex(digest) for digest in digests)).hexdigest()


class SegmentHasher:
    """Hashes consecutive bytes of a file into its segments as they are given.

    `start`: the file offset of the first byte given to `update`; bytes before `parts_offset`
    (the front of the file) are skipped. A piece that ends inside a segment yields that
    segment's digest only if the piece ends where the file ends.
    """

    def __init__(self, *, start: int, parts_offset: int, segment_size: int = SEGMENT_SIZE) -> None:
        self._position = start
        self._parts_offset = parts_offset
        self._segment_size = segment_size
        self._current = hashlib.sha256()
        self._current_size = 0
        self._digests: list[str] = []

    def update(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data)
        if self._position < self._parts_offset:
            skipped = min(len(view), self._parts_offset - self._position)
            view = view[skipped:]
            self._position += skipped
        while view:
            boundary = (self._position // self._segment_size + 1) * self._segment_size
            taken = min(len(view), boundary - self._position)
            self._current.update(view[:taken])
            self._current_size += taken
            self._position += taken
            view = view[taken:]
            if self._position == boundary:
                self._finish_segment()

    def _finish_segment(self) -> None:
        self._digests.append(self._current.hexdigest())
        self._current = hashlib.sha256()
        self._current_size = 0

    def hexdigests(self) -> list[str]:
        """The digests of the segments given so far, the last one cut where the bytes end."""
        if self._current_size:
            self._finish_segment()
        return list(self._digests)


def ciphertext_sha256(chunks: Iterable[bytes], parts_offset: int) -> str:
    """The ciphertext digest of a whole sealed file given in consecutive chunks from its start
    (what a receipt names): the SHA-256 of its segments' digests."""
    segments = SegmentHasher(start=0, parts_offset=parts_offset)
    for chunk in chunks:
        segments.update(chunk)
    return segment_list_sha256(segments.hexdigests())
