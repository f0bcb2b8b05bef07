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

At the opening (bidtool/opening.py):

    bidtool decrypt --server URL --tender ID --cert bidder.p12 --password-file F [--no-wait]
    bidtool escrow-share --server URL --tender ID --cert member.p12 --password-file F
    bidtool record get --server URL --tender ID [--out record.json]
    bidtool record verify --trust-root root.pem [--trust-root issuing.pem] [--crl CRL] record.json

Runs on the bidder's machine without Django. Exit status 0 on success; otherwise non-zero with
one line on stderr naming what failed.
"""

import argparse
import base64
import hashlib
import http.cookies
import json
import logging
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, TextIO

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from signing.canonical import canonical_json
from signing.cms import sign_detached, sign_json, verify_detached
from signing.credentials import Credential, load_pkcs12
from signing.envelope.container import read_envelope
from signing.envelope.errors import HeaderInvalid, InputInvalid
from signing.envelope.fingerprint import collect_device_fingerprint
from signing.envelope.format import PREAMBLE_SIZE, certificate_sha256
from signing.envelope.manifest import TOOL_VERSION
from signing.envelope.open import open_sealed_bid
from signing.envelope.seal import seal_bid
from signing.envelope.segments import ciphertext_sha256
from signing.errors import SigningError
from signing.timestamps import verify_timestamp
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
        "segments": {"size": header.segment_size, "count": len(header.segments)},
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


# ---- online commands: certificate login, resumable submission, receipts, withdrawal ----------

SESSION_FILE = "sessions.json"
SUBMIT_RETRIES = 5
SUBMIT_PARALLEL = 3


class ServerError(SigningError):
    """The platform refused a request (its error code and message) or could not be reached."""

    code = "server_error"

    def __init__(self, message: str, *, code: str = "server_error", status: int = 0,
                 retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.retryable = retryable


def _home() -> Path:
    return Path(os.environ.get("BIDTOOL_HOME") or Path.home() / ".config" / "bidtool")


def _server(url: str) -> str:
    return url.rstrip("/")


def _load_sessions() -> dict[str, Any]:
    try:
        return json.loads((_home() / SESSION_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_session(server: str, cookies: dict[str, str]) -> None:
    sessions = _load_sessions()
    sessions[server] = cookies
    home = _home()
    home.mkdir(parents=True, exist_ok=True)
    path = home / SESSION_FILE
    path.write_text(json.dumps(sessions, indent=2), encoding="utf-8")
    path.chmod(0o600)  # the session cookie is a credential


class Http:
    """A JSON/bytes client of the platform API that keeps the session and CSRF cookies."""

    def __init__(self, server: str, cookies: dict[str, str] | None = None) -> None:
        self.server = _server(server)
        self.cookies = dict(cookies or {})
        fingerprint = json.dumps(collect_device_fingerprint(), sort_keys=True).encode()
        self.fingerprint = base64.b64encode(fingerprint).decode("ascii")

    def request(self, method: str, path: str, *, json_body: Any = None,
                data: "bytes | FilePart | None" = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        sent = {
            "User-Agent": f"bidtool/{TOOL_VERSION}",
            "Accept": "application/json",
            # The platform's messages in the user's language (zh-CN, en …) when it has them.
            **({"Accept-Language": language} if (language := _user_language()) else {}),
            "X-Device-Fingerprint": self.fingerprint,
            "Referer": self.server + "/",
            **(headers or {}),
        }
        if json_body is not None:
            data = json.dumps(json_body).encode("utf-8")
            sent["Content-Type"] = "application/json"
        elif isinstance(data, FilePart):
            sent["Content-Length"] = str(len(data))  # urllib sends an iterable as it is read
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if "csrftoken" in self.cookies:
            sent["X-CSRFToken"] = self.cookies["csrftoken"]
        request = urllib.request.Request(  # noqa: S310 - the server URL the bidder gave
            self.server + path, data=data, method=method, headers=sent
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310
                self._remember(response.headers)
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            self._remember(error.headers)
            body = _json(error.read())
            if not isinstance(body, dict):
                body = {}
            raise ServerError(
                body.get("message") or f"HTTP {error.code} from {self.server}{path}",
                code=body.get("error") or f"http_{error.code}", status=error.code,
                retryable=bool(body.get("retryable")) or error.code in {502, 503, 504},
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ServerError(f"The platform at {self.server} cannot be reached: {reason}",
                              code="server_unreachable", retryable=True) from None

    def _remember(self, headers: Any) -> None:
        for header in headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value


def _user_language() -> str:
    """The POSIX locale's language as an HTTP language tag ("zh_CN.UTF-8" → "zh-CN")."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").split(".")[0].split("@")[0]
        if value and value not in ("C", "POSIX"):
            return value.replace("_", "-")
    return ""


def _json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8")) if data else None
    except (UnicodeDecodeError, ValueError):
        return None


def _session(server: str) -> Http:
    cookies = _load_sessions().get(_server(server))
    if not cookies:
        raise ServerError(f"Not logged in to {server}: run bidtool login first.",
                          code="not_logged_in")
    return Http(server, cookies)


def command_login(arguments: argparse.Namespace) -> int:
    credential = _credential(arguments)
    client = Http(arguments.server)
    _, challenge = client.request("POST", "/api/v1/auth/challenge")
    signature = sign_detached(base64.b64decode(challenge["message"]), credential=credential)
    _, result = client.request("POST", "/api/v1/auth/certificate-login", json_body={
        "challenge_id": challenge["challenge_id"],
        "signature": base64.b64encode(signature).decode("ascii"),
    })
    _save_session(client.server, client.cookies)
    print(f"Logged in to {client.server} as {result['username']} "
          f"(certificate {result['certificate_sha256'][:16]}…)")
    return 0


def _with_retries(action: Any, *, what: str, retries: int) -> Any:
    for attempt in range(retries + 1):
        try:
            return action()
        except ServerError as error:
            if not error.retryable or attempt == retries:
                if error.retryable:
                    raise ServerError(
                        f"{error} — {what} failed {retries + 1} times; run the same command "
                        "again later: it resumes where it stopped.",
                        code=error.code, status=error.status,
                    ) from None
                raise
            time.sleep(min(2**attempt, 30))
    raise AssertionError("unreachable")


def command_submit(arguments: argparse.Namespace) -> int:
    client = _session(arguments.server)
    sealed: Path = arguments.sealed
    with _open_sealed(sealed) as source:
        tender_id = read_envelope(source).header.tender_id  # refuse a plain file locally
    size = sealed.stat().st_size
    state_path = sealed.with_name(sealed.name + ".upload.json")
    receipt_path = arguments.receipt or sealed.with_name(sealed.name + ".receipt.json")
    upload = None
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
        if state.get("server") == client.server and state.get("size") == size:
            _, upload = client.request("GET", f"/api/v1/bid-uploads/{state['upload']}")
            if upload["state"] == "aborted":
                upload = None
    except (OSError, ValueError, KeyError):
        upload = None
    except ServerError as error:
        if error.status != 404:
            raise
        upload = None
    if upload is None:
        _, upload = client.request("POST", f"/api/v1/tenders/{tender_id}/bid-uploads",
                                   json_body={"size": size})
        state_path.write_text(json.dumps(
            {"server": client.server, "upload": upload["id"], "size": size}), encoding="utf-8")
    elif upload["missing_parts"]:
        print(f"Resuming upload {upload['id']}: {len(upload['missing_parts'])} of "
              f"{upload['part_count']} parts to send", file=sys.stderr)
    part_size = upload["part_size"]
    bar = _progress("submitting", size)
    if bar is not None:
        bar(size - sum(min(part_size, size - (n - 1) * part_size)
                       for n in upload["missing_parts"]))
    progress_lock = threading.Lock()

    def send(number: int) -> None:
        # Read from the file as it is sent, 1 MiB at a time (again on a retry): a part
        # (64 MiB by default) is never held whole.
        data = FilePart(sealed, (number - 1) * part_size,
                        min(part_size, size - (number - 1) * part_size))
        _with_retries(
            lambda: send_part(client, upload["id"], number, data),
            what=f"sending part {number}", retries=arguments.retries,
        )
        if bar is not None:
            with progress_lock:
                bar(len(data))

    parallel = max(1, arguments.parallel)
    if parallel == 1:
        for number in upload["missing_parts"]:
            send(number)
    else:
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            for future in [pool.submit(send, number) for number in upload["missing_parts"]]:
                future.result()
    if bar is not None:
        bar.finish()
    _, body = _with_retries(
        lambda: client.request("POST", f"/api/v1/bid-uploads/{upload['id']}/finalise",
                               json_body={}, headers={"Idempotency-Key": upload["id"]}),
        what="finalising", retries=arguments.retries,
    )
    receipt = {key: body[key] for key in ("receipt", "signature", "timestamp_token")}
    receipt_path.write_text(json.dumps(receipt, ensure_ascii=False, indent=2), encoding="utf-8")
    state_path.unlink(missing_ok=True)
    document = body["receipt"]
    print(f"Submitted: bid {document['bid']} (your submission {document['submission_number']} "
          f"to this tender), received at "
          f"{document['received_at']}; receipt saved to {receipt_path}")
    return 0


class FilePart:
    """A part of a file as a request body: its length, and its bytes read 1 MiB at a time
    each time it is iterated (so a retry sends it again from its start)."""

    def __init__(self, path: Path, offset: int, length: int) -> None:
        self.path, self.offset, self.length = path, offset, length

    def __len__(self) -> int:
        return self.length

    def __iter__(self) -> Iterator[bytes]:
        with self.path.open("rb") as source:
            source.seek(self.offset)
            remaining = self.length
            while remaining:
                block = source.read(min(1 << 20, remaining))
                if not block:
                    raise InputInvalid(f"{str(self.path)!r} got shorter while it was sent.")
                remaining -= len(block)
                yield block


def send_part(client: Http, upload_id: str, number: int, data: bytes | FilePart) -> Any:
    """PUT one part (a separate function so that tests can interrupt an upload)."""
    return client.request("PUT", f"/api/v1/bid-uploads/{upload_id}/parts/{number}", data=data,
                          headers={"Content-Type": "application/octet-stream"})


def _platform_trust(arguments: argparse.Namespace) -> TrustStore:
    roots: list[x509.Certificate] = []
    for path in arguments.trust_root:
        try:
            roots.extend(x509.load_pem_x509_certificates(_read_file(path, "trust root")))
        except ValueError as error:
            raise InputInvalid(f"The trust root {str(path)!r} is not a PEM certificate.") from error
    intermediates = [item for item in roots if item.issuer != item.subject]
    anchors = [item for item in roots if item.issuer == item.subject] or roots
    crls = []
    for path in arguments.crl:
        data = _read_file(path, "CRL")
        try:
            crls.append(x509.load_pem_x509_crl(data) if b"-----BEGIN" in data
                        else x509.load_der_x509_crl(data))
        except ValueError as error:
            raise InputInvalid(f"The CRL {str(path)!r} is not a CRL.") from error
    return TrustStore(roots=anchors, intermediates=intermediates, crls=crls,
                      check_revocation=bool(crls))


def verify_platform_document(
    signed: Any, *, key: str, what: str, trust: TrustStore
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check offline a JSON document the platform signed and timestamped (a receipt, an opening
    record): `{key: document, "signature": b64 CMS, "timestamp_token": b64 RFC 3161}`, both
    over canonical_json(document). Returns (document, {"platform", "timestamped_at"})."""
    try:
        fields = signed[key]
        if not isinstance(fields, dict):
            raise TypeError(f"{key!r} is not an object")
        document = canonical_json(fields)
        signature = base64.b64decode(signed["signature"], validate=True)
        token = base64.b64decode(signed["timestamp_token"], validate=True)
    except (KeyError, TypeError, ValueError) as error:
        raise InputInvalid(f"The file is not a platform {what}: {error}.") from error
    verified = verify_detached(signature, document, trust=trust)
    # The platform CA also issues bidders' and experts' certificates: only a service
    # certificate (no USCC, no person id) speaks for the platform.
    if verified.identity.kind != "service":
        raise InputInvalid(f"The {what} is signed by {verified.identity.name} "
                           f"({verified.identity.kind}), not by the platform.")
    stamped = verify_timestamp(token, document, trust=trust)
    return fields, {"platform": verified.identity.name,
                    "timestamped_at": stamped.generated_at.isoformat()}


def verify_receipt_document(
    receipt: dict[str, Any], *, trust: TrustStore, sealed: Path | None = None
) -> dict[str, Any]:
    """Check a saved receipt offline: platform signature, timestamp, and the local sealed file."""
    fields, checked = verify_platform_document(receipt, key="receipt", what="receipt",
                                               trust=trust)
    if sealed is not None:
        with _open_sealed(sealed) as source:
            envelope = read_envelope(source)
            source.seek(0)
            digest = ciphertext_sha256(iter(lambda: source.read(1 << 20), b""),
                                       envelope.parts_offset)
        header_digest = hashlib.sha256(envelope.header_bytes).hexdigest()
        if (digest != fields.get("ciphertext_sha256")
                or header_digest != fields.get("header_sha256", header_digest)):
            raise InputInvalid(f"The receipt is not for the sealed bid {str(sealed)!r}: "
                               "its digests differ.")
    return {**checked, **fields}


def command_receipt_verify(arguments: argparse.Namespace) -> int:
    data = _read_file(arguments.receipt, "receipt")
    try:
        receipt = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise InputInvalid(f"The receipt {str(arguments.receipt)!r} is not JSON.") from error
    result = verify_receipt_document(receipt, trust=_platform_trust(arguments),
                                     sealed=arguments.sealed)
    print(json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True))
    return 0


def command_withdraw(arguments: argparse.Namespace) -> int:
    credential = _credential(arguments)
    client = _session(arguments.server)
    _, listing = client.request("GET", "/api/v1/bids")
    live = [bid for bid in listing["bids"]
            if bid["tender"] == arguments.tender and bid["state"] == "submitted"]
    if not live:
        raise ServerError(f"You have no submitted bid for tender {arguments.tender}.",
                          code="bid_not_found")
    bid = live[0]
    moment = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    request = {"action": "withdraw", "bid": bid["id"], "tender": bid["tender"], "time": moment}
    signature = sign_json(request, credential=credential)
    _, body = client.request("POST", f"/api/v1/bids/{bid['id']}/withdraw", json_body={
        "time": moment, "signature": base64.b64encode(signature).decode("ascii"),
    })
    path = arguments.receipt or Path(f"withdrawal-{bid['id']}.receipt.json")
    receipt = {key: body[key] for key in ("receipt", "signature", "timestamp_token")}
    path.write_text(json.dumps(receipt, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"Withdrawn: bid {bid['id']} at {body['receipt']['withdrawn_at']}; receipt saved "
          f"to {path}")
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

    login = commands.add_parser("login", help="log in to the platform with your certificate")
    login.add_argument("--server", required=True, help="the platform's URL")
    login.add_argument("--cert", required=True, type=Path, help="the bidder's PKCS#12 file")
    login.add_argument("--password-file", required=True, type=Path)
    login.set_defaults(handler=command_login)

    submit = commands.add_parser("submit", help="submit a sealed bid (resumes an interrupted one)")
    submit.add_argument("--server", required=True, help="the platform's URL")
    submit.add_argument("--receipt", type=Path, help="where to save the receipt")
    submit.add_argument("--retries", type=int, default=SUBMIT_RETRIES)
    submit.add_argument("--parallel", type=int, default=SUBMIT_PARALLEL,
                        help="parts sent at once (default %(default)s)")
    submit.add_argument("sealed", type=Path)
    submit.set_defaults(handler=command_submit)

    receipt = commands.add_parser("receipt", help="work with receipts")
    receipt_commands = receipt.add_subparsers(dest="receipt_command", required=True)
    receipt_verify = receipt_commands.add_parser("verify", help="check a receipt offline")
    receipt_verify.add_argument("--trust-root", action="append", required=True, type=Path,
                                help="the platform CA's root (and issuing CA) PEM")
    receipt_verify.add_argument("--crl", action="append", default=[], type=Path)
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

    # Imported here: bidtool_opening builds on this module's session and trust helpers.
    from bidtool.opening import add_opening_commands

    add_opening_commands(commands)
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
