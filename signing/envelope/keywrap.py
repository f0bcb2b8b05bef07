"""Encrypting small secrets (a data key, an escrow share) to a certificate's public key.

RSA keys: RSA-OAEP with SHA-256, the label binding the secret to its purpose. EC P-256 keys:
HPKE base mode (RFC 9180: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM), info binding
the purpose. Secrets longer than OAEP can carry are sealed with AES-256-GCM under a fresh key
that OAEP wraps.
"""

import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from signing.envelope.errors import UnsupportedFormat, WrongKey
from signing.envelope.format import WRAP_HPKE_P256, WRAP_RSA_OAEP

WRAP_RSA_OAEP_AES_GCM = "RSA-OAEP-SHA256+AES-256-GCM"
_HPKE_SUITE = hpke.Suite(hpke.KEM.P256, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_GCM_NONCE_SIZE = 12

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _oaep(label: bytes) -> padding.OAEP:
    return padding.OAEP(
        mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=label
    )


def _require_p256(key: Any) -> None:
    if not isinstance(key.curve, ec.SECP256R1):
        raise UnsupportedFormat(
            f"Elliptic-curve keys on {key.curve.name} are not supported; use P-256."
        )


def wrap_method_for(public_key: PublicKey) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return WRAP_RSA_OAEP
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        _require_p256(public_key)
        return WRAP_HPKE_P256
    raise UnsupportedFormat(f"Keys of type {type(public_key).__name__} cannot receive a key.")


def wrap_key(secret: bytes, public_key: PublicKey, *, info: bytes) -> tuple[str, bytes]:
    """Encrypt a data key to a public key; returns (method, wrapped bytes)."""
    method = wrap_method_for(public_key)
    if isinstance(public_key, rsa.RSAPublicKey):
        return method, public_key.encrypt(secret, _oaep(info))
    return method, _HPKE_SUITE.encrypt(secret, public_key, info=info)


def unwrap_key(method: str, wrapped: bytes, private_key: PrivateKey, *, info: bytes) -> bytes:
    """Recover a data key; WrongKey if this private key (or purpose) does not open it."""
    try:
        if method == WRAP_RSA_OAEP and isinstance(private_key, rsa.RSAPrivateKey):
            return private_key.decrypt(wrapped, _oaep(info))
        if method == WRAP_HPKE_P256 and isinstance(private_key, ec.EllipticCurvePrivateKey):
            _require_p256(private_key)
            return _HPKE_SUITE.decrypt(wrapped, private_key, info=info)
    except (ValueError, InvalidTag) as error:
        raise WrongKey(f"The private key does not unwrap this {method} key.") from error
    raise WrongKey(f"A {type(private_key).__name__} cannot unwrap a {method} key.")


def encrypt_secret(secret: bytes, public_key: PublicKey, *, info: bytes) -> tuple[str, bytes]:
    """Encrypt a secret of any length (an escrow share) to a public key."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return wrap_key(secret, public_key, info=info)
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise UnsupportedFormat(f"Keys of type {type(public_key).__name__} cannot receive a key.")
    content_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(_GCM_NONCE_SIZE)
    wrapped = public_key.encrypt(content_key, _oaep(info))
    return WRAP_RSA_OAEP_AES_GCM, wrapped + nonce + AESGCM(content_key).encrypt(nonce, secret, info)


def decrypt_secret(method: str, data: bytes, private_key: PrivateKey, *, info: bytes) -> bytes:
    if method != WRAP_RSA_OAEP_AES_GCM:
        return unwrap_key(method, data, private_key, info=info)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise WrongKey(f"A {type(private_key).__name__} cannot open a {method} secret.")
    wrapped_size = private_key.key_size // 8
    wrapped = data[:wrapped_size]
    nonce = data[wrapped_size : wrapped_size + _GCM_NONCE_SIZE]
    content_key = unwrap_key(WRAP_RSA_OAEP, wrapped, private_key, info=info)
    try:
        return AESGCM(content_key).decrypt(nonce, data[wrapped_size + _GCM_NONCE_SIZE :], info)
    except (ValueError, InvalidTag) as error:
        raise WrongKey(f"The {method} secret is damaged: it does not authenticate.") from error
