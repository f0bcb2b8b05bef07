"""bidtool: the bidder's tool to seal a bid, check a sealed bid, and show its outer header.

    bidtool seal --tender ID --cert bidder.p12 --password-file F --price-sheet price.json
                 [--escrow-key escrow.pem] --out bid.sealed FILE...
    bidtool verify --cert bidder.p12 --password-file F [--trust-root PEM] [--crl PEM] bid.sealed
    bidtool inspect bid.sealed

Online (docs/bids.md), with the standard library's urllib only:

    bidtool login --server URL --cert bidder.p12 --password-file F
    bidtool submit --server URL bid.sealed          (resumes; saves bid.sealed.receipt.json)
    bidtool receipt verify --trust-root root.pem [--crl CRL] receipt.json [bid.sealed]
    bidtool withdraw --server URL --tender ID --cert bidder.p12 --password-file F

Before publication, a committee member (bidtool/escrow.py):

    bidtool escrow contribute --server URL --tender ID --cert member.p12 --password-file F

At the opening (bidtool/opening.py, bidtool/record.py):

    bidtool decrypt --server URL --tender ID --cert bidder.p12 --password-file F [--no-wait]
    bidtool escrow-share --server URL --tender ID --cert member.p12 --password-file F
    bidtool hall sign-in|confirm|object --server URL --tender ID [--text …]
    bidtool record get --server URL --tender ID [--out record.json]
    bidtool record verify --trust-root root.pem [--trust-root issuing.pem] [--crl CRL] record.json

The event log (bidtool/log.py): the proof that your submission is in the signed log.

    bidtool log get --server URL --bid ID [--out proof.json]
    bidtool log verify --trust-root root.pem [--trust-root issuing.pem] [--receipt receipt.json]
                       proof.json

Runs on the bidder's machine without Django. Exit status 0 on success; otherwise non-zero with
one line on stderr naming what failed.

Each command is a module of this package (seal, verify, inspection, session, submit, withdraw,
opening, record, log); this one reads the command line and turns every failure into one line.
"""

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from bidtool.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, UsageError
from bidtool.escrow import add_escrow_commands
from bidtool.inspection import command_inspect
from bidtool.log import command_log_get, command_log_verify
from bidtool.opening import command_decrypt, command_escrow_share, command_hall
from bidtool.record import command_record_get, command_record_verify
from bidtool.report import add_report_commands
from bidtool.seal import command_seal
from bidtool.session import command_login
from bidtool.submit import SUBMIT_PARALLEL, SUBMIT_RETRIES, command_submit
from bidtool.trust import add_platform_trust_arguments
from bidtool.verify import command_receipt_verify, command_verify
from bidtool.withdraw import command_withdraw
from signing.envelope.manifest import TOOL_VERSION
from signing.errors import SigningError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bidtool", description="Seal, verify and inspect sealed bids.")
    parser.add_argument("--version", action="version", version=f"bidtool {TOOL_VERSION}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    seal = commands.add_parser("seal", help="seal files and a price sheet into one sealed bid")
    seal.add_argument("--tender", required=True, help="the tender id")
    seal.add_argument("--cert", required=True, type=Path, help="the bidder's PKCS#12 file")
    seal.add_argument("--password-file", required=True, type=Path)
    seal.add_argument("--price-sheet", required=True, type=Path, help="price sheet JSON")
    seal.add_argument("--escrow-key", type=Path, help="the tender's escrow public key (PEM)")
    seal.add_argument("--out", required=True, type=Path, help="the sealed bid to write")
    seal.add_argument("files", nargs="+", type=Path, metavar="FILE")
    seal.set_defaults(handler=command_seal)

    verify = commands.add_parser("verify", help="decrypt and check a sealed bid with your key")
    verify.add_argument("--cert", required=True, type=Path, help="the bidder's PKCS#12 file")
    verify.add_argument("--password-file", required=True, type=Path)
    verify.add_argument("--trust-root", action="append", default=[], type=Path)
    verify.add_argument("--crl", action="append", default=[], type=Path)
    verify.add_argument("--tender", help="refuse a sealed bid for another tender")
    verify.add_argument("sealed", type=Path)
    verify.set_defaults(handler=command_verify)

    inspect = commands.add_parser("inspect", help="show the outer header (no key needed)")
    inspect.add_argument("sealed", type=Path)
    inspect.set_defaults(handler=command_inspect)

    login = commands.add_parser("login", help="log in to the platform with your certificate")
    login.add_argument("--server", required=True, help="the platform's URL")
    login.add_argument("--cert", required=True, type=Path, help="the bidder's PKCS#12 file")
    login.add_argument("--password-file", required=True, type=Path)
    login.set_defaults(handler=command_login)

    submit = commands.add_parser("submit", help="submit a sealed bid (resumes an interrupted one)")
    submit.add_argument("--server", required=True, help="the platform's URL")
    submit.add_argument("--receipt", type=Path, help="where to save the receipt")
    submit.add_argument("--retries", type=int, default=SUBMIT_RETRIES)
    submit.add_argument(
        "--parallel",
        type=int,
        default=SUBMIT_PARALLEL,
        help="parts sent at once (default %(default)s)",
    )
    submit.add_argument("sealed", type=Path)
    submit.set_defaults(handler=command_submit)

    receipt = commands.add_parser("receipt", help="work with receipts")
    receipt_commands = receipt.add_subparsers(dest="receipt_command", required=True)
    receipt_verify = receipt_commands.add_parser("verify", help="check a receipt offline")
    add_platform_trust_arguments(receipt_verify)
    receipt_verify.add_argument("receipt", type=Path)
    receipt_verify.add_argument("sealed", type=Path, nargs="?")
    receipt_verify.set_defaults(handler=command_receipt_verify)

    withdraw = commands.add_parser("withdraw", help="withdraw your bid before the deadline")
    withdraw.add_argument("--server", required=True, help="the platform's URL")
    withdraw.add_argument("--tender", required=True)
    withdraw.add_argument("--cert", required=True, type=Path, help="the bidder's PKCS#12 file")
    withdraw.add_argument("--password-file", required=True, type=Path)
    withdraw.add_argument("--receipt", type=Path, help="where to save the receipt")
    withdraw.set_defaults(handler=command_withdraw)

    add_opening_commands(commands)
    add_report_commands(commands)
    add_log_commands(commands)
    add_escrow_commands(commands)
    return parser


def add_opening_commands(commands: Any) -> None:
    """Register the opening's commands (decrypt, escrow-share, hall, record)."""
    decrypt = commands.add_parser(
        "decrypt", help="hand over your bid's data key at the opening (unwrapped here)"
    )
    decrypt.add_argument("--server", required=True, help="the platform's URL")
    decrypt.add_argument("--tender", required=True)
    decrypt.add_argument(
        "--cert", required=True, type=Path, help="the PKCS#12 file the bid was sealed with"
    )
    decrypt.add_argument("--password-file", required=True, type=Path)
    decrypt.add_argument(
        "--no-wait",
        action="store_true",
        help="return once the key is accepted; do not follow the decryption",
    )
    decrypt.set_defaults(handler=command_decrypt)

    escrow = commands.add_parser(
        "escrow-share", help="submit your opening-committee escrow shares (opened here)"
    )
    escrow.add_argument("--server", required=True, help="the platform's URL")
    escrow.add_argument("--tender", required=True)
    escrow.add_argument(
        "--cert", required=True, type=Path, help="the committee member's PKCS#12 file"
    )
    escrow.add_argument("--password-file", required=True, type=Path)
    escrow.set_defaults(handler=command_escrow_share)

    hall = commands.add_parser("hall", help="sign in, confirm your line, or object")
    hall_commands = hall.add_subparsers(dest="hall_command", required=True)
    for action, text in (
        ("sign-in", "sign in to the opening"),
        ("confirm", "confirm your line of the opening record"),
        ("object", "object to the opening record"),
    ):
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
    add_platform_trust_arguments(verify)
    verify.add_argument("--tender", help="refuse a record of another tender")
    verify.add_argument("--json", action="store_true", help="print the verified record as JSON")
    verify.add_argument("record", type=Path)
    verify.set_defaults(handler=command_record_verify)


def add_log_commands(commands: Any) -> None:
    """Register `log get` and `log verify`: a submission's proof of inclusion in the event log."""
    log = commands.add_parser("log", help="the platform's signed event log")
    log_commands = log.add_subparsers(dest="log_command", required=True)
    get = log_commands.add_parser("get", help="download the proof that your bid is in the log")
    get.add_argument("--server", required=True, help="the platform's URL")
    get.add_argument("--bid", required=True, help="the bid id (in your receipt)")
    get.add_argument("--out", type=Path, help="where to save it (log-proof-ID.json)")
    get.set_defaults(handler=command_log_get)
    verify = log_commands.add_parser("verify", help="check an inclusion proof offline")
    add_platform_trust_arguments(verify)
    verify.add_argument(
        "--receipt", type=Path, help="check that the event is this receipt's submission"
    )
    verify.add_argument("--json", action="store_true", help="print what was proven as JSON")
    verify.add_argument("proof", type=Path)
    verify.set_defaults(handler=command_log_verify)


def _fail(message: str, status: int) -> int:
    print("bidtool: " + " ".join(message.split()), file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    # Libraries (pyHanko) log validation failures with tracebacks; the tool reports one line.
    logging.getLogger().addHandler(logging.NullHandler())
    try:
        arguments = build_parser().parse_args(argv)
        return int(arguments.handler(arguments))
    except UsageError as error:
        return _fail(f"usage: {error} (see bidtool --help)", EXIT_USAGE)
    except SigningError as error:
        return _fail(f"{error.code}: {error}", EXIT_FAILED)
    except KeyboardInterrupt:
        return _fail("interrupted; no output was written", EXIT_INTERRUPTED)
    except OSError as error:
        return _fail(f"io_error: {error}", EXIT_FAILED)


if __name__ == "__main__":
    sys.exit(main())
