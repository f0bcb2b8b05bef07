"""The decryption job of one bid at the opening (run by a Celery worker, bids.tasks.bid_decrypt).

claim a lease → unwrap the data key (platform evaluation key) → check the stored header is the
one the receipt names and the manifest the one verified at the key's hand-over → stream the
ciphertext through `open_sealed_bid` (every chunk authenticated under the bidder's data key
before its plaintext exists, every file's plaintext digest against the signed manifest) →
record the price sheet.

What was verified before is not verified again: the header's signature and the ciphertext
digests (at receipt), the manifest's signature (at hand-over). A chunk that fails
authentication then costs one more pass, over the stored object, to tell the evidence: changed
since it was received (its ciphertext digest is not the receipt's), or sealed damaged.

The plaintext is discarded as it is checked: no copy is written anywhere. A run that dies
leaves its lease to lapse; the chronograph then hands the job to another worker. Results are
recorded under the row lock and only from `decrypting`, so a repeated run records nothing twice.
"""

import datetime as dt
import logging
import time
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import OperationalError, transaction

from bids.models import Bid, BidDecryption, DecryptionState
from bids.opening.checks import decryption_lease_seconds
from bids.opening.results import decryption_fail, decryption_succeed
from bids.sealed_objects import (
    data_key_purpose,
    evaluation_unwrap,
    stored_ciphertext_sha256,
    stored_reader,
)
from monitoring.clock import database_now
from signing.envelope import OpenedBid, open_sealed_bid
from signing.envelope.encryption import Progress
from signing.envelope.errors import ChunkAuthenticationFailed, EnvelopeError
from signing.errors import SigningError
from storage.objects import StorageError

logger = logging.getLogger(__name__)

# Seconds between progress (and lease) updates: by time, not bytes, so that a bid decrypted in
# a fraction of a second costs no update at all (each is two statements and a commit).
DEFAULT_PROGRESS_MILLISECONDS = 1000


def progress_seconds() -> float:
    """At most a quarter of the lease, so that a live job always renews it in time."""
    configured = (
        int(
            getattr(settings, "BID_DECRYPTION_PROGRESS_MILLISECONDS", DEFAULT_PROGRESS_MILLISECONDS)
        )
        / 1000
    )
    return min(configured, decryption_lease_seconds() / 4)


class LeaseHeld(Exception):
    """Another run holds a live lease on the job: alive, or killed and its lease not lapsed."""


def _claim(decryption_id: UUID) -> BidDecryption | None:
    """Take the job if nobody holds a live lease on it; returns it with this run's number, or
    None when there is nothing to do; raises LeaseHeld."""
    with transaction.atomic():
        # Only the decryption row is locked; its bid, upload and bidder are read with it.
        decryption = (
            BidDecryption.objects.select_for_update(of=("self",))
            .select_related("bid", "bid__upload", "bid__bidder")
            .filter(pk=decryption_id)
            .first()
        )
        if decryption is None or decryption.state != DecryptionState.DECRYPTING:
            return None
        now = database_now()
        if decryption.lease_until is not None and decryption.lease_until > now:
            # Another run is alive, or died (its message redelivered) before its lease lapsed.
            raise LeaseHeld(decryption_id)
        decryption.job_runs += 1
        BidDecryption.objects.filter(pk=decryption_id).update(
            job_runs=decryption.job_runs,
            bytes_done=0,
            lease_until=now + dt.timedelta(seconds=decryption_lease_seconds()),
        )
        return decryption


def _release(decryption_id: UUID, run: int) -> None:
    BidDecryption.objects.filter(pk=decryption_id, job_runs=run).update(lease_until=None)


class _Progress:
    """Reports bytes decrypted and renews the lease, every `progress_seconds()`."""

    def __init__(self, decryption_id: UUID, run: int) -> None:
        self.decryption_id = decryption_id
        self.run = run
        self.done = 0
        self.interval = progress_seconds()
        self.flushed_at = time.monotonic()

    def __call__(self, count: int) -> None:
        self.done += count
        if time.monotonic() - self.flushed_at >= self.interval:
            self.flush()

    def flush(self) -> None:
        self.flushed_at = time.monotonic()
        BidDecryption.objects.filter(pk=self.decryption_id, job_runs=self.run).update(
            bytes_done=self.done,
            lease_until=database_now() + dt.timedelta(seconds=decryption_lease_seconds()),
        )


def _summary(opened: OpenedBid) -> dict[str, Any]:
    manifest = opened.manifest
    return {
        "files": [
            {"name": entry["name"], "size": entry["size"], "sha256": entry["sha256"]}
            for entry in manifest.get("files", [])
        ],
        "tool": manifest.get("tool", {}),
        "device_fingerprint": manifest.get("device_fingerprint", {}),
        "created_at": manifest.get("created_at"),
        # Verified at the key's hand-over, and then bound to the header's bidder.
        "manifest_signer": (
            opened.manifest_signature.identity.uscc
            if opened.manifest_signature
            else opened.header.bidder_uscc
        ),
    }


def _failure(bid: Bid, error: Exception, bytes_checked: int) -> tuple[str, dict[str, Any]]:
    """The reason and evidence of a failed bid; a failed chunk is told apart by its digest."""
    reason = str(error)
    evidence: dict[str, Any] = {
        "receipt_header_sha256": bid.header_sha256,
        "receipt_ciphertext_sha256": bid.ciphertext_sha256,
        "size": bid.size,
        "bytes_checked": bytes_checked,
    }
    if isinstance(error, ChunkAuthenticationFailed):
        stored = stored_ciphertext_sha256(bid)
        evidence["stored_ciphertext_sha256"] = stored
        if stored != bid.ciphertext_sha256:
            reason += (
                f" The stored bid's ciphertext digest {stored} is not the receipt's "
                f"{bid.ciphertext_sha256}: it was changed after it was received."
            )
        else:
            reason += (
                " The stored bid is the one received (its ciphertext digest is the "
                "receipt's): it was sealed damaged."
            )
    return reason, evidence


def unwrapped_data_key(decryption: BidDecryption) -> bytes:
    """The bid's data key, unwrapped with the platform evaluation key (held only in memory)."""
    return evaluation_unwrap(
        decryption.wrap_method,
        bytes(decryption.wrapped_data_key),
        purpose=data_key_purpose(decryption.bid),
    )


def open_stored_bid(
    decryption: BidDecryption, data_key: bytes, progress: Progress | None = None
) -> OpenedBid:
    """The job's decryption itself, with nothing recorded (`bench_opening` times it alone).

    One thread: the worker runs a job per core already. One GET: the file read front to back
    (docs/opening.md, "Measured"). The header and manifest are vouched for by what was
    verified at receipt and at the key's hand-over; the ciphertext digests were checked at
    receipt.
    """
    from signing.conf import platform_trust_store

    bid = decryption.bid
    with stored_reader(bid, prefetch=False, in_one_pass=True) as source:
        return open_sealed_bid(
            source,
            trust=platform_trust_store(),
            data_key=data_key,
            expected_tender_id=str(bid.tender_id),
            at=bid.received_at,
            progress=progress,
            received_header_sha256=bid.header_sha256,
            verified_manifest_sha256=decryption.manifest_sha256 or None,
            check_ciphertext_digests=False,
            overlap=False,
            in_one_pass=True,
        )


def decrypt_bid(decryption_id: UUID) -> str:
    """Run the job once; returns what happened (for logs and tests): `leased` when another
    run holds the lease."""
    try:
        decryption = _claim(decryption_id)
    except LeaseHeld:
        return "leased"
    if decryption is None:
        return "skipped"
    run = decryption.job_runs
    bid = decryption.bid
    data_key = unwrapped_data_key(decryption)
    progress = _Progress(decryption_id, run)
    started = time.monotonic()
    try:
        opened = open_stored_bid(decryption, data_key, progress)
    except (EnvelopeError, SigningError) as error:
        try:
            reason, evidence = _failure(bid, error, progress.done)
        except StorageError:
            _release(decryption_id, run)  # the evidence pass could not read: run again
            raise
        decryption_fail(
            decryption_id,
            code=getattr(error, "code", "bid_invalid"),
            reason=reason,
            evidence=evidence,
        )
        return "failed"
    except StorageError:
        # Give the lease back so that the task's retry (or the sweep) can run at once.
        _release(decryption_id, run)
        raise
    try:
        recorded = decryption_succeed(
            decryption_id, price_sheet=opened.price_sheet, summary=_summary(opened)
        )
    except OperationalError:
        # Recording lost a lock wait (PostgreSQL aborted it): give the lease back and let the
        # task's retry run again at once rather than after the lease.
        _release(decryption_id, run)
        raise
    logger.info(
        "decrypted bid %s (%d bytes) in %.2f s", bid.pk, bid.size, time.monotonic() - started
    )
    return "decrypted" if recorded else "already_recorded"
