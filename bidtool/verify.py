"""Offline checks: `bidtool verify` (a sealed bid, with the bidder's key) and `bidtool receipt
verify` (a document the platform signed and timestamped)."""

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from bidtool.credentials import load_credential
from bidtool.files import open_sealed, read_json_file
from bidtool.progress import progress_bar
from bidtool.trust import bidder_trust, platform_trust
from signing.canonical import canonical_json
from signing.cms import verify_detached
from signing.envelope.container import read_envelope
from signing.envelope.errors import InputInvalid
from signing.envelope.open import open_sealed_bid
from signing.envelope.segments import ciphertext_sha256
from signing.timestamps import verify_timestamp
from signing.trust import TrustStore


def command_verify(arguments: argparse.Namespace) -> int:
    credential = load_credential(arguments)
    trust = bidder_trust(credential, arguments)
    with open_sealed(arguments.sealed) as source:
        total = source.seek(0, 2)
        source.seek(0)
        bar = progress_bar("verifying", total)
        try:
            opened = open_sealed_bid(
                source,
                trust=trust,
                private_key=credential.private_key,
                expected_tender_id=arguments.tender,
                progress=bar,
            )
        finally:
            if bar is not None:
                bar.finish()
    if not trust.check_revocation:
        print("bidtool: note: revocation was not checked (no --crl given).", file=sys.stderr)
    print(json.dumps(opened.manifest, ensure_ascii=False, indent=2, sort_keys=True))
    return 0


def verify_platform_document(
    signed: Any, *, key: str, what: str, trust: TrustStore
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check offline a JSON document the platform signed and timestamped (a receipt, an opening
    record): `{key: document, "signature": b64 CMS, "timestamp_token": b64 RFC 3161}`, both
    over canonical_json(document). Returns (document, {"platform", "timestamped_at"})."""
    try:
        fields = signed[key]
        if not isinstance(fields, dict):
            raise TypeError(f"{key!r} is not an object")
        document = canonical_json(fields)
        signature = base64.b64decode(signed["signature"], validate=True)
        token = base64.b64decode(signed["timestamp_token"], validate=True)
    except (KeyError, TypeError, ValueError) as error:
        raise InputInvalid(f"The file is not a platform {what}: {error}.") from error
    verified = verify_detached(signature, document, trust=trust)
    # The platform CA also issues bidders' and experts' certificates: only a service
    # certificate (no USCC, no person id) speaks for the platform.
    if verified.identity.kind != "service":
        raise InputInvalid(
            f"The {what} is signed by {verified.identity.name} "
            f"({verified.identity.kind}), not by the platform."
        )
    stamped = verify_timestamp(token, document, trust=trust)
    return fields, {
        "platform": verified.identity.name,
        "timestamped_at": stamped.generated_at.isoformat(),
    }


def verify_receipt_document(
    receipt: dict[str, Any], *, trust: TrustStore, sealed: Path | None = None
) -> dict[str, Any]:
    """Check a saved receipt offline: platform signature, timestamp, and the local sealed file."""
    fields, checked = verify_platform_document(receipt, key="receipt", what="receipt", trust=trust)
    if sealed is not None:
        with open_sealed(sealed) as source:
            envelope = read_envelope(source)
            source.seek(0)
            digest = ciphertext_sha256(
                iter(lambda: source.read(1 << 20), b""), envelope.parts_offset
            )
        header_digest = hashlib.sha256(envelope.header_bytes).hexdigest()
        if digest != fields.get("ciphertext_sha256") or header_digest != fields.get(
            "header_sha256", header_digest
        ):
            raise InputInvalid(
                f"The receipt is not for the sealed bid {str(sealed)!r}: its digests differ."
            )
    return {**checked, **fields}


def command_receipt_verify(arguments: argparse.Namespace) -> int:
    receipt = read_json_file(arguments.receipt, "receipt")
    result = verify_receipt_document(
        receipt, trust=platform_trust(arguments), sealed=arguments.sealed
    )
    print(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True))
    return 0
