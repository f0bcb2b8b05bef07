"""Deterministic streams for benchmarks: gigabytes of bytes without holding them in memory."""

import hashlib
import os
import resource

BLOCK = os.urandom(1024 * 1024)


class GeneratedStream:
    """`size` bytes of one random 1 MiB block repeated; read() returns at most what is asked."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0

    def read(self, wanted: int = -1) -> bytes:
        remaining = self.size - self.position
        if wanted is None or wanted < 0 or wanted > remaining:
            wanted = remaining
        pieces = []
        while wanted > 0:
            offset = self.position % len(BLOCK)
            piece = BLOCK[offset : offset + wanted]
            pieces.append(piece)
            self.position += len(piece)
            wanted -= len(piece)
        return b"".join(pieces)


def expected_sha256(size: int) -> str:
    digest, stream = hashlib.sha256(), GeneratedStream(size)
    while chunk := stream.read(8 * 1024 * 1024):
        digest.update(chunk)
    return digest.hexdigest()


def peak_memory_mib() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
