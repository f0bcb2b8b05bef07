"""Settings of the signing subsystem (defined, with their defaults, in config/settings.py).

SIGNING_PLATFORM_CREDENTIAL  PKCS#12 of the platform's signing certificate (default in the CA dir),
                             protected by SIGNING_PLATFORM_PASSPHRASE
SIGNING_TSA_CREDENTIAL       PKCS#12 of the time-stamping certificate (default in the CA dir),
                             protected by SIGNING_TSA_PASSPHRASE

SIGNING_EVALUATION_KEY  PEM of the platform evaluation key (default in the CA dir), protected
                        by SIGNING_EVALUATION_PASSPHRASE: opened bids' data keys are kept wrapped
                        under it, so the closed evaluation area can decrypt files as read
SIGNING_EVALUATION_PUBLIC_KEY  its public half (default beside it), all a web process reads
SIGNING_KEY_SERVICE_SOCKET     where a process without the evaluation key asks the key service
                               (signing/keyservice.py) to unwrap one data key at a time

SIGNING_CA_DIR          directory of the platform CA (default <BASE_DIR>/var/ca)
SIGNING_CA_PASSPHRASE   passphrase of the CA private keys (default: a development passphrase)
SIGNING_TRUSTED_ROOTS   PEM files of other recognised CAs' roots (mutual recognition)
SIGNING_CRLS            CRL files (PEM or DER) of those CAs, refreshed by the operator

Each key has its own passphrase, and a process gets only those of its kind (signing/custody.py).
"""

from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

from signing.certificates import CertificateAuthority
from signing.credentials import Credential, WrongPasswordError, dump_pkcs12, load_pkcs12
from signing.custody import KEY_SERVICE, KEYS, WEB, WEB_WITHHELD, WORKER
from signing.envelope.keywrap import decrypt_secret
from signing.errors import SigningError
from signing.timestamps import TimestampAuthority
from signing.trust import TrustStore

# The platform's own credentials, kept beside the CA in development (in production, point
# SIGNING_PLATFORM_CREDENTIAL and SIGNING_TSA_CREDENTIAL at files from the production CA).
SERVICE_CREDENTIALS = {
    "platform": ("SIGNING_PLATFORM_CREDENTIAL", "platform.p12", "Trading Platform"),
    "tsa": ("SIGNING_TSA_CREDENTIAL", "tsa.p12", "Trading Platform Time-Stamping Authority"),
}


class KeyUnavailable(SigningError):
    """This process may not, or cannot, open the key it was asked for; says which setting."""

    code = "key_unavailable"


def ca_directory() -> Path:
    return Path(settings.SIGNING_CA_DIR)


def key_passphrase(key: str) -> bytes:
    """The passphrase of `key` (ca, platform, tsa, evaluation) given to this process."""
    setting = KEYS[key]
    value = getattr(settings, setting, None)
    if not value:
        if settings.PLATFORM_PROCESS == WEB and key in WEB_WITHHELD:
            raise KeyUnavailable(
                f"{setting} is withheld from web processes: a web process holds only the "
                "evaluation public key and asks the key service to unwrap"
            )
        raise KeyUnavailable(f"{setting} is not set in this process")
    return value.encode("utf-8") if isinstance(value, str) else value


def ca_passphrase() -> bytes:
    return key_passphrase("ca")


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
    """Issue the platform's signing and time-stamping credentials where they are missing, each
    under its own passphrase; the evaluation key likewise."""
    for kind, (_, _, name) in SERVICE_CREDENTIALS.items():
        path = _service_credential_path(kind)
        if path.exists():
            _credential_rekey(path, kind, name)
            continue
        if kind == "tsa":
            credential = authority.issue_timestamping(name=name)
        else:
            credential = authority.issue_platform(name=name)
        path.write_bytes(dump_pkcs12(credential, key_passphrase(kind), friendly_name=name))
        path.chmod(0o600)
    evaluation_key_issue()


def _credential_rekey(path: Path, kind: str, name: str) -> None:
    """Earlier versions kept every key under the CA's passphrase: a credential that opens only
    with it is written again under its own."""
    data = path.read_bytes()
    try:
        load_pkcs12(data, key_passphrase(kind))
        return
    except WrongPasswordError:
        credential = load_pkcs12(data, ca_passphrase())  # WrongPasswordError if neither opens it
    path.write_bytes(dump_pkcs12(credential, key_passphrase(kind), friendly_name=name))
    path.chmod(0o600)


def evaluation_key_path() -> Path:
    configured = getattr(settings, "SIGNING_EVALUATION_KEY", "")
    return Path(configured) if configured else ca_directory() / "evaluation-key.pem"


def evaluation_public_key_path() -> Path:
    configured = getattr(settings, "SIGNING_EVALUATION_PUBLIC_KEY", "")
    return Path(configured) if configured else ca_directory() / "evaluation-key.pub.pem"


def _write_private_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(key_passphrase("evaluation")),
        )
    )
    path.chmod(0o600)


def evaluation_key_issue() -> None:
    """Make the platform evaluation key (P-256, for HPKE) where it is missing, and write its
    public half beside it (a key kept under the CA's passphrase gets its own)."""
    path = evaluation_key_path()
    if not path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        _write_private_key(path, key)
    else:
        data = path.read_bytes()
        try:
            key = _private_key_from(data, key_passphrase("evaluation"), path)
        except KeyUnavailable:
            key = _private_key_from(data, ca_passphrase(), path)
            _write_private_key(path, key)
    public = evaluation_public_key_path()
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _private_key_from(data: bytes, passphrase: bytes, path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(data, passphrase)
    except (ValueError, TypeError):
        raise KeyUnavailable(
            f"SIGNING_EVALUATION_PASSPHRASE does not open the evaluation key {path}"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise KeyUnavailable(f"The evaluation key {path} is not an elliptic-curve key.")
    return key


@lru_cache(maxsize=4)
def _load_evaluation_key(
    path: str, modified_ns: int, passphrase: bytes
) -> ec.EllipticCurvePrivateKey:
    return _private_key_from(Path(path).read_bytes(), passphrase, Path(path))


def evaluation_private_key() -> ec.EllipticCurvePrivateKey:
    """Unwraps opened bids' data keys: only the decryption workers and the key service open it,
    never a web process."""
    if settings.PLATFORM_PROCESS == WEB:
        raise KeyUnavailable(
            "a web process holds only the evaluation public key: it asks the key service "
            "(SIGNING_KEY_SERVICE_SOCKET) to unwrap"
        )
    path = evaluation_key_path()
    return _load_evaluation_key(str(path), path.stat().st_mtime_ns, key_passphrase("evaluation"))


@lru_cache(maxsize=4)
def _load_public_key(path: str, modified_ns: int) -> ec.EllipticCurvePublicKey:
    key = serialization.load_pem_public_key(Path(path).read_bytes())
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise KeyUnavailable(f"The evaluation public key {path} is not an elliptic-curve key.")
    return key


def evaluation_public_key() -> ec.EllipticCurvePublicKey:
    """What data keys are wrapped to; read from the public file, no passphrase needed."""
    path = evaluation_public_key_path()
    try:
        modified = path.stat().st_mtime_ns
    except FileNotFoundError:
        if settings.PLATFORM_PROCESS == WEB:
            raise KeyUnavailable(
                f"the evaluation public key {path} (SIGNING_EVALUATION_PUBLIC_KEY) is missing"
            ) from None
        return evaluation_private_key().public_key()
    return _load_public_key(str(path), modified)


def _key_service_socket() -> str | None:
    """None where this process opens the evaluation key itself (a decryption worker, the key
    service, or a command where no key service is set); else the socket to ask."""
    socket = getattr(settings, "SIGNING_KEY_SERVICE_SOCKET", "")
    holds_key = settings.PLATFORM_PROCESS in {WORKER, KEY_SERVICE}
    if holds_key or (not socket and settings.PLATFORM_PROCESS != WEB):
        return None
    if not socket:
        raise KeyUnavailable(
            "SIGNING_KEY_SERVICE_SOCKET is not set: a web process holds only the evaluation "
            "public key and asks the key service to unwrap"
        )
    return socket


def evaluation_decrypt(method: str, wrapped: bytes, *, info: bytes) -> bytes:
    """Unwrap a secret the platform wrapped to the evaluation key: here, in a process that
    holds the key, or by asking the key service (a web process, and any other process where
    SIGNING_KEY_SERVICE_SOCKET is set)."""
    from signing.keyservice import KeyServiceClient

    socket = _key_service_socket()
    if socket is None:
        return decrypt_secret(method, wrapped, evaluation_private_key(), info=info)
    return KeyServiceClient(socket).unwrap(method, wrapped, info=info)


def evaluation_key_operation(operation: str, request: dict) -> dict:
    """An operation of the key service with the evaluation key (signing.keyservice.OPERATIONS:
    escrow_check, escrow_recover), run where the key is: here or in the key service."""
    from signing.keyservice import OPERATIONS, KeyServiceClient

    socket = _key_service_socket()
    if socket is None:
        return OPERATIONS[operation](evaluation_private_key(), request)
    return KeyServiceClient(socket).request({**request, "op": operation})


def _service_credential(kind: str) -> Credential:
    path = _service_credential_path(kind)
    return _load_credential(str(path), path.stat().st_mtime_ns, key_passphrase(kind))


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
