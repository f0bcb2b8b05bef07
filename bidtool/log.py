"""`bidtool log get|verify`: the proof that the bidder's submission is in the platform's signed
event log, fetched with the login session and checked offline (docs/event-log.md).

    bidtool log get --server URL --bid ID [--out log-proof-ID.json]
    bidtool log verify --trust-root root.pem [--trust-root issuing.pem] [--crl CRL]
                       [--receipt receipt.json] [--json] proof.json

`verify` checks that the event's fields give its digest, that the audit path leads from its
leaf to the checkpoint's Merkle root, that the platform signed the checkpoint (its certificate
chained to --trust-root) and that a trusted TSA timestamped it; with --receipt, that the event
is the submission the receipt acknowledges.
"""

import argparse
import json
from pathlib import Path
from typing import Any

from bidtool.files import read_json_file
from bidtool.session import open_session
from bidtool.trust import platform_trust
from bidtool.verify import verify_receipt_document
from signing.eventlog import check_inclusion_bundle, verify_signed_checkpoint_json
from signing.merkle import ProofInvalid
from signing.trust import TrustStore

# The receipt's fields a submission event leaves out (办法 第21条: sealed until the deadline).
SEALED_RECEIPT_FIELDS = ("tender", "bidder_uscc")


def command_log_get(arguments: argparse.Namespace) -> int:
    bid_id = str(arguments.bid).strip().lower()  # the platform names bids by lowercase UUID
    _, proof = open_session(arguments.server).request("GET", f"/api/v1/bids/{bid_id}/log-proof")
    path: Path = arguments.out or Path(f"log-proof-{bid_id}.json")
    path.write_text(json.dumps(proof, ensure_ascii=False, indent=2), encoding="utf-8")
    print(
        f"Saved the proof that bid {bid_id} is in the event log (event "
        f"{proof['event']['sequence']} of {proof['tree_size']}) to {path}; check it with "
        "bidtool log verify."
    )
    return 0


def _check_receipt(event: dict[str, Any], receipt: dict[str, Any]) -> None:
    """The event must be the `bid.submitted` event of the receipt's bid, holding the receipt's
    fields (all but the sealed ones)."""
    payload = event.get("payload")
    if not isinstance(payload, dict):
        raise ProofInvalid("The proof carries no payload to compare with the receipt.")
    if (event["action"], event["object_id"]) != ("bid.submitted", receipt.get("bid")):
        raise ProofInvalid(
            f"The proof is of event {event['action']} on {event['object_id']}, not of the "
            f"submission of bid {receipt.get('bid')}."
        )
    differ = sorted(
        name
        for name, value in receipt.items()
        if name not in SEALED_RECEIPT_FIELDS and name in payload and payload[name] != value
    )
    absent = sorted(
        name for name in receipt if name not in SEALED_RECEIPT_FIELDS and name not in payload
    )
    if differ or absent:
        raise ProofInvalid(
            f"The logged submission differs from the receipt in {', '.join(differ + absent)}."
        )


def verify_log_proof(
    bundle: Any, *, trust: TrustStore, receipt: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Check an inclusion proof offline; returns what it proved."""
    checked = check_inclusion_bundle(bundle)
    signed = verify_signed_checkpoint_json(bundle["signed_checkpoint"], trust=trust)
    if receipt is not None:
        verify_receipt_document(receipt, trust=trust)
        _check_receipt(checked.event, receipt["receipt"])
    event = checked.event
    return {
        "sequence": event["sequence"],
        "action": event["action"],
        "object_type": event["object_type"],
        "object_id": event["object_id"],
        "occurred_at": event["occurred_at"],
        "digest": event["digest"],
        "leaf_index": checked.leaf_index,
        "tree_size": checked.tree_size,
        "root_hash": checked.checkpoint["root_hash"],
        "platform": signed.platform,
        "timestamped_at": signed.timestamped_at.isoformat(),
        "receipt_matches": receipt is not None,
    }


def command_log_verify(arguments: argparse.Namespace) -> int:
    bundle = read_json_file(arguments.proof, "inclusion proof")
    receipt = read_json_file(arguments.receipt, "receipt") if arguments.receipt else None
    result = verify_log_proof(bundle, trust=platform_trust(arguments), receipt=receipt)
    if arguments.json:
        print(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True))
        return 0
    print(
        f"Event {result['sequence']} ({result['action']} on {result['object_type']} "
        f"{result['object_id']}, at {result['occurred_at']}) is leaf {result['leaf_index']} of "
        f"the event log's tree of {result['tree_size']} events, root {result['root_hash']}, "
        f"signed by {result['platform']} and timestamped at {result['timestamped_at']}."
    )
    if receipt is not None:
        print("It is the submission the receipt acknowledges.")
    return 0
