"""Reading a stored sealed bid at the opening, and keeping its data key wrapped.

The stored object is read through ranged GETs (storage.ranged), never copied to local disk.
A data key or escrow share that reaches the server is wrapped at once under the platform
evaluation key (HPKE, `signing.conf`), bound to its purpose, and only that is stored.
"""

from bids.models import Bid, BidUpload
from signing.canonical import canonical_json
from signing.envelope import OpenedBid, open_manifest, read_envelope
from signing.envelope.format import Header, key_id
from signing.envelope.keywrap import encrypt_secret
from signing.envelope.segments import ciphertext_sha256
from storage.objects import get_storage
from storage.ranged import RangedObjectReader

# The preamble, header, signature and padding of a sealed bid fit in this in practice; a larger
# header costs one more GET, nothing else.
HEAD_READ_SIZE = 64 << 10


def upload_reader(
    upload: BidUpload, *, prefetch: bool = True, in_one_pass: bool = False
) -> RangedObjectReader:
    """`in_one_pass`: for a caller reading the whole file front to back (the opening job),
    one GET from the start to the end, with no bounded first GET for the front."""
    return RangedObjectReader(
        get_storage(),
        bucket=upload.bucket,
        key=upload.object_key,
        size=upload.size,
        head_size=0 if in_one_pass else HEAD_READ_SIZE,
        prefetch=prefetch,
    )


def stored_reader(
    bid: Bid, *, prefetch: bool = True, in_one_pass: bool = False
) -> RangedObjectReader:
    return upload_reader(bid.upload, prefetch=prefetch, in_one_pass=in_one_pass)


def stored_ciphertext_sha256(bid: Bid) -> str:
    """The ciphertext digest of the stored object as it is now (the receipt's is compared with
    it as evidence): its segments' digests, hashed (signing.envelope.segments), from where its
    stored front says the parts start."""
    upload = bid.upload
    with stored_reader(bid) as source:
        parts_offset = read_envelope(source).parts_offset
    with get_storage().open(bucket=upload.bucket, key=upload.object_key) as chunks:
        return ciphertext_sha256(chunks, parts_offset)


def read_stored_header(bid: Bid) -> Header:
    with stored_reader(bid) as source:
        return read_envelope(source).header


def read_stored_header_bytes(bid: Bid) -> bytes:
    """The header as stored, byte for byte (what the key service parses at escrow recovery)."""
    with stored_reader(bid) as source:
        return read_envelope(source).header_bytes


def check_data_key(bid: Bid, data_key: bytes) -> OpenedBid:
    """Open only the manifest with `data_key`: WrongKey if it is not this bid's key.

    The stored header must be the one received (the receipt's digest; verified then, so not
    again: its bidder is the one finalise checked, and the manifest must name the same). The
    manifest's certificate is judged at the time the bid was received, so a certificate that
    expired since does not void a bid.
    """
    from signing.conf import platform_trust_store

    with stored_reader(bid) as source:
        return open_manifest(
            source,
            trust=platform_trust_store(),
            data_key=data_key,
            expected_tender_id=str(bid.tender_id),
            at=bid.received_at,
            received_header_sha256=bid.header_sha256,
        )


def data_key_purpose(bid: Bid) -> str:
    return f"sealed-bid data key of bid {bid.pk}"


def _info(purpose: str) -> bytes:
    from signing.keyservice import EVALUATION_WRAP_PURPOSE

    return canonical_json({"purpose": EVALUATION_WRAP_PURPOSE, "of": purpose})


def evaluation_wrap(secret: bytes, *, purpose: str) -> tuple[str, bytes, str]:
    """(method, wrapped bytes, evaluation key id) of `secret` under the evaluation key."""
    from signing.conf import evaluation_public_key

    public_key = evaluation_public_key()
    method, wrapped = encrypt_secret(secret, public_key, info=_info(purpose))
    return method, wrapped, key_id(public_key)


def evaluation_unwrap(method: str, wrapped: bytes, *, purpose: str) -> bytes:
    """Here in a decryption worker; through the key service in a web process, which holds only
    the evaluation public key (signing.conf.evaluation_decrypt)."""
    from signing.conf import evaluation_decrypt

    return evaluation_decrypt(method, wrapped, info=_info(purpose))
