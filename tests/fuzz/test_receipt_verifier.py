"""Fuzzing the receipt verifier (bidtool receipt verify, bidtool/verify.py): a receipt or opening
record changed anywhere, its JSON or the bytes of its signature or timestamp token, is refused
with a signing error naming what is wrong (InputInvalid, SignatureInvalid, TimestampInvalid,
a certificate error), never another exception, never accepted, never a hang."""

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bidtool.verify import verify_platform_document, verify_receipt_document
from signing.canonical import canonical_json
from signing.cms import sign_detached, signed_document_json
from signing.errors import SigningError
from tests.fuzz.conftest import bounded, within
from tests.fuzz.mutations import JSON_VALUES, mutated_bytes, mutated_json

DOCUMENT = {
    "receipt_version": 2,
    "kind": "submission",
    "bid": "7d1c7a52-3c58-4e0e-9a57-2b1c4d0e5f60",
    "tender": "0b6f3c1e-6d2a-4f4e-8f77-1f2e3d4c5b6a",
    "bidder_uscc": "91330100MA2KXXXX0A",
    "submission_number": 1,
    "size": 123456,
    "ciphertext_sha256": hashlib.sha256(b"ciphertext").hexdigest(),
    "header_sha256": hashlib.sha256(b"header").hexdigest(),
    "received_at": "2026-12-02T01:00:00.000000Z",
}


@pytest.fixture(scope="module")
def receipt(platform_credential, timestamp_authority) -> dict:
    """A receipt as the platform issues it (bids/submission/receipts.py), signed and stamped."""
    data = canonical_json(DOCUMENT)
    return signed_document_json(
        "receipt",
        data,
        sign_detached(data, credential=platform_credential),
        timestamp_authority.timestamp(data),
    )


def refused(receipt, trust_store) -> None:
    with pytest.raises(SigningError), within(10):
        verify_receipt_document(receipt, trust=trust_store)


def test_the_unchanged_receipt_verifies(receipt, trust_store):
    checked = verify_receipt_document(receipt, trust=trust_store)
    assert checked["platform"] == "Test Trading Platform"
    assert checked["ciphertext_sha256"] == DOCUMENT["ciphertext_sha256"]


@bounded(120)
@given(st.data())
def test_a_receipt_changed_member_by_member_is_refused(receipt, trust_store, data):
    mutant = data.draw(mutated_json(receipt))
    if mutant == receipt:
        return
    signed = ("receipt", "signature", "timestamp_token")
    if isinstance(mutant, dict) and all(mutant.get(key) == receipt[key] for key in signed):
        # Only a member outside the signed ones was added: it is never read, never returned.
        assert verify_receipt_document(mutant, trust=trust_store) == verify_receipt_document(
            receipt, trust=trust_store
        )
        return
    refused(mutant, trust_store)


@bounded(120)
@given(st.data(), st.sampled_from(["signature", "timestamp_token"]))
def test_a_receipt_whose_signature_or_token_bytes_changed_is_refused(
    receipt, trust_store, data, field
):
    original = base64.b64decode(receipt[field])
    changed = data.draw(mutated_bytes(original))
    if changed == original:
        return
    refused({**receipt, field: base64.b64encode(changed).decode()}, trust_store)


@bounded(60)
@given(JSON_VALUES)
def test_any_json_value_is_refused_as_not_a_platform_document(trust_store, value):
    with pytest.raises(SigningError), within(10):
        verify_platform_document(value, key="record", what="opening record", trust=trust_store)
