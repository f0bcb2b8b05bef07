"""Which certificates are accepted, when, for what, and whose they are."""

import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from signing.certificates import CertificateAuthority
from signing.trust import (
    CertificateExpired,
    CertificateIdentity,
    CertificateNotYetValid,
    CertificateOwnerMismatch,
    CertificateRevocationUnknown,
    CertificateRevoked,
    CertificateUntrusted,
    CertificateUsageMissing,
    TrustStore,
    identify,
    require_owner,
    validate_certificate,
)
from tests.certificates import (
    BIDDER_NAME,
    BIDDER_USCC,
    OTHER_BIDDER_USCC,
    PERSON_ID,
    utc_now,
)


def validate(credential, trust, *, purpose="signing", at=None):
    return validate_certificate(
        credential.certificate,
        trust=trust,
        at=at or utc_now(),
        purpose=purpose,
        intermediates=credential.chain,
    )


def test_valid_bidder_certificate_is_accepted_for_signing(bidder_credential, trust_store):
    identity = validate(bidder_credential, trust_store)

    assert identity == CertificateIdentity(
        kind="organisation",
        name=BIDDER_NAME,
        uscc=BIDDER_USCC,
        person_id=None,
        certificate_sha256=hashlib.sha256(
            bidder_credential.certificate.public_bytes(serialization.Encoding.DER)
        ).hexdigest(),
    )


@pytest.mark.parametrize("purpose", ["signing", "encryption", "login"])
def test_ec_bidder_certificate_serves_every_subscriber_purpose(
    bidder_credential_ec, trust_store, purpose
):
    assert validate(bidder_credential_ec, trust_store, purpose=purpose).uscc == BIDDER_USCC


def test_expired_certificate_is_refused(expired_bidder_credential, trust_store):
    with pytest.raises(CertificateExpired) as refusal:
        validate(expired_bidder_credential, trust_store)

    assert refusal.value.code == "certificate_expired"
    assert "end-entity certificate expired" in str(refusal.value)


def test_expired_certificate_is_accepted_at_a_moment_it_was_valid(
    expired_bidder_credential, trust_store
):
    at = utc_now() - dt.timedelta(days=150)

    assert validate(expired_bidder_credential, trust_store, at=at).uscc == BIDDER_USCC


def test_not_yet_valid_certificate_is_refused(not_yet_valid_bidder_credential, trust_store):
    with pytest.raises(CertificateNotYetValid) as refusal:
        validate(not_yet_valid_bidder_credential, trust_store)

    assert refusal.value.code == "certificate_not_yet_valid"


def test_revoked_certificate_is_refused(revoked_bidder_credential, trust_store):
    with pytest.raises(CertificateRevoked) as refusal:
        validate(revoked_bidder_credential, trust_store)

    assert refusal.value.code == "certificate_revoked"
    assert "compromised key" in str(refusal.value)


def test_certificate_revoked_later_is_accepted_before_its_revocation(tmp_path):
    authority = CertificateAuthority.initialise(
        tmp_path / "ca", passphrase=b"passphrase", not_before=utc_now() - dt.timedelta(days=30)
    )
    credential = authority.issue_organisation(
        name=BIDDER_NAME,
        uscc=BIDDER_USCC,
        key_type="ec-p256",
        not_before=utc_now() - dt.timedelta(days=20),
    )
    authority.revoke(
        serial_number=credential.certificate.serial_number,
        revoked_at=utc_now() - dt.timedelta(days=2),
    )
    trust = TrustStore(
        roots=[authority.root_certificate], crls=[authority.root_crl(), authority.crl()]
    )

    accepted = validate(credential, trust, at=utc_now() - dt.timedelta(days=5))

    assert accepted.uscc == BIDDER_USCC
    with pytest.raises(CertificateRevoked):
        validate(credential, trust, at=utc_now() - dt.timedelta(days=1))


def test_untrusted_certificate_is_refused(untrusted_bidder_credential, trust_store):
    with pytest.raises(CertificateUntrusted) as refusal:
        validate(untrusted_bidder_credential, trust_store)

    assert refusal.value.code == "certificate_untrusted"
    assert "does not chain to a trusted root" in str(refusal.value)


def test_certificate_of_a_recognised_other_ca_is_accepted(
    certificate_authority,
    second_certificate_authority,
    untrusted_bidder_credential,
    bidder_credential,
):
    mutual = TrustStore(
        roots=[
            certificate_authority.root_certificate,
            second_certificate_authority.root_certificate,
        ],
        crls=[*certificate_authority.publish_crls(), *second_certificate_authority.publish_crls()],
    )

    assert validate(untrusted_bidder_credential, mutual).uscc == BIDDER_USCC
    assert validate(bidder_credential, mutual).uscc == BIDDER_USCC


def test_certificate_without_a_crl_is_refused_as_revocation_unknown(
    certificate_authority, bidder_credential
):
    # The root's CRL is there but not the issuing CA's, which covers the bidder.
    without_issuing_crl = TrustStore(
        roots=[certificate_authority.root_certificate],
        crls=[certificate_authority.publish_crls()[0]],
    )

    with pytest.raises(CertificateRevocationUnknown) as refusal:
        validate(bidder_credential, without_issuing_crl)

    assert refusal.value.code == "certificate_revocation_unknown"
    assert isinstance(refusal.value, CertificateUntrusted)


def test_issuing_ca_without_a_root_crl_is_refused_as_revocation_unknown(
    certificate_authority, bidder_credential
):
    without_root_crl = TrustStore(
        roots=[certificate_authority.root_certificate],
        crls=[certificate_authority.publish_crls()[1]],
    )

    with pytest.raises(CertificateRevocationUnknown):
        validate(bidder_credential, without_root_crl)


def test_certificate_is_refused_when_the_crl_is_out_of_date(
    certificate_authority, bidder_credential, trust_store
):
    # The published CRLs are good for seven days; after that no current status is known.
    with pytest.raises(CertificateRevocationUnknown):
        validate(bidder_credential, trust_store, at=utc_now() + dt.timedelta(days=8))


def test_timestamping_certificate_without_key_encipherment_is_refused_for_encryption(
    timestamping_credential, trust_store
):
    with pytest.raises(CertificateUsageMissing) as refusal:
        validate(timestamping_credential, trust_store, purpose="encryption")

    assert refusal.value.code == "certificate_usage_missing"
    assert "key usage asserts none of key_agreement, key_encipherment" in str(refusal.value)


def test_organisation_certificate_without_time_stamping_usage_is_refused_as_tsa(
    bidder_credential, trust_store
):
    with pytest.raises(CertificateUsageMissing) as refusal:
        validate(bidder_credential, trust_store, purpose="timestamping")

    assert "extended key usage lists none of 1.3.6.1.5.5.7.3.8" in str(refusal.value)


def test_platform_certificate_without_client_auth_is_refused_for_login(
    platform_credential, trust_store
):
    with pytest.raises(CertificateUsageMissing):
        validate(platform_credential, trust_store, purpose="login")


def test_timestamping_certificate_is_accepted_for_timestamping(
    timestamping_credential, trust_store
):
    identity = validate(timestamping_credential, trust_store, purpose="timestamping")

    assert (identity.kind, identity.name) == ("service", "Test Platform TSA")


def test_owner_check_accepts_the_certificate_holder(bidder_credential, person_credential):
    require_owner(identify(bidder_credential.certificate), uscc=BIDDER_USCC)
    require_owner(identify(person_credential.certificate), person_id=PERSON_ID)


def test_certificate_of_another_organisation_is_refused(other_bidder_credential):
    with pytest.raises(CertificateOwnerMismatch) as refusal:
        require_owner(identify(other_bidder_credential.certificate), uscc=BIDDER_USCC)

    assert refusal.value.code == "certificate_owner_mismatch"
    assert str(refusal.value) == (
        f"The certificate of 天津样本路桥有限公司 belongs to the organisation "
        f"{OTHER_BIDDER_USCC}, not to {BIDDER_USCC}."
    )


def test_organisation_certificate_is_refused_as_a_persons(bidder_credential):
    with pytest.raises(CertificateOwnerMismatch):
        require_owner(identify(bidder_credential.certificate), person_id=PERSON_ID)


def test_identify_reads_an_etsi_prefixed_organisation_identifier():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"NTRCN-{BIDDER_USCC}"),
            x509.NameAttribute(NameOID.COMMON_NAME, BIDDER_NAME),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(utc_now())
        .not_valid_after(utc_now() + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )

    identity = identify(certificate)

    assert (identity.kind, identity.uscc, identity.name) == (
        "organisation",
        BIDDER_USCC,
        BIDDER_NAME,
    )


def test_trust_store_reads_the_ca_directory_files(certificate_authority, bidder_credential):
    directory = certificate_authority.directory
    certificate_authority.publish_crls()
    from_files = TrustStore.from_pem_files(
        roots=[directory / "root.pem"],
        intermediates=[directory / "issuing.pem"],
        crls=[directory / "root-crl.pem", directory / "issuing-crl.pem"],
    )

    identity = validate_certificate(
        bidder_credential.certificate, trust=from_files, at=utc_now(), purpose="signing"
    )

    assert identity.uscc == BIDDER_USCC
