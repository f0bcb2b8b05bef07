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


def load_json(data: bytes) -> Any:
    """Parse UTF-8 JSON from a file or a peer; any failure is a ValueError (a hostile file's
    nesting deep enough to exhaust the parser's stack included, which Python raises as
    RecursionError)."""
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None


def is_canonical_json(value: Any, data: bytes) -> bool:
    """Whether `data` is exactly the canonical form of `value` (parsed from it). False, not an
    exception, for what has no canonical form: NaN or an infinity, a lone surrogate in a string
    (no UTF-8 form), nesting too deep to write out."""
    try:
        return canonical_json(value) == data
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        return False
