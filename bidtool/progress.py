"""The progress bar of long steps (sealing, verifying, submitting), on a terminal only."""

import sys
import time
from typing import TextIO

PROGRESS_THRESHOLD = 4 << 20  # below this a bar would only flicker


class ProgressBar:
    """A one-line bar on stderr, redrawn at most ten times a second."""

    def __init__(self, label: str, total: int, stream: TextIO) -> None:
        self.label, self.total, self.stream = label, max(total, 1), stream
        self.done = 0
        self._drawn_at = 0.0

    def __call__(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._drawn_at >= 0.1 or self.done >= self.total:
            self._drawn_at = now
            fraction = min(self.done / self.total, 1.0)
            filled = int(fraction * 30)
            self.stream.write(
                f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} "
                f"{self.done / 2**20:,.1f}/{self.total / 2**20:,.1f} MiB"
            )
            self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def progress_bar(label: str, total: int) -> ProgressBar | None:
    if total > PROGRESS_THRESHOLD and sys.stderr.isatty():
        return ProgressBar(label, total, sys.stderr)
    return None
