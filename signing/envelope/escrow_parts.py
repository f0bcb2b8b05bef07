"""The tender's escrow key, made by the opening committee so that nobody ever holds it whole.

Each of the n members' tools (`bidtool escrow contribute`, on the member's own machine) draws
a P-256 key of its own — its *part* x_i — splits it k-of-n (SLIP-39) to every member's
certificate as a dealer, signs a statement with the part (a proof that it holds the part's
private key, so that nobody can choose its public part to cancel the others'), and forgets it.
The platform checks each part and adds the public parts: the escrow public key is

    X = X_1 + X_2 + … + X_n        (points of P-256; its private key x = x_1 + … + x_n mod q)

which no one knows: each member knew only its own x_i, for the moment it took to split it.
At the opening, any k members decrypt their shares of every part on their machines and hand
them to the key service (encrypted to it, never readable by a web process); it recovers each
x_i, checks it against X_i, adds them, checks the sum against X, and unwraps the requested
bids' data keys. A part whose shares do not recover names its dealer.

A dealer could split something else than its part; that is found only at recovery (it denies
recovery, it reveals nothing). Verifiable secret sharing (Feldman) would find it at once, but
needs shares over the curve's order instead of SLIP-39's checksummed words: the next step.
"""

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shamir_mnemonic
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from signing.canonical import canonical_json
from signing.envelope.errors import EscrowError, EscrowKeyMismatch, EscrowShareCorrupted
from signing.envelope.escrow import (
    EscrowShare,
    decrypt_share,
    recover_escrow_key,
    split_to_members,
)
from signing.envelope.format import certificate_sha256, key_id
from signing.envelope.keywrap import PrivateKey, encrypt_secret

# P-256 (SEC 2 / FIPS 186): the field prime and the group order. The sum of public parts is
# computed here in affine coordinates: public points only, so plain integers leak nothing.
_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_A = _P - 3


# What a member's tool binds its shares to when it encrypts them to the key service.
SUBMISSION_PURPOSE = "escrow shares at the opening"


class EscrowPartInvalid(EscrowError):
    code = "escrow_part_invalid"


@dataclass(frozen=True)
class EscrowPart:
    """A member's part: its public half, its proof of holding the private half, and the
    private half's k-of-n shares, each encrypted to one member's certificate."""

    dealer_number: int
    public_key: ec.EllipticCurvePublicKey
    threshold: int
    proof: bytes
    shares: tuple[EscrowShare, ...]

    def public_key_pem(self) -> str:
        return _pem(self.public_key)

    def to_json(self) -> dict[str, Any]:
        return {
            "dealer_number": self.dealer_number,
            "public_key": self.public_key_pem(),
            "threshold": self.threshold,
            "proof": base64.b64encode(self.proof).decode("ascii"),
            "shares": [share.to_json() for share in self.shares],
        }

    @classmethod
    def from_json(cls, value: Any) -> "EscrowPart":
        try:
            public_key = serialization.load_pem_public_key(str(value["public_key"]).encode())
            if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(
                public_key.curve, ec.SECP256R1
            ):
                raise ValueError("the public part is not a P-256 key")
            return cls(
                dealer_number=int(value["dealer_number"]),
                public_key=public_key,
                threshold=int(value["threshold"]),
                proof=base64.b64decode(value["proof"], validate=True),
                shares=tuple(EscrowShare.from_json(share) for share in value["shares"]),
            )
        except (KeyError, TypeError, ValueError, EscrowError) as error:
            raise EscrowPartInvalid(f"The escrow part is malformed: {error}.") from None


def _pem(public_key: ec.EllipticCurvePublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def part_statement(
    *,
    tender_id: str,
    dealer_number: int,
    threshold: int,
    public_key: ec.EllipticCurvePublicKey,
    recipients: Sequence[str],
) -> bytes:
    """What a part's proof signs: which tender, which member dealt it, to whom, k of n."""
    return canonical_json(
        {
            "purpose": "sealed-bid escrow part",
            "tender": tender_id,
            "dealer_number": dealer_number,
            "threshold": threshold,
            "key_id": key_id(public_key),
            "recipients": list(recipients),
        }
    )


def deal_escrow_part(
    *,
    tender_id: str,
    dealer_number: int,
    threshold: int,
    member_certificates: Sequence[x509.Certificate],
) -> EscrowPart:
    """On a member's machine: draw a part, split it to every member, prove it, forget it."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    shares = split_to_members(private_key, threshold, member_certificates)
    statement = part_statement(
        tender_id=tender_id,
        dealer_number=dealer_number,
        threshold=threshold,
        public_key=private_key.public_key(),
        recipients=[certificate_sha256(certificate) for certificate in member_certificates],
    )
    proof = private_key.sign(statement, ec.ECDSA(hashes.SHA256()))
    return EscrowPart(dealer_number, private_key.public_key(), threshold, proof, shares)


def verify_escrow_part(
    part: EscrowPart,
    *,
    tender_id: str,
    threshold: int,
    member_certificates: Sequence[x509.Certificate],
) -> None:
    """The part is dealt for this tender, k of these n members, one share to each in order,
    and signed by the private half of its public key."""
    recipients = [certificate_sha256(certificate) for certificate in member_certificates]
    n = len(recipients)
    if not 1 <= part.dealer_number <= n:
        raise EscrowPartInvalid(f"Dealer {part.dealer_number} is not one of the {n} members.")
    if part.threshold != threshold:
        raise EscrowPartInvalid(
            f"The part is split {part.threshold}-of-n; the committee's threshold is {threshold}."
        )
    if [share.member_number for share in part.shares] != list(range(1, n + 1)):
        raise EscrowPartInvalid(f"The part must hold one share for each of the {n} members.")
    for share, expected in zip(part.shares, recipients, strict=True):
        if share.member_certificate_sha256 != expected:
            raise EscrowPartInvalid(
                f"Share {share.member_number} is not encrypted to that member's current "
                "certificate: fetch the committee again and contribute anew."
            )
    statement = part_statement(
        tender_id=tender_id,
        dealer_number=part.dealer_number,
        threshold=threshold,
        public_key=part.public_key,
        recipients=recipients,
    )
    try:
        part.public_key.verify(part.proof, statement, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise EscrowPartInvalid(
            "The part's proof does not verify: it was not made with its private key for this "
            "tender and committee."
        ) from None


def combine_public_parts(parts: Sequence[ec.EllipticCurvePublicKey]) -> ec.EllipticCurvePublicKey:
    """X_1 + … + X_n."""
    total: tuple[int, int] | None = None
    for part in parts:
        numbers = part.public_numbers()
        total = _add(total, (numbers.x, numbers.y))
    if total is None:
        raise EscrowError("No escrow parts were given.")
    return ec.EllipticCurvePublicNumbers(total[0], total[1], ec.SECP256R1()).public_key()


def _add(first: tuple[int, int] | None, second: tuple[int, int] | None) -> tuple[int, int] | None:
    """Affine addition on P-256 (None is the point at infinity)."""
    if first is None:
        return second
    if second is None:
        return first
    (x1, y1), (x2, y2) = first, second
    if x1 == x2 and (y1 + y2) % _P == 0:
        return None
    if first == second:
        slope = (3 * x1 * x1 + _A) * pow(2 * y1, -1, _P) % _P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, _P) % _P
    x3 = (slope * slope - x1 - x2) % _P
    return x3, (slope * (x1 - x3) - y1) % _P


def submission_info(*, tender_id: str, escrow_key_id: str, member_number: int) -> bytes:
    """Binds a member's shares, encrypted to the key service, to its tender and place."""
    return canonical_json(
        {
            "purpose": SUBMISSION_PURPOSE,
            "tender": tender_id,
            "escrow_key_id": escrow_key_id,
            "member_number": member_number,
        }
    )


def open_member_shares(
    parts: Sequence[Mapping[str, Any]], private_key: PrivateKey
) -> dict[str, str]:
    """On a member's machine at the opening: its share of every part, opened with its key
    (`parts`: the member's record from the platform, one entry per dealer)."""
    opened = {}
    for entry in parts:
        share = EscrowShare.from_json(entry["share"])
        part_key = serialization.load_pem_public_key(str(entry["public_key"]).encode())
        if not isinstance(part_key, ec.EllipticCurvePublicKey):
            raise EscrowPartInvalid("An escrow part's public key is not an elliptic-curve key.")
        opened[str(entry["dealer_number"])] = decrypt_share(
            share, private_key, escrow_public_key=part_key
        )
    return opened


def seal_member_shares(
    opened: Mapping[str, str],
    *,
    key_service_key: ec.EllipticCurvePublicKey,
    tender_id: str,
    escrow_key_id: str,
    member_number: int,
) -> tuple[str, bytes]:
    """On a member's machine: its opened shares, encrypted to the key service and bound to
    this tender's escrow and member; the platform keeps them without reading them."""
    return encrypt_secret(
        canonical_json(dict(opened)),
        key_service_key,
        info=submission_info(
            tender_id=tender_id, escrow_key_id=escrow_key_id, member_number=member_number
        ),
    )


def member_shares_problem(shares: Any, *, member_number: int, dealers: Sequence[int]) -> str | None:
    """Why a member's opened shares cannot be used (None when each is a SLIP-39 share of that
    member for every dealer): checked before they are kept."""
    if not isinstance(shares, dict) or sorted(shares) != sorted(str(d) for d in dealers):
        return "share_missing"
    for mnemonic in shares.values():
        try:
            parsed = shamir_mnemonic.Share.from_mnemonic(" ".join(str(mnemonic).split()))
        except (shamir_mnemonic.MnemonicError, ValueError, TypeError):
            return "share_malformed"
        index = parsed.group_index if parsed.group_count > 1 else parsed.index
        if index != member_number - 1:
            return "share_not_yours"
    return None


def recover_from_parts(
    shares_by_dealer: Mapping[int, Sequence[str]],
    public_parts: Mapping[int, ec.EllipticCurvePublicKey],
    expected_public_key: ec.EllipticCurvePublicKey,
) -> ec.EllipticCurvePrivateKey:
    """Recover every part from its shares, each checked against its public part, and add them;
    the sum must be the escrow key."""
    total = 0
    for dealer in sorted(public_parts):
        try:
            part = recover_escrow_key(list(shares_by_dealer.get(dealer, ())), public_parts[dealer])
        except EscrowError as error:
            raise type(error)(f"Escrow part of member {dealer}: {error}") from error
        total = (total + part.private_numbers().private_value) % _ORDER
    if total == 0:
        raise EscrowKeyMismatch("The escrow parts add up to no key.")
    private_key = ec.derive_private_key(total, ec.SECP256R1())
    if key_id(private_key.public_key()) != key_id(expected_public_key):
        raise EscrowKeyMismatch("The escrow parts do not add up to the tender's escrow public key.")
    return private_key


def shares_from_json(data: bytes) -> dict[str, str]:
    """A member's submission as the key service reads it: {"dealer": mnemonic}."""
    try:
        shares = json.loads(data)
    except ValueError:
        raise EscrowShareCorrupted("A member's escrow submission is not JSON.") from None
    if not isinstance(shares, dict):
        raise EscrowShareCorrupted("A member's escrow submission is not an object.")
    return {str(dealer): str(mnemonic) for dealer, mnemonic in shares.items()}
