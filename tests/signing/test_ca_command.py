"""`manage.py ca`: init, issue, revoke, crl, and the trust store built from settings."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from django.core.management import CommandError, call_command

from signing import conf
from signing.credentials import load_pkcs12
from signing.trust import identify, validate_certificate
from tests.certificates import BIDDER_NAME, BIDDER_USCC, PERSON_ID, PERSON_NAME, utc_now

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ca_settings(settings, tmp_path):
    settings.SIGNING_CA_DIR = tmp_path / "ca"
    settings.SIGNING_CA_PASSPHRASE = "command test passphrase"
    (tmp_path / "password").write_text("p12 password\n")
    return settings


def run(*arguments: str) -> str:
    output = io.StringIO()
    call_command("ca", *arguments, stdout=output)
    return output.getvalue()


def issue_organisation(tmp_path: Path, out: str = "bidder.p12") -> str:
    return run(
        "issue", "--kind", "organisation", "--name", BIDDER_NAME, "--uscc", BIDDER_USCC,
        "--key-type", "ec-p256", "--out", str(tmp_path / out),
        "--password-file", str(tmp_path / "password"),
    )  # fmt: skip


def test_init_creates_the_ca_and_says_where(ca_settings, tmp_path):
    output = run("init")

    assert output == (
        f"Created the platform CA in {tmp_path / 'ca'}\n"
        f"Root certificate: {tmp_path / 'ca' / 'root.pem'}\n"
    )
    assert sorted(path.name for path in (tmp_path / "ca").iterdir()) == [
        "evaluation-key.pem",
        "evaluation-key.pub.pem",
        "issued",
        "issuing-crl.pem",
        "issuing-key.pem",
        "issuing.pem",
        "platform.p12",
        "revoked.json",
        "root-crl.pem",
        "root-key.pem",
        "root.pem",
        "tsa.p12",
    ]


def test_issue_writes_a_pkcs12_that_opens_with_the_password_file(ca_settings, tmp_path):
    run("init")

    output = issue_organisation(tmp_path)

    credential = load_pkcs12((tmp_path / "bidder.p12").read_bytes(), b"p12 password")
    assert output == (
        f"Issued serial {credential.certificate.serial_number:#x} to {BIDDER_NAME}: "
        f"{tmp_path / 'bidder.p12'}\n"
    )
    identity = validate_certificate(
        credential.certificate,
        trust=conf.platform_trust_store(),
        at=utc_now(),
        purpose="signing",
        intermediates=credential.chain,
    )
    assert (identity.kind, identity.uscc) == ("organisation", BIDDER_USCC)
    assert (tmp_path / "bidder.p12").stat().st_mode & 0o777 == 0o600


def test_issue_for_a_person_carries_the_person_id(ca_settings, tmp_path):
    run("init")

    run(
        "issue", "--kind", "person", "--name", PERSON_NAME, "--person-id", PERSON_ID,
        "--key-type", "rsa3072", "--out", str(tmp_path / "expert.p12"),
        "--password-file", str(tmp_path / "password"),
    )  # fmt: skip

    credential = load_pkcs12((tmp_path / "expert.p12").read_bytes(), b"p12 password")
    assert (identify(credential.certificate).person_id, credential.private_key.key_size) == (
        PERSON_ID,
        3072,
    )


def test_organisation_without_uscc_is_refused(ca_settings, tmp_path):
    run("init")

    with pytest.raises(CommandError, match=r"^An organisation certificate needs --uscc\.$"):
        run(
            "issue", "--kind", "organisation", "--name", BIDDER_NAME, "--person-id", PERSON_ID,
            "--out", str(tmp_path / "x.p12"), "--password-file", str(tmp_path / "password"),
        )  # fmt: skip


def test_revoke_puts_the_serial_on_the_published_crl(ca_settings, tmp_path):
    run("init")
    issue_organisation(tmp_path)
    credential = load_pkcs12((tmp_path / "bidder.p12").read_bytes(), b"p12 password")
    serial_number = credential.certificate.serial_number

    output = run("revoke", "--serial", f"{serial_number:#x}")

    crl_path = tmp_path / "ca" / "issuing-crl.pem"
    assert output == f"Revoked serial {serial_number:#x} (key_compromise); CRL: {crl_path}\n"
    published = x509.load_pem_x509_crl(crl_path.read_bytes())
    assert published.get_revoked_certificate_by_serial_number(serial_number) is not None


def test_crl_prints_the_path_of_a_fresh_crl(ca_settings, tmp_path):
    run("init")
    crl_path = tmp_path / "ca" / "issuing-crl.pem"
    before = x509.load_pem_x509_crl(crl_path.read_bytes())

    output = run("crl")

    assert output == f"{crl_path}\n"
    after = x509.load_pem_x509_crl(crl_path.read_bytes())
    crl_number = x509.CRLNumber
    assert (
        after.extensions.get_extension_for_class(crl_number).value.crl_number
        > before.extensions.get_extension_for_class(crl_number).value.crl_number
    )


def test_wrong_ca_passphrase_is_refused_with_a_clear_message(ca_settings, tmp_path):
    run("init")
    ca_settings.SIGNING_CA_PASSPHRASE = "not the passphrase"

    with pytest.raises(CommandError) as refusal:
        run("crl")

    assert str(refusal.value) == (
        f"The passphrase does not open the issuing CA key in {tmp_path / 'ca'}."
    )


def test_platform_trust_store_recognises_configured_roots(
    ca_settings, tmp_path, second_certificate_authority, untrusted_bidder_credential
):
    run("init")
    other = second_certificate_authority
    other.publish_crls()
    ca_settings.SIGNING_TRUSTED_ROOTS = [str(other.directory / "root.pem")]
    ca_settings.SIGNING_CRLS = [str(other.root_crl_path), str(other.crl_path)]

    identity = validate_certificate(
        untrusted_bidder_credential.certificate,
        trust=conf.platform_trust_store(),
        at=utc_now(),
        purpose="signing",
        intermediates=untrusted_bidder_credential.chain,
    )

    assert identity.uscc == BIDDER_USCC


def test_command_error_is_one_line_without_a_traceback(tmp_path):
    (tmp_path / "command_settings.py").write_text(
        "from config.test_settings import *  # noqa: F403\n"
        f"SIGNING_CA_DIR = {str(tmp_path / 'missing-ca')!r}\n"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "command_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(PROJECT_ROOT)]),
    }

    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "manage.py"), "ca", "revoke", "--serial", "0x12"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr == (
        f"CommandError: No certificate authority in {tmp_path / 'missing-ca'}: "
        "run `manage.py ca init` first.\n"
    )
