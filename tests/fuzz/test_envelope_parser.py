"""Fuzzing the sealed-file parser (signing/envelope): whatever bytes a bidder uploads or a tool
reads, the parser answers with the envelope's own errors (EnvelopeError: InputInvalid,
HeaderInvalid, Truncated, ...) or the signing errors of a certificate, never another exception,
and never hangs. Hostile files are arbitrary bytes, a valid sealed bid mutated byte by byte, and
a valid sealed bid whose header JSON was changed member by member and re-framed."""

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from signing.canonical import canonical_json
from signing.envelope.container import read_envelope, verify_sealed_bid
from signing.envelope.errors import EnvelopeError
from signing.envelope.format import (
    FORMAT_VERSION,
    MAGIC,
    PREAMBLE,
    PREAMBLE_SIZE,
    parse_header,
    unpack_preamble,
)
from signing.envelope.manifest import decode_signed_manifest, parse_manifest
from signing.envelope.open import open_sealed_bid
from signing.errors import SigningError
from tests.fuzz.conftest import bounded, within
from tests.fuzz.mutations import (
    JSON_VALUES,
    RAW_JSON_TEXT,
    json_text,
    mutated_bytes,
    mutated_json,
)
from tests.signing.envelope_helpers import seal_contents


@pytest.fixture(scope="module")
def sealed(bidder_credential) -> bytes:
    """A real sealed bid of two small files, as bidtool makes it."""
    return seal_contents(bidder_credential, [b"technical offer " * 40, b"price annex"])


def parse(data: bytes):
    """read_envelope under the hang alarm: the envelope or an EnvelopeError, nothing else."""
    with within(5):
        return read_envelope(io.BytesIO(data))


def framed(sealed: bytes, header: bytes) -> bytes:
    """The sealed bid with its header replaced by `header` and the preamble's length fixed."""
    preamble = unpack_preamble(sealed[:PREAMBLE_SIZE])
    rest = sealed[PREAMBLE_SIZE + preamble.header_size :]
    return (
        PREAMBLE.pack(
            MAGIC, FORMAT_VERSION, len(header), preamble.signature_size, preamble.padding_size
        )
        + header
        + rest
    )


def text_forms(document) -> list[bytes]:
    """`document` as canonical JSON where it has that form, and as escaped JSON text."""
    try:
        return [canonical_json(document), json_text(document)]
    except (ValueError, RecursionError):
        return [json_text(document)]


def header_document(sealed: bytes) -> dict:
    preamble = unpack_preamble(sealed[:PREAMBLE_SIZE])
    return json.loads(sealed[PREAMBLE_SIZE : PREAMBLE_SIZE + preamble.header_size])


@bounded(300)
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_are_refused_as_not_a_sealed_bid(data):
    with pytest.raises(EnvelopeError):
        parse(data)


@bounded(300)
@given(
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=0, max_value=2**32 - 1),
    st.binary(max_size=4096),
)
def test_a_preamble_with_any_lengths_is_refused_before_reading_them(
    version_offset, header_size, signature_size, padding_size, rest
):
    data = (
        PREAMBLE.pack(
            MAGIC, FORMAT_VERSION + version_offset, header_size, signature_size, padding_size
        )
        + rest
    )
    with pytest.raises(EnvelopeError):
        parse(data)


@bounded(200)
@given(RAW_JSON_TEXT)
def test_a_header_of_hostile_json_text_is_refused_as_header_invalid(text):
    with pytest.raises(EnvelopeError), within(5):
        parse_header(text)


@bounded(200)
@given(st.data())
def test_a_header_changed_member_by_member_is_refused(sealed, trust_store, data):
    document = data.draw(mutated_json(header_document(sealed)))
    # Mostly in canonical form, so that the change reaches the checks past the canonical one.
    mutant = framed(sealed, data.draw(st.sampled_from(text_forms(document))))
    try:
        parse(mutant)
    except EnvelopeError:
        return
    # Shaped well enough to parse: the bidder's signature no longer covers it.
    with pytest.raises(SigningError), within(10):
        verify_sealed_bid(io.BytesIO(mutant), trust=trust_store)


@bounded(200)
@given(st.data())
def test_a_sealed_bid_mutated_byte_by_byte_never_verifies(sealed, trust_store, data):
    mutant = data.draw(mutated_bytes(sealed, front=len(sealed) // 2))
    if mutant == sealed:
        return
    try:
        parse(mutant)
    except EnvelopeError:
        return
    with pytest.raises(SigningError), within(10):
        verify_sealed_bid(io.BytesIO(mutant), trust=trust_store)


@bounded(40)
@given(st.data())
def test_a_mutated_sealed_bid_never_opens_with_the_bidders_key(
    sealed, trust_store, bidder_credential, tmp_path_factory, data
):
    mutant = data.draw(mutated_bytes(sealed))
    if mutant == sealed:
        return
    with pytest.raises(SigningError), within(20):
        open_sealed_bid(
            io.BytesIO(mutant),
            trust=trust_store,
            private_key=bidder_credential.private_key,
            output_directory=tmp_path_factory.mktemp("opened"),
        )


@bounded(200)
@given(st.one_of(RAW_JSON_TEXT, JSON_VALUES.map(json_text)))
def test_a_manifest_of_hostile_json_is_refused_as_manifest_invalid(text):
    with pytest.raises(EnvelopeError), within(5):
        parse_manifest(text)
    with pytest.raises(EnvelopeError), within(5):
        decode_signed_manifest(text)
