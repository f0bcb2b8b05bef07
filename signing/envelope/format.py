"""The byte layout of a sealed bid, version 2 (specified in docs/sealed-bid-format.md).

    preamble (22 bytes) | header (canonical JSON) | header signature (CMS) | zero padding | parts

The header lists every ciphertext part with its size and SHA-256, and the SHA-256 of every
1 MiB segment of the parts region (signing.envelope.segments), and is signed by the bidder, so
anyone holding the file, or pieces of it, but no key, can check who sealed what and that
nothing was changed.
"""

import base64
import binascii
import re
import struct
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from signing.canonical import canonical_json, is_canonical_json, load_json
from signing.envelope.errors import HeaderInvalid, NotASealedBid, UnsupportedFormat
from signing.envelope.segments import SEGMENT_SIZE

MAGIC = b"BIDSEAL\x00"
FORMAT_VERSION = 2
# The suite of format versions 1 and 2. A later suite (SM2/SM3/SM4) gets its own identifier.
ALGORITHM = "COBBLESTONE256-SHA256"
SUPPORTED_ALGORITHMS = (ALGORITHM,)

PREAMBLE = struct.Struct(">8sHIII")  # magic, version, header, signature and padding lengths
PREAMBLE_SIZE = PREAMBLE.size  # 22

# Bounds keep a hostile file from making a reader allocate without limit.
MAX_HEADER_SIZE = 1 << 20
MAX_SIGNATURE_SIZE = 256 << 10
MAX_PADDING_SIZE = 1 << 20
MAX_MANIFEST_PART_SIZE = 16 << 20
# The longest front (preamble, header, signature, padding) a file may have: about 2.3 MiB.
MAX_FRONT_SIZE = PREAMBLE_SIZE + MAX_HEADER_SIZE + MAX_SIGNATURE_SIZE + MAX_PADDING_SIZE

# Cobblestone (C2SP chunked encryption): a 56-byte prefix, then 16 KiB chunks each with a
# 16-byte tag; the last chunk is always present (empty when the plaintext fills whole chunks).
COBBLESTONE_PREFIX_SIZE = 56
CHUNK_SIZE = 16384
TAG_SIZE = 16

PART_KINDS = ("file", "manifest")
RECIPIENT_ROLES = ("bidder", "escrow")
WRAP_RSA_OAEP = "RSA-OAEP-SHA256"
WRAP_HPKE_P256 = "HPKE-P256-HKDF-SHA256-AES-256-GCM"
WRAP_METHODS = (WRAP_RSA_OAEP, WRAP_HPKE_P256)

_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")


def ciphertext_size(plaintext_size: int) -> int:
    """Exact Cobblestone ciphertext size: lets a sealer lay out the file before encrypting."""
    return COBBLESTONE_PREFIX_SIZE + plaintext_size + TAG_SIZE * (plaintext_size // CHUNK_SIZE + 1)


def part_context(*, tender_id: str, bidder_uscc: str, part_index: int, part_kind: str) -> bytes:
    """Cobblestone context of one part: a part moved to another bid, place or kind fails."""
    return canonical_json(
        {
            "purpose": "sealed-bid part",
            "format_version": FORMAT_VERSION,
            "algorithm": ALGORITHM,
            "tender_id": tender_id,
            "bidder_uscc": bidder_uscc,
            "part_index": part_index,
            "part_kind": part_kind,
        }
    )


def wrap_info(*, tender_id: str, bidder_uscc: str, role: str) -> bytes:
    """HPKE info / OAEP label of a wrapped data key: binds the key to this bid and recipient."""
    return canonical_json(
        {
            "purpose": "sealed-bid data key",
            "format_version": FORMAT_VERSION,
            "tender_id": tender_id,
            "bidder_uscc": bidder_uscc,
            "role": role,
        }
    )


def key_id(public_key: Any) -> str:
    """SHA-256 (hex) of a public key's SubjectPublicKeyInfo DER: names a recipient."""
    der = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return digest.finalize().hex()


def certificate_sha256(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


@dataclass(frozen=True)
class Recipient:
    role: str  # "bidder" | "escrow"
    method: str
    key_id: str
    wrapped_key: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "method": self.method,
            "key_id": self.key_id,
            "wrapped_key": b64(self.wrapped_key),
        }


@dataclass(frozen=True)
class Part:
    index: int
    kind: str  # "file" | "manifest"
    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "kind": self.kind, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class Header:
    tender_id: str
    bidder_uscc: str
    bidder_certificate: x509.Certificate
    bidder_chain: tuple[x509.Certificate, ...]
    recipients: tuple[Recipient, ...]
    parts: tuple[Part, ...]
    sealed_at: str
    segments: tuple[str, ...]  # SHA-256 (hex) of each segment of the parts region
    segment_size: int = SEGMENT_SIZE
    format_version: int = FORMAT_VERSION
    algorithm: str = ALGORITHM

    def to_json(self) -> dict[str, Any]:
        return {
            "format": "sealed-bid",
            "format_version": self.format_version,
            "algorithm": self.algorithm,
            "tender_id": self.tender_id,
            "bidder_uscc": self.bidder_uscc,
            "bidder_certificate": b64(self.bidder_certificate.public_bytes(Encoding.DER)),
            "bidder_chain": [b64(item.public_bytes(Encoding.DER)) for item in self.bidder_chain],
            "recipients": [recipient.to_json() for recipient in self.recipients],
            "parts": [part.to_json() for part in self.parts],
            "sealed_at": self.sealed_at,
            "segment_size": self.segment_size,
            "segments": list(self.segments),
        }

    def to_bytes(self) -> bytes:
        return canonical_json(self.to_json())

    @property
    def file_parts(self) -> tuple[Part, ...]:
        return tuple(part for part in self.parts if part.kind == "file")

    @property
    def manifest_part(self) -> Part:
        return next(part for part in self.parts if part.kind == "manifest")

    def part_offset(self, index: int) -> int:
        """Offset of a part from the start of the parts region."""
        return sum(part.size for part in self.parts[:index])

    @property
    def parts_size(self) -> int:
        return sum(part.size for part in self.parts)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(value: Any, field: str) -> bytes:
    if not isinstance(value, str):
        raise HeaderInvalid(f"Header field {field} must be a base64 string.")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise HeaderInvalid(f"Header field {field} is not valid base64.") from error


def pack_preamble(*, header_size: int, signature_size: int, padding_size: int) -> bytes:
    return PREAMBLE.pack(MAGIC, FORMAT_VERSION, header_size, signature_size, padding_size)


@dataclass(frozen=True)
class Preamble:
    version: int
    header_size: int
    signature_size: int
    padding_size: int


def unpack_preamble(data: bytes) -> Preamble:
    if len(data) < PREAMBLE_SIZE:
        if MAGIC.startswith(data[: len(MAGIC)]):
            raise NotASealedBid(
                f"The file is too short to be a sealed bid ({len(data)} bytes, the preamble "
                f"alone is {PREAMBLE_SIZE})."
            )
        raise NotASealedBid("The file does not start with the sealed-bid magic bytes.")
    magic, version, header_size, signature_size, padding_size = PREAMBLE.unpack(
        data[:PREAMBLE_SIZE]
    )
    if magic != MAGIC:
        raise NotASealedBid("The file does not start with the sealed-bid magic bytes.")
    if version != FORMAT_VERSION:
        raise UnsupportedFormat(
            f"Sealed-bid format version {version} is not supported (this tool reads "
            f"version {FORMAT_VERSION})."
        )
    if not 0 < header_size <= MAX_HEADER_SIZE:
        raise HeaderInvalid(f"The preamble gives an impossible header length ({header_size}).")
    if not 0 < signature_size <= MAX_SIGNATURE_SIZE:
        raise HeaderInvalid(
            f"The preamble gives an impossible header signature length ({signature_size})."
        )
    if padding_size > MAX_PADDING_SIZE:
        raise HeaderInvalid(f"The preamble gives an impossible padding length ({padding_size}).")
    return Preamble(version, header_size, signature_size, padding_size)


def _require(mapping: dict[str, Any], field: str, kind: type, where: str = "Header") -> Any:
    if field not in mapping:
        raise HeaderInvalid(f"{where} field {field} is missing.")
    value = mapping[field]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise HeaderInvalid(f"{where} field {field} must be of type {kind.__name__}.")
    return value


def _certificate(data: bytes, field: str) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(data)
    except (ValueError, x509.InvalidVersion) as error:
        raise HeaderInvalid(f"Header field {field} is not a DER certificate.") from error


def parse_header(data: bytes) -> Header:
    """Parse and check the shape of a header; its signature is checked elsewhere."""
    try:
        document = load_json(data)
    except ValueError as error:  # UnicodeDecodeError is one
        raise HeaderInvalid("The header is not UTF-8 JSON.") from error
    if not isinstance(document, dict):
        raise HeaderInvalid("The header is not a JSON object.")
    if not is_canonical_json(document, data):
        raise HeaderInvalid("The header is not in canonical JSON form.")
    if document.get("format") != "sealed-bid":
        raise HeaderInvalid('Header field format must be "sealed-bid".')
    version = _require(document, "format_version", int)
    if version != FORMAT_VERSION:
        raise UnsupportedFormat(f"Header format version {version} is not supported.")
    algorithm = _require(document, "algorithm", str)
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise UnsupportedFormat(f"Algorithm {algorithm!r} is not supported.")
    tender_id = _require(document, "tender_id", str)
    bidder_uscc = _require(document, "bidder_uscc", str)
    if not tender_id or not bidder_uscc:
        raise HeaderInvalid("Header fields tender_id and bidder_uscc must not be empty.")
    certificate = _certificate(
        unb64(document.get("bidder_certificate"), "bidder_certificate"), "bidder_certificate"
    )
    chain = tuple(
        _certificate(unb64(item, f"bidder_chain[{position}]"), f"bidder_chain[{position}]")
        for position, item in enumerate(_require(document, "bidder_chain", list))
    )
    recipients = []
    for position, item in enumerate(_require(document, "recipients", list)):
        where = f"Header recipients[{position}]"
        if not isinstance(item, dict):
            raise HeaderInvalid(f"{where} is not an object.")
        role = _require(item, "role", str, where)
        method = _require(item, "method", str, where)
        identifier = _require(item, "key_id", str, where)
        if role not in RECIPIENT_ROLES:
            raise HeaderInvalid(f"{where} has an unknown role {role!r}.")
        if method not in WRAP_METHODS:
            raise UnsupportedFormat(f"{where} uses an unsupported key wrapping {method!r}.")
        if not _HEX64.match(identifier):
            raise HeaderInvalid(f"{where} key_id is not a SHA-256 in hex.")
        wrapped = unb64(item.get("wrapped_key"), f"recipients[{position}].wrapped_key")
        recipients.append(Recipient(role, method, identifier, wrapped))
    if not any(recipient.role == "bidder" for recipient in recipients):
        raise HeaderInvalid("The header wraps the data key to no bidder key.")
    parts = []
    for position, item in enumerate(_require(document, "parts", list)):
        where = f"Header parts[{position}]"
        if not isinstance(item, dict):
            raise HeaderInvalid(f"{where} is not an object.")
        index = _require(item, "index", int, where)
        kind = _require(item, "kind", str, where)
        size = _require(item, "size", int, where)
        digest = _require(item, "sha256", str, where)
        if index != position:
            raise HeaderInvalid(f"{where} has index {index}; parts must be numbered in order.")
        if kind not in PART_KINDS:
            raise HeaderInvalid(f"{where} has an unknown kind {kind!r}.")
        if size < ciphertext_size(0):
            raise HeaderInvalid(f"{where} is smaller than any Cobblestone ciphertext.")
        if not _HEX64.match(digest):
            raise HeaderInvalid(f"{where} sha256 is not a SHA-256 in hex.")
        parts.append(Part(index, kind, size, digest))
    kinds = [part.kind for part in parts]
    if kinds.count("manifest") != 1 or kinds[-1] != "manifest":
        raise HeaderInvalid("The header must list exactly one manifest part, as the last part.")
    if parts[-1].size > MAX_MANIFEST_PART_SIZE:
        raise HeaderInvalid("The manifest part is larger than the format allows.")
    sealed_at = _require(document, "sealed_at", str)
    segment_size = _require(document, "segment_size", int)
    if segment_size != SEGMENT_SIZE:
        raise UnsupportedFormat(
            f"Header field segment_size is {segment_size}; format version {FORMAT_VERSION} "
            f"segments are {SEGMENT_SIZE} bytes."
        )
    segments = _require(document, "segments", list)
    for position, digest in enumerate(segments):
        if not isinstance(digest, str) or not _HEX64.match(digest):
            raise HeaderInvalid(f"Header segments[{position}] is not a SHA-256 in hex.")
    return Header(
        tender_id=tender_id,
        bidder_uscc=bidder_uscc,
        bidder_certificate=certificate,
        bidder_chain=chain,
        recipients=tuple(recipients),
        parts=tuple(parts),
        sealed_at=sealed_at,
        segments=tuple(segments),
        segment_size=segment_size,
        format_version=version,
        algorithm=algorithm,
    )
