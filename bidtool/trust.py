"""What bidtool trusts: the roots and CRLs the bidder gives (--trust-root, --crl)."""

import argparse
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509

from bidtool.files import read_file
from signing.credentials import Credential
from signing.envelope.errors import InputInvalid
from signing.trust import TrustStore


def read_certificates(paths: Iterable[Path]) -> list[x509.Certificate]:
    """The PEM certificates in the --trust-root files."""
    certificates: list[x509.Certificate] = []
    for path in paths:
        data = read_file(path, "trust root")
        try:
            certificates.extend(x509.load_pem_x509_certificates(data))
        except ValueError as error:
            raise InputInvalid(f"The trust root {str(path)!r} is not a PEM certificate.") from error
    return certificates


def read_crls(paths: Iterable[Path]) -> list[x509.CertificateRevocationList]:
    """The CRLs (PEM or DER) in the --crl files."""
    crls = []
    for path in paths:
        data = read_file(path, "CRL")
        try:
            crls.append(
                x509.load_pem_x509_crl(data)
                if b"-----BEGIN" in data
                else x509.load_der_x509_crl(data)
            )
        except ValueError as error:
            raise InputInvalid(f"The CRL {str(path)!r} is not a CRL.") from error
    return crls


def bidder_trust(credential: Credential, arguments: argparse.Namespace) -> TrustStore:
    """Anchors: --trust-root files, else the top of the chain in the credential."""
    roots = read_certificates(arguments.trust_root)
    chain = list(credential.chain)
    if not roots:
        if not chain:
            raise InputInvalid(
                "The credential holds no CA certificate to trust; give --trust-root."
            )
        self_signed = [item for item in chain if item.issuer == item.subject]
        roots = self_signed or [chain[-1]]
    intermediates = [item for item in chain if item not in roots]
    crls = read_crls(arguments.crl)
    # The bidder's machine may be offline with no CRL: then check the path, not revocation.
    # The platform checks revocation itself when the bid is submitted and opened.
    return TrustStore(
        roots=roots, intermediates=intermediates, crls=crls, check_revocation=bool(crls)
    )


def add_platform_trust_arguments(parser: argparse.ArgumentParser) -> None:
    """--trust-root (required, repeatable) and --crl: what every offline check of a document
    the platform signed takes."""
    parser.add_argument(
        "--trust-root",
        action="append",
        required=True,
        type=Path,
        help="the platform CA's root (and issuing CA) PEM",
    )
    parser.add_argument("--crl", action="append", default=[], type=Path)


def platform_trust(arguments: argparse.Namespace) -> TrustStore:
    """The platform CA's root and issuing certificates, given with --trust-root, to check what
    the platform signed (receipts, opening records)."""
    roots = read_certificates(arguments.trust_root)
    intermediates = [item for item in roots if item.issuer != item.subject]
    anchors = [item for item in roots if item.issuer == item.subject] or roots
    crls = read_crls(arguments.crl)
    return TrustStore(
        roots=anchors, intermediates=intermediates, crls=crls, check_revocation=bool(crls)
    )
