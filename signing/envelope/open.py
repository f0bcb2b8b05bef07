"""Opening a sealed bid with its data key: decrypt as a stream and check everything.

Order: header signature, exact file size, the manifest part (decrypted first: it names the files
and their digests), the manifest signature and its binding to the header, then each file part.
Decrypted files are written beside their final names and renamed only when every check passed.
The platform's opening job reads in file order instead (`in_one_pass`: the file parts, then the
manifest, the file's last part), so that a stored bid is fetched with one ranged GET.

The platform's opening job vouches for what was checked before: the header (verified when the
bid was received), the manifest (verified when the key was handed over) and the ciphertext
digests (checked at receipt). What it still checks every byte of: each chunk's authentication
under the bidder's data key and each file's plaintext digest in the bidder-signed manifest;
together they pin the content, so skipping the repeated work weakens nothing.
"""

import contextlib
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding

from signing.cms import SignatureInfo, SignatureInvalid, verify_detached
from signing.envelope.container import (
    Envelope,
    check_segments,
    check_tender,
    describe_part,
    read_envelope,
    require_exact_size,
    verify_header_signature,
)
from signing.envelope.encryption import PartDigests, Progress, decrypt_stream
from signing.envelope.errors import (
    FileDigestMismatch,
    HeaderChanged,
    InputInvalid,
    ManifestChanged,
    ManifestInvalid,
    ManifestSignatureInvalid,
    SignerMismatch,
    WrongBidder,
    WrongKey,
    WrongTender,
)
from signing.envelope.format import Header, Part, key_id, part_context, wrap_info
from signing.envelope.keywrap import PrivateKey, unwrap_key
from signing.envelope.manifest import (
    FileEntry,
    decode_signed_manifest,
    manifest_files,
    parse_manifest,
)
from signing.envelope.segments import SegmentHasher
from signing.envelope.streams import Sink, Source
from signing.errors import SigningError
from signing.trust import TrustStore


@dataclass(frozen=True)
class OpenedBid:
    header: Header
    manifest: dict[str, Any]
    # None when the caller vouched for the header (`received_header_sha256`) instead.
    header_signature: SignatureInfo | None
    # None when the caller vouched for the manifest (`verified_manifest_sha256`) instead.
    manifest_signature: SignatureInfo | None
    files: tuple[Path, ...]  # empty when only verified
    # SHA-256 of the decrypted manifest part (the manifest with its signature).
    manifest_sha256: str

    @property
    def price_sheet(self) -> dict[str, Any]:
        return self.manifest["price_sheet"]


def unwrap_data_key(header: Header, private_key: PrivateKey) -> bytes:
    """The bidder's (or the recovered escrow) private key unwraps the bid's data key."""
    own_id = key_id(private_key.public_key())
    matching = [recipient for recipient in header.recipients if recipient.key_id == own_id]
    if not matching:
        roles = ", ".join(recipient.role for recipient in header.recipients)
        raise WrongKey(f"This key is not a recipient of the sealed bid (it is sealed to: {roles}).")
    recipient = matching[0]
    info = wrap_info(
        tender_id=header.tender_id, bidder_uscc=header.bidder_uscc, role=recipient.role
    )
    return unwrap_key(recipient.method, recipient.wrapped_key, private_key, info=info)


def _check_header(
    envelope: Envelope, trust: TrustStore, at: datetime | None, received_header_sha256: str | None
) -> SignatureInfo | None:
    if received_header_sha256 is None:
        return verify_header_signature(envelope, trust=trust, at=at)
    found = hashlib.sha256(envelope.header_bytes).hexdigest()
    if found != received_header_sha256:
        raise HeaderChanged(
            f"The sealed bid's header (SHA-256 {found}) is not the one received "
            f"(SHA-256 {received_header_sha256}): the stored bid was replaced."
        )
    return None  # verified when the bid was received


def _read_front(
    source: Source,
    trust: TrustStore,
    at: datetime | None,
    expected_tender_id: str | None,
    received_header_sha256: str | None,
) -> tuple[Envelope, SignatureInfo | None]:
    """Preamble and header: the expected tender, the header's signature (or that it is the one
    received), and the file's exact size, before anything is decrypted."""
    envelope = read_envelope(source)
    check_tender(envelope.header, expected_tender_id)
    header_signature = _check_header(envelope, trust, at, received_header_sha256)
    require_exact_size(source, envelope)
    return envelope, header_signature


def _context(header: Header, index: int, kind: str) -> bytes:
    return part_context(
        tender_id=header.tender_id,
        bidder_uscc=header.bidder_uscc,
        part_index=index,
        part_kind=kind,
    )


def _open_manifest(
    source: Source,
    envelope: Envelope,
    data_key: bytes,
    trust: TrustStore,
    at: datetime | None = None,
    verified_manifest_sha256: str | None = None,
    ciphertext: bytearray | None = None,
) -> tuple[dict[str, Any], SignatureInfo | None, str]:
    """`ciphertext`: given, the manifest part's ciphertext is appended to it (a few KiB)."""
    header = envelope.header
    part = header.manifest_part
    source.seek(envelope.parts_offset + header.part_offset(part.index))
    plaintext = io.BytesIO()
    decrypt_stream(
        source,
        plaintext,
        key=data_key,
        context=_context(header, part.index, part.kind),
        ciphertext_size=part.size,
        expected_ciphertext_sha256=part.sha256,
        description=describe_part(part),
        overlap=False,  # a few KiB: threads would cost more than they could save
        observe_ciphertext=None if ciphertext is None else ciphertext.extend,
    )
    manifest_sha256 = hashlib.sha256(plaintext.getbuffer()).hexdigest()
    manifest_bytes, signature = decode_signed_manifest(plaintext.getvalue())
    if verified_manifest_sha256 is None:
        info = _verify_manifest_signature(header, manifest_bytes, signature, trust, at)
    elif manifest_sha256 != verified_manifest_sha256:
        raise ManifestChanged(
            f"The sealed bid's manifest (SHA-256 {manifest_sha256}) is not the one verified "
            f"when its key was handed over (SHA-256 {verified_manifest_sha256})."
        )
    else:
        info = None  # verified when the key was handed over
    manifest = parse_manifest(manifest_bytes)
    if manifest["tender_id"] != header.tender_id:
        raise WrongTender(
            f"The manifest is for tender {manifest['tender_id']!r} but the sealed bid's header "
            f"is for tender {header.tender_id!r}."
        )
    if manifest["bidder_uscc"] != header.bidder_uscc:
        raise WrongBidder(
            f"The manifest names bidder {manifest['bidder_uscc']} but the header names "
            f"{header.bidder_uscc}."
        )
    if len(manifest["files"]) != len(header.file_parts):
        raise ManifestInvalid(
            f"The manifest lists {len(manifest['files'])} files but the header has "
            f"{len(header.file_parts)} file parts."
        )
    return manifest, info, manifest_sha256


def _verify_manifest_signature(
    header: Header, manifest_bytes: bytes, signature: bytes, trust: TrustStore, at: datetime | None
) -> SignatureInfo:
    try:
        info = verify_detached(signature, manifest_bytes, trust=trust, at=at)
    except SignatureInvalid as error:
        raise ManifestSignatureInvalid(f"The manifest signature is not valid: {error}") from error
    except SigningError:
        raise
    except Exception as error:
        # A damaged signature can fail anywhere inside the ASN.1 parsers, with any exception.
        raise ManifestSignatureInvalid(
            f"The manifest signature cannot be parsed: {error}"
        ) from error
    if info.signer.public_bytes(Encoding.DER) != header.bidder_certificate.public_bytes(
        Encoding.DER
    ):
        raise SignerMismatch(
            "The manifest was signed with another certificate than the header's bidder."
        )
    return info


class _SegmentCheck:
    """The segment digests (docs/sealed-bid-format.md §2) of what is read, compared with the
    header's once all is read: the file parts as they are decrypted, then the manifest part,
    the file's last, whenever it was decrypted."""

    def __init__(self, envelope: Envelope) -> None:
        self.envelope = envelope
        self.files = SegmentHasher(start=envelope.parts_offset, parts_offset=envelope.parts_offset)
        self.manifest_ciphertext = bytearray()  # a few KiB

    def finish(self) -> None:
        self.files.update(self.manifest_ciphertext)
        check_segments(self.envelope, self.files.hexdigests())


def _segment_check(envelope: Envelope, enabled: bool) -> _SegmentCheck | None:
    return _SegmentCheck(envelope) if enabled else None


def _decrypt_file_part(
    source: Source,
    header: Header,
    part: Part,
    data_key: bytes,
    sink: Sink | None,
    progress: Progress | None,
    check_ciphertext_digests: bool,
    overlap: bool,
    segments: _SegmentCheck | None,
    name: str | None = None,
) -> PartDigests:
    return decrypt_stream(
        source,
        sink,
        key=data_key,
        context=_context(header, part.index, part.kind),
        ciphertext_size=part.size,
        expected_ciphertext_sha256=part.sha256 if check_ciphertext_digests else None,
        description=describe_part(part, name),
        progress=progress,
        overlap=overlap,
        observe_ciphertext=None if segments is None else segments.files.update,
    )


def _check_file(entry: FileEntry, digests: PartDigests) -> None:
    if digests.plaintext_size != entry.size or digests.plaintext_sha256 != entry.sha256:
        raise FileDigestMismatch(
            f"File {entry.name!r} decrypts to {digests.plaintext_size} bytes with SHA-256 "
            f"{digests.plaintext_sha256}, but the signed manifest says {entry.size} bytes, "
            f"{entry.sha256}."
        )


def _open_in_one_pass(
    source: Source,
    envelope: Envelope,
    data_key: bytes,
    trust: TrustStore,
    at: datetime | None,
    verified_manifest_sha256: str | None,
    progress: Progress | None,
    check_ciphertext_digests: bool,
    overlap: bool,
) -> tuple[dict[str, Any], SignatureInfo | None, str]:
    """The file parts, then the manifest (the file's last part), read in file order; each
    file's plaintext digest is compared once the manifest is open. Nothing is written, so
    nothing is released before every check has passed."""
    header = envelope.header
    segments = _segment_check(envelope, check_ciphertext_digests)
    source.seek(envelope.parts_offset)
    found = {
        part.index: _decrypt_file_part(
            source,
            header,
            part,
            data_key,
            None,
            progress,
            check_ciphertext_digests,
            overlap,
            segments,
        )
        for part in header.file_parts
    }
    manifest, signature, manifest_sha256 = _open_manifest(
        source,
        envelope,
        data_key,
        trust,
        at,
        verified_manifest_sha256,
        segments.manifest_ciphertext if segments else None,
    )
    for entry in manifest_files(manifest):
        _check_file(entry, found[entry.index])
    if segments is not None:
        segments.finish()
    return manifest, signature, manifest_sha256


def open_sealed_bid(
    source: Source,
    *,
    trust: TrustStore,
    data_key: bytes | None = None,
    private_key: PrivateKey | None = None,
    output_directory: Path | None = None,
    expected_tender_id: str | None = None,
    at: datetime | None = None,
    progress: Progress | None = None,
    received_header_sha256: str | None = None,
    verified_manifest_sha256: str | None = None,
    check_ciphertext_digests: bool = True,
    overlap: bool = True,
    in_one_pass: bool = False,
) -> OpenedBid:
    """Decrypt and check a sealed bid (a seekable binary file) with a data key or private key.

    With `output_directory` the files are written there (under their manifest names, never
    over an existing file); without it the plaintext is checked and discarded.

    `received_header_sha256`: the digest of the header the platform received and verified
    (the receipt names it). The file's header must be exactly that one (HeaderChanged
    otherwise), and its signature is then not verified again.

    `verified_manifest_sha256`: the digest of the manifest part whose signature was verified
    when the key was handed over (`OpenedBid.manifest_sha256` of `open_manifest`). The
    decrypted manifest must be exactly that one (ManifestChanged otherwise), and its signature
    is then not verified again.

    `check_ciphertext_digests` True: every part's ciphertext and every segment's (the
    platform's upload checks) must match the header's SHA-256. False: not hashed at all, for a
    caller that checked them when the bid was received. Each chunk still authenticates
    under the data key and each file's plaintext must match the signed manifest; a chunk that
    fails is reported as ChunkAuthenticationFailed without telling tampering from damage.

    `overlap` False: everything on the calling thread (see `decrypt_stream`).

    `in_one_pass` True: read the file once, front to back (one ranged GET for a stored bid,
    where the manifest first costs two more): the file parts, then the manifest, each file's
    plaintext digest compared once the manifest is open. For checking only (no
    `output_directory`); a failing file is then named by its part, not its manifest name.
    """
    if (data_key is None) == (private_key is None):
        raise ValueError("Give exactly one of data_key and private_key.")
    envelope, header_signature = _read_front(
        source, trust, at, expected_tender_id, received_header_sha256
    )
    header = envelope.header
    if data_key is None:
        assert private_key is not None  # narrowed by the check above
        data_key = unwrap_data_key(header, private_key)
    if in_one_pass:
        if output_directory is not None:
            raise ValueError("in_one_pass checks a bid; it writes no files.")
        manifest, manifest_signature, manifest_sha256 = _open_in_one_pass(
            source,
            envelope,
            data_key,
            trust,
            at,
            verified_manifest_sha256,
            progress,
            check_ciphertext_digests,
            overlap,
        )
        return OpenedBid(
            header=header,
            manifest=manifest,
            header_signature=header_signature,
            manifest_signature=manifest_signature,
            files=(),
            manifest_sha256=manifest_sha256,
        )
    segments = _segment_check(envelope, check_ciphertext_digests)
    manifest, manifest_signature, manifest_sha256 = _open_manifest(
        source,
        envelope,
        data_key,
        trust,
        at,
        verified_manifest_sha256,
        segments.manifest_ciphertext if segments else None,
    )
    entries = manifest_files(manifest)
    targets: list[Path] = []
    if output_directory is not None:
        output_directory = Path(output_directory)
        output_directory.mkdir(parents=True, exist_ok=True)
        targets = [output_directory / entry.name for entry in entries]
        existing = [target for target in targets if target.exists()]
        if existing:
            raise InputInvalid(f"Output file {str(existing[0])!r} exists; it is not overwritten.")
    source.seek(envelope.parts_offset)
    temporaries: list[str] = []
    try:
        for entry in entries:
            part = header.parts[entry.index]
            if output_directory is None:
                _check_file(
                    entry,
                    _decrypt_file_part(
                        source,
                        header,
                        part,
                        data_key,
                        None,
                        progress,
                        check_ciphertext_digests,
                        overlap,
                        segments,
                        entry.name,
                    ),
                )
                continue
            descriptor, temporary = tempfile.mkstemp(
                dir=output_directory, prefix=f".{entry.name}.", suffix=".partial"
            )
            temporaries.append(temporary)
            with os.fdopen(descriptor, "wb") as sink:
                _check_file(
                    entry,
                    _decrypt_file_part(
                        source,
                        header,
                        part,
                        data_key,
                        sink,
                        progress,
                        check_ciphertext_digests,
                        overlap,
                        segments,
                        entry.name,
                    ),
                )
        if segments is not None:
            segments.finish()
        for temporary, target in zip(temporaries, targets, strict=True):
            os.replace(temporary, target)
        temporaries.clear()
    finally:
        for temporary in temporaries:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    return OpenedBid(
        header=header,
        manifest=manifest,
        header_signature=header_signature,
        manifest_signature=manifest_signature,
        files=tuple(targets),
        manifest_sha256=manifest_sha256,
    )


def open_manifest(
    source: Source,
    *,
    trust: TrustStore,
    data_key: bytes,
    expected_tender_id: str | None = None,
    at: datetime | None = None,
    received_header_sha256: str | None = None,
) -> OpenedBid:
    """Check a data key quickly: decrypt and verify only the (small) manifest part.

    Tells a bidder at once whether the key it handed over opens its bid, and gives the price
    sheet, without reading the file parts (open_sealed_bid then checks those).
    """
    envelope, header_signature = _read_front(
        source, trust, at, expected_tender_id, received_header_sha256
    )
    manifest, manifest_signature, manifest_sha256 = _open_manifest(
        source, envelope, data_key, trust, at
    )
    return OpenedBid(
        header=envelope.header,
        manifest=manifest,
        header_signature=header_signature,
        manifest_signature=manifest_signature,
        files=(),
        manifest_sha256=manifest_sha256,
    )
