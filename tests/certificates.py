"""Certificates for tests, made once per session (RSA-3072 keys are slow to make).

The platform CA is backdated 400 days so that certificates valid in the past (expired ones)
have a CA that was valid then too.
"""

import datetime as dt

import pytest

from accounts.uscc import make_uscc
from signing.certificates import CertificateAuthority
from signing.credentials import Credential
from signing.trust import TrustStore

CA_PASSPHRASE = b"test passphrase for the platform CA"
BIDDER_NAME = "北京示例建设工程有限公司"
BIDDER_USCC = make_uscc(authority="9", organisation_type="1", division="110000", body="10000001")
OTHER_BIDDER_NAME = "天津样本路桥有限公司"
OTHER_BIDDER_USCC = make_uscc(
    authority="9", organisation_type="1", division="120000", body="20000002"
)
PERSON_NAME = "张三"
PERSON_ID = "110101199003074477"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture(scope="session")
def certificate_authority(tmp_path_factory: pytest.TempPathFactory) -> CertificateAuthority:
    return CertificateAuthority.initialise(
        tmp_path_factory.mktemp("platform-ca"),
        passphrase=CA_PASSPHRASE,
        name="Test Platform CA",
        not_before=utc_now() - dt.timedelta(days=400),
    )


@pytest.fixture(scope="session")
def second_certificate_authority(
    tmp_path_factory: pytest.TempPathFactory,
) -> CertificateAuthority:
    """Another CA: not in `trust_store`, recognised only where a test adds its root."""
    return CertificateAuthority.initialise(
        tmp_path_factory.mktemp("second-ca"),
        passphrase=b"second CA passphrase",
        name="Other Province CA",
    )


@pytest.fixture(scope="session")
def bidder_credential(certificate_authority: CertificateAuthority) -> Credential:
    return certificate_authority.issue_organisation(
        name=BIDDER_NAME, uscc=BIDDER_USCC, key_type="rsa3072"
    )


@pytest.fixture(scope="session")
def bidder_credential_ec(certificate_authority: CertificateAuthority) -> Credential:
    return certificate_authority.issue_organisation(
        name=BIDDER_NAME, uscc=BIDDER_USCC, key_type="ec-p256"
    )


@pytest.fixture(scope="session")
def other_bidder_credential(certificate_authority: CertificateAuthority) -> Credential:
    return certificate_authority.issue_organisation(
        name=OTHER_BIDDER_NAME, uscc=OTHER_BIDDER_USCC, key_type="rsa3072"
    )


@pytest.fixture(scope="session")
def person_credential(certificate_authority: CertificateAuthority) -> Credential:
    return certificate_authority.issue_person(
        name=PERSON_NAME, person_id=PERSON_ID, key_type="rsa3072"
    )


@pytest.fixture(scope="session")
def expired_bidder_credential(certificate_authority: CertificateAuthority) -> Credential:
    """Valid from 200 to 100 days ago."""
    return certificate_authority.issue_organisation(
        name=BIDDER_NAME,
        uscc=BIDDER_USCC,
        key_type="ec-p256",
        not_before=utc_now() - dt.timedelta(days=200),
        not_after=utc_now() - dt.timedelta(days=100),
    )


@pytest.fixture(scope="session")
def not_yet_valid_bidder_credential(certificate_authority: CertificateAuthority) -> Credential:
    """Valid from 10 days from now."""
    return certificate_authority.issue_organisation(
        name=BIDDER_NAME,
        uscc=BIDDER_USCC,
        key_type="ec-p256",
        not_before=utc_now() + dt.timedelta(days=10),
        not_after=utc_now() + dt.timedelta(days=400),
    )


@pytest.fixture(scope="session")
def revoked_bidder_credential(certificate_authority: CertificateAuthority) -> Credential:
    """Revoked (key compromise) the moment it was issued; the CA's CRLs list it."""
    credential = certificate_authority.issue_organisation(
        name=BIDDER_NAME, uscc=BIDDER_USCC, key_type="ec-p256"
    )
    certificate_authority.revoke(
        serial_number=credential.certificate.serial_number, reason="key_compromise"
    )
    return credential


@pytest.fixture(scope="session")
def untrusted_bidder_credential(second_certificate_authority: CertificateAuthority) -> Credential:
    """Same organisation, but issued by a CA whose root `trust_store` does not hold."""
    return second_certificate_authority.issue_organisation(
        name=BIDDER_NAME, uscc=BIDDER_USCC, key_type="ec-p256"
    )


@pytest.fixture(scope="session")
def platform_credential(certificate_authority: CertificateAuthority) -> Credential:
    return certificate_authority.issue_platform(name="Test Trading Platform")


@pytest.fixture(scope="session")
def timestamping_credential(certificate_authority: CertificateAuthority) -> Credential:
    return certificate_authority.issue_timestamping(name="Test Platform TSA")


@pytest.fixture(scope="session")
def trust_store(
    certificate_authority: CertificateAuthority, revoked_bidder_credential: Credential
) -> TrustStore:
    """The platform CA's root, issuing CA and both CRLs, published after the revocation above."""
    root_crl, issuing_crl = certificate_authority.publish_crls()
    return TrustStore(
        roots=[certificate_authority.root_certificate],
        intermediates=[certificate_authority.issuing_certificate],
        crls=[root_crl, issuing_crl],
    )


@pytest.fixture(scope="session")
def timestamp_authority(timestamping_credential: Credential):
    from signing.timestamps import TimestampAuthority

    return TimestampAuthority(timestamping_credential)


@pytest.fixture(scope="session", autouse=True)
def platform_ca(certificate_authority: CertificateAuthority, trust_store: TrustStore):
    """Every test runs with the test CA as the platform's, with its own signing and TSA
    credentials: services that sign (notices, receipts) work as in production."""
    from django.conf import settings

    from signing.conf import service_credentials_issue

    settings.SIGNING_CA_DIR = certificate_authority.directory
    settings.SIGNING_CA_PASSPHRASE = CA_PASSPHRASE.decode()
    service_credentials_issue(certificate_authority)
    return certificate_authority
