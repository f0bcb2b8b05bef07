"""Sealing then opening gives back exactly the files, the price sheet and the signers."""

import hashlib
import io
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from signing.envelope import FORMAT_VERSION
from signing.envelope.format import CHUNK_SIZE, ciphertext_size
from tests.certificates import BIDDER_USCC
from tests.signing.envelope_helpers import (
    FINGERPRINT,
    PRICE_SHEET,
    TENDER_ID,
    envelope_of,
    open_bytes,
    seal_contents,
    verify_bytes,
)

BOUNDARY_SIZES = [
    0,
    1,
    CHUNK_SIZE - 1,
    CHUNK_SIZE,
    CHUNK_SIZE + 1,
    2 * CHUNK_SIZE,
    2 * CHUNK_SIZE + 1,
]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _pattern(size: int, seed: int) -> bytes:
    block = hashlib.sha256(seed.to_bytes(4, "big")).digest()
    return (block * (size // len(block) + 1))[:size]


file_contents = st.one_of(
    st.binary(max_size=300),
    st.builds(_pattern, st.sampled_from(BOUNDARY_SIZES), st.integers(0, 1000)),
)


def _round_trip(credential, trust_store, contents: list[bytes]) -> None:
    sealed = seal_contents(credential, contents)
    with tempfile.TemporaryDirectory() as output:
        opened = open_bytes(
            sealed,
            trust=trust_store,
            private_key=credential.private_key,
            output_directory=Path(output),
            expected_tender_id=TENDER_ID,
        )
        assert [path.read_bytes() for path in opened.files] == contents
    assert [path.name for path in opened.files] == [f"file-{i}.bin" for i in range(len(contents))]
    assert opened.price_sheet == PRICE_SHEET
    assert opened.manifest["files"] == [
        {
            "index": index,
            "name": f"file-{index}.bin",
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        }
        for index, content in enumerate(contents)
    ]
    assert opened.header_signature.identity.uscc == BIDDER_USCC
    assert opened.manifest_signature.signer == credential.certificate


@SETTINGS
@given(contents=st.lists(file_contents, min_size=1, max_size=3))
@example(contents=[b""])
@example(contents=[b"x"])
@example(contents=[_pattern(size, size) for size in BOUNDARY_SIZES])
def test_sealed_files_open_to_the_same_bytes_with_the_bidders_rsa_key(
    bidder_credential, trust_store, contents
):
    _round_trip(bidder_credential, trust_store, contents)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contents=st.lists(file_contents, min_size=1, max_size=2))
@example(contents=[_pattern(CHUNK_SIZE + 1, 7), b""])
def test_sealed_files_open_to_the_same_bytes_with_the_bidders_ec_key(
    bidder_credential_ec, trust_store, contents
):
    _round_trip(bidder_credential_ec, trust_store, contents)


@settings(max_examples=30, deadline=None)
@given(size=st.integers(0, 5 * CHUNK_SIZE))
def test_predicted_ciphertext_size_is_exact(size):
    from signing.envelope.encryption import encrypt_bytes, generate_data_key

    assert len(encrypt_bytes(bytes(size), key=generate_data_key(), context=b"c")) == (
        ciphertext_size(size)
    )


def test_header_describes_the_bid_without_file_names(bidder_credential, trust_store):
    sealed = seal_contents(bidder_credential, [b"alpha", b"beta" * 5000])
    verified = verify_bytes(sealed, trust=trust_store, expected_tender_id=TENDER_ID)
    header = verified.header
    assert header.format_version == FORMAT_VERSION == 2
    assert header.algorithm == "COBBLESTONE256-SHA256"
    assert (header.tender_id, header.bidder_uscc) == (TENDER_ID, BIDDER_USCC)
    assert [(part.index, part.kind, part.size) for part in header.parts] == [
        (0, "file", ciphertext_size(5)),
        (1, "file", ciphertext_size(20000)),
        (2, "manifest", header.parts[2].size),
    ]
    assert [recipient.role for recipient in header.recipients] == ["bidder"]
    assert header.recipients[0].method == "RSA-OAEP-SHA256"
    assert b"file-0.bin" not in envelope_of(sealed).header_bytes
    assert verified.signature.signer == bidder_credential.certificate


def test_manifest_records_device_fingerprint_tool_and_time(bidder_credential, trust_store):
    sealed = seal_contents(bidder_credential, [b"content"])
    opened = open_bytes(sealed, trust=trust_store, private_key=bidder_credential.private_key)
    manifest = opened.manifest
    assert manifest["device_fingerprint"] == FINGERPRINT
    assert manifest["tool"] == {"name": "bidtool", "version": "1.0.0"}
    assert manifest["created_at"] == opened.header.sealed_at
    assert manifest["created_at"].endswith("Z")
    assert opened.files == ()


def test_bid_opens_with_the_data_key_the_bidder_hands_over(bidder_credential, trust_store):
    from signing.envelope import unwrap_data_key

    sealed = seal_contents(bidder_credential, [b"handed over"])
    data_key = unwrap_data_key(envelope_of(sealed).header, bidder_credential.private_key)
    assert len(data_key) == 32
    with tempfile.TemporaryDirectory() as output:
        opened = open_bytes(
            sealed, trust=trust_store, data_key=data_key, output_directory=Path(output)
        )
        assert opened.files[0].read_bytes() == b"handed over"


def test_a_bid_opens_the_same_on_one_thread_as_with_overlapping_threads(
    bidder_credential, trust_store
):
    contents = [os.urandom(300_000), b"", b"third file"]
    sealed = seal_contents(bidder_credential, contents)
    results = []
    for overlap in (True, False):
        with tempfile.TemporaryDirectory() as output:
            opened = open_bytes(
                sealed,
                trust=trust_store,
                output_directory=Path(output),
                private_key=bidder_credential.private_key,
                overlap=overlap,
            )
            results.append([path.read_bytes() for path in opened.files])
    assert results == [contents, contents]


def test_each_bid_gets_its_own_data_key(bidder_credential):
    from signing.envelope import unwrap_data_key

    first = seal_contents(bidder_credential, [b"same"])
    second = seal_contents(bidder_credential, [b"same"])
    keys = {
        unwrap_data_key(envelope_of(sealed).header, bidder_credential.private_key)
        for sealed in (first, second)
    }
    assert len(keys) == 2


def test_opening_refuses_to_overwrite_an_existing_file(bidder_credential, trust_store, tmp_path):
    from signing.envelope.errors import InputInvalid

    sealed = seal_contents(bidder_credential, [b"new"])
    (tmp_path / "file-0.bin").write_bytes(b"old")
    with pytest.raises(InputInvalid, match="exists"):
        open_bytes(
            sealed,
            trust=trust_store,
            private_key=bidder_credential.private_key,
            output_directory=tmp_path,
        )
    assert (tmp_path / "file-0.bin").read_bytes() == b"old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["file-0.bin"]


def test_a_manifest_verified_at_the_hand_over_is_not_verified_again(bidder_credential, trust_store):
    from signing.envelope import open_manifest, unwrap_data_key

    sealed = seal_contents(bidder_credential, [b"vouched for"])
    data_key = unwrap_data_key(envelope_of(sealed).header, bidder_credential.private_key)
    checked = open_manifest(io.BytesIO(sealed), trust=trust_store, data_key=data_key)
    assert len(checked.manifest_sha256) == 64

    opened = open_bytes(
        sealed,
        trust=trust_store,
        data_key=data_key,
        verified_manifest_sha256=checked.manifest_sha256,
        check_ciphertext_digests=False,
    )

    assert opened.manifest_signature is None
    assert opened.manifest == checked.manifest


def test_a_manifest_other_than_the_one_verified_is_refused(bidder_credential, trust_store):
    from signing.envelope import unwrap_data_key
    from signing.envelope.errors import ManifestChanged

    sealed = seal_contents(bidder_credential, [b"vouched for"])
    data_key = unwrap_data_key(envelope_of(sealed).header, bidder_credential.private_key)
    with pytest.raises(ManifestChanged, match="not the one verified when its key was handed"):
        open_bytes(sealed, trust=trust_store, data_key=data_key, verified_manifest_sha256="0" * 64)
