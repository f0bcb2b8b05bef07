"""The specification in docs/sealed-bid-format.md is enough to write a compatible sealer."""

import base64
import hashlib
import io
import json
import os
import struct
from pathlib import Path

from cryptography.cobblestone import Cobblestone256Encryptor
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from signing.cms import sign_detached
from signing.envelope import open_sealed_bid, verify_sealed_bid
from signing.envelope.format import ciphertext_size, part_context, wrap_info
from tests.certificates import BIDDER_USCC

SPECIFICATION = (Path(__file__).resolve().parents[2] / "docs" / "sealed-bid-format.md").read_text()


def canonical(value) -> bytes:
    """Canonical JSON exactly as the specification words it (not the project's helper)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def test_the_documented_context_and_wrap_info_are_the_implementations():
    context = part_context(
        tender_id="TENDER-2026-0001", bidder_uscc="91110000100000016D", part_index=0,
        part_kind="file",
    )  # fmt: skip
    info = wrap_info(tender_id="TENDER-2026-0001", bidder_uscc="91110000100000016D", role="bidder")
    assert f"\n  {context.decode()}\n" in SPECIFICATION
    assert f"`{info.decode()}`" in SPECIFICATION


def test_the_documented_ciphertext_sizes_are_exact():
    assert "0 → 72, 1 → 73, 16383 → 16455, 16384 → 16472, 100000 → 100168" in SPECIFICATION
    assert [ciphertext_size(size) for size in (0, 1, 16383, 16384, 100000)] == [
        72, 73, 16455, 16472, 100168,
    ]  # fmt: skip


def _independent_seal(credential, tender_id: str, files: dict[str, bytes], price_sheet) -> bytes:
    """A sealer written from the specification alone: parts assembled in memory, no padding."""
    uscc = BIDDER_USCC
    data_key = os.urandom(32)

    def context(index: int, kind: str) -> bytes:
        return canonical({
            "algorithm": "COBBLESTONE256-SHA256", "bidder_uscc": uscc, "format_version": 2,
            "part_index": index, "part_kind": kind, "purpose": "sealed-bid part",
            "tender_id": tender_id,
        })  # fmt: skip

    def encrypt(plaintext: bytes, index: int, kind: str) -> bytes:
        encryptor = Cobblestone256Encryptor(data_key, context(index, kind))
        return encryptor.update(plaintext) + encryptor.finalize()

    parts, entries = [], []
    for index, (name, content) in enumerate(files.items()):
        parts.append((index, "file", encrypt(content, index, "file")))
        entries.append({
            "index": index, "name": name, "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        })  # fmt: skip
    created_at = "2026-11-21T08:00:00.000000Z"
    manifest = canonical({
        "format_version": 2, "tender_id": tender_id, "bidder_uscc": uscc, "files": entries,
        "price_sheet": price_sheet, "tool": {"name": "independent-sealer", "version": "0.1"},
        "device_fingerprint": {}, "created_at": created_at,
    })  # fmt: skip
    signed_manifest = canonical({
        "manifest": base64.b64encode(manifest).decode(),
        "signature": base64.b64encode(sign_detached(manifest, credential=credential)).decode(),
    })  # fmt: skip
    parts.append((len(files), "manifest", encrypt(signed_manifest, len(files), "manifest")))

    public_key = credential.private_key.public_key()
    info = canonical({
        "bidder_uscc": uscc, "format_version": 2, "purpose": "sealed-bid data key",
        "role": "bidder", "tender_id": tender_id,
    })  # fmt: skip
    suite = hpke.Suite(hpke.KEM.P256, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    if hasattr(public_key, "curve"):
        method, wrapped = (
            "HPKE-P256-HKDF-SHA256-AES-256-GCM",
            suite.encrypt(data_key, public_key, info=info),
        )
    else:
        oaep = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), info)
        method, wrapped = "RSA-OAEP-SHA256", public_key.encrypt(data_key, oaep)
    spki = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

    def header_with(segments: list[str]) -> bytes:
        return canonical({
        "format": "sealed-bid", "format_version": 2, "algorithm": "COBBLESTONE256-SHA256",
        "tender_id": tender_id, "bidder_uscc": uscc,
        "bidder_certificate": base64.b64encode(
            credential.certificate.public_bytes(Encoding.DER)).decode(),
        "bidder_chain": [
            base64.b64encode(item.public_bytes(Encoding.DER)).decode()
            for item in credential.chain
        ],
        "recipients": [{
            "role": "bidder", "method": method, "key_id": hashlib.sha256(spki).hexdigest(),
            "wrapped_key": base64.b64encode(wrapped).decode(),
        }],
        "parts": [
            {"index": index, "kind": kind, "size": len(data),
             "sha256": hashlib.sha256(data).hexdigest()}
            for index, kind, data in parts
        ],
        "sealed_at": created_at,
        "segment_size": MIB, "segments": segments,
    })  # fmt: skip

    # Segments lie at fixed file offsets: fix where the parts start (room for a header with as
    # many digests as there can be, and a signature a few bytes longer), then hash, then pad.
    parts_region = b"".join(data for _, _, data in parts)
    longest = header_with([ZERO_DIGEST] * (len(parts_region) // MIB + 2))
    signature = sign_detached(longest, credential=credential)
    front_size = -(-(22 + len(longest) + len(signature) + 64) // 4096) * 4096
    segments = [
        hashlib.sha256(parts_region[max(start - front_size, 0) : end - front_size]).hexdigest()
        for start, end in _segment_bounds(front_size, front_size + len(parts_region))
    ]
    header = header_with(segments)
    signature = sign_detached(header, credential=credential)
    padding_size = front_size - 22 - len(header) - len(signature)
    preamble = b"BIDSEAL\x00" + struct.pack(">HIII", 2, len(header), len(signature), padding_size)
    return preamble + header + signature + bytes(padding_size) + parts_region


ZERO_DIGEST = "0" * 64
MIB = 1 << 20


def _segment_bounds(parts_offset: int, total_size: int) -> list[tuple[int, int]]:
    """The file cut every MiB from its start; only what lies at or after the parts counts."""
    bounds = []
    for piece in range(parts_offset // MIB, -(-total_size // MIB)):
        bounds.append((max(piece * MIB, parts_offset), min((piece + 1) * MIB, total_size)))
    return bounds


def test_a_sealer_written_from_the_specification_is_accepted(
    bidder_credential, bidder_credential_ec, trust_store
):
    price_sheet = {"duration_days": 30, "other": {}, "quality": "合格", "total_price_fen": 100}
    files = {"offer.pdf": b"offer " * 400_000, "empty.txt": b""}  # three 1 MiB segments
    for credential in (bidder_credential, bidder_credential_ec):
        sealed = _independent_seal(credential, "TENDER-X", files, price_sheet)
        verified = verify_sealed_bid(io.BytesIO(sealed), trust=trust_store)
        assert verified.envelope.parts_offset % 4096 == 0
        opened = open_sealed_bid(
            io.BytesIO(sealed), trust=trust_store, private_key=credential.private_key
        )
        assert opened.price_sheet == price_sheet
        assert [entry["name"] for entry in opened.manifest["files"]] == ["offer.pdf", "empty.txt"]
