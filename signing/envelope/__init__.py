"""The sealed-bid envelope (format version 1): seal, check without a key, open with a key.

Specified in docs/sealed-bid-format.md. Imports no Django: the bidder's tool runs it offline.
"""

from signing.envelope.container import (
    Envelope,
    VerifiedEnvelope,
    read_envelope,
    verify_header_signature,
    verify_sealed_bid,
)
from signing.envelope.escrow import (
    Escrow,
    EscrowShare,
    create_escrow,
    decrypt_share,
    recover_escrow_key,
)
from signing.envelope.fingerprint import collect_device_fingerprint
from signing.envelope.format import FORMAT_VERSION, Header
from signing.envelope.open import OpenedBid, open_manifest, open_sealed_bid, unwrap_data_key
from signing.envelope.price_sheet import validate_price_sheet
from signing.envelope.seal import SealedBid, seal_bid

__all__ = [
    "FORMAT_VERSION",
    "Envelope",
    "Escrow",
    "EscrowShare",
    "Header",
    "OpenedBid",
    "SealedBid",
    "VerifiedEnvelope",
    "collect_device_fingerprint",
    "create_escrow",
    "decrypt_share",
    "open_manifest",
    "open_sealed_bid",
    "read_envelope",
    "recover_escrow_key",
    "seal_bid",
    "unwrap_data_key",
    "validate_price_sheet",
    "verify_header_signature",
    "verify_sealed_bid",
]
