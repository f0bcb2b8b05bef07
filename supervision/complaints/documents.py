"""The documents of a complaint the platform vouches for: the receipt of its filing and each
decision of the supervising authority. Each is canonical JSON, signed by the platform (CMS,
signing.cms.sign_detached) and timestamped (RFC 3161), as receipts and opening records are; the
signature and the token cover exactly the stored bytes, and anyone holding them checks them
offline (`signed_verify`, or openssl and the platform's CA).
"""

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from signing.canonical import canonical_json
from signing.cms import SignatureInfo, sign_detached, verify_detached
from signing.conf import platform_credential, platform_timestamp_authority, platform_trust_store
from signing.errors import SigningError
from signing.timestamps import TimestampInfo, verify_timestamp
from supervision.complaints.errors import ComplaintRefused

DOCUMENT_VERSION = 1


@dataclass(frozen=True)
class Signed:
    document: bytes  # canonical JSON
    sha256: str
    signature: bytes
    timestamp_token: bytes


def platform_sign(content: dict[str, Any], *, at: dt.datetime) -> Signed:
    """Sign `content` as the platform, dated `at` (the database clock at the act), and have it
    timestamped. Done before the event chain is locked: those locks are held until commit."""
    document = canonical_json({"version": DOCUMENT_VERSION, **content})
    return Signed(
        document=document,
        sha256=hashlib.sha256(document).hexdigest(),
        signature=sign_detached(document, credential=platform_credential(), signing_time=at),
        timestamp_token=platform_timestamp_authority().timestamp(document),
    )


class DocumentInvalid(ComplaintRefused):
    code = "document_invalid"


@dataclass(frozen=True)
class Verification:
    signature: SignatureInfo
    timestamp: TimestampInfo


def signed_verify(*, document: bytes, signature: bytes, timestamp_token: bytes) -> Verification:
    """Check a stored document: the token over its bytes, then the platform's signature, its
    certificate judged at the token's time and required to be the platform's (a service
    certificate, not a person's or an organisation's of the same CA)."""
    trust = platform_trust_store()
    try:
        stamp = verify_timestamp(timestamp_token, document, trust=trust)
        signed = verify_detached(signature, document, trust=trust, at=stamp.generated_at)
    except SigningError as error:
        raise DocumentInvalid(message=str(error)) from error
    if signed.identity.kind != "service":
        raise DocumentInvalid(
            message=f"signed by {signed.identity.name} ({signed.identity.kind}), not the platform"
        )
    return Verification(signature=signed, timestamp=stamp)
