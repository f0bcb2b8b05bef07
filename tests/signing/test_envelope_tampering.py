"""Any change to a sealed bid after sealing is detected, with or without the key."""

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signing.envelope.encryption import decrypt_stream, encrypt_bytes, generate_data_key
from signing.envelope.errors import (
    ChunkAuthenticationFailed,
    HeaderSignatureInvalid,
    PartDigestMismatch,
    TrailingData,
    Truncated,
    WrongKey,
)
from signing.envelope.format import CHUNK_SIZE, part_context
from signing.errors import SigningError
from tests.signing.envelope_helpers import (
    TENDER_ID,
    envelope_of,
    flip_bit,
    open_bytes,
    region_boundaries,
    seal_contents,
    verify_bytes,
)

# Two files, the second crossing a chunk boundary, so that flips land in several chunks.
CONTENTS = [b"technical proposal " * 3, bytes(range(256)) * 70]


@pytest.fixture(scope="module")
def sealed(bidder_credential) -> bytes:
    return seal_contents(bidder_credential, CONTENTS)


def _refused_everywhere(changed: bytes, credential, trust_store) -> None:
    with pytest.raises(SigningError):
        verify_bytes(changed, trust=trust_store, expected_tender_id=TENDER_ID)
    with pytest.raises(SigningError):
        open_bytes(changed, trust=trust_store, private_key=credential.private_key)


def test_the_untouched_file_passes_both_checks(sealed, bidder_credential, trust_store):
    verify_bytes(sealed, trust=trust_store, expected_tender_id=TENDER_ID)
    opened = open_bytes(sealed, trust=trust_store, private_key=bidder_credential.private_key)
    assert len(opened.manifest["files"]) == 2


def test_a_flipped_bit_at_every_layout_boundary_is_detected(sealed, bidder_credential, trust_store):
    boundaries = region_boundaries(sealed)
    assert len(boundaries) > 20
    for offset in boundaries:
        for bit in (0, 7):
            _refused_everywhere(flip_bit(sealed, offset * 8 + bit), bidder_credential, trust_store)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_flipped_bit_anywhere_is_detected(sealed, bidder_credential, trust_store, data):
    bit = data.draw(st.integers(0, len(sealed) * 8 - 1), label="bit")
    _refused_everywhere(flip_bit(sealed, bit), bidder_credential, trust_store)


def test_a_flipped_bit_in_a_file_part_names_the_file_and_chunk(
    sealed, bidder_credential, trust_store
):
    envelope = envelope_of(sealed)
    second_part = envelope.parts_offset + envelope.header.parts[0].size
    inside_chunk_1 = second_part + 56 + (CHUNK_SIZE + 16) + 100
    changed = flip_bit(sealed, inside_chunk_1 * 8)
    with pytest.raises(PartDigestMismatch, match=r"Part 1 \(file 2\)"):
        verify_bytes(changed, trust=trust_store)
    with pytest.raises(
        ChunkAuthenticationFailed, match=r"Part 1 \(file 'file-1.bin'\), chunk 1 failed"
    ):
        open_bytes(changed, trust=trust_store, private_key=bidder_credential.private_key)


def test_a_flipped_bit_in_the_header_breaks_its_signature(sealed, trust_store):
    envelope = envelope_of(sealed)
    # Inside the tender id's value: still valid canonical JSON, so only the signature can tell.
    offset = 22 + envelope.header_bytes.index(TENDER_ID.encode()) + len(TENDER_ID) - 1
    changed = bytearray(sealed)
    changed[offset] ^= 0x01  # "1" -> "0"
    with pytest.raises(HeaderSignatureInvalid, match="header signature"):
        verify_bytes(bytes(changed), trust=trust_store)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_truncation_is_detected(sealed, bidder_credential, trust_store, data):
    length = data.draw(st.integers(0, len(sealed) - 1), label="length")
    _refused_everywhere(sealed[:length], bidder_credential, trust_store)


def test_truncation_at_every_layout_boundary_is_detected(sealed, bidder_credential, trust_store):
    for length in region_boundaries(sealed):
        _refused_everywhere(sealed[:length], bidder_credential, trust_store)


def test_truncation_by_a_whole_chunk_is_named_as_truncation(sealed, bidder_credential, trust_store):
    shortened = sealed[: -(CHUNK_SIZE + 16)]
    with pytest.raises(Truncated, match="truncated"):
        verify_bytes(shortened, trust=trust_store)
    with pytest.raises(Truncated, match="truncated"):
        open_bytes(shortened, trust=trust_store, private_key=bidder_credential.private_key)


@pytest.mark.parametrize("extra", [b"\x00", b"appended data", bytes(CHUNK_SIZE + 16)])
def test_an_extended_file_is_refused(sealed, bidder_credential, trust_store, extra):
    with pytest.raises(TrailingData, match="extended"):
        verify_bytes(sealed + extra, trust=trust_store)
    with pytest.raises(TrailingData, match="extended"):
        open_bytes(sealed + extra, trust=trust_store, private_key=bidder_credential.private_key)


def test_reordered_chunks_inside_a_part_are_refused(sealed, bidder_credential, trust_store):
    envelope = envelope_of(sealed)
    start = envelope.parts_offset + envelope.header.parts[0].size + 56
    chunk = CHUNK_SIZE + 16
    first, second = sealed[start : start + chunk], sealed[start + chunk : start + 2 * chunk]
    swapped = sealed[:start] + second + first + sealed[start + 2 * chunk :]
    with pytest.raises(PartDigestMismatch):
        verify_bytes(swapped, trust=trust_store)
    with pytest.raises(ChunkAuthenticationFailed, match="chunk 0"):
        open_bytes(swapped, trust=trust_store, private_key=bidder_credential.private_key)


def test_a_part_moved_to_another_place_does_not_decrypt():
    """Even with a matching digest, the context binds each part to its index and kind."""
    key = generate_data_key()

    def context(index: int, kind: str = "file") -> bytes:
        return part_context(
            tender_id=TENDER_ID, bidder_uscc="91110000100000016D", part_index=index, part_kind=kind
        )

    ciphertext = encrypt_bytes(b"part zero", key=key, context=context(0))
    import hashlib

    digest = hashlib.sha256(ciphertext).hexdigest()
    for wrong_context in (context(1), context(0, "manifest")):
        with pytest.raises(WrongKey, match="does not decrypt"):
            decrypt_stream(
                io.BytesIO(ciphertext),
                None,
                key=key,
                context=wrong_context,
                ciphertext_size=len(ciphertext),
                expected_ciphertext_sha256=digest,
                description="Part 1",
            )


def test_every_single_bit_flip_of_a_small_ciphertext_fails_authentication():
    """Exhaustive at the encryption layer: each bit of a two-chunk ciphertext."""
    import hashlib

    key = generate_data_key()
    plaintext = bytes(range(256)) * 64 + b"tail"  # 16388 bytes: two chunks
    ciphertext = encrypt_bytes(plaintext, key=key, context=b"ctx")
    digest = hashlib.sha256(ciphertext).hexdigest()
    step = 1 if len(ciphertext) < 2000 else 13  # every 13th bit of 16 KiB; all bits of headers
    bits = (
        set(range(0, len(ciphertext) * 8, step))
        | set(range(56 * 8))
        | set(range((len(ciphertext) - 40) * 8, len(ciphertext) * 8))
    )
    for bit in sorted(bits):
        sink = io.BytesIO()
        with pytest.raises(ChunkAuthenticationFailed):
            decrypt_stream(
                io.BytesIO(flip_bit(ciphertext, bit)),
                sink,
                key=key,
                context=b"ctx",
                ciphertext_size=len(ciphertext),
                expected_ciphertext_sha256=digest,
                description="Part 0",
            )
        # Only whole authenticated chunks ever reach the sink.
        assert len(sink.getvalue()) % CHUNK_SIZE == 0
        assert plaintext.startswith(sink.getvalue())


def test_a_case_change_in_the_signatures_unsigned_signer_name_is_refused(sealed, trust_store):
    """CMS leaves the signer identifier unsigned and names compare without case: pinned here."""
    envelope = envelope_of(sealed)
    start = 22 + len(envelope.header_bytes)
    issuer = b"Test Platform CA Issuing CA"
    # The last occurrence is in the SignerInfo's issuerAndSerialNumber, after the certificates.
    offset = start + envelope.signature.rindex(issuer) + issuer.index(b"P")
    changed = bytearray(sealed)
    changed[offset] ^= 0x20  # "P" -> "p"
    with pytest.raises(
        HeaderSignatureInvalid, match="does not name the signer's certificate byte for byte"
    ):
        verify_bytes(bytes(changed), trust=trust_store)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_flipped_bit_in_the_header_signature_is_detected(sealed, trust_store, data):
    """The CMS structure has unsigned fields; every one of its bits is still pinned."""
    envelope = envelope_of(sealed)
    start = 22 + len(envelope.header_bytes)
    byte = data.draw(st.integers(start, start + len(envelope.signature) - 1), label="byte")
    bit = data.draw(st.integers(0, 7), label="bit")
    with pytest.raises(SigningError):
        verify_bytes(flip_bit(sealed, byte * 8 + bit), trust=trust_store)


def test_a_header_other_than_the_received_one_is_refused_even_if_validly_signed(
    sealed, bidder_credential, trust_store
):
    """The bidder re-seals after the deadline: a valid file, but not the bid received."""
    import hashlib

    from signing.envelope.errors import HeaderChanged

    received = hashlib.sha256(envelope_of(sealed).header_bytes).hexdigest()
    resealed = seal_contents(bidder_credential, [b"a better offer, sealed late"])

    opened = open_bytes(
        sealed,
        trust=trust_store,
        private_key=bidder_credential.private_key,
        received_header_sha256=received,
    )
    assert opened.header_signature is None  # verified when received; not again
    with pytest.raises(HeaderChanged, match="not the one received"):
        open_bytes(
            resealed,
            trust=trust_store,
            private_key=bidder_credential.private_key,
            received_header_sha256=received,
        )


def test_without_ciphertext_digests_a_flipped_bit_still_fails_its_chunk(
    sealed, bidder_credential, trust_store
):
    # The opening job skips the ciphertext digests (checked at receipt): the chunk's
    # authentication alone must still catch the change.
    envelope = envelope_of(sealed)
    second_part = envelope.parts_offset + envelope.header.parts[0].size
    changed = flip_bit(sealed, (second_part + 56 + 10) * 8)
    with pytest.raises(
        ChunkAuthenticationFailed,
        match=r"chunk 0 failed authentication: its ciphertext was changed",
    ):
        open_bytes(
            changed,
            trust=trust_store,
            private_key=bidder_credential.private_key,
            check_ciphertext_digests=False,
        )
