"""The limits of sealed bid submission, from settings (docs/bids.md, "Settings")."""

import datetime as dt

from django.conf import settings

from signing.envelope.segments import SEGMENT_SIZE
from storage.objects import MINIMUM_PART_SIZE

DEFAULT_MAX_SIZE = 2 * 1024**3
# Fewer, larger parts: each request costs the web tier ~12 ms of CPU whatever its size, and a
# part is relayed in 256 KiB blocks, so its size does not cost the server memory.
DEFAULT_PART_SIZE = 64 * 1024 * 1024
DEFAULT_UPLOAD_MAX_AGE = dt.timedelta(hours=24)
DEFAULT_WITHDRAWAL_SKEW = dt.timedelta(minutes=5)


def max_bid_size() -> int:
    return int(getattr(settings, "BID_MAX_SIZE", DEFAULT_MAX_SIZE))


def upload_part_size() -> int:
    """A whole number of segments (each part is checked on its own), at least S3's minimum."""
    size = max(int(getattr(settings, "BID_UPLOAD_PART_SIZE", DEFAULT_PART_SIZE)), MINIMUM_PART_SIZE)
    return size // SEGMENT_SIZE * SEGMENT_SIZE


def upload_max_age() -> dt.timedelta:
    hours = getattr(settings, "BID_UPLOAD_MAX_AGE_HOURS", None)
    return DEFAULT_UPLOAD_MAX_AGE if hours is None else dt.timedelta(hours=float(hours))


def withdrawal_skew() -> dt.timedelta:
    seconds = getattr(settings, "BID_WITHDRAWAL_MAX_SKEW_SECONDS", None)
    return DEFAULT_WITHDRAWAL_SKEW if seconds is None else dt.timedelta(seconds=float(seconds))


# Abuse limits (docs/hardening.md): how many unfinished uploads one bidder may hold open, and
# how many bytes of parts one bidder may send per window.
DEFAULT_UPLOADS_OPEN_PER_BIDDER = 10
DEFAULT_UPLOAD_WINDOW_SECONDS = 60
DEFAULT_UPLOAD_BYTES_PER_WINDOW = 1024**3


def uploads_open_per_bidder() -> int:
    return int(getattr(settings, "BID_UPLOADS_OPEN_PER_BIDDER", DEFAULT_UPLOADS_OPEN_PER_BIDDER))


def upload_window_seconds() -> int:
    return int(getattr(settings, "BID_UPLOAD_WINDOW_SECONDS", DEFAULT_UPLOAD_WINDOW_SECONDS))


def upload_bytes_per_window() -> int:
    return int(getattr(settings, "BID_UPLOAD_BYTES_PER_WINDOW", DEFAULT_UPLOAD_BYTES_PER_WINDOW))
