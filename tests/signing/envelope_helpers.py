"""Shared helpers for the sealed-bid envelope tests."""

import io
import tempfile
from collections.abc import Sequence
from pathlib import Path

from signing.credentials import Credential
from signing.envelope import open_sealed_bid, seal_bid, verify_sealed_bid
from signing.envelope.container import Envelope, read_envelope
from signing.trust import TrustStore

TENDER_ID = "TENDER-2026-0001"
OTHER_TENDER_ID = "TENDER-2026-0002"
# A price no file content contains, to look for in places where it must not appear.
PRICE_FEN = 987_654_321_987
PRICE_SHEET = {
    "total_price_fen": PRICE_FEN,
    "duration_days": 180,
    "quality": "合格",
    "other": {"warranty_months": 24, "project_manager": "李四"},
}
FINGERPRINT = {
    "machine_id_sha256": "a" * 64,
    "mac_addresses": ["02:00:00:00:00:01"],
    "hostname_sha256": "b" * 64,
    "installation_id": "00000000-0000-4000-8000-000000000001",
    "operating_system": "Test OS",
}


def write_files(directory: Path, contents: Sequence[bytes]) -> list[Path]:
    paths = []
    for index, content in enumerate(contents):
        path = directory / f"file-{index}.bin"
        path.write_bytes(content)
        paths.append(path)
    return paths


def seal_contents(
    credential: Credential,
    contents: Sequence[bytes],
    *,
    directory: Path | None = None,
    tender_id: str = TENDER_ID,
    **options,
) -> bytes:
    """Seal the given file contents and return the sealed file's bytes."""
    with tempfile.TemporaryDirectory() as scratch:
        where = directory or Path(scratch)
        paths = write_files(where, contents)
        output = where / "bid.sealed"
        seal_bid(
            tender_id=tender_id,
            credential=credential,
            files=paths,
            price_sheet=options.pop("price_sheet", PRICE_SHEET),
            output=output,
            device_fingerprint=FINGERPRINT,
            **options,
        )
        return output.read_bytes()


def open_bytes(
    sealed: bytes, *, trust: TrustStore, output_directory: Path | None = None, **options
):
    return open_sealed_bid(
        io.BytesIO(sealed), trust=trust, output_directory=output_directory, **options
    )


def verify_bytes(sealed: bytes, *, trust: TrustStore, **options):
    return verify_sealed_bid(io.BytesIO(sealed), trust=trust, **options)


def envelope_of(sealed: bytes) -> Envelope:
    return read_envelope(io.BytesIO(sealed))


def flip_bit(data: bytes, bit: int) -> bytes:
    changed = bytearray(data)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def region_boundaries(sealed: bytes) -> list[int]:
    """Byte offsets where the layout changes: preamble, header, signature, padding, parts,
    and each Cobblestone chunk inside each part, with the byte on either side of each."""
    envelope = envelope_of(sealed)
    offsets = {0, 8, 10, 14, 18, 21, 22}
    header_start = 22
    signature_start = header_start + len(envelope.header_bytes)
    padding_start = signature_start + len(envelope.signature)
    offsets |= {header_start, signature_start, padding_start, envelope.parts_offset}
    position = envelope.parts_offset
    for part in envelope.header.parts:
        offsets |= {position, position + 55, position + 56, position + part.size - 1}
        chunk = position + 56
        while chunk < position + part.size:
            offsets |= {chunk - 1, chunk, chunk + 16383, chunk + 16384, chunk + 16399}
            chunk += 16400
        position += part.size
    return sorted(offset for offset in offsets if 0 <= offset < len(sealed))
