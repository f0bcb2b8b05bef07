"""Reading and checking a sealed bid without any key: what the upload service runs.

The header is parsed, its signature checked with the bidder's certificate, and every ciphertext
part streamed through SHA-256 against the sizes and digests the header gives, part by part and
segment by segment. A receiver that hashed the segments as pieces arrived checks the front
alone (`verify_sealed_front`) and the digests it found (`check_segments`).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.serialization import Encoding

from signing.cms import SignatureInfo, SignatureInvalid, verify_detached
from signing.envelope.encryption import BLOCK_SIZE, Lane, Progress
from signing.envelope.errors import (
    HeaderInvalid,
    HeaderSignatureInvalid,
    PaddingInvalid,
    PartDigestMismatch,
    SignerMismatch,
    TrailingData,
    Truncated,
    WrongTender,
)
from signing.envelope.format import (
    PREAMBLE_SIZE,
    Header,
    Part,
    parse_header,
    unpack_preamble,
)
from signing.envelope.segments import SegmentHasher, segment_count, segment_range
from signing.envelope.streams import Source
from signing.errors import SigningError
from signing.trust import TrustStore


@dataclass(frozen=True)
class Envelope:
    """The parsed front of a sealed bid: header, its signature, and where the parts start."""

    header: Header
    header_bytes: bytes
    signature: bytes
    padding_size: int

    @property
    def parts_offset(self) -> int:
        return PREAMBLE_SIZE + len(self.header_bytes) + len(self.signature) + self.padding_size

    @property
    def total_size(self) -> int:
        return self.parts_offset + self.header.parts_size


@dataclass(frozen=True)
class VerifiedEnvelope:
    envelope: Envelope
    signature: SignatureInfo

    @property
    def header(self) -> Header:
        return self.envelope.header


def describe_part(part: Part, file_name: str | None = None) -> str:
    if part.kind == "manifest":
        return f"Part {part.index} (the signed manifest)"
    if file_name is not None:
        return f"Part {part.index} (file {file_name!r})"
    return f"Part {part.index} (file {part.index + 1})"


def _read(source: Source, size: int, what: str) -> bytes:
    data = source.read(size) or b""
    if len(data) != size:
        raise Truncated(f"The sealed bid ends inside the {what} ({len(data)} of {size} bytes).")
    return data


def read_envelope(source: Source) -> Envelope:
    """Read the preamble, header, header signature and padding; leave `source` at the parts."""
    preamble = unpack_preamble(source.read(PREAMBLE_SIZE) or b"")
    header_bytes = _read(source, preamble.header_size, "header")
    header = parse_header(header_bytes)
    signature = _read(source, preamble.signature_size, "header signature")
    padding = _read(source, preamble.padding_size, "padding")
    if padding.count(0) != len(padding):
        raise PaddingInvalid("The padding between the header signature and the parts is not zero.")
    envelope = Envelope(header, header_bytes, signature, preamble.padding_size)
    expected = segment_count(envelope.parts_offset, envelope.total_size)
    if len(header.segments) != expected:
        raise HeaderInvalid(
            f"The header lists {len(header.segments)} segment digests; its parts make "
            f"{expected} segments."
        )
    return envelope


def verify_header_signature(
    envelope: Envelope, *, trust: TrustStore, at: datetime | None = None
) -> SignatureInfo:
    """Check the bidder's signature over the header and that it is the header's own bidder.

    Certificate problems (expired, revoked, untrusted, usage) surface as signing.trust errors.
    """
    try:
        info = verify_detached(envelope.signature, envelope.header_bytes, trust=trust, at=at)
    except SignatureInvalid as error:
        raise HeaderSignatureInvalid(f"The header signature is not valid: {error}") from error
    except SigningError:
        raise
    except Exception as error:
        # A damaged signature can fail anywhere inside the ASN.1 parsers, with any exception.
        raise HeaderSignatureInvalid(f"The header signature cannot be parsed: {error}") from error
    header = envelope.header
    if info.signer.public_bytes(Encoding.DER) != header.bidder_certificate.public_bytes(
        Encoding.DER
    ):
        raise SignerMismatch(
            "The header was signed with another certificate than the bidder certificate it names."
        )
    if info.identity.uscc != header.bidder_uscc:
        raise SignerMismatch(
            f"The header names bidder {header.bidder_uscc} but was signed by the certificate "
            f"of {info.identity.uscc or info.identity.name}."
        )
    return info


def check_tender(header: Header, expected_tender_id: str | None) -> None:
    if expected_tender_id is not None and header.tender_id != expected_tender_id:
        raise WrongTender(
            f"The sealed bid is for tender {header.tender_id!r}, not {expected_tender_id!r}."
        )


def verify_sealed_bid(
    source: Source,
    *,
    trust: TrustStore,
    expected_tender_id: str | None = None,
    at: datetime | None = None,
    progress: Progress | None = None,
) -> VerifiedEnvelope:
    """Check a sealed bid without any key: header signature, every part's size and SHA-256,
    every segment's SHA-256, and nothing after the last part. `source` is read once, front to
    back (a stream will do).
    """
    verified = verify_sealed_front(
        source, trust=trust, expected_tender_id=expected_tender_id, at=at
    )
    envelope = verified.envelope
    segments = SegmentHasher(start=envelope.parts_offset, parts_offset=envelope.parts_offset)
    for part in envelope.header.parts:
        digest = hashlib.sha256()
        remaining = part.size
        with Lane("part-sha256") as lane, Lane("segment-sha256") as segment_lane:
            while remaining:
                block = source.read(min(BLOCK_SIZE, remaining)) or b""
                if not block:
                    raise Truncated(
                        f"{describe_part(part)} ends {remaining} bytes early: the sealed bid is "
                        "truncated."
                    )
                remaining -= len(block)
                lane.submit(digest.update, block)
                segment_lane.submit(segments.update, block)
                if progress is not None:
                    progress(len(block))
        if digest.hexdigest() != part.sha256:
            raise PartDigestMismatch(
                f"{describe_part(part)} does not match the SHA-256 in the signed header: it was "
                "changed after sealing."
            )
    if source.read(1):
        raise TrailingData("The sealed bid has bytes after its last part: it was extended.")
    check_segments(envelope, segments.hexdigests())
    return verified


def verify_sealed_front(
    source: Source,
    *,
    trust: TrustStore,
    expected_tender_id: str | None = None,
    at: datetime | None = None,
) -> VerifiedEnvelope:
    """Check the front of a sealed bid (preamble, header, its signature and signer, padding)
    and the tender; leave `source` at the parts."""
    envelope = read_envelope(source)
    check_tender(envelope.header, expected_tender_id)
    return VerifiedEnvelope(envelope, verify_header_signature(envelope, trust=trust, at=at))


def check_segments(envelope: Envelope, found: list[str]) -> None:
    """The segment digests found in the bytes must be those the signed header lists."""
    listed = envelope.header.segments
    for number, (expected, digest) in enumerate(zip(listed, found, strict=False)):
        if digest != expected:
            start, end = segment_range(number, envelope.parts_offset, envelope.total_size)
            raise PartDigestMismatch(
                f"Bytes {start}..{end - 1} of the sealed bid (segment {number}) do not match the "
                "SHA-256 in the signed header: they were changed after sealing."
            )
    if len(found) != len(listed):
        raise PartDigestMismatch(
            f"The bytes make {len(found)} segments but the signed header lists {len(listed)}."
        )


def require_exact_size(source: Source, envelope: Envelope) -> None:
    """On a seekable source, refuse a truncated or extended file before decrypting anything."""
    position = source.tell()
    actual = source.seek(0, 2)
    source.seek(position)
    if actual < envelope.total_size:
        raise Truncated(
            f"The sealed bid is {actual} bytes but its header accounts for "
            f"{envelope.total_size}: it is truncated."
        )
    if actual > envelope.total_size:
        raise TrailingData(
            f"The sealed bid is {actual} bytes but its header accounts for "
            f"{envelope.total_size}: it was extended."
        )
