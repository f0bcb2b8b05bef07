"""`manage.py ca`: the platform CA for development and demos (init, issue, revoke, crl)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from signing import conf
from signing.certificates import KEY_TYPES, REVOCATION_REASONS, CertificateAuthority
from signing.credentials import dump_pkcs12
from signing.errors import SigningError


def _serial(text: str) -> int:
    """Decimal, or hex written with 0x or with colons (as openssl prints it)."""
    cleaned = text.strip().replace(":", "")
    try:
        if ":" in text or text.lower().startswith("0x"):
            return int(cleaned, 16)
        return int(cleaned)
    except ValueError:
        raise CommandError(f"{text!r} is not a serial number (decimal, or hex with 0x).") from None


class Command(BaseCommand):
    help = "Manage the platform CA: init, issue, revoke, crl."
    # Works on files only: a broken URL conf elsewhere must not stop a revocation.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("init", help="Create the root and issuing CA in SIGNING_CA_DIR.")
        issue = actions.add_parser("issue", help="Issue a certificate as a PKCS#12 file.")
        issue.add_argument("--kind", choices=["organisation", "person"], required=True)
        issue.add_argument("--name", required=True)
        owner = issue.add_mutually_exclusive_group(required=True)
        owner.add_argument("--uscc", help="unified social credit code (organisations)")
        owner.add_argument("--person-id", help="identity number (persons)")
        issue.add_argument("--key-type", choices=KEY_TYPES, default="rsa3072")
        issue.add_argument("--out", type=Path, required=True, help="the .p12 file to write")
        issue.add_argument(
            "--password-file", type=Path, required=True, help="file holding the PKCS#12 password"
        )
        revoke = actions.add_parser("revoke", help="Revoke a certificate and publish the CRL.")
        revoke.add_argument("--serial", required=True, help="decimal, or hex with 0x")
        revoke.add_argument("--reason", choices=list(REVOCATION_REASONS), default="key_compromise")
        actions.add_parser("crl", help="Publish fresh CRLs and print the issuing CA's CRL path.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            getattr(self, f"handle_{action}")(**options)
        except SigningError as error:
            raise CommandError(str(error)) from error
        except OSError as error:
            raise CommandError(f"{error.strerror}: {error.filename}") from error

    def handle_init(self, **options: Any) -> None:
        authority = CertificateAuthority.initialise(
            conf.ca_directory(), passphrase=conf.ca_passphrase()
        )
        conf.service_credentials_issue(authority)
        self.stdout.write(f"Created the platform CA in {authority.directory}")
        self.stdout.write(f"Root certificate: {authority.directory / 'root.pem'}")

    def handle_issue(
        self,
        *,
        kind: str,
        name: str,
        uscc: str | None,
        person_id: str | None,
        key_type: str,
        out: Path,
        password_file: Path,
        **options: Any,
    ) -> None:
        identifier = uscc if kind == "organisation" else person_id
        if not identifier:
            raise CommandError(
                "An organisation certificate needs --uscc."
                if kind == "organisation"
                else "A person certificate needs --person-id."
            )
        password = password_file.read_bytes().rstrip(b"\r\n")
        if not password:
            raise CommandError(f"The password file {password_file} is empty.")
        if out.exists():
            raise CommandError(f"{out} exists already; choose another --out.")
        authority = conf.platform_certificate_authority()
        if kind == "organisation":
            credential = authority.issue_organisation(name=name, uscc=identifier, key_type=key_type)
        else:
            credential = authority.issue_person(name=name, person_id=identifier, key_type=key_type)
        out.write_bytes(dump_pkcs12(credential, password, friendly_name=name))
        out.chmod(0o600)
        serial_number = credential.certificate.serial_number
        self.stdout.write(f"Issued serial {serial_number:#x} to {name}: {out}")

    def handle_revoke(self, *, serial: str, reason: str, **options: Any) -> None:
        serial_number = _serial(serial)
        authority = conf.platform_certificate_authority()
        authority.revoke(serial_number=serial_number, reason=reason)
        self.stdout.write(
            f"Revoked serial {serial_number:#x} ({reason}); CRL: {authority.crl_path}"
        )

    def handle_crl(self, **options: Any) -> None:
        authority = conf.platform_certificate_authority()
        authority.publish_crls()
        self.stdout.write(str(authority.crl_path))
