"""The tender's escrow key: an HPKE P-256 key whose private half is split k-of-n (SLIP-39).

Each share is encrypted to one opening-committee member's certificate. Any k members can
recover the private key and open a bid whose bidder cannot; fewer learn nothing. SLIP-39 shares
carry a checksum, so a corrupted share is named instead of silently yielding a wrong key, and
the recovered key is compared with the published public key before anyone uses it.
"""

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import shamir_mnemonic
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from signing.canonical import canonical_json
from signing.envelope.errors import (
    EscrowError,
    EscrowKeyMismatch,
    EscrowShareCorrupted,
    EscrowSharesInsufficient,
)
from signing.envelope.format import certificate_sha256, key_id
from signing.envelope.keywrap import PrivateKey, decrypt_secret, encrypt_secret

MAX_MEMBERS = 16  # SLIP-39 limit on the shares of one group
_SECRET_SIZE = 32  # a P-256 private scalar


@dataclass(frozen=True)
class EscrowShare:
    """One committee member's share, encrypted to that member's certificate."""

    member_number: int  # 1..n, in the order the certificates were given
    member_certificate_sha256: str
    method: str
    encrypted_share: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "member_number": self.member_number,
            "member_certificate_sha256": self.member_certificate_sha256,
            "method": self.method,
            "encrypted_share": base64.b64encode(self.encrypted_share).decode("ascii"),
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "EscrowShare":
        try:
            return cls(
                member_number=int(value["member_number"]),
                member_certificate_sha256=str(value["member_certificate_sha256"]),
                method=str(value["method"]),
                encrypted_share=base64.b64decode(value["encrypted_share"], validate=True),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise EscrowError(f"An escrow share record is malformed: {error}.") from error


@dataclass(frozen=True)
class Escrow:
    public_key: ec.EllipticCurvePublicKey
    threshold: int
    shares: tuple[EscrowShare, ...]

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def public_key_pem(self) -> bytes:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def _share_info(escrow_key_id: str, member_number: int) -> bytes:
    return canonical_json(
        {
            "purpose": "sealed-bid escrow share",
            "escrow_key_id": escrow_key_id,
            "member_number": member_number,
        }
    )


def create_escrow(k: int, n: int, member_certificates: Sequence[x509.Certificate]) -> Escrow:
    """Make an escrow key and split its private half k-of-n among the members' certificates.

    One machine holds the whole private key while it splits it: the tender's escrow is made
    by the committee members' parts instead (signing.envelope.escrow_parts), so that none does.
    """
    if len(member_certificates) != n:
        raise EscrowError(
            f"{n} shares were asked for but {len(member_certificates)} "
            "member certificates were given."
        )
    private_key = ec.generate_private_key(ec.SECP256R1())
    shares = split_to_members(private_key, k, member_certificates)
    return Escrow(public_key=private_key.public_key(), threshold=k, shares=shares)


def split_to_members(
    private_key: ec.EllipticCurvePrivateKey, k: int, member_certificates: Sequence[x509.Certificate]
) -> tuple[EscrowShare, ...]:
    """Split a P-256 private key k-of-n (SLIP-39), share j encrypted to certificate j."""
    n = len(member_certificates)
    if not 1 <= k <= n <= MAX_MEMBERS:
        raise EscrowError(f"A {k}-of-{n} escrow is impossible: need 1 <= k <= n <= {MAX_MEMBERS}.")
    secret = private_key.private_numbers().private_value.to_bytes(_SECRET_SIZE, "big")
    if k == 1:
        # SLIP-39 forbids 1-of-n inside one group; n groups of 1-of-1 with threshold 1 is the same.
        groups = shamir_mnemonic.generate_mnemonics(1, [(1, 1)] * n, secret, iteration_exponent=0)
        mnemonics = [group[0] for group in groups]
    else:
        mnemonics = shamir_mnemonic.generate_mnemonics(1, [(k, n)], secret, iteration_exponent=0)[0]
    escrow_key_id = key_id(private_key.public_key())
    shares = []
    for number, (certificate, mnemonic) in enumerate(
        zip(member_certificates, mnemonics, strict=True), start=1
    ):
        method, encrypted = encrypt_secret(
            mnemonic.encode("ascii"),
            certificate.public_key(),  # type: ignore[arg-type]
            info=_share_info(escrow_key_id, number),
        )
        shares.append(EscrowShare(number, certificate_sha256(certificate), method, encrypted))
    return tuple(shares)


def decrypt_share(
    share: EscrowShare, private_key: PrivateKey, *, escrow_public_key: ec.EllipticCurvePublicKey
) -> str:
    """A member opens their own share with their private key; returns the SLIP-39 mnemonic."""
    data = decrypt_secret(
        share.method,
        share.encrypted_share,
        private_key,
        info=_share_info(key_id(escrow_public_key), share.member_number),
    )
    return data.decode("ascii")


def recover_escrow_key(
    decrypted_shares: Sequence[str], expected_public_key: ec.EllipticCurvePublicKey
) -> ec.EllipticCurvePrivateKey:
    """Combine k decrypted shares; refuse a corrupted share and a key that is not the escrow's."""
    decoded: dict[tuple[int, int], tuple[int, str]] = {}
    common = None
    for position, mnemonic in enumerate(decrypted_shares, start=1):
        try:
            share = shamir_mnemonic.Share.from_mnemonic(mnemonic)
        except shamir_mnemonic.MnemonicError as error:
            # The library's message quotes the share's first words: keep them out of logs.
            raise EscrowShareCorrupted(
                f"Escrow share {position} of those given is corrupted: its SLIP-39 checksum "
                "or word list does not hold."
            ) from error
        if common is None:
            common = share.common_parameters()
        elif share.common_parameters() != common:
            raise EscrowShareCorrupted(
                f"Escrow share {position} of those given belongs to another escrow key."
            )
        decoded.setdefault((share.group_index, share.index), (position, mnemonic))
    if common is None:
        raise EscrowSharesInsufficient("No escrow shares were given.")
    first = shamir_mnemonic.Share.from_mnemonic(decrypted_shares[0])
    needed = first.member_threshold if common.group_count == 1 else common.group_threshold
    if len(decoded) < needed:
        raise EscrowSharesInsufficient(
            f"{len(decoded)} distinct escrow shares were given; {needed} are needed."
        )
    chosen = [mnemonic for _, mnemonic in sorted(decoded.values())][:needed]
    try:
        secret = shamir_mnemonic.combine_mnemonics(chosen)
    except shamir_mnemonic.MnemonicError as error:
        raise EscrowShareCorrupted(
            "The escrow shares do not combine: one is corrupted (the shared-secret digest "
            "does not hold)."
        ) from error
    try:
        private_key = ec.derive_private_key(int.from_bytes(secret, "big"), ec.SECP256R1())
    except ValueError as error:
        raise EscrowKeyMismatch("The recovered escrow secret is not a P-256 key.") from error
    if key_id(private_key.public_key()) != key_id(expected_public_key):
        raise EscrowKeyMismatch(
            "The recovered escrow key does not match the tender's escrow public key."
        )
    return private_key
