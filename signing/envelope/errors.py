"""Failures of the sealed-bid envelope. Each names the part, chunk or check that failed."""

from signing.errors import SigningError


class EnvelopeError(SigningError):
    """Base of every sealed-bid failure."""

    code = "envelope_invalid"


class NotASealedBid(EnvelopeError):
    code = "not_a_sealed_bid"


class UnsupportedFormat(EnvelopeError):
    """Another format version or algorithm than this tool implements."""

    code = "unsupported_format"


class HeaderInvalid(EnvelopeError):
    """The outer header is not well formed (names the field)."""

    code = "header_invalid"


class HeaderSignatureInvalid(EnvelopeError):
    code = "header_signature_invalid"


class HeaderChanged(EnvelopeError):
    """The header is not the one the platform received (its digest differs from the receipt's)."""

    code = "header_changed"


class ManifestChanged(EnvelopeError):
    """The manifest is not the one whose signature was verified when the key was handed over."""

    code = "manifest_changed"


class SignerMismatch(EnvelopeError):
    """The certificate that signed does not match the one the header or manifest names."""

    code = "signer_mismatch"


class WrongTender(EnvelopeError):
    code = "wrong_tender"


class WrongBidder(EnvelopeError):
    code = "wrong_bidder"


class Truncated(EnvelopeError):
    code = "sealed_bid_truncated"


class TrailingData(EnvelopeError):
    code = "sealed_bid_extended"


class PaddingInvalid(EnvelopeError):
    code = "padding_invalid"


class PartDigestMismatch(EnvelopeError):
    """A ciphertext part's SHA-256 differs from the signed header: altered after sealing."""

    code = "part_digest_mismatch"


class ChunkAuthenticationFailed(EnvelopeError):
    """A chunk did not authenticate under the data key and the part's context."""

    code = "chunk_authentication_failed"


class WrongKey(EnvelopeError):
    """The key given does not open this sealed bid (no recipient matches, or unwrapping fails)."""

    code = "wrong_key"


class ManifestInvalid(EnvelopeError):
    code = "manifest_invalid"


class ManifestSignatureInvalid(EnvelopeError):
    code = "manifest_signature_invalid"


class FileDigestMismatch(EnvelopeError):
    """A decrypted file's size or SHA-256 differs from the signed manifest."""

    code = "file_digest_mismatch"


class PriceSheetInvalid(EnvelopeError):
    code = "price_sheet_invalid"


class InputInvalid(EnvelopeError):
    """An input file for sealing is missing, unreadable or not allowed."""

    code = "input_invalid"


class EscrowError(EnvelopeError):
    code = "escrow_error"


class EscrowSharesInsufficient(EscrowError):
    code = "escrow_shares_insufficient"


class EscrowShareCorrupted(EscrowError):
    code = "escrow_share_corrupted"


class EscrowKeyMismatch(EscrowError):
    code = "escrow_key_mismatch"
