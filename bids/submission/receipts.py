"""Receipts of submission and withdrawal: a canonical JSON document signed by the platform and
timestamped (RFC 3161), issued in the transaction that records the bid (docs/bids.md)."""

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from bids.models import (
    Bid,
    Receipt,
)
from signing.canonical import canonical_json
from signing.cms import sign_detached

RECEIPT_VERSION = 2  # 2: `submission_number` instead of the tender-wide `sequence`


@dataclass(frozen=True)
class Finalised:
    bid: Bid
    receipt: Receipt
    created: bool


@dataclass(frozen=True)
class Signers:
    """The platform's signing credential and TSA, loaded (PKCS#12, PBKDF2) before any lock."""

    credential: Any
    authority: Any

    @classmethod
    def load(cls) -> "Signers":
        """Cached per process for a few minutes: each PKCS#12 costs 100,000 PBKDF2 rounds."""
        from signing.conf import platform_credential, platform_timestamp_authority

        key = tuple(
            str(getattr(settings, name, ""))
            for name in ("SIGNING_CA_DIR", "SIGNING_PLATFORM_CREDENTIAL", "SIGNING_TSA_CREDENTIAL")
        )
        cached = _SIGNERS_CACHE.get(key)
        if cached is not None and time.monotonic() - cached[0] < SIGNERS_CACHE_SECONDS:
            return cached[1]
        signers = cls(platform_credential(), platform_timestamp_authority())
        _SIGNERS_CACHE.clear()
        _SIGNERS_CACHE[key] = (time.monotonic(), signers)
        return signers


SIGNERS_CACHE_SECONDS = 300


_SIGNERS_CACHE: dict[tuple[str, ...], tuple[float, Signers]] = {}


def issue_receipt(
    bid: Bid, kind: str, document: dict[str, Any], at: dt.datetime, signers: Signers
) -> Receipt:
    data = canonical_json(document)
    return Receipt.objects.create(
        bid=bid,
        kind=kind,
        document=data,
        signature=sign_detached(data, credential=signers.credential),
        timestamp_token=signers.authority.timestamp(data),
        issued_at=at,
    )
