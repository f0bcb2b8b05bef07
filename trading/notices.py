"""Public notices: published at once, signed by the platform, timestamped, numbered in commit order.

`notice_publish` runs inside the caller's transaction (a tender service's). The release is built,
signed and timestamped before any lock is taken; then the event chain head and the notice
sequence are locked, in that order, and held until the caller commits, so notices become visible
in sequence order and a reader paging by sequence never skips one (docs/notices.md).
"""

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from monitoring.chain import locked_head
from monitoring.clock import database_now
from monitoring.locks import locked_singleton
from monitoring.services import Actor, record_event
from signing.canonical import canonical_json
from signing.cms import SignatureInfo, sign_detached, verify_detached
from signing.conf import platform_credential, platform_timestamp_authority, platform_trust_store
from signing.errors import SigningError
from signing.timestamps import TimestampInfo, verify_timestamp
from trading.models import Notice, NoticeKind, NoticeSequence, Tender
from trading.ocds import ReleaseInvalid, release_build


class NoticeInvalid(Exception):
    """A stored notice does not verify; `check` names what failed (digest, signature, …)."""

    code = "notice_invalid"

    def __init__(self, check: str, message: str) -> None:
        self.check = check
        super().__init__(f"notice {check} check failed: {message}")


@dataclass(frozen=True)
class NoticeVerification:
    """What `notice_verify` checked, each part passed."""

    release_sha256: str  # of the canonical JSON of the stored release, equal to the recorded one
    signature: SignatureInfo  # the platform's CMS signature over those bytes
    timestamp: TimestampInfo  # the RFC 3161 token over the same bytes
    checks: tuple[str, ...] = ("release", "digest", "timestamp", "signature")


def notice_release_bytes(notice: Notice) -> bytes:
    """The exact bytes the signature and the token cover (canonical JSON of the release)."""
    return canonical_json(notice.release)


def notice_publish(
    *, tender: Tender, kind: str, title: str, body: dict[str, Any], actor: Actor
) -> Notice:
    """Publish a notice of `tender` now: OCDS release, platform signature, timestamp, sequence.

    Must run inside the caller's transaction: the notice, its sequence number and its event
    commit (or roll back) with the change it announces.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notice_publish must be called inside the caller's transaction")
    if kind not in NoticeKind.values:
        raise ReleaseInvalid("kind", f"unknown notice kind {kind!r}")
    if not title.strip():
        raise ReleaseInvalid("title", "a notice needs a title")
    notice_id = uuid.uuid4()
    published_at = database_now()
    release = release_build(
        tender=tender, kind=kind, release_id=str(notice_id), date=published_at, body=body
    )
    data = canonical_json(release)
    # Signed and timestamped before the locks: those are held until commit, keep them short.
    signature = sign_detached(data, credential=platform_credential())
    token = platform_timestamp_authority().timestamp(data)
    # Lock order: the event chain head first, as a caller that already recorded an event holds
    # it; taking the notice sequence first could deadlock against such a caller.
    locked_head()
    counter = locked_singleton(NoticeSequence)
    sequence = counter.last_sequence + 1
    NoticeSequence.objects.filter(pk=counter.pk).update(last_sequence=sequence)
    digest = hashlib.sha256(data).hexdigest()
    notice = Notice.objects.create(
        id=notice_id,
        sequence=sequence,
        tender=tender,
        kind=kind,
        title=title,
        body=body,
        published_at=published_at,
        release=release,
        release_sha256=digest,
        platform_signature=signature,
        timestamp_token=token,
    )
    record_event(
        actor=actor,
        action="notice.published",
        object_type="trading.notice",
        object_id=str(notice.pk),
        payload={
            "tender": str(tender.pk),
            "kind": kind,
            "sequence": sequence,
            "ocid": release["ocid"],
            "release_id": release["id"],
            "release_sha256": digest,
        },
    )
    return notice


def notice_verify(notice: Notice) -> NoticeVerification:
    """Check a stored notice offline: its release, digest, timestamp and platform signature.

    Raises NoticeInvalid naming the first check that failed. The signing certificate is judged
    at the token's time (a time the TSA vouches for), and must be a service certificate (the
    platform's), not one of an organisation or a person from the same CA.
    """
    if notice.release.get("id") != str(notice.pk):
        raise NoticeInvalid(
            "release",
            f"the release id {notice.release.get('id')!r} is not the notice's id {notice.pk}",
        )
    data = notice_release_bytes(notice)
    digest = hashlib.sha256(data).hexdigest()
    if digest != notice.release_sha256:
        raise NoticeInvalid(
            "digest",
            f"the release's SHA-256 is {digest}, the notice records {notice.release_sha256}: "
            "the release was changed",
        )
    trust = platform_trust_store()
    try:
        stamp = verify_timestamp(bytes(notice.timestamp_token), data, trust=trust)
    except SigningError as error:
        raise NoticeInvalid("timestamp", str(error)) from error
    try:
        signed = verify_detached(
            bytes(notice.platform_signature), data, trust=trust, at=stamp.generated_at
        )
    except SigningError as error:
        raise NoticeInvalid("signature", str(error)) from error
    if signed.identity.kind != "service":
        raise NoticeInvalid(
            "signature",
            f"signed by {signed.identity.name} ({signed.identity.kind}), not by the platform",
        )
    return NoticeVerification(release_sha256=digest, signature=signed, timestamp=stamp)


# Reads (selectors) of notices: each costs one query.


def notice_get_public(*, notice_id: uuid.UUID | str) -> Notice | None:
    return (
        Notice.objects.filter(pk=notice_id)
        .select_related(
            "tender", "tender__project", "tender__project__tenderee", "tender__project__agent"
        )
        .first()
    )


def notice_list_for_tender(*, tender_id: uuid.UUID | str) -> QuerySet[Notice]:
    return (
        Notice.objects.filter(tender_id=tender_id)
        .only("id", "sequence", "kind", "title", "published_at", "release_sha256", "tender_id")
        .order_by("sequence")
    )


def release_feed(*, after: int, limit: int) -> list[tuple[int, dict[str, Any]]]:
    """Up to `limit` + 1 (sequence, release) pairs after `after`, in sequence order.

    One row more than asked tells the caller whether there is a next page.
    """
    return list(
        Notice.objects.filter(sequence__gt=after)
        .order_by("sequence")
        .values_list("sequence", "release")[: limit + 1]
    )


def release_get(*, release_id: uuid.UUID | str) -> dict[str, Any] | None:
    return Notice.objects.filter(pk=release_id).values_list("release", flat=True).first()
