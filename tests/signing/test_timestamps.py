"""The built-in RFC 3161 TSA and offline verification of its tokens (also by openssl)."""

import hashlib
import subprocess

import pytest
from asn1crypto import algos, tsp
from cryptography.hazmat.primitives import serialization

from signing.timestamps import (
    TIMESTAMP_POLICY,
    TimestampAuthority,
    TimestampInvalid,
    TimeStampResponse,
    make_request,
    token_from_response,
    verify_timestamp,
)
from signing.trust import CertificateUntrusted, CertificateUsageMissing
from tests.certificates import utc_now

RECEIPT = b'{"bid":"B-7","received_at":"2026-05-01T09:00:00+08:00"}'


def test_token_verifies_for_its_data(timestamp_authority, trust_store):
    before = utc_now().replace(microsecond=0)
    token = timestamp_authority.timestamp(RECEIPT)

    info = verify_timestamp(token, RECEIPT, trust=trust_store)

    assert info.message_digest == hashlib.sha256(RECEIPT).digest()
    assert before <= info.generated_at <= utc_now()
    assert (info.authority.kind, info.authority.name) == ("service", "Test Platform TSA")
    assert info.serial_number > 0


def test_each_token_has_its_own_serial_number(timestamp_authority, trust_store):
    first = verify_timestamp(timestamp_authority.timestamp(RECEIPT), RECEIPT, trust=trust_store)
    second = verify_timestamp(timestamp_authority.timestamp(RECEIPT), RECEIPT, trust=trust_store)

    assert first.serial_number != second.serial_number


def test_token_for_other_data_is_refused(timestamp_authority, trust_store):
    token = timestamp_authority.timestamp(RECEIPT)

    with pytest.raises(TimestampInvalid) as refusal:
        verify_timestamp(token, RECEIPT + b"\n", trust=trust_store)

    assert refusal.value.code == "timestamp_invalid"
    assert str(refusal.value) == "The token's message imprint does not match the data."


def test_tampered_token_is_refused(timestamp_authority, trust_store):
    token = timestamp_authority.timestamp(RECEIPT)
    tampered = token[:-1] + bytes([token[-1] ^ 0x01])  # the signature value ends the token

    with pytest.raises(TimestampInvalid) as refusal:
        verify_timestamp(tampered, RECEIPT, trust=trust_store)

    assert str(refusal.value) == "The token's signature is not valid: the token was changed."


def test_token_signed_without_the_time_stamping_usage_is_refused(platform_credential, trust_store):
    token = TimestampAuthority(platform_credential).timestamp(RECEIPT)

    with pytest.raises(CertificateUsageMissing):
        verify_timestamp(token, RECEIPT, trust=trust_store)


def test_token_from_an_unrecognised_tsa_is_refused(second_certificate_authority, trust_store):
    foreign = TimestampAuthority(second_certificate_authority.issue_timestamping(name="Other TSA"))

    with pytest.raises(CertificateUntrusted):
        verify_timestamp(foreign.timestamp(RECEIPT), RECEIPT, trust=trust_store)


def test_request_is_granted_with_its_nonce_and_the_tsa_certificate(
    timestamp_authority, timestamping_credential, trust_store
):
    response = TimeStampResponse.load(
        timestamp_authority.respond(make_request(RECEIPT, nonce=424242))
    )

    assert response["status"]["status"].native == "granted"
    signed_data = response["time_stamp_token"]["content"]
    tst_info = signed_data["encap_content_info"]["content"].parsed
    assert tst_info["nonce"].native == 424242
    assert tst_info["policy"].dotted == TIMESTAMP_POLICY
    tsa_certificate = timestamping_credential.certificate.public_bytes(serialization.Encoding.DER)
    assert signed_data["certificates"][0].chosen.dump() == tsa_certificate
    token = token_from_response(response.dump())
    assert verify_timestamp(token, RECEIPT, trust=trust_store).message_digest == (
        hashlib.sha256(RECEIPT).digest()
    )


def test_request_with_a_weak_hash_is_rejected(timestamp_authority):
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha1"}),
                "hashed_message": hashlib.sha1(RECEIPT).digest(),
            },
        }
    ).dump()

    response = TimeStampResponse.load(timestamp_authority.respond(request))

    assert response["status"]["status"].native == "rejection"
    assert response["status"]["fail_info"].native == {"bad_alg"}
    with pytest.raises(TimestampInvalid) as refusal:
        token_from_response(response.dump())
    assert str(refusal.value) == (
        "The TSA refused the request (rejection): "
        "The hash algorithm sha1 is not accepted: use SHA-256, -384 or -512."
    )


def test_bytes_that_are_not_a_request_are_rejected(timestamp_authority):
    response = TimeStampResponse.load(timestamp_authority.respond(b"hello"))

    assert response["status"]["status"].native == "rejection"
    assert response["status"]["fail_info"].native == {"bad_data_format"}


def openssl_ts_verify(tmp_path, certificate_authority, *, data: bytes, token: bytes):
    """`openssl ts -verify` of a token over `data`, with the platform CA as the only anchor."""
    (tmp_path / "data.json").write_bytes(data)
    (tmp_path / "token.tsr").write_bytes(token)
    (tmp_path / "root.pem").write_bytes(
        certificate_authority.root_certificate.public_bytes(serialization.Encoding.PEM)
    )
    (tmp_path / "chain.pem").write_bytes(
        certificate_authority.issuing_certificate.public_bytes(serialization.Encoding.PEM)
    )
    return subprocess.run(
        [
            "openssl", "ts", "-verify",
            "-data", str(tmp_path / "data.json"),
            "-in", str(tmp_path / "token.tsr"), "-token_in",
            "-CAfile", str(tmp_path / "root.pem"),
            "-untrusted", str(tmp_path / "chain.pem"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


def test_openssl_verifies_a_token(timestamp_authority, certificate_authority, tmp_path):
    result = openssl_ts_verify(
        tmp_path, certificate_authority, data=RECEIPT, token=timestamp_authority.timestamp(RECEIPT)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verification: OK" in result.stdout


def test_openssl_refuses_a_token_for_other_data(
    timestamp_authority, certificate_authority, tmp_path
):
    result = openssl_ts_verify(
        tmp_path,
        certificate_authority,
        data=RECEIPT + b"!",
        token=timestamp_authority.timestamp(RECEIPT),
    )
    assert result.returncode != 0
    assert "Verification: FAILED" in result.stdout
