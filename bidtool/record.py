"""`bidtool record get|verify`: the signed opening record, fetched (it is public) and checked
offline (no network needed).

    bidtool record get --server URL --tender ID [--out record.json]
    bidtool record verify --trust-root root.pem [--trust-root issuing.pem] [--crl CRL]
                          [--tender ID] [--json] record.json
"""

import argparse
import json
from pathlib import Path
from typing import Any

from bidtool.client import Http
from bidtool.files import read_json_file
from bidtool.opening import hall_path, tender_id_of
from bidtool.trust import platform_trust
from bidtool.verify import verify_platform_document
from signing.envelope.errors import InputInvalid
from signing.trust import TrustStore


def command_record_get(arguments: argparse.Namespace) -> int:
    tender_id = tender_id_of(arguments.tender)
    _, body = Http(arguments.server).request("GET", hall_path(tender_id, "record"))
    path: Path = arguments.out or Path(f"opening-record-{tender_id}.json")
    saved = {key: body[key] for key in ("record", "signature", "timestamp_token")}
    path.write_text(json.dumps(saved, ensure_ascii=False, indent=2), encoding="utf-8")
    record = body["record"]
    print(
        f"Saved the opening record of tender {tender_id} ({record.get('outcome')}, "
        f"{record.get('valid_bids')} valid bid(s)) to {path}; check it with bidtool record "
        "verify."
    )
    return 0


def _yuan(fen: Any) -> str:
    if not isinstance(fen, int):
        return "no price"
    return f"{fen // 100:,}.{fen % 100:02d} yuan"


def verify_record_document(
    signed: Any, *, trust: TrustStore, tender_id: str | None = None
) -> dict[str, Any]:
    """Check a saved opening record offline; returns the record with "platform" and
    "timestamped_at"."""
    record, checked = verify_platform_document(
        signed, key="record", what="opening record", trust=trust
    )
    if record.get("kind") != "opening_record":
        raise InputInvalid(
            f"The document is a platform-signed {record.get('kind')!r}, not an opening record."
        )
    if tender_id is not None and record.get("tender") != tender_id:
        raise InputInvalid(
            f"The record is of tender {record.get('tender')}, not {tender_id}.", code="wrong_tender"
        )
    return {**checked, **record}


def _summary(record: dict[str, Any]) -> list[str]:
    lines = [
        f"Opening record verified: signed by {record['platform']}, timestamped at "
        f"{record['timestamped_at']}.",
        f"Tender {record.get('tender')} {record.get('title', '')} "
        f"({record.get('project_code')}), finalised at {record.get('finalised_at')}.",
        f"Outcome: {record.get('outcome')}; {record.get('valid_bids')} valid bid(s), at least "
        f"{record.get('minimum_valid_bids')} required; ceiling price "
        f"{_yuan(record.get('ceiling_price_fen'))}.",
    ]
    for line in record.get("lines", []):
        notes = [line.get("decryption") or "?"]
        if line.get("treated_as"):
            notes.append(f"treated as {line['treated_as']}: {line.get('fault_reason')}")
        notes.append("confirmed" if line.get("confirmed_at") else "not confirmed")
        offer = [_yuan(line.get("total_price_fen"))]
        if line.get("duration_days") is not None:
            offer.append(f"{line['duration_days']} days")
        if line.get("quality"):
            offer.append(str(line["quality"]))
        lines.append(
            f"  #{line.get('sequence')} {line.get('bidder')} ({line.get('uscc')}): "
            f"{', '.join(offer)} — {', '.join(notes)}"
        )
    objections = record.get("objections", [])
    if objections:
        answered = sum(1 for item in objections if item.get("answered_at"))
        lines.append(f"Objections: {len(objections)} ({answered} answered).")
    return lines


def command_record_verify(arguments: argparse.Namespace) -> int:
    signed = read_json_file(arguments.record, "opening record")
    record = verify_record_document(
        signed, trust=platform_trust(arguments), tender_id=arguments.tender
    )
    if arguments.json:
        print(json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        print("\n".join(_summary(record)))
    return 0
