"""Settings of the signing subsystem (defined, with their defaults, in config/settings.py).

SIGNING_PLATFORM_CREDENTIAL  PKCS#12 of the platform's signing certificate (default in the CA dir)
SIGNING_TSA_CREDENTIAL       PKCS#12 of the time-stamping certificate (default in the CA dir);
                             both protected by SIGNING_CA_PASSPHRASE

SIGNING_EVALUATION_KEY  PEM of the platform evaluation key (default in the CA dir), protected
                        by SIGNING_CA_PASSPHRASE: opened bids' data keys are kept wrapped
                        under it, so the closed evaluation area can decrypt files as read

SIGNING_CA_DIR          directory of the platform CA (default <BASE_DIR>/var/ca)
SIGNING_CA_PASSPHRASE   passphrase of the CA private keys (default: a development passphrase)
SIGNING_TRUSTED_ROOTS   PEM files of other recognised CAs' roots (mutual recognition)
SIGNING_CRLS            CRL files (PEM or DER) of those CAs, refreshed by the operator
"""

from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

from signing.certificates import CertificateAuthority
from signing.credentials import Credential, dump_pkcs12, load_pkcs12
from signing.timestamps import TimestampAuthority
from signing.trust import TrustStore

# The platform's own credentials, kept beside the CA in development (in production, point
# SIGNING_PLATFORM_CREDENTIAL and SIGNING_TSA_CREDENTIAL at files from the production CA).
SERVICE_CREDENTIALS = {
    "platform": ("SIGNING_PLATFORM_CREDENTIAL", "platform.p12", "Trading Platform"),
    "tsa": ("SIGNING_TSA_CREDENTIAL", "tsa.p12", "Trading Platform Time-Stamping Authority"),
}


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
    versions = tuple(_version(path) for path in (*roots, *intermediates, *crl_paths))
    return _trust_store(tuple(roots), tuple(intermediates), tuple(crl_paths), versions)


def _version(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


@lru_cache(maxsize=8)
def _trust_store(
    roots: tuple[Path, ...],
    intermediates: tuple[Path, ...],
    crl_paths: tuple[Path, ...],
    versions: tuple[int, ...],
) -> TrustStore:
    """Parsed once per version of the files: a fresh CRL (new mtime) is read at the next call."""
    return TrustStore.from_pem_files(
        roots=list(roots), intermediates=list(intermediates), crls=list(crl_paths)
    )


def _service_credential_path(kind: str) -> Path:
    setting, file_name, _ = SERVICE_CREDENTIALS[kind]
    configured = getattr(settings, setting, "")
    return Path(configured) if configured else ca_directory() / file_name


def service_credentials_issue(authority: CertificateAuthority) -> None:
    """Issue the platform's signing and time-stamping credentials where they are missing."""
    for kind, (_, _, name) in SERVICE_CREDENTIALS.items():
        path = _service_credential_path(kind)
        if path.exists():
            continue
        if kind == "tsa":
            credential = authority.issue_timestamping(name=name)
        else:
            credential = authority.issue_platform(name=name)
        path.write_bytes(dump_pkcs12(credential, ca_passphrase(), friendly_name=name))
        path.chmod(0o600)
    evaluation_key_issue()


def evaluation_key_path() -> Path:
    configured = getattr(settings, "SIGNING_EVALUATION_KEY", "")
    return Path(configured) if configured else ca_directory() / "evaluation-key.pem"


def evaluation_key_issue() -> None:
    """Make the platform evaluation key (P-256, for HPKE) where it is missing."""
    path = evaluation_key_path()
    if path.exists():
        return
    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(ca_passphrase()),
        )
    )
    path.chmod(0o600)


@lru_cache(maxsize=4)
def _load_evaluation_key(
    path: str, modified_ns: int, passphrase: bytes
) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), passphrase)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError(f"The evaluation key {path} is not an elliptic-curve key.")
    return key


def evaluation_private_key() -> ec.EllipticCurvePrivateKey:
    """Unwraps opened bids' data keys: only the decryption worker and evaluation service use it."""
    path = evaluation_key_path()
    return _load_evaluation_key(str(path), path.stat().st_mtime_ns, ca_passphrase())


def evaluation_public_key() -> ec.EllipticCurvePublicKey:
    return evaluation_private_key().public_key()


def _service_credential(kind: str) -> Credential:
    path = _service_credential_path(kind)
    return _load_credential(str(path), path.stat().st_mtime_ns, ca_passphrase())


@lru_cache(maxsize=8)
def _load_credential(path: str, modified_ns: int, passphrase: bytes) -> Credential:
    """Decrypting PKCS#12 is slow by design (key derivation); keep what was loaded, per file
    version, so that every receipt and notice does not pay for it again."""
    return load_pkcs12(Path(path).read_bytes(), passphrase)


def platform_credential() -> Credential:
    """Signs what the platform vouches for: receipts, opening records, notices, checkpoints."""
    return _service_credential("platform")


def platform_timestamp_authority() -> TimestampAuthority:
    return TimestampAuthority(_service_credential("tsa"))
