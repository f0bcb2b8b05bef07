"""The event log as anyone checks it (docs/event-log.md): an event's digest, its Merkle leaf,
the checkpoint the platform signs, and the check of an inclusion proof bundle. Pure: the
platform (monitoring/) builds with these and bidtool verifies with them, without Django.

The leaf of event number `sequence` is the 32 bytes of its digest (SHA-256 over the canonical
JSON of its chained fields, which include the previous event's digest), at index
`sequence - 1` of a tree over every event from the first.
"""

import base64
import binascii
import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from signing.canonical import canonical_digest, canonical_json
from signing.merkle import (
    EMPTY_ROOT,
    ProofInvalid,
    hashes_from_hex,
    leaf_hash,
    verify_inclusion,
)

if TYPE_CHECKING:
    from signing.trust import TrustStore

GENESIS_DIGEST = "0" * 64

# The fields an event's digest is taken over, in the event row's words.
CHAINED_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_label",
    "role",
    "action",
    "object_type",
    "object_id",
    "from_state",
    "to_state",
    "client_ip",
    "payload_digest",
    "previous_digest",
)

CHECKPOINT_PURPOSE = "event-log-checkpoint"
# 2: a Merkle tree root over every event (1 signed only the chain's head).
CHECKPOINT_VERSION = 2
PROOF_KIND = "event_inclusion_proof"
PROOF_VERSION = 1


def event_digest_of(fields: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the chained fields, each as JSON holds it (times in
    ISO 8601 with microseconds, ids as the row has them)."""
    return hashlib.sha256(
        canonical_json({name: fields[name] for name in CHAINED_FIELDS})
    ).hexdigest()


def event_leaf_hash(digest: str) -> bytes:
    """The Merkle leaf hash of an event: SHA-256(0x00 || the 32 bytes of its digest)."""
    return leaf_hash(bytes.fromhex(digest))


def checkpoint_statement(
    *,
    tree_size: int,
    root_hash: str,
    previous_tree_size: int,
    previous_root_hash: str,
    chain_digest: str,
) -> dict[str, Any]:
    """What the platform signs and timestamps: the tree's size and root, the checkpoint it
    follows (so a removed checkpoint leaves a gap) and the digest of event `tree_size`."""
    return {
        "purpose": CHECKPOINT_PURPOSE,
        "version": CHECKPOINT_VERSION,
        "tree_size": tree_size,
        "root_hash": root_hash,
        "previous_tree_size": previous_tree_size,
        "previous_root_hash": previous_root_hash,
        "chain_digest": chain_digest,
    }


FIRST_PREVIOUS = {"previous_tree_size": 0, "previous_root_hash": EMPTY_ROOT.hex()}


@dataclass(frozen=True)
class CheckedInclusion:
    """What an inclusion proof bundle showed, before its signature is checked."""

    event: dict[str, Any]
    checkpoint: dict[str, Any]
    leaf_index: int
    tree_size: int


def _field(container: Mapping[str, Any], name: str, kind: type, what: str) -> Any:
    value = container.get(name) if isinstance(container, Mapping) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ProofInvalid(f"The {what} has no valid {name!r}.")
    return value


def check_inclusion_bundle(bundle: Any) -> CheckedInclusion:
    """Check everything in a proof bundle but the signature and timestamp of its checkpoint:
    the event's payload and digest, its leaf, and the audit path to the checkpoint's root.
    Raises ProofInvalid naming what is malformed or does not lead to the root."""
    what = "inclusion proof"
    if not isinstance(bundle, Mapping) or bundle.get("kind") != PROOF_KIND:
        raise ProofInvalid(f"The file is not an event {what} (kind {PROOF_KIND!r}).")
    if bundle.get("version") != PROOF_VERSION:
        raise ProofInvalid(f"The {what} has version {bundle.get('version')!r}, not 1.")
    event = _field(bundle, "event", dict, what)
    signed = _field(bundle, "signed_checkpoint", dict, what)
    checkpoint = _field(signed, "checkpoint", dict, "signed checkpoint")
    if (checkpoint.get("purpose"), checkpoint.get("version")) != (
        CHECKPOINT_PURPOSE,
        CHECKPOINT_VERSION,
    ):
        raise ProofInvalid("The signed document is not a version 2 event log checkpoint.")
    missing = [name for name in (*CHAINED_FIELDS, "digest") if name not in event]
    if missing:
        raise ProofInvalid(f"The event in the {what} lacks {', '.join(missing)}.")
    if "payload" in event and canonical_digest(event["payload"]) != event["payload_digest"]:
        raise ProofInvalid("The event's payload does not match its payload digest.")
    digest = event_digest_of(event)
    if not hmac.compare_digest(digest, str(event["digest"])):
        raise ProofInvalid(
            f"The event's fields give the digest {digest}, not the {event['digest']} it claims."
        )
    if "leaf_hash" in bundle and bundle["leaf_hash"] != event_leaf_hash(digest).hex():
        raise ProofInvalid(f"The leaf hash is not SHA-256(0x00 || the event digest {digest}).")
    leaf_index = _field(bundle, "leaf_index", int, what)
    tree_size = _field(bundle, "tree_size", int, what)
    if leaf_index != event["sequence"] - 1:
        raise ProofInvalid(
            f"Event {event['sequence']} is leaf {event['sequence'] - 1}, not {leaf_index}."
        )
    if tree_size != checkpoint.get("tree_size"):
        raise ProofInvalid(
            f"The proof is for a tree of {tree_size} events, the checkpoint signs "
            f"{checkpoint.get('tree_size')}."
        )
    root = hashes_from_hex([_field(checkpoint, "root_hash", str, "checkpoint")], "the root")[0]
    verify_inclusion(
        index=leaf_index,
        size=tree_size,
        leaf=event_leaf_hash(digest),
        proof=hashes_from_hex(bundle.get("audit_path"), "the audit path"),
        root=root,
    )
    return CheckedInclusion(
        event=dict(event), checkpoint=dict(checkpoint), leaf_index=leaf_index, tree_size=tree_size
    )


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint whose signature and timestamp were checked."""

    statement: dict[str, Any]
    platform: str  # the name on the platform's certificate
    timestamped_at: dt.datetime  # the TSA's time, aware UTC


def verify_checkpoint_signature(
    statement: Mapping[str, Any], signature: bytes, timestamp_token: bytes, *, trust: "TrustStore"
) -> SignedCheckpoint:
    """Check that the platform signed the checkpoint (its certificate judged at the token's
    time) and that a trusted TSA timestamped it. Raises a SigningError naming the failure."""
    # Imported here: every event written imports this module for its digest, not CMS.
    from signing.cms import verify_detached
    from signing.timestamps import verify_timestamp

    if (statement.get("purpose"), statement.get("version")) != (
        CHECKPOINT_PURPOSE,
        CHECKPOINT_VERSION,
    ):
        raise ProofInvalid("The signed document is not a version 2 event log checkpoint.")
    data = canonical_json(dict(statement))
    stamp = verify_timestamp(timestamp_token, data, trust=trust)
    signed = verify_detached(signature, data, trust=trust, at=stamp.generated_at)
    # The platform CA also issues bidders' and experts' certificates: only a service
    # certificate (no USCC, no person id) speaks for the platform.
    if signed.identity.kind != "service":
        raise ProofInvalid(
            f"The checkpoint is signed by {signed.identity.name} ({signed.identity.kind}), "
            "not by the platform."
        )
    return SignedCheckpoint(dict(statement), signed.identity.name, stamp.generated_at)


def signed_checkpoint_json(
    statement: Mapping[str, Any], signature: bytes, timestamp_token: bytes
) -> dict[str, Any]:
    """The published form: `{"checkpoint": …, "signature": b64 CMS, "timestamp_token": b64}`,
    both over the canonical JSON of the checkpoint."""
    return {
        "checkpoint": dict(statement),
        "signature": base64.b64encode(signature).decode("ascii"),
        "timestamp_token": base64.b64encode(timestamp_token).decode("ascii"),
    }


def verify_signed_checkpoint_json(signed: Any, *, trust: "TrustStore") -> SignedCheckpoint:
    """Check a checkpoint in its published form (`signed_checkpoint_json`)."""
    if not isinstance(signed, Mapping) or not isinstance(signed.get("checkpoint"), Mapping):
        raise ProofInvalid("The document is not a signed event log checkpoint.")
    try:
        signature = base64.b64decode(signed["signature"], validate=True)
        token = base64.b64decode(signed["timestamp_token"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise ProofInvalid(
            f"The signed checkpoint's signature or timestamp is not base64: {error}"
        ) from error
    return verify_checkpoint_signature(signed["checkpoint"], signature, token, trust=trust)
