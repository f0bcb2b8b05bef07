"""Bugs the fuzz tests found, each pinned by the smallest input that showed it (docs/hardening.md,
"Fuzzing"). Before the fix each raised an exception other than the module's own error: in the
upload service, a 500 for a bidder's hostile file."""

import pytest
from asn1crypto import cms as asn1_cms
from cryptography.hazmat.primitives.serialization import Encoding

from bidtool.files import read_json_file
from signing.canonical import is_canonical_json, load_json
from signing.envelope.errors import HeaderInvalid, InputInvalid, ManifestInvalid
from signing.envelope.format import parse_header
from signing.envelope.manifest import decode_signed_manifest, parse_manifest
from signing.timestamps import TimestampInvalid, verify_timestamp
from signing.trust import CertificateUntrusted

HOSTILE_JSON = [
    pytest.param(b'{"format":NaN}', id="NaN"),
    pytest.param(b'{"format":1e999}', id="a number beyond a double: infinity"),
    pytest.param(b'{"format":"\\ud800"}', id="a lone surrogate"),
    pytest.param(b"[" * 5000, id="nesting deeper than the parser's stack"),
]


@pytest.mark.parametrize("text", HOSTILE_JSON)
def test_a_header_of_hostile_json_is_header_invalid(text):
    with pytest.raises(HeaderInvalid):
        parse_header(text)


@pytest.mark.parametrize("text", HOSTILE_JSON)
def test_a_manifest_of_hostile_json_is_manifest_invalid(text):
    with pytest.raises(ManifestInvalid):
        parse_manifest(text)
    with pytest.raises(ManifestInvalid):
        decode_signed_manifest(text)


@pytest.mark.parametrize("text", HOSTILE_JSON)
def test_a_receipt_file_of_hostile_json_is_input_invalid_or_not_canonical(text, tmp_path):
    path = tmp_path / "bid.sealed.receipt.json"
    path.write_bytes(text)
    try:
        value = read_json_file(path, "receipt")
    except InputInvalid:
        return
    # Parsed (NaN, a surrogate): it then has no canonical form, so no signature can cover it.
    assert not is_canonical_json(value, text)


def test_load_json_turns_a_stack_overflow_into_a_value_error():
    with pytest.raises(ValueError, match="nested too deeply"):
        load_json(b"[" * 5000)


def test_a_timestamp_token_carrying_a_certificate_outside_the_tsas_chain_is_refused(
    timestamp_authority, trust_store, bidder_credential
):
    data = b"the receipt's canonical JSON"
    token = asn1_cms.ContentInfo.load(timestamp_authority.timestamp(data))
    signed_data = token["content"]
    certificates = list(signed_data["certificates"])
    stranger = asn1_cms.CertificateChoices.load(
        bidder_credential.certificate.public_bytes(Encoding.DER)
    )
    signed_data["certificates"] = [*certificates, stranger]
    verify_timestamp(timestamp_authority.timestamp(data), data, trust=trust_store)  # as issued

    with pytest.raises(TimestampInvalid, match="outside the TSA's chain"):
        verify_timestamp(token.dump(force=True), data, trust=trust_store)


def test_a_timestamp_token_carrying_a_damaged_copy_of_a_ca_certificate_is_refused(
    timestamp_authority, trust_store
):
    data = b"the receipt's canonical JSON"
    token = timestamp_authority.timestamp(data)
    signed_data = asn1_cms.ContentInfo.load(token)["content"]
    signer_serial = signed_data["signer_infos"][0]["sid"].chosen["serial_number"].native
    ca_copy = next(
        item.chosen.dump()
        for item in signed_data["certificates"]
        if item.chosen.serial_number != signer_serial
    )
    # organizationName's UTF8String (tag 0x0c) retagged 0x0d: no DirectoryString has that tag,
    # and the ASN.1 parser fails only when a path builder reads the name.
    start = token.index(ca_copy)
    name_tag = token.index(b"\x06\x03\x55\x04\x0a\x0c", start) + 5
    damaged = token[:name_tag] + b"\x0d" + token[name_tag + 1 :]

    # Refused as a token whose TSA has no valid path, never with the parser's ValueError.
    with pytest.raises((TimestampInvalid, CertificateUntrusted)):
        verify_timestamp(damaged, data, trust=trust_store)
