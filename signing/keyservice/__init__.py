"""The key service: the one process beside the workers that holds the evaluation private key,
unwrapping one secret at a time for processes that may not hold it (web processes).

Why: the closed evaluation area streams a bid's files in a web request, decrypting them with
the bid's data key, which is kept wrapped under the evaluation key; and escrow recovery at the
opening is a host's request. A web process faces the Internet, so it holds only the evaluation
*public* key; it hands the wrapped data key of one bid to this service over a local Unix socket
and gets that data key back, never the evaluation key. Whoever takes over a web process can
ask for data keys while it holds it — each request is logged here — but cannot carry the
evaluation key away. (An HSM reached through PKCS#11 is the production form of the same idea:
docs/operations.md, "Key custody".)

Protocol: one request per connection; each message is a 4-byte big-endian length and a JSON
object. Requests: {"op": "public_key"} -> {"key_id", "public_key"}; {"op": "unwrap",
"method", "wrapped", "info"} (bytes in base64) -> {"secret"}, only for what the platform
wrapped to the evaluation key; {"op": "escrow_check"} and {"op": "escrow_recover"}, the
opening committee's escrow (signing.envelope.escrow_parts), which return a verdict and the
requested bids' data keys, never a share or the escrow key. Failures answer {"error",
"message"}. The socket file is created 0660: give the web processes' account its group.

Run: PLATFORM_PROCESS=key_service python -m signing.keyservice [--socket PATH]
(`make run` starts it beside the worker).
"""

import base64
import json
import logging
import os
import socket
import socketserver
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from signing.envelope.errors import EnvelopeError
from signing.envelope.escrow_parts import (
    SUBMISSION_PURPOSE,
    member_shares_problem,
    recover_from_parts,
    shares_from_json,
)
from signing.envelope.format import key_id, parse_header
from signing.envelope.keywrap import decrypt_secret
from signing.envelope.open import unwrap_data_key
from signing.errors import SigningError

logger = logging.getLogger(__name__)

MAX_MESSAGE = 16 << 20  # an escrow recovery holds the headers of the bids it opens
# What the platform binds a secret to when it wraps it to the evaluation key
# (bids.sealed_objects).
EVALUATION_WRAP_PURPOSE = "platform evaluation key wrap"
_LENGTH = struct.Struct(">I")
TIMEOUT_SECONDS = 10.0


class KeyServiceUnavailable(SigningError):
    code = "key_service_unavailable"


class KeyServiceRefused(SigningError):
    code = "key_service_refused"


def _receive(connection: socket.socket) -> dict[str, Any]:
    header = _exactly(connection, _LENGTH.size)
    (length,) = _LENGTH.unpack(header)
    if length > MAX_MESSAGE:
        raise ValueError(f"a message of {length} bytes is over the limit of {MAX_MESSAGE}")
    message = json.loads(_exactly(connection, length))
    if not isinstance(message, dict):
        raise ValueError("a message is a JSON object")
    return message


def _exactly(connection: socket.socket, size: int) -> bytes:
    pieces, wanted = [], size
    while wanted:
        piece = connection.recv(wanted)
        if not piece:
            raise ConnectionError("the other side closed the connection mid-message")
        pieces.append(piece)
        wanted -= len(piece)
    return b"".join(pieces)


def _send(connection: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode("utf-8")
    connection.sendall(_LENGTH.pack(len(data)) + data)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any, name: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be base64 text")
    return base64.b64decode(value, validate=True)


# -- the server -----------------------------------------------------------------------------


class KeyService(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """Answers requests with `private_key`; `extra` adds operations by name (escrow)."""

    daemon_threads = True

    def __init__(
        self,
        path: Path,
        private_key: ec.EllipticCurvePrivateKey,
        *,
        extra: dict[str, Callable[[ec.EllipticCurvePrivateKey, dict], dict]] | None = None,
    ) -> None:
        self.path = Path(path)
        self.private_key = private_key
        self.operations: dict[str, Callable[[ec.EllipticCurvePrivateKey, dict], dict]] = {
            "public_key": _public_key,
            "unwrap": _unwrap,
            **(extra or {}),
        }
        _remove_stale_socket(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        previous = os.umask(0o117)  # the socket is born 0660: no window with wider rights
        try:
            super().__init__(str(self.path), _Handler)
        finally:
            os.umask(previous)

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        operation = self.operations.get(str(request.get("op")))
        if operation is None:
            return {"error": "unknown_operation", "message": f"no operation {request.get('op')!r}"}
        try:
            return operation(self.private_key, request)
        except (SigningError, EnvelopeError) as error:
            return {"error": error.code, "message": str(error)}
        except (ValueError, TypeError, KeyError) as error:
            return {"error": "request_invalid", "message": f"the request is malformed: {error}"}

    def server_close(self) -> None:
        super().server_close()
        self.path.unlink(missing_ok=True)


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: KeyService = self.server  # type: ignore[assignment]
        self.request.settimeout(TIMEOUT_SECONDS)
        try:
            request = _receive(self.request)
        except (ValueError, ConnectionError, OSError) as error:
            logger.warning("key service: a request was refused unread: %s", error)
            return
        _send(self.request, server.answer(request))


def _remove_stale_socket(path: Path) -> None:
    """A socket file left by a service that died is removed; one that answers is not."""
    if not path.exists():
        return
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        path.unlink()
        return
    finally:
        probe.close()
    raise KeyServiceUnavailable(f"another key service already answers at {path}")


def _public_key(private_key: ec.EllipticCurvePrivateKey, request: dict) -> dict:
    public_key = private_key.public_key()
    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {"key_id": key_id(public_key), "public_key": pem.decode("ascii")}


def _purpose(info: bytes) -> dict[str, Any]:
    try:
        binding = json.loads(info)
    except ValueError:
        binding = None
    if not isinstance(binding, dict):
        raise KeyServiceRefused("the wrap's binding is not a JSON object", code="unwrap_refused")
    return binding


def _unwrap(private_key: ec.EllipticCurvePrivateKey, request: dict) -> dict:
    """One secret wrapped by the platform to its evaluation key (an opened bid's data key).
    Nothing else: escrow shares are opened only inside the escrow operations, which never
    hand them out."""
    info = _unb64(request["info"], "info")
    if _purpose(info).get("purpose") != EVALUATION_WRAP_PURPOSE:
        raise KeyServiceRefused(
            "the key service unwraps only what the platform wrapped to the evaluation key",
            code="unwrap_refused",
        )
    secret = decrypt_secret(
        str(request["method"]), _unb64(request["wrapped"], "wrapped"), private_key, info=info
    )
    # The audit trail of every unwrap: what it was for (the wrap's binding names the bid).
    logger.info("key service: unwrapped %s", info.decode("utf-8", "replace"))
    return {"secret": _b64(secret)}


def _member_shares(
    private_key: ec.EllipticCurvePrivateKey, submission: dict, *, escrow_key_id: str
) -> tuple[int, dict[str, str]]:
    """(member number, {dealer: mnemonic}) of a member's submission, encrypted by its tool to
    this key and bound to the tender's escrow key."""
    info = _unb64(submission["info"], "info")
    binding = _purpose(info)
    if binding.get("purpose") != SUBMISSION_PURPOSE or binding.get("escrow_key_id") != (
        escrow_key_id
    ):
        raise KeyServiceRefused(
            "the submission is not bound to this escrow key", code="share_not_yours"
        )
    data = decrypt_secret(
        str(submission["method"]), _unb64(submission["wrapped"], "wrapped"), private_key, info=info
    )
    return int(binding["member_number"]), shares_from_json(data)


def escrow_check(private_key: ec.EllipticCurvePrivateKey, request: dict) -> dict:
    """Whether a member's submission holds its share of every part (SLIP-39 checksums, its
    own index), before it is kept; the shares stay here."""
    number, shares = _member_shares(
        private_key, request["submission"], escrow_key_id=str(request["escrow_key_id"])
    )
    if number != int(request["member_number"]):
        return {"problem": "share_not_yours"}
    dealers = [int(dealer) for dealer in request["dealers"]]
    return {"problem": member_shares_problem(shares, member_number=number, dealers=dealers)}


def escrow_recover(private_key: ec.EllipticCurvePrivateKey, request: dict) -> dict:
    """Rebuild the tender's escrow key from k members' submissions — here, never in a web
    process — and unwrap the data keys of the given bids' headers; the escrow key and the
    shares are forgotten when this returns."""
    escrow_key = _public_key_of(request["escrow_public_key"])
    escrow_key_id = key_id(escrow_key)
    public_parts = {
        int(dealer): _public_key_of(pem) for dealer, pem in dict(request["parts"]).items()
    }
    shares_by_dealer: dict[int, list[str]] = {dealer: [] for dealer in public_parts}
    members = []
    for submission in request["submissions"]:
        number, shares = _member_shares(private_key, submission, escrow_key_id=escrow_key_id)
        members.append(number)
        for dealer, mnemonic in shares.items():
            shares_by_dealer.setdefault(int(dealer), []).append(mnemonic)
    recovered = recover_from_parts(shares_by_dealer, public_parts, escrow_key)
    data_keys, failures = {}, {}
    for bid, header in dict(request["headers"]).items():
        try:
            data_keys[bid] = _b64(
                unwrap_data_key(parse_header(_unb64(header, "header")), recovered)
            )
        except EnvelopeError as error:
            failures[bid] = str(error)
    logger.info(
        "key service: escrow %s recovered from members %s; %d data keys unwrapped",
        escrow_key_id[:16],
        sorted(members),
        len(data_keys),
    )
    return {"data_keys": data_keys, "failures": failures}


def _public_key_of(pem: Any) -> ec.EllipticCurvePublicKey:
    key = serialization.load_pem_public_key(str(pem).encode("ascii"))
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("an escrow key is not an elliptic-curve key")
    return key


# Operations a process holding the evaluation key performs, here or in the key service.
OPERATIONS: dict[str, Callable[[ec.EllipticCurvePrivateKey, dict], dict]] = {
    "escrow_check": escrow_check,
    "escrow_recover": escrow_recover,
}


# -- the client -----------------------------------------------------------------------------


class KeyServiceClient:
    """Asks the key service at `path` (SIGNING_KEY_SERVICE_SOCKET)."""

    def __init__(self, path: str | Path, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.path = str(path)
        self.timeout = timeout

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.settimeout(self.timeout)
        try:
            try:
                connection.connect(self.path)
            except OSError as error:
                raise KeyServiceUnavailable(
                    f"the key service does not answer at {self.path} (SIGNING_KEY_SERVICE_SOCKET)"
                    f": {error.strerror or error}; start it (python -m signing.keyservice)"
                ) from None
            try:
                _send(connection, message)
                answer = _receive(connection)
            except (OSError, ValueError, ConnectionError) as error:
                raise KeyServiceUnavailable(
                    f"the key service at {self.path} did not answer: {error}"
                ) from None
        finally:
            connection.close()
        if "error" in answer:
            raise KeyServiceRefused(str(answer.get("message")), code=str(answer["error"]))
        return answer

    def unwrap(self, method: str, wrapped: bytes, *, info: bytes) -> bytes:
        answer = self.request(
            {"op": "unwrap", "method": method, "wrapped": _b64(wrapped), "info": _b64(info)}
        )
        return _unb64(answer["secret"], "secret")

    def public_key_id(self) -> str:
        return str(self.request({"op": "public_key"})["key_id"])


# -- running it -----------------------------------------------------------------------------


def serve_in_thread(path: Path, private_key: ec.EllipticCurvePrivateKey) -> KeyService:
    """A key service on a thread of this process (tests); stop it with shutdown()."""
    service = KeyService(path, private_key, extra=extra_operations())
    threading.Thread(target=service.serve_forever, daemon=True).start()
    return service


def extra_operations() -> dict[str, Callable[[ec.EllipticCurvePrivateKey, dict], dict]]:
    return dict(OPERATIONS)
