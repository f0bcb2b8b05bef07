"""`bidtool inspect`: the outer header of a sealed bid, for people, without a key."""

import argparse
import json
from pathlib import Path
from typing import Any

from cryptography import x509

from bidtool.files import open_sealed
from signing.envelope.container import read_envelope
from signing.envelope.errors import HeaderInvalid
from signing.envelope.format import PREAMBLE_SIZE, certificate_sha256
from signing.trust import identify


def _certificate_summary(certificate: x509.Certificate) -> dict[str, Any]:
    identity = identify(certificate)
    return {
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "serial_number": format(certificate.serial_number, "x"),
        "not_valid_before": certificate.not_valid_before_utc.isoformat(),
        "not_valid_after": certificate.not_valid_after_utc.isoformat(),
        "sha256": certificate_sha256(certificate),
        "kind": identity.kind,
        "name": identity.name,
        "uscc": identity.uscc,
    }


def inspect_document(path: Path) -> dict[str, Any]:
    """The outer header as JSON for people: no key needed, nothing secret shown."""
    with open_sealed(path) as source:
        envelope = read_envelope(source)
        file_size = source.seek(0, 2)
    header = envelope.header
    try:
        certificate = _certificate_summary(header.bidder_certificate)
        chain = [_certificate_summary(item) for item in header.bidder_chain]
    except ValueError as error:
        raise HeaderInvalid(f"A certificate in the header cannot be read: {error}") from error
    return {
        "format_version": header.format_version,
        "algorithm": header.algorithm,
        "tender_id": header.tender_id,
        "bidder_uscc": header.bidder_uscc,
        "bidder_certificate": certificate,
        "bidder_chain": chain,
        "recipients": [
            {
                "role": recipient.role,
                "method": recipient.method,
                "key_id": recipient.key_id,
                "wrapped_key_bytes": len(recipient.wrapped_key),
            }
            for recipient in header.recipients
        ],
        "parts": [part.to_json() for part in header.parts],
        "sealed_at": header.sealed_at,
        "segments": {"size": header.segment_size, "count": len(header.segments)},
        "layout": {
            "preamble_bytes": PREAMBLE_SIZE,
            "header_bytes": len(envelope.header_bytes),
            "header_signature_bytes": len(envelope.signature),
            "padding_bytes": envelope.padding_size,
            "parts_offset": envelope.parts_offset,
            "expected_file_bytes": envelope.total_size,
            "actual_file_bytes": file_size,
        },
        "checked": "structure only: run bidtool verify (or the platform) to check signatures "
        "and digests",
    }


def command_inspect(arguments: argparse.Namespace) -> int:
    print(json.dumps(inspect_document(arguments.sealed), ensure_ascii=False, indent=2))
    return 0
