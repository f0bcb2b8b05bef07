"""The opening job reads a sealed bid once, front to back: the file parts, then the manifest.

It must come to exactly what the manifest-first order comes to, and refuse exactly what that
order refuses, only later in the file.
"""

import io
import os

import pytest

from signing.envelope import open_sealed_bid, unwrap_data_key
from signing.envelope import seal as sealing
from signing.envelope.errors import (
    ChunkAuthenticationFailed,
    FileDigestMismatch,
    ManifestChanged,
    PartDigestMismatch,
)
from tests.signing.envelope_helpers import envelope_of, open_bytes, seal_contents

MIB = 1 << 20


@pytest.fixture(scope="module")
def sealed(bidder_credential) -> bytes:
    # Three files, one across several 1 MiB segments, one empty.
    return seal_contents(bidder_credential, [os.urandom(2 * MIB + 12345), b"", b"price list"])


def test_in_one_pass_the_bid_opens_to_what_the_manifest_first_order_gives(
    sealed, bidder_credential, trust_store
):
    usual = open_bytes(sealed, trust=trust_store, private_key=bidder_credential.private_key)

    for hashed in (True, False):
        opened = open_bytes(
            sealed,
            trust=trust_store,
            private_key=bidder_credential.private_key,
            check_ciphertext_digests=hashed,
            in_one_pass=True,
        )
        assert opened.manifest == usual.manifest
        assert opened.manifest_sha256 == usual.manifest_sha256
        assert opened.price_sheet == usual.price_sheet
        assert opened.files == ()


def test_in_one_pass_a_file_unlike_its_manifest_is_refused(
    bidder_credential, trust_store, monkeypatch
):
    # A faulty sealer: the signed manifest gives the second file another digest.
    def skewed_manifest(**fields):
        document = build(**fields)
        document["files"][1]["sha256"] = "ab" * 32
        return document

    build = sealing.build_manifest
    monkeypatch.setattr(sealing, "build_manifest", skewed_manifest)
    sealed = seal_contents(bidder_credential, [b"first", b"second"])
    monkeypatch.undo()

    with pytest.raises(FileDigestMismatch, match=r"File 'file-1\.bin' decrypts to 6 bytes"):
        open_bytes(
            sealed,
            trust=trust_store,
            private_key=bidder_credential.private_key,
            check_ciphertext_digests=False,
            in_one_pass=True,
        )


def test_in_one_pass_a_changed_file_part_is_refused(sealed, bidder_credential, trust_store):
    envelope = envelope_of(sealed)
    changed = bytearray(sealed)
    changed[envelope.parts_offset + MIB] ^= 1  # inside the first file's ciphertext

    with pytest.raises(ChunkAuthenticationFailed, match=r"Part 0 \(file 1\), chunk"):
        open_bytes(
            bytes(changed),
            trust=trust_store,
            private_key=bidder_credential.private_key,
            check_ciphertext_digests=False,
            in_one_pass=True,
        )
    with pytest.raises((ChunkAuthenticationFailed, PartDigestMismatch)):
        open_bytes(
            bytes(changed),
            trust=trust_store,
            private_key=bidder_credential.private_key,
            in_one_pass=True,
        )


def test_in_one_pass_a_manifest_other_than_the_one_verified_is_refused(
    sealed, bidder_credential, trust_store
):
    data_key = unwrap_data_key(envelope_of(sealed).header, bidder_credential.private_key)

    with pytest.raises(ManifestChanged, match="not the one verified when its key was handed"):
        open_bytes(
            sealed,
            trust=trust_store,
            data_key=data_key,
            in_one_pass=True,
            verified_manifest_sha256="0" * 64,
        )


def test_in_one_pass_writes_no_files(sealed, bidder_credential, trust_store, tmp_path):
    with pytest.raises(ValueError, match="writes no files"):
        open_bytes(
            sealed,
            trust=trust_store,
            private_key=bidder_credential.private_key,
            output_directory=tmp_path,
            in_one_pass=True,
        )
    assert list(tmp_path.iterdir()) == []


def test_the_bytes_are_read_once_in_file_order(sealed, bidder_credential, trust_store):
    class Recorded(io.BytesIO):
        def __init__(self, data: bytes) -> None:
            super().__init__(data)
            self.jumps = 0  # reads that do not start where the previous one ended
            self.last_end = 0

        def readinto(self, buffer) -> int:
            self.jumps += self.tell() != self.last_end
            count = super().readinto(buffer)
            self.last_end = self.tell()
            return count

        def read(self, size=-1) -> bytes:
            self.jumps += self.tell() != self.last_end
            data = super().read(size)
            self.last_end = self.tell()
            return data

    source = Recorded(sealed)
    open_sealed_bid(
        source, trust=trust_store, private_key=bidder_credential.private_key, in_one_pass=True
    )
    assert source.jumps == 0
    assert source.last_end == len(sealed)
