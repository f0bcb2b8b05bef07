"""Bugs the fuzz tests found, each pinned by the smallest input that showed it (docs/hardening.md,
"Fuzzing"). Before the fix each raised an exception other than the module's own error: in the
upload service, a 500 for a bidder's hostile file."""

import uuid

import pytest
from asn1crypto import cms as asn1_cms
from cryptography.hazmat.primitives.serialization import Encoding
from django.test import Client

from accounts.models import Role
from bidtool.files import read_json_file
from signing.canonical import is_canonical_json, load_json
from signing.envelope.errors import HeaderInvalid, InputInvalid, ManifestInvalid
from signing.envelope.format import parse_header
from signing.envelope.manifest import decode_signed_manifest, parse_manifest
from signing.timestamps import TimestampInvalid, verify_timestamp
from signing.trust import CertificateUntrusted
from tests.factories import MembershipFactory, TenderFactory
from trading.services import Acting, tender_publish

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


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param('{"\\ud800": 9223372036854775808}', None, id="a name"),
        pytest.param('{"challenge_id": "x", "signature": "\\udfff"}', "signature", id="a text"),
    ],
)
def test_a_lone_surrogate_in_a_json_body_is_refused_not_a_500(client, body, field):
    client.raise_request_exception = False
    response = client.post("/api/v1/auth/certificate-login", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "text_invalid"
    assert response.json().get("field") == field


@pytest.fixture
def tenderee_client(platform_ca, s3_server):
    tender = TenderFactory()
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user
    tender = tender_publish(acting=Acting(user=tenderee, client_ip="10.0.0.8"), tender_id=tender.pk)
    client = Client(headers={"accept-language": "en"}, raise_request_exception=False)
    client.force_login(tenderee)
    return tender, client


@pytest.mark.django_db
def test_answering_an_objection_nobody_raised_is_not_found(tenderee_client):
    _tender, client = tenderee_client
    objection = uuid.uuid4()
    response = client.post(
        f"/api/v1/candidate-objections/{objection}/answer",
        {"text": "已答复"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "message": f"Objection {objection} does not exist.",
    }


@pytest.mark.django_db
def test_publishing_candidates_of_a_tender_never_evaluated_is_not_found(tenderee_client):
    tender, client = tenderee_client
    response = client.post(f"/api/v1/tenders/{tender.pk}/evaluation/candidates")
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "message": "The tender has no evaluation session.",
    }
