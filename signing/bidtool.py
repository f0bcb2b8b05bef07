"""bidtool: the bidder's tool to seal a bid, check a sealed bid, and show its outer header.

    bidtool seal --tender ID --cert bidder.p12 --password-file F --price-sheet price.json
                 [--escrow-key escrow.pem] --out bid.sealed FILE...
    bidtool verify --cert bidder.p12 --password-file F [--trust-root PEM] [--crl PEM] bid.sealed
    bidtool inspect bid.sealed

Runs on the bidder's machine without Django. Exit status 0 on success; otherwise non-zero with
one line on stderr naming what failed.
"""

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TextIO

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from signing.credentials import Credential, load_pkcs12
from signing.envelope.container import read_envelope
from signing.envelope.errors import HeaderInvalid, InputInvalid
from signing.envelope.format import PREAMBLE_SIZE, certificate_sha256
from signing.envelope.manifest import TOOL_VERSION
from signing.envelope.open import open_sealed_bid
from signing.envelope.seal import seal_bid
from signing.errors import SigningError
from signing.trust import TrustStore, identify

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
PROGRESS_THRESHOLD = 4 << 20  # below this a bar would only flicker


class UsageError(Exception):
    """Bad command line: reported in one line, like every other failure."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class ProgressBar:
    """A one-line bar on stderr, redrawn at most ten times a second."""

    def __init__(self, label: str, total: int, stream: TextIO) -> None:
        self.label, self.total, self.stream = label, max(total, 1), stream
        self.done = 0
        self._drawn_at = 0.0

    def __call__(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._drawn_at >= 0.1 or self.done >= self.total:
            self._drawn_at = now
            fraction = min(self.done / self.total, 1.0)
            filled = int(fraction * 30)
            self.stream.write(
                f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} "
                f"{self.done / 2**20:,.1f}/{self.total / 2**20:,.1f} MiB"
            )
            self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def _progress(label: str, total: int) -> ProgressBar | None:
    if total > PROGRESS_THRESHOLD and sys.stderr.isatty():
        return ProgressBar(label, total, sys.stderr)
    return None


def _read_file(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise InputInvalid(f"The {what} {str(path)!r} cannot be read: {error.strerror}.") from error


def _open_sealed(path: Path) -> BinaryIO:
    try:
        return Path(path).open("rb")
    except OSError as error:
        raise InputInvalid(
            f"The sealed bid {str(path)!r} cannot be read: {error.strerror}."
        ) from error


def _password(path: Path) -> bytes:
    # Editors add a final newline; a password never ends with one.
    return _read_file(path, "password file").rstrip(b"\r\n")


def _credential(arguments: argparse.Namespace) -> Credential:
    return load_pkcs12(
        _read_file(arguments.cert, "certificate file"), _password(arguments.password_file)
    )


def _price_sheet(path: Path) -> Any:
    data = _read_file(path, "price sheet")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise InputInvalid(f"The price sheet {str(path)!r} is not UTF-8 JSON: {error}.") from error


def _escrow_key(path: Path) -> ec.EllipticCurvePublicKey:
    data = _read_file(path, "escrow key")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as error:
        raise InputInvalid(f"The escrow key {str(path)!r} is not a PEM public key.") from error
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise InputInvalid(f"The escrow key {str(path)!r} is not a P-256 public key.")
    return key


def _trust(credential: Credential, arguments: argparse.Namespace) -> TrustStore:
    """Anchors: --trust-root files, else the top of the chain in the credential."""
    roots: list[x509.Certificate] = []
    for path in arguments.trust_root:
        data = _read_file(path, "trust root")
        try:
            roots.extend(x509.load_pem_x509_certificates(data))
        except ValueError as error:
            raise InputInvalid(f"The trust root {str(path)!r} is not a PEM certificate.") from error
    chain = list(credential.chain)
    if not roots:
        if not chain:
            raise InputInvalid(
                "The credential holds no CA certificate to trust; give --trust-root."
            )
        self_signed = [item for item in chain if item.issuer == item.subject]
        roots = self_signed or [chain[-1]]
    intermediates = [item for item in chain if item not in roots]
    crls = []
    for path in arguments.crl:
        data = _read_file(path, "CRL")
        try:
            crls.append(
                x509.load_pem_x509_crl(data)
                if b"-----BEGIN" in data
                else x509.load_der_x509_crl(data)
            )
        except ValueError as error:
            raise InputInvalid(f"The CRL {str(path)!r} is not a CRL.") from error
    # The bidder's machine may be offline with no CRL: then check the path, not revocation.
    # The platform checks revocation itself when the bid is submitted and opened.
    return TrustStore(
        roots=roots, intermediates=intermediates, crls=crls, check_revocation=bool(crls)
    )


def command_seal(arguments: argparse.Namespace) -> int:
    credential = _credential(arguments)
    price_sheet = _price_sheet(arguments.price_sheet)
    escrow_key = _escrow_key(arguments.escrow_key) if arguments.escrow_key else None
    total = 0
    for path in arguments.files:
        try:
            total += Path(path).stat().st_size
        except OSError as error:
            raise InputInvalid(
                f"Input file {str(path)!r} cannot be read: {error.strerror}."
            ) from error
    bar = _progress("sealing ", total)
    try:
        sealed = seal_bid(
            tender_id=arguments.tender,
            credential=credential,
            files=arguments.files,
            price_sheet=price_sheet,
            output=arguments.out,
            escrow_public_key=escrow_key,
            progress=bar,
        )
    finally:
        if bar is not None:
            bar.finish()
    size = Path(sealed.path).stat().st_size
    recipients = ", ".join(recipient.role for recipient in sealed.header.recipients)
    print(
        f"Sealed {len(sealed.header.file_parts)} file(s) for tender {sealed.header.tender_id} "
        f"into {sealed.path} ({size} bytes; data key wrapped to: {recipients})."
    )
    return 0


def command_verify(arguments: argparse.Namespace) -> int:
    credential = _credential(arguments)
    trust = _trust(credential, arguments)
    with _open_sealed(arguments.sealed) as source:
        total = source.seek(0, 2)
        source.seek(0)
        bar = _progress("verifying", total)
        try:
            opened = open_sealed_bid(
                source,
                trust=trust,
                private_key=credential.private_key,
                expected_tender_id=arguments.tender,
                progress=bar,
            )
        finally:
            if bar is not None:
                bar.finish()
    if not trust.check_revocation:
        print("bidtool: note: revocation was not checked (no --crl given).", file=sys.stderr)
    print(json.dumps(opened.manifest, ensure_ascii=False, indent=2, sort_keys=True))
    return 0


def _certificate_summary(certificate: x509.Certificate) -> dict[str, Any]:
    identity = identify(certificate)
    return {
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "serial_number": format(certificate.serial_number, "x"),
        "not_valid_before": certificate.not_valid_before_utc.isoformat(),
        "not_valid_after": certificate.not_valid_after_utc.isoformat(),
        "sha256": certificate_sha256(certificate),
        "kind": identity.kind,
        "name": identity.name,
        "uscc": identity.uscc,
    }


def inspect_document(path: Path) -> dict[str, Any]:
    """The outer header as JSON for people: no key needed, nothing secret shown."""
    with _open_sealed(path) as source:
        envelope = read_envelope(source)
        file_size = source.seek(0, 2)
    header = envelope.header
    try:
        certificate = _certificate_summary(header.bidder_certificate)
        chain = [_certificate_summary(item) for item in header.bidder_chain]
    except ValueError as error:
        raise HeaderInvalid(f"A certificate in the header cannot be read: {error}") from error
    return {
        "format_version": header.format_version,
        "algorithm": header.algorithm,
        "tender_id": header.tender_id,
        "bidder_uscc": header.bidder_uscc,
        "bidder_certificate": certificate,
        "bidder_chain": chain,
        "recipients": [
            {
                "role": recipient.role,
                "method": recipient.method,
                "key_id": recipient.key_id,
                "wrapped_key_bytes": len(recipient.wrapped_key),
            }
            for recipient in header.recipients
        ],
        "parts": [part.to_json() for part in header.parts],
        "sealed_at": header.sealed_at,
        "layout": {
            "preamble_bytes": PREAMBLE_SIZE,
            "header_bytes": len(envelope.header_bytes),
            "header_signature_bytes": len(envelope.signature),
            "padding_bytes": envelope.padding_size,
            "parts_offset": envelope.parts_offset,
            "expected_file_bytes": envelope.total_size,
            "actual_file_bytes": file_size,
        },
        "checked": "structure only: run bidtool verify (or the platform) to check signatures "
        "and digests",
    }


def command_inspect(arguments: argparse.Namespace) -> int:
    print(json.dumps(inspect_document(arguments.sealed), ensure_ascii=False, indent=2))
    return 0


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
    return parser


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
