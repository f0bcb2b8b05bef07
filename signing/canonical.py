"""Canonical JSON: the one byte form of a JSON value that is signed, hashed or chained.

Keys sorted, no insignificant white space, UTF-8, no NaN or infinities. Two parties that build
the same value get the same bytes, so a digest or signature over it can be checked by either.
"""

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def canonical_digest(value: Any) -> str:
    """SHA-256 of the canonical form, as lowercase hex."""
    return hashlib.sha256(canonical_json(value)).hexdigest()
