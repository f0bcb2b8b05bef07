"""The platform CA: what its certificates carry, PKCS#12 delivery, revocation and CRLs."""

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from signing.certificates import (
    CertificateAuthority,
    CertificateAuthorityError,
    CertificateAuthorityExists,
    CertificateAuthorityPassphraseWrong,
    UnknownCertificate,
)
from signing.credentials import (
    CredentialInvalid,
    WrongPasswordError,
    dump_pkcs12,
    load_pkcs12,
)
from signing.trust import identify
from tests.certificates import (
    BIDDER_NAME,
    BIDDER_USCC,
    CA_PASSPHRASE,
    PERSON_ID,
    PERSON_NAME,
)

DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")


def subject_values(certificate: x509.Certificate) -> list[tuple[str, str]]:
    return [(attribute.oid.dotted_string, attribute.value) for attribute in certificate.subject]


def test_organisation_certificate_carries_uscc_name_and_rsa_usages(
    bidder_credential, certificate_authority
):
    certificate = bidder_credential.certificate

    assert subject_values(certificate) == [
        (NameOID.COUNTRY_NAME.dotted_string, "CN"),
        (NameOID.ORGANIZATION_NAME.dotted_string, BIDDER_NAME),
        ("2.5.4.97", BIDDER_USCC),
        (NameOID.COMMON_NAME.dotted_string, BIDDER_NAME),
    ]
    assert isinstance(bidder_credential.private_key, rsa.RSAPrivateKey)
    assert bidder_credential.private_key.key_size == 3072
    key_usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert key_usage.critical is True
    assert (key_usage.value.digital_signature, key_usage.value.key_encipherment) == (True, True)
    assert (key_usage.value.key_agreement, key_usage.value.key_cert_sign) == (False, False)
    extended = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(extended) == [
        ExtendedKeyUsageOID.CLIENT_AUTH,
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
        DOCUMENT_SIGNING,
    ]
    basic = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert basic.ca is False
    assert certificate.issuer == certificate_authority.issuing_certificate.subject
    assert bidder_credential.chain == (certificate_authority.issuing_certificate,)


def test_ec_organisation_certificate_agrees_keys_instead_of_enciphering(bidder_credential_ec):
    key_usage = bidder_credential_ec.certificate.extensions.get_extension_for_class(
        x509.KeyUsage
    ).value

    assert isinstance(bidder_credential_ec.private_key, ec.EllipticCurvePrivateKey)
    assert bidder_credential_ec.private_key.curve.name == "secp256r1"
    assert (key_usage.digital_signature, key_usage.key_agreement) == (True, True)
    assert key_usage.key_encipherment is False


def test_person_certificate_carries_the_person_id_as_serial_number(person_credential):
    identity = identify(person_credential.certificate)

    assert subject_values(person_credential.certificate) == [
        (NameOID.COUNTRY_NAME.dotted_string, "CN"),
        (NameOID.COMMON_NAME.dotted_string, PERSON_NAME),
        (NameOID.SERIAL_NUMBER.dotted_string, PERSON_ID),
    ]
    assert (identity.kind, identity.name, identity.person_id, identity.uscc) == (
        "person",
        PERSON_NAME,
        PERSON_ID,
        None,
    )


def test_timestamping_certificate_has_only_the_critical_time_stamping_usage(
    timestamping_credential,
):
    extensions = timestamping_credential.certificate.extensions
    extended = extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    key_usage = extensions.get_extension_for_class(x509.KeyUsage).value

    assert extended.critical is True
    assert list(extended.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert key_usage.digital_signature is True
    assert (key_usage.key_encipherment, key_usage.key_agreement) == (False, False)


def test_ca_hierarchy_is_root_then_issuing_ca(certificate_authority):
    root = certificate_authority.root_certificate
    issuing = certificate_authority.issuing_certificate

    assert root.issuer == root.subject
    assert issuing.issuer == root.subject
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 1
    assert issuing.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    issuing.verify_directly_issued_by(root)


def test_pkcs12_round_trip_keeps_key_certificate_and_chain(bidder_credential_ec):
    data = dump_pkcs12(bidder_credential_ec, b"correct horse", friendly_name="bidder")

    loaded = load_pkcs12(data, b"correct horse")

    assert loaded.certificate == bidder_credential_ec.certificate
    assert loaded.chain == bidder_credential_ec.chain
    assert (
        loaded.private_key.private_numbers() == bidder_credential_ec.private_key.private_numbers()
    )


def test_wrong_pkcs12_password_is_refused(bidder_credential_ec):
    data = dump_pkcs12(bidder_credential_ec, b"correct horse", friendly_name="bidder")

    with pytest.raises(WrongPasswordError) as refusal:
        load_pkcs12(data, b"battery staple")

    assert refusal.value.code == "wrong_password"
    assert str(refusal.value) == "The password does not open this PKCS#12 credential."


def test_damaged_pkcs12_file_is_refused_as_not_a_credential():
    with pytest.raises(CredentialInvalid) as refusal:
        load_pkcs12(b"this is not a PKCS#12 file", b"password")

    assert refusal.value.code == "credential_invalid"


def test_ca_private_keys_are_stored_encrypted_with_the_passphrase(certificate_authority):
    directory = certificate_authority.directory

    for name in ("root-key.pem", "issuing-key.pem"):
        assert (directory / name).read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY")
        assert (directory / name).stat().st_mode & 0o077 == 0
    reopened = CertificateAuthority.open(directory, passphrase=CA_PASSPHRASE)
    assert reopened.root_certificate == certificate_authority.root_certificate
    with pytest.raises(CertificateAuthorityPassphraseWrong):
        CertificateAuthority.open(directory, passphrase=b"wrong passphrase")


def test_revocation_is_published_in_the_crl_file(tmp_path):
    authority = CertificateAuthority.initialise(tmp_path / "ca", passphrase=b"passphrase")
    credential = authority.issue_person(name="李四", person_id="P-2", key_type="ec-p256")
    serial_number = credential.certificate.serial_number

    authority.revoke(serial_number=serial_number, reason="key_compromise")

    published = x509.load_pem_x509_crl(authority.crl_path.read_bytes())
    assert published.is_signature_valid(authority.issuing_certificate.public_key())
    assert published.issuer == authority.issuing_certificate.subject
    entry = published.get_revoked_certificate_by_serial_number(serial_number)
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.key_compromise
    assert published.next_update_utc - published.last_update_utc == dt.timedelta(days=7)
    root_crl = x509.load_pem_x509_crl(authority.root_crl_path.read_bytes())
    assert root_crl.is_signature_valid(authority.root_certificate.public_key())
    assert len(root_crl) == 0


def test_revoking_twice_keeps_the_first_revocation(tmp_path):
    authority = CertificateAuthority.initialise(tmp_path / "ca", passphrase=b"passphrase")
    serial_number = authority.issue_person(
        name="李四", person_id="P-2", key_type="ec-p256"
    ).certificate.serial_number
    authority.revoke(serial_number=serial_number, reason="superseded")

    authority.revoke(serial_number=serial_number, reason="key_compromise")

    assert [(serial, reason) for serial, (_, reason) in authority.revoked().items()] == [
        (serial_number, "superseded")
    ]
    assert len(authority.crl()) == 1


def test_revoking_a_serial_never_issued_is_refused(certificate_authority):
    with pytest.raises(UnknownCertificate) as refusal:
        certificate_authority.revoke(serial_number=0x1234)

    assert str(refusal.value) == (
        "No certificate with serial number 1234 (hex) was issued by this CA."
    )


def test_initialising_over_an_existing_ca_is_refused(certificate_authority):
    with pytest.raises(CertificateAuthorityExists):
        CertificateAuthority.initialise(certificate_authority.directory, passphrase=b"other")


def test_unknown_key_type_is_refused(certificate_authority):
    with pytest.raises(CertificateAuthorityError) as refusal:
        certificate_authority.issue_organisation(name="X", uscc=BIDDER_USCC, key_type="dsa1024")

    assert str(refusal.value) == "Unknown key type 'dsa1024': use one of rsa3072, ec-p256."
