"""Sealing: manifest, signatures, encryption and key wrapping into one sealed-bid file.

One pass over the input: file parts are written at an offset reserved for the header, whose
digests (of the parts and of the segments) are known only once the parts are encrypted; the
header and its signature then go in front, and zero padding fills any space left (see
docs/sealed-bid-format.md).
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from signing.canonical import canonical_json
from signing.cms import sign_detached
from signing.credentials import Credential
from signing.envelope.atomic import atomic_output
from signing.envelope.encryption import (
    Progress,
    encrypt_bytes,
    encrypt_stream,
    generate_data_key,
)
from signing.envelope.errors import InputInvalid
from signing.envelope.fingerprint import collect_device_fingerprint
from signing.envelope.format import (
    MAX_FRONT_SIZE,
    MAX_MANIFEST_PART_SIZE,
    PREAMBLE_SIZE,
    Header,
    Part,
    Recipient,
    ciphertext_size,
    key_id,
    pack_preamble,
    part_context,
    wrap_info,
)
from signing.envelope.keywrap import wrap_key
from signing.envelope.manifest import (
    FileEntry,
    build_manifest,
    check_file_name,
    encode_signed_manifest,
    utc_timestamp,
)
from signing.envelope.price_sheet import validate_price_sheet
from signing.envelope.segments import SegmentHasher, segment_count
from signing.trust import CertificateExpired, CertificateNotYetValid, describe, identify

_ALIGNMENT = 4096
_SIGNATURE_ALLOWANCE = 8192  # CMS structure and signature value beyond the certificates
_PLACEHOLDER_DIGEST = "0" * 64
_PLACEHOLDER_MANIFEST_SIZE = 10**9  # more digits than any manifest part can need


@dataclass(frozen=True)
class SealedBid:
    path: Path
    header: Header
    manifest: dict[str, Any]


def _check_certificate_dates(credential: Credential, moment: datetime) -> None:
    certificate = credential.certificate
    if moment < certificate.not_valid_before_utc:
        raise CertificateNotYetValid(
            f"The bidder's certificate {describe(certificate)} is not valid until "
            f"{certificate.not_valid_before_utc.isoformat()}."
        )
    if moment > certificate.not_valid_after_utc:
        raise CertificateExpired(
            f"The bidder's certificate {describe(certificate)} expired at "
            f"{certificate.not_valid_after_utc.isoformat()}."
        )


def _input_files(files: Sequence[Path]) -> list[tuple[Path, str, int]]:
    seen: set[str] = set()
    inputs = []
    for path in map(Path, files):
        name = check_file_name(path.name)
        if name in seen:
            raise InputInvalid(f"Two input files are named {name!r}; names must be unique.")
        seen.add(name)
        try:
            size = path.stat().st_size
        except OSError as error:
            raise InputInvalid(
                f"Input file {str(path)!r} cannot be read: {error.strerror}."
            ) from error
        if not path.is_file():
            raise InputInvalid(f"Input {str(path)!r} is not a regular file.")
        inputs.append((path, name, size))
    return inputs


def _recipients(
    data_key: bytes,
    *,
    credential: Credential,
    escrow_public_key: ec.EllipticCurvePublicKey | None,
    tender_id: str,
    bidder_uscc: str,
) -> tuple[Recipient, ...]:
    keys: list[tuple[str, Any]] = [("bidder", credential.certificate.public_key())]
    if escrow_public_key is not None:
        keys.append(("escrow", escrow_public_key))
    recipients = []
    for role, public_key in keys:
        info = wrap_info(tender_id=tender_id, bidder_uscc=bidder_uscc, role=role)
        method, wrapped = wrap_key(data_key, public_key, info=info)
        recipients.append(Recipient(role, method, key_id(public_key), wrapped))
    return tuple(recipients)


def _write_prefix(stream: BinaryIO, header_bytes: bytes, signature: bytes, padding: int) -> None:
    stream.write(
        pack_preamble(
            header_size=len(header_bytes), signature_size=len(signature), padding_size=padding
        )
    )
    stream.write(header_bytes)
    stream.write(signature)
    stream.write(bytes(padding))


def seal_bid(
    *,
    tender_id: str,
    credential: Credential,
    files: Sequence[Path],
    price_sheet: dict[str, Any],
    output: Path,
    escrow_public_key: ec.EllipticCurvePublicKey | None = None,
    device_fingerprint: dict[str, Any] | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> SealedBid:
    """Seal `files` and the price sheet for `tender_id` into `output` (written atomically)."""
    moment = now or datetime.now(UTC)
    if not tender_id:
        raise InputInvalid("The tender id must not be empty.")
    validate_price_sheet(price_sheet)  # refuse before any work or output
    _check_certificate_dates(credential, moment)
    bidder_uscc = identify(credential.certificate).uscc
    if not bidder_uscc:
        raise InputInvalid(
            f"The certificate {describe(credential.certificate)} names no organisation (USCC); "
            "a bid is sealed with the bidder organisation's certificate."
        )
    inputs = _input_files(files)
    fingerprint = (
        device_fingerprint if device_fingerprint is not None else collect_device_fingerprint()
    )
    data_key = generate_data_key()
    recipients = _recipients(
        data_key,
        credential=credential,
        escrow_public_key=escrow_public_key,
        tender_id=tender_id,
        bidder_uscc=bidder_uscc,
    )
    sealed_at = utc_timestamp(moment)

    def header_with(parts: Sequence[Part], segments: Sequence[str]) -> Header:
        return Header(
            tender_id=tender_id,
            bidder_uscc=bidder_uscc,
            bidder_certificate=credential.certificate,
            bidder_chain=tuple(credential.chain),
            recipients=recipients,
            parts=tuple(parts),
            sealed_at=sealed_at,
            segments=tuple(segments),
        )

    # Lay out the file before encrypting: every size but the manifest's is known exactly, and
    # the number of segment digests is at most that of the largest manifest and front.
    file_parts_size = sum(ciphertext_size(size) for _, _, size in inputs)
    most_segments = segment_count(0, MAX_FRONT_SIZE + file_parts_size + MAX_MANIFEST_PART_SIZE)
    estimate = header_with(
        [
            Part(index, "file", ciphertext_size(size), _PLACEHOLDER_DIGEST)
            for index, (_, _, size) in enumerate(inputs)
        ]
        + [Part(len(inputs), "manifest", _PLACEHOLDER_MANIFEST_SIZE, _PLACEHOLDER_DIGEST)],
        [_PLACEHOLDER_DIGEST] * most_segments,
    )
    certificates_size = sum(
        len(item.public_bytes(Encoding.DER)) for item in (credential.certificate, *credential.chain)
    )
    reserved = PREAMBLE_SIZE + len(estimate.to_bytes()) + certificates_size + _SIGNATURE_ALLOWANCE

    def seal_into(stream: BinaryIO, reserved: int) -> tuple[Header, dict[str, Any], int]:
        """Write the parts at `reserved`, then the front; returns the header, the manifest
        and how far the front outgrew `reserved` (0: it fitted, and the file is done)."""
        stream.seek(reserved)
        stream.truncate()
        sink = _SegmentedOutput(stream, SegmentHasher(start=reserved, parts_offset=reserved))
        parts: list[Part] = []
        entries: list[FileEntry] = []
        for index, (path, name, size) in enumerate(inputs):
            context = part_context(
                tender_id=tender_id, bidder_uscc=bidder_uscc, part_index=index, part_kind="file"
            )
            try:
                source = path.open("rb")
            except OSError as error:
                raise InputInvalid(
                    f"Input file {str(path)!r} cannot be read: {error.strerror}."
                ) from error
            with source:
                digests = encrypt_stream(
                    source, sink, key=data_key, context=context, progress=progress
                )
            if digests.plaintext_size != size:
                raise InputInvalid(f"Input file {name!r} changed size while it was being sealed.")
            parts.append(Part(index, "file", digests.ciphertext_size, digests.ciphertext_sha256))
            entries.append(FileEntry(index, name, size, digests.plaintext_sha256))

        manifest = build_manifest(
            tender_id=tender_id,
            bidder_uscc=bidder_uscc,
            files=entries,
            price_sheet=price_sheet,
            device_fingerprint=fingerprint,
            created_at=moment,
        )
        manifest_bytes = canonical_json(manifest)
        signed_manifest = encode_signed_manifest(
            manifest_bytes, sign_detached(manifest_bytes, credential=credential)
        )
        manifest_index = len(inputs)
        manifest_ciphertext = encrypt_bytes(
            signed_manifest,
            key=data_key,
            context=part_context(
                tender_id=tender_id,
                bidder_uscc=bidder_uscc,
                part_index=manifest_index,
                part_kind="manifest",
            ),
        )
        sink.write(manifest_ciphertext)
        parts.append(
            Part(
                manifest_index,
                "manifest",
                len(manifest_ciphertext),
                hashlib.sha256(manifest_ciphertext).hexdigest(),
            )
        )
        header = header_with(parts, sink.segments.hexdigests())
        header_bytes = header.to_bytes()
        signature = sign_detached(header_bytes, credential=credential)
        padding = reserved - PREAMBLE_SIZE - len(header_bytes) - len(signature)
        if padding < 0:
            return header, manifest, -padding
        stream.seek(0)
        _write_prefix(stream, header_bytes, signature, padding)
        return header, manifest, 0

    with atomic_output(Path(output)) as stream:
        reserved = -(-reserved // _ALIGNMENT) * _ALIGNMENT
        header, manifest, overflow = seal_into(stream, reserved)
        if overflow:
            # An unusually large signature: the segments lie at fixed file offsets, so the parts
            # cannot be moved up; they are written again further on (the same ciphertext).
            reserved = -(-(reserved + overflow) // _ALIGNMENT) * _ALIGNMENT + _ALIGNMENT
            header, manifest, overflow = seal_into(stream, reserved)
            if overflow:
                raise InputInvalid("The header signature does not fit the room reserved for it.")
    return SealedBid(path=Path(output), header=header, manifest=manifest)


class _SegmentedOutput:
    """The output file, hashing into segments what is written to it (in order)."""

    def __init__(self, stream: BinaryIO, segments: SegmentHasher) -> None:
        self._stream = stream
        self.segments = segments

    def write(self, data: bytes | memoryview) -> int:
        self.segments.update(data)
        return self._stream.write(data)
