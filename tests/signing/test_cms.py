"""Detached CMS signatures: made by cryptography, checked by pyHanko and by openssl."""

import datetime as dt
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from signing.cms import SignatureInvalid, sign_detached, sign_json, verify_detached, verify_json
from signing.trust import (
    CertificateExpired,
    CertificateNotYetValid,
    CertificateRevoked,
    CertificateUntrusted,
    CertificateUsageMissing,
)
from tests.certificates import BIDDER_NAME, BIDDER_USCC, utc_now

MANIFEST = b'{"tender":"T-2026-001","total_price_fen":123456700}'


def flip_last_byte(data: bytes) -> bytes:
    # The signature value is the last field of the (single) SignerInfo.
    return data[:-1] + bytes([data[-1] ^ 0x01])


def test_signature_verifies_and_names_the_signer(bidder_credential, trust_store):
    before = utc_now().replace(microsecond=0)
    signature = sign_detached(MANIFEST, credential=bidder_credential)

    info = verify_detached(signature, MANIFEST, trust=trust_store)

    assert info.signer == bidder_credential.certificate
    assert (info.identity.kind, info.identity.name, info.identity.uscc) == (
        "organisation",
        BIDDER_NAME,
        BIDDER_USCC,
    )
    assert before <= info.signing_time <= utc_now()
    assert info.signing_time.tzinfo == dt.UTC


def test_ec_signature_verifies(bidder_credential_ec, trust_store):
    signature = sign_detached(MANIFEST, credential=bidder_credential_ec)

    assert verify_detached(signature, MANIFEST, trust=trust_store).identity.uscc == BIDDER_USCC


def test_signature_does_not_contain_the_data(bidder_credential_ec):
    assert MANIFEST not in sign_detached(MANIFEST, credential=bidder_credential_ec)


def test_tampered_data_is_refused(bidder_credential, trust_store):
    signature = sign_detached(MANIFEST, credential=bidder_credential)

    with pytest.raises(SignatureInvalid) as refusal:
        verify_detached(signature, MANIFEST.replace(b"123456700", b"123456600"), trust=trust_store)

    assert refusal.value.code == "signature_invalid"
    assert str(refusal.value) == (
        "The signed data does not match the signature: the data or its digest was changed."
    )


def test_tampered_signature_is_refused(bidder_credential, trust_store):
    signature = sign_detached(MANIFEST, credential=bidder_credential)

    with pytest.raises(SignatureInvalid) as refusal:
        verify_detached(flip_last_byte(signature), MANIFEST, trust=trust_store)

    assert str(refusal.value) == (
        "The signature value is not valid for the signer's key: the signature was changed."
    )


def test_bytes_that_are_not_cms_are_refused(trust_store):
    with pytest.raises(SignatureInvalid):
        verify_detached(b"not a signature", MANIFEST, trust=trust_store)


def test_signature_by_expired_certificate_is_refused(expired_bidder_credential, trust_store):
    signature = sign_detached(MANIFEST, credential=expired_bidder_credential)

    with pytest.raises(CertificateExpired):
        verify_detached(signature, MANIFEST, trust=trust_store)


def test_signature_made_while_the_certificate_was_valid_still_verifies(
    expired_bidder_credential, trust_store
):
    signed_at = (utc_now() - dt.timedelta(days=150)).replace(microsecond=0)
    signature = sign_detached(
        MANIFEST, credential=expired_bidder_credential, signing_time=signed_at
    )

    info = verify_detached(signature, MANIFEST, trust=trust_store)

    assert info.signing_time == signed_at


def test_backdated_signature_is_refused_when_a_trusted_time_is_given(
    expired_bidder_credential, trust_store
):
    signed_at = utc_now() - dt.timedelta(days=150)
    signature = sign_detached(
        MANIFEST, credential=expired_bidder_credential, signing_time=signed_at
    )

    with pytest.raises(CertificateExpired):
        verify_detached(signature, MANIFEST, trust=trust_store, at=utc_now())


def test_signature_by_not_yet_valid_certificate_is_refused(
    not_yet_valid_bidder_credential, trust_store
):
    signature = sign_detached(MANIFEST, credential=not_yet_valid_bidder_credential)

    with pytest.raises(CertificateNotYetValid):
        verify_detached(signature, MANIFEST, trust=trust_store)


def test_signature_by_revoked_certificate_is_refused(revoked_bidder_credential, trust_store):
    signature = sign_detached(MANIFEST, credential=revoked_bidder_credential)

    with pytest.raises(CertificateRevoked):
        verify_detached(signature, MANIFEST, trust=trust_store)


def test_signature_by_untrusted_certificate_is_refused(untrusted_bidder_credential, trust_store):
    signature = sign_detached(MANIFEST, credential=untrusted_bidder_credential)

    with pytest.raises(CertificateUntrusted) as refusal:
        verify_detached(signature, MANIFEST, trust=trust_store)

    assert refusal.value.code == "certificate_untrusted"


def test_timestamping_certificate_cannot_sign_documents(timestamping_credential, trust_store):
    signature = sign_detached(MANIFEST, credential=timestamping_credential)

    with pytest.raises(CertificateUsageMissing):
        verify_detached(signature, MANIFEST, trust=trust_store)


def test_signing_time_in_the_future_is_refused(bidder_credential_ec, trust_store):
    signature = sign_detached(
        MANIFEST, credential=bidder_credential_ec, signing_time=utc_now() + dt.timedelta(hours=1)
    )

    with pytest.raises(SignatureInvalid) as refusal:
        verify_detached(signature, MANIFEST, trust=trust_store)

    assert str(refusal.value).startswith("The signature claims a signing time in the future")


def test_json_signature_verifies_for_the_same_value_in_another_key_order(
    bidder_credential_ec, trust_store
):
    signature = sign_json(
        {"tender": "T-1", "price_fen": 100, "files": ["a.pdf"]}, credential=bidder_credential_ec
    )

    info = verify_json(
        signature, {"files": ["a.pdf"], "price_fen": 100, "tender": "T-1"}, trust=trust_store
    )

    assert info.identity.uscc == BIDDER_USCC


def test_json_signature_is_refused_for_a_changed_value(bidder_credential_ec, trust_store):
    signature = sign_json({"tender": "T-1", "price_fen": 100}, credential=bidder_credential_ec)

    with pytest.raises(SignatureInvalid):
        verify_json(signature, {"tender": "T-1", "price_fen": 99}, trust=trust_store)


def openssl_cms_verify(tmp_path, *, data, signature, root) -> subprocess.CompletedProcess:
    (tmp_path / "receipt.json").write_bytes(data)
    (tmp_path / "receipt.p7s").write_bytes(signature)
    (tmp_path / "root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    return subprocess.run(
        [
            "openssl", "cms", "-verify", "-binary", "-inform", "DER",
            "-in", str(tmp_path / "receipt.p7s"),
            "-content", str(tmp_path / "receipt.json"),
            "-CAfile", str(tmp_path / "root.pem"),
            "-purpose", "any", "-out", str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


def test_openssl_verifies_a_platform_signature(
    platform_credential, certificate_authority, tmp_path
):
    signature = sign_detached(MANIFEST, credential=platform_credential)

    result = openssl_cms_verify(
        tmp_path, data=MANIFEST, signature=signature, root=certificate_authority.root_certificate
    )

    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr
    assert (tmp_path / "out").read_bytes() == MANIFEST


def test_openssl_refuses_a_platform_signature_over_changed_data(
    platform_credential, certificate_authority, tmp_path
):
    signature = sign_detached(MANIFEST, credential=platform_credential)

    result = openssl_cms_verify(
        tmp_path,
        data=MANIFEST + b" ",
        signature=signature,
        root=certificate_authority.root_certificate,
    )

    assert result.returncode != 0
    assert "Verification failure" in result.stderr


def test_changed_copy_of_the_issuing_ca_in_the_signature_is_refused(
    bidder_credential_ec, certificate_authority, trust_store
):
    # The certificate set is unsigned and the store knows the issuing CA anyway: a changed copy
    # would pass unnoticed if it were not refused.
    signature = sign_detached(MANIFEST, credential=bidder_credential_ec)
    issuing = certificate_authority.issuing_certificate.public_bytes(serialization.Encoding.DER)
    position = signature.index(issuing) + 100
    changed = signature[:position] + bytes([signature[position] ^ 0x01]) + signature[position + 1 :]

    with pytest.raises(SignatureInvalid):
        verify_detached(changed, MANIFEST, trust=trust_store)
