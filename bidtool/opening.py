"""bidtool at the opening (不见面开标, docs/signing.md "bidtool at the opening").

    bidtool decrypt --server URL --tender ID --cert bidder.p12 --password-file F [--no-wait]
    bidtool escrow-share --server URL --tender ID --cert member.p12 --password-file F
    bidtool hall sign-in|confirm --server URL --tender ID
    bidtool hall object --server URL --tender ID --text "…"

`decrypt`, `escrow-share` and `hall` use the session of `bidtool login` (a browser session
opened with a password does not act for a bidder: these steps need the certificate); the
private key only unwraps (or decrypts) on this machine, and only the unwrapped data key (or the
opened shares, encrypted to the platform's key service) is sent.
Like the rest of bidtool: no Django, one line on failure. The opening record: bidtool/record.py.
"""

import argparse
import base64
import sys
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bidtool.client import Http
from bidtool.credentials import load_credential
from bidtool.errors import EXIT_INTERRUPTED, ServerError
from bidtool.session import open_session
from signing.credentials import Credential
from signing.envelope.errors import InputInvalid, WrongKey
from signing.envelope.escrow_parts import open_member_shares, seal_member_shares
from signing.envelope.format import certificate_sha256, key_id, wrap_info
from signing.envelope.keywrap import unwrap_key
from signing.trust import identify

POLL_SECONDS = 2.0
DONE_STATES = ("decrypted", "failed")


def _pause(seconds: float) -> None:
    """Wait between polls of the hall (a function so that tests can run the worker meanwhile)."""
    time.sleep(seconds)


def tender_id_of(value: str) -> str:
    # The platform names tenders by lowercase UUID; compare what it returns in that form.
    return str(value).strip().lower()


def hall_path(tender_id: str, action: str = "") -> str:
    return f"/api/v1/tenders/{tender_id}/opening" + (f"/{action}" if action else "")


def _own_row(hall: dict[str, Any], bid_id: str | None) -> dict[str, Any] | None:
    rows = [row for row in hall.get("bidders", []) if row.get("own")]
    if bid_id is not None:
        rows = [row for row in rows if row.get("bid") == bid_id]
    return rows[0] if rows else None


def fetch_data_key(
    client: Http, tender_id: str, credential: Credential, cert_path: Path
) -> tuple[str, bytes]:
    """Fetch the bid's wrapped data key and unwrap it here; returns (bid id, data key)."""
    _, wrapped = client.request("GET", hall_path(tender_id, "wrapped-key"))
    if wrapped.get("tender_id") != tender_id:
        # The wrapping binds the tender: never unwrap a key offered for another one.
        raise InputInvalid(
            f"The platform offered the key of a bid for tender "
            f"{wrapped.get('tender_id')}, not {tender_id}; nothing was sent.",
            code="wrong_tender",
        )
    mine = key_id(credential.certificate.public_key())
    if wrapped.get("key_id") != mine:
        raise WrongKey(
            f"The certificate in {str(cert_path)!r} ({identify(credential.certificate).name}) "
            f"is not the one bid {wrapped.get('bid')} was sealed with: its data key is wrapped "
            f"to key {str(wrapped.get('key_id'))[:16]}…, this certificate holds key "
            f"{mine[:16]}…. Run the command again with the certificate you sealed the bid "
            "with; nothing was sent.",
            code="wrong_certificate",
        )
    info = wrap_info(
        tender_id=wrapped["tender_id"], bidder_uscc=wrapped["bidder_uscc"], role=wrapped["role"]
    )
    key = unwrap_key(
        wrapped["method"],
        base64.b64decode(wrapped["wrapped_key"]),
        credential.private_key,
        info=info,
    )
    return wrapped["bid"], key


def wait_for_decryption(client: Http, tender_id: str, bid_id: str) -> int:
    """Poll the hall until the bid is decrypted (0) or failed (ServerError), printing progress."""
    shown: tuple[str, int] | None = None
    try:
        while True:
            try:
                _, hall = client.request("GET", hall_path(tender_id))
            except ServerError as error:
                if not error.retryable:
                    raise
                print(f"bidtool: the hall is not answering ({error}); polling on", file=sys.stderr)
                _pause(POLL_SECONDS)
                continue
            row = _own_row(hall, bid_id)
            if row is None:
                raise ServerError(
                    f"The opening hall of tender {tender_id} does not list bid {bid_id}.",
                    code="bid_not_in_hall",
                )
            state, percent = row["decryption"], int(row.get("progress_percent") or 0)
            if (state, percent) != shown:
                shown = (state, percent)
                print(f"bid {bid_id}: {state} {percent}%", file=sys.stderr)
            if state == "decrypted":
                print(
                    f"Decrypted: bid {bid_id} of tender {tender_id} is open and checked; its "
                    "prices are read out when every bid is done."
                )
                return 0
            if state == "failed":
                raise ServerError(
                    f"The decryption of bid {bid_id} failed: "
                    f"{row.get('failure') or 'the platform gave no reason'}",
                    code="decryption_failed",
                )
            _pause(POLL_SECONDS)
    except KeyboardInterrupt:
        print(
            "bidtool: stopped waiting; the key was handed over and the platform goes on "
            "decrypting: follow it in the opening hall",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


def command_decrypt(arguments: argparse.Namespace) -> int:
    credential = load_credential(arguments)
    client = open_session(arguments.server)
    tender_id = tender_id_of(arguments.tender)
    _, hall = client.request("GET", hall_path(tender_id))
    row = _own_row(hall, None)
    if row is not None and row.get("decryption") not in (None, "waiting"):
        # A second run (after a dropped connection, say): the key is in, just report.
        print(
            f"The key of bid {row['bid']} was already handed over ({row['decryption']}).",
            file=sys.stderr,
        )
        bid_id = row["bid"]
    else:
        bid_id, data_key = fetch_data_key(client, tender_id, credential, arguments.cert)
        try:
            _, accepted = client.request(
                "POST",
                hall_path(tender_id, "data-key"),
                json_body={"data_key": base64.b64encode(data_key).decode("ascii"), "bid": bid_id},
            )
        except ServerError as error:
            if error.code != "key_already_accepted":
                raise  # the platform's message says what to do (wrong_key: you may retry)
            print(f"bidtool: {error}", file=sys.stderr)
        else:
            print(
                f"Data key accepted for bid {accepted['bid']} (checked against its manifest); "
                "the platform is decrypting it."
            )
    if arguments.no_wait:
        return 0
    return wait_for_decryption(client, tender_id, bid_id)


def command_escrow_share(arguments: argparse.Namespace) -> int:
    """Open this member's shares of every part of the escrow key here, and send them encrypted
    to the platform's key service: no web process of the platform reads them."""
    credential = load_credential(arguments)
    client = open_session(arguments.server)
    tender_id = tender_id_of(arguments.tender)
    _, body = client.request("GET", hall_path(tender_id, "escrow-share"))
    record = body["share"]
    if record["member_certificate_sha256"] != certificate_sha256(credential.certificate):
        raise WrongKey(
            f"The shares of member {record['member_number']} are encrypted to certificate "
            f"{record['member_certificate_sha256'][:16]}…, not to the one in "
            f"{str(arguments.cert)!r}; nothing was sent.",
            code="wrong_certificate",
        )
    opened = open_member_shares(record["parts"], credential.private_key)
    key_service_key = serialization.load_pem_public_key(
        str(body["submit_to"]["public_key"]).encode("ascii")
    )
    if not isinstance(key_service_key, ec.EllipticCurvePublicKey):
        raise InputInvalid("The platform's key service key is not an elliptic-curve key.")
    method, wrapped = seal_member_shares(
        opened,
        key_service_key=key_service_key,
        tender_id=str(body["tender"]),
        escrow_key_id=str(body["escrow_key_id"]),
        member_number=int(record["member_number"]),
    )
    _, result = client.request(
        "POST",
        hall_path(tender_id, "escrow-share"),
        json_body={"method": method, "wrapped_share": base64.b64encode(wrapped).decode("ascii")},
    )
    print(
        f"Shares of member {record['member_number']} submitted: {result['shares']} of "
        f"{result['threshold']} members (round {result['round']})."
    )
    return 0


HALL_ACTIONS = {"sign-in": "Signed in", "confirm": "Confirmed your line", "object": "Objected"}


def command_hall(arguments: argparse.Namespace) -> int:
    """Sign in, confirm the bidder's line of the record, or object: steps that need the
    bidder's certificate session, which the browser page cannot open."""
    client = open_session(arguments.server)
    tender_id = tender_id_of(arguments.tender)
    body = {"text": arguments.text} if arguments.hall_command == "object" else {}
    path = hall_path(
        tender_id, "objections" if arguments.hall_command == "object" else arguments.hall_command
    )
    client.request("POST", path, json_body=body)
    print(f"{HALL_ACTIONS[arguments.hall_command]} in the opening of tender {tender_id}.")
    return 0
