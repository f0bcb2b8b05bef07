"""Settings of the signing subsystem (defined, with their defaults, in config/settings.py).

SIGNING_CA_DIR          directory of the platform CA (default <BASE_DIR>/var/ca)
SIGNING_CA_PASSPHRASE   passphrase of the CA private keys (default: a development passphrase)
SIGNING_TRUSTED_ROOTS   PEM files of other recognised CAs' roots (mutual recognition)
SIGNING_CRLS            CRL files (PEM or DER) of those CAs, refreshed by the operator
"""

from pathlib import Path

from django.conf import settings

from signing.certificates import CertificateAuthority
from signing.trust import TrustStore


def ca_directory() -> Path:
    return Path(settings.SIGNING_CA_DIR)


def ca_passphrase() -> bytes:
    value = settings.SIGNING_CA_PASSPHRASE
    return value.encode("utf-8") if isinstance(value, str) else value


def trusted_roots() -> list[Path]:
    return [Path(path) for path in settings.SIGNING_TRUSTED_ROOTS]


def crls() -> list[Path]:
    return [Path(path) for path in settings.SIGNING_CRLS]


def platform_certificate_authority() -> CertificateAuthority:
    return CertificateAuthority.open(ca_directory(), passphrase=ca_passphrase())


def platform_trust_store() -> TrustStore:
    """The platform CA's root, issuing CA and CRLs, plus the configured roots and CRLs.

    Reads only public files, so the CA passphrase is not needed to verify.
    """
    directory = ca_directory()
    roots, intermediates, crl_paths = list(trusted_roots()), [], list(crls())
    if (directory / "root.pem").exists():
        roots.insert(0, directory / "root.pem")
        intermediates.append(directory / "issuing.pem")
        crl_paths[:0] = [directory / "root-crl.pem", directory / "issuing-crl.pem"]
    return TrustStore.from_pem_files(roots=roots, intermediates=intermediates, crls=crl_paths)
