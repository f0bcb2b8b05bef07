"""bidtool at the opening (不见面开标, docs/signing.md "bidtool at the opening").

    bidtool decrypt --server URL --tender ID --cert bidder.p12 --password-file F [--no-wait]
    bidtool escrow-share --server URL --tender ID --cert member.p12 --password-file F
    bidtool hall sign-in|confirm --server URL --tender ID
    bidtool hall object --server URL --tender ID --text "…"
    bidtool record get --server URL --tender ID [--out record.json]
    bidtool record verify --trust-root root.pem [--trust-root issuing.pem] [--crl CRL]
                          [--tender ID] [--json] record.json

`decrypt`, `escrow-share` and `hall` use the session of `bidtool login` (a browser session
opened with a password does not act for a bidder: these steps need the certificate); the
private key only unwraps (or decrypts) on this machine, and only the unwrapped data key (or the
opened share) is sent.
`record verify` needs no network. Like the rest of bidtool: no Django, one line on failure.
"""

import argparse
import base64
import json
import sys
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bidtool.cli import (
    EXIT_INTERRUPTED,
    Http,
    ServerError,
    _credential,
    _platform_trust,
    _read_file,
    _session,
    verify_platform_document,
)
from signing.credentials import Credential
from signing.envelope import EscrowShare, decrypt_share
from signing.envelope.errors import InputInvalid, WrongKey
from signing.envelope.format import certificate_sha256, key_id, wrap_info
from signing.envelope.keywrap import unwrap_key
from signing.trust import TrustStore, identify

POLL_SECONDS = 2.0
DONE_STATES = ("decrypted", "failed")


def _pause(seconds: float) -> None:
    """Wait between polls of the hall (a function so that tests can run the worker meanwhile)."""
    time.sleep(seconds)


def _tender_id(value: str) -> str:
    # The platform names tenders by lowercase UUID; compare what it returns in that form.
    return str(value).strip().lower()


def _hall(tender_id: str, action: str = "") -> str:
    return f"/api/v1/tenders/{tender_id}/opening" + (f"/{action}" if action else "")


def _own_row(hall: dict[str, Any], bid_id: str | None) -> dict[str, Any] | None:
    rows = [row for row in hall.get("bidders", []) if row.get("own")]
    if bid_id is not None:
        rows = [row for row in rows if row.get("bid") == bid_id]
    return rows[0] if rows else None


def fetch_data_key(client: Http, tender_id: str, credential: Credential,
                   cert_path: Path) -> tuple[str, bytes]:
    """Fetch the bid's wrapped data key and unwrap it here; returns (bid id, data key)."""
    _, wrapped = client.request("GET", _hall(tender_id, "wrapped-key"))
    if wrapped.get("tender_id") != tender_id:
        # The wrapping binds the tender: never unwrap a key offered for another one.
        raise InputInvalid(f"The platform offered the key of a bid for tender "
                           f"{wrapped.get('tender_id')}, not {tender_id}; nothing was sent.",
                           code="wrong_tender")
    mine = key_id(credential.certificate.public_key())
    if wrapped.get("key_id") != mine:
        raise WrongKey(
            f"The certificate in {str(cert_path)!r} ({identify(credential.certificate).name}) "
            f"is not the one bid {wrapped.get('bid')} was sealed with: its data key is wrapped "
            f"to key {str(wrapped.get('key_id'))[:16]}…, this certificate holds key "
            f"{mine[:16]}…. Run the command again with the certificate you sealed the bid "
            "with; nothing was sent.", code="wrong_certificate")
    info = wrap_info(tender_id=wrapped["tender_id"], bidder_uscc=wrapped["bidder_uscc"],
                     role=wrapped["role"])
    key = unwrap_key(wrapped["method"], base64.b64decode(wrapped["wrapped_key"]),
                     credential.private_key, info=info)
    return wrapped["bid"], key


def wait_for_decryption(client: Http, tender_id: str, bid_id: str) -> int:
    """Poll the hall until the bid is decrypted (0) or failed (ServerError), printing progress."""
    shown: tuple[str, int] | None = None
    try:
        while True:
            try:
                _, hall = client.request("GET", _hall(tender_id))
            except ServerError as error:
                if not error.retryable:
                    raise
                print(f"bidtool: the hall is not answering ({error}); polling on",
                      file=sys.stderr)
                _pause(POLL_SECONDS)
                continue
            row = _own_row(hall, bid_id)
            if row is None:
                raise ServerError(f"The opening hall of tender {tender_id} does not list bid "
                                  f"{bid_id}.", code="bid_not_in_hall")
            state, percent = row["decryption"], int(row.get("progress_percent") or 0)
            if (state, percent) != shown:
                shown = (state, percent)
                print(f"bid {bid_id}: {state} {percent}%", file=sys.stderr)
            if state == "decrypted":
                print(f"Decrypted: bid {bid_id} of tender {tender_id} is open and checked; its "
                      "prices are read out when every bid is done.")
                return 0
            if state == "failed":
                raise ServerError(
                    f"The decryption of bid {bid_id} failed: "
                    f"{row.get('failure') or 'the platform gave no reason'}",
                    code="decryption_failed")
            _pause(POLL_SECONDS)
    except KeyboardInterrupt:
        print("bidtool: stopped waiting; the key was handed over and the platform goes on "
              "decrypting: follow it in the opening hall", file=sys.stderr)
        return EXIT_INTERRUPTED


def command_decrypt(arguments: argparse.Namespace) -> int:
    credential = _credential(arguments)
    client = _session(arguments.server)
    tender_id = _tender_id(arguments.tender)
    _, hall = client.request("GET", _hall(tender_id))
    row = _own_row(hall, None)
    if row is not None and row.get("decryption") not in (None, "waiting"):
        # A second run (after a dropped connection, say): the key is in, just report.
        print(f"The key of bid {row['bid']} was already handed over ({row['decryption']}).",
              file=sys.stderr)
        bid_id = row["bid"]
    else:
        bid_id, data_key = fetch_data_key(client, tender_id, credential, arguments.cert)
        try:
            _, accepted = client.request("POST", _hall(tender_id, "data-key"), json_body={
                "data_key": base64.b64encode(data_key).decode("ascii"), "bid": bid_id})
        except ServerError as error:
            if error.code != "key_already_accepted":
                raise  # the platform's message says what to do (wrong_key: you may retry)
            print(f"bidtool: {error}", file=sys.stderr)
        else:
            print(f"Data key accepted for bid {accepted['bid']} (checked against its manifest); "
                  "the platform is decrypting it.")
    if arguments.no_wait:
        return 0
    return wait_for_decryption(client, tender_id, bid_id)


def command_escrow_share(arguments: argparse.Namespace) -> int:
    credential = _credential(arguments)
    client = _session(arguments.server)
    tender_id = _tender_id(arguments.tender)
    _, body = client.request("GET", _hall(tender_id, "escrow-share"))
    share = EscrowShare.from_json(body["share"])
    if share.member_certificate_sha256 != certificate_sha256(credential.certificate):
        raise WrongKey(
            f"Share {share.member_number} is encrypted to certificate "
            f"{share.member_certificate_sha256[:16]}…, not to the one in "
            f"{str(arguments.cert)!r}; nothing was sent.", code="wrong_certificate")
    escrow_key = serialization.load_pem_public_key(body["escrow_public_key"].encode("ascii"))
    if not isinstance(escrow_key, ec.EllipticCurvePublicKey):
        raise InputInvalid("The tender's escrow public key is not an elliptic-curve key.")
    mnemonic = decrypt_share(share, credential.private_key, escrow_public_key=escrow_key)
    _, result = client.request("POST", _hall(tender_id, "escrow-share"),
                               json_body={"share": mnemonic})
    print(f"Share {share.member_number} submitted: {result['shares']} of {result['threshold']} "
          f"shares (round {result['round']}).")
    return 0


def command_record_get(arguments: argparse.Namespace) -> int:
    tender_id = _tender_id(arguments.tender)
    _, body = Http(arguments.server).request("GET", _hall(tender_id, "record"))
    path: Path = arguments.out or Path(f"opening-record-{tender_id}.json")
    saved = {key: body[key] for key in ("record", "signature", "timestamp_token")}
    path.write_text(json.dumps(saved, ensure_ascii=False, indent=2), encoding="utf-8")
    record = body["record"]
    print(f"Saved the opening record of tender {tender_id} ({record.get('outcome')}, "
          f"{record.get('valid_bids')} valid bid(s)) to {path}; check it with bidtool record "
          "verify.")
    return 0


def _yuan(fen: Any) -> str:
    if not isinstance(fen, int):
        return "no price"
    return f"{fen // 100:,}.{fen % 100:02d} yuan"


def verify_record_document(signed: Any, *, trust: TrustStore,
                           tender_id: str | None = None) -> dict[str, Any]:
    """Check a saved opening record offline; returns the record with "platform" and
    "timestamped_at"."""
    record, checked = verify_platform_document(signed, key="record", what="opening record",
                                               trust=trust)
    if record.get("kind") != "opening_record":
        raise InputInvalid(f"The document is a platform-signed {record.get('kind')!r}, not an "
                           "opening record.")
    if tender_id is not None and record.get("tender") != tender_id:
        raise InputInvalid(f"The record is of tender {record.get('tender')}, not {tender_id}.",
                           code="wrong_tender")
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
        lines.append(f"  #{line.get('sequence')} {line.get('bidder')} ({line.get('uscc')}): "
                     f"{', '.join(offer)} — {', '.join(notes)}")
    objections = record.get("objections", [])
    if objections:
        answered = sum(1 for item in objections if item.get("answered_at"))
        lines.append(f"Objections: {len(objections)} ({answered} answered).")
    return lines


def command_record_verify(arguments: argparse.Namespace) -> int:
    data = _read_file(arguments.record, "opening record")
    try:
        signed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise InputInvalid(f"The opening record {str(arguments.record)!r} is not JSON.") from error
    record = verify_record_document(signed, trust=_platform_trust(arguments),
                                    tender_id=arguments.tender)
    if arguments.json:
        print(json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        print("\n".join(_summary(record)))
    return 0


HALL_ACTIONS = {"sign-in": "Signed in", "confirm": "Confirmed your line", "object": "Objected"}


def command_hall(arguments: argparse.Namespace) -> int:
    """Sign in, confirm the bidder's line of the record, or object: steps that need the
    bidder's certificate session, which the browser page cannot open."""
    client = _session(arguments.server)
    tender_id = _tender_id(arguments.tender)
    body = {"text": arguments.text} if arguments.hall_command == "object" else {}
    path = _hall(tender_id, "objections" if arguments.hall_command == "object"
                 else arguments.hall_command)
    client.request("POST", path, json_body=body)
    print(f"{HALL_ACTIONS[arguments.hall_command]} in the opening of tender {tender_id}.")
    return 0


def add_opening_commands(commands: Any) -> None:
    """Register the opening commands on bidtool's sub-command parser."""
    decrypt = commands.add_parser(
        "decrypt", help="hand over your bid's data key at the opening (unwrapped here)")
    decrypt.add_argument("--server", required=True, help="the platform's URL")
    decrypt.add_argument("--tender", required=True)
    decrypt.add_argument("--cert", required=True, type=Path,
                         help="the PKCS#12 file the bid was sealed with")
    decrypt.add_argument("--password-file", required=True, type=Path)
    decrypt.add_argument("--no-wait", action="store_true",
                         help="return once the key is accepted; do not follow the decryption")
    decrypt.set_defaults(handler=command_decrypt)

    escrow = commands.add_parser(
        "escrow-share", help="submit your opening-committee escrow share (decrypted here)")
    escrow.add_argument("--server", required=True, help="the platform's URL")
    escrow.add_argument("--tender", required=True)
    escrow.add_argument("--cert", required=True, type=Path,
                        help="the committee member's PKCS#12 file")
    escrow.add_argument("--password-file", required=True, type=Path)
    escrow.set_defaults(handler=command_escrow_share)

    hall = commands.add_parser("hall", help="sign in, confirm your line, or object")
    hall_commands = hall.add_subparsers(dest="hall_command", required=True)
    for action, text in (("sign-in", "sign in to the opening"),
                         ("confirm", "confirm your line of the opening record"),
                         ("object", "object to the opening record")):
        step = hall_commands.add_parser(action, help=text)
        step.add_argument("--server", required=True, help="the platform's URL")
        step.add_argument("--tender", required=True)
        if action == "object":
            step.add_argument("--text", required=True, help="the objection")
        step.set_defaults(handler=command_hall)

    record = commands.add_parser("record", help="the signed opening record")
    record_commands = record.add_subparsers(dest="record_command", required=True)
    get = record_commands.add_parser("get", help="download a finalised record (public)")
    get.add_argument("--server", required=True, help="the platform's URL")
    get.add_argument("--tender", required=True)
    get.add_argument("--out", type=Path, help="where to save it (opening-record-ID.json)")
    get.set_defaults(handler=command_record_get)
    verify = record_commands.add_parser("verify", help="check a saved record offline")
    verify.add_argument("--trust-root", action="append", required=True, type=Path,
                        help="the platform CA's root (and issuing CA) PEM")
    verify.add_argument("--crl", action="append", default=[], type=Path)
    verify.add_argument("--tender", help="refuse a record of another tender")
    verify.add_argument("--json", action="store_true", help="print the verified record as JSON")
    verify.add_argument("record", type=Path)
    verify.set_defaults(handler=command_record_verify)
