"""A credential: a private key, its certificate and the issuing CAs above it.

Credentials travel as password-protected PKCS#12 files, the form CAs hand to organisations and
persons and the form the bidder's tool reads from disk.
"""

from dataclasses import dataclass

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12

from signing.errors import SigningError

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
# Enough rounds to slow guessing of a stolen file, few enough to open it in well under a second.
PKCS12_KDF_ROUNDS = 100_000


class WrongPasswordError(SigningError):
    code = "wrong_password"


class CredentialInvalid(SigningError):
    code = "credential_invalid"


@dataclass(frozen=True)
class Credential:
    private_key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # issuing CAs above the leaf, root may be omitted


def dump_pkcs12(credential: Credential, password: bytes, *, friendly_name: str) -> bytes:
    """PKCS#12 with AES-256-CBC / PBKDF2-SHA256 and a SHA-256 MAC (no legacy RC2/3DES)."""
    if not password:
        raise CredentialInvalid("A PKCS#12 file must be protected by a non-empty password.")
    encryption = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(PKCS12_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password)
    )
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode("utf-8"),
        credential.private_key,
        credential.certificate,
        list(credential.chain),
        encryption,
    )


def load_pkcs12(data: bytes, password: bytes) -> Credential:
    """Open a PKCS#12 file; WrongPasswordError if the password does not open it."""
    # cryptography reports a wrong password and a damaged file alike; a file that parses as a
    # PFX structure but does not open can only be the password's fault.
    try:
        asn1_pkcs12.Pfx.load(data).native  # noqa: B018 — forces a full parse
    except (ValueError, TypeError) as error:
        raise CredentialInvalid(f"The file is not a PKCS#12 credential: {error}.") from error
    try:
        loaded = pkcs12.load_pkcs12(data, password)
    except ValueError as error:
        raise WrongPasswordError("The password does not open this PKCS#12 credential.") from error
    if loaded.key is None or loaded.cert is None:
        raise CredentialInvalid("The PKCS#12 file holds no private key or no certificate.")
    if not isinstance(loaded.key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CredentialInvalid("Only RSA and elliptic-curve keys are supported.")
    certificate = loaded.cert.certificate
    certificate_key = certificate.public_key()
    # A certificate for a key of another kind (Ed25519, ...) cannot belong to an RSA or EC key.
    if (
        not isinstance(certificate_key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey)
        or certificate_key.public_numbers() != loaded.key.public_key().public_numbers()
    ):
        raise CredentialInvalid("The private key does not belong to the certificate.")
    chain = tuple(item.certificate for item in loaded.additional_certs)
    return Credential(private_key=loaded.key, certificate=certificate, chain=chain)
