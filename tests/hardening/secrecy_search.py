"""Looking for secrets in what the platform keeps and says: the markers, the searches and
their findings, reported as (place, marker, 80 characters of context)."""

import base64
import glob
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from tests.hardening.secrecy_world import World


@dataclass(frozen=True)
class Secret:
    kind: str  # plaintext | price | key | identity | trace | size | tender
    label: str  # what it is, e.g. "A: USCC"
    text: bytes
    bidder: str = ""  # whose ("A", "B", "C"), or "" for the tender's own tokens


@dataclass(frozen=True)
class Finding:
    place: str
    marker: str
    context: str

    def __str__(self) -> str:
        return f"{self.place}: {self.marker}: …{self.context}…"


def _variants(label: str, value: bytes) -> Iterator[tuple[str, bytes]]:
    """A binary secret as it may be written: raw, hex, base64 (standard and URL-safe)."""
    yield f"{label} (raw)", value
    yield f"{label} (hex)", value.hex().encode()
    yield f"{label} (base64)", base64.b64encode(value).rstrip(b"=")
    yield f"{label} (base64url)", base64.urlsafe_b64encode(value).rstrip(b"=")


def _grouped(yuan: str) -> str:
    whole, cents = yuan.split(".")
    return f"{int(whole):,}.{cents}"


@dataclass
class Markers:
    """Every secret of the world, by kind."""

    secrets: list[Secret] = field(default_factory=list)

    def of(self, *kinds: str, bidder: str | None = None) -> list[Secret]:
        return [
            secret
            for secret in self.secrets
            if secret.kind in kinds and (bidder is None or secret.bidder == bidder)
        ]


def markers_of(world: World) -> Markers:
    found: list[Secret] = []
    for bidder in world.bidders:
        key, plan = bidder.key, bidder.plan
        for marker in bidder.plaintext_markers:
            found.append(Secret("plaintext", f"{key}: plaintext marker {marker}", marker.encode()))
        for label, text in (
            ("price in yuan", plan.price_yuan),
            ("price in fen", str(plan.price_fen)),
            ("price grouped", _grouped(plan.price_yuan)),
            ("price in capital figures", plan.price_capital),
        ):
            found.append(Secret("price", f"{key}: {label} {text}", text.encode(), key))
        private = bidder.credential.private_key
        found += [
            Secret("key", f"{key}: {variant}", value, key)
            for variant, value in _variants(
                "private key PKCS#8",
                private.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()),
            )
        ]
        scalar = private.private_numbers().private_value.to_bytes(32, "big")
        found += [
            Secret("key", f"{key}: {variant}", value, key)
            for variant, value in _variants("private key scalar", scalar)
        ]
        for label, text in bidder.identity().items():
            if text:
                found.append(Secret("identity", f"{key}: {label}", text.encode(), key))
        for label, text in bidder.traces().items():
            found.append(Secret("trace", f"{key}: {label}", text.encode(), key))
        for index, bid in enumerate(bidder.bids):
            found.append(
                Secret("size", f"{key}: bid {index + 1} size", str(bid.size).encode(), key)
            )
    for index, data_key in enumerate(world.data_keys):
        found += [
            Secret("key", variant, value)
            for variant, value in _variants(f"data key {index + 1}", data_key)
        ]
    found.append(Secret("tender", "tender id", str(world.tender.pk).encode()))
    found.append(Secret("tender", "tender title", world.tender.title.encode()))
    return Markers(found)


def context(haystack: bytes, at: int, length: int) -> str:
    """80 characters around a hit, on one line."""
    start = max(0, at - 40 + length // 2)
    text = haystack[start : start + 80].decode("utf-8", "replace")
    return re.sub(r"\s+", " ", text)


def _find(haystack: bytes, secret: Secret) -> int:
    if secret.kind != "size":
        return haystack.find(secret.text)
    # A size is a number: only as a number of its own, not inside a digest or another number.
    match = re.search(rb"(?<![0-9A-Za-z.])" + secret.text + rb"(?![0-9A-Za-z])", haystack)
    return match.start() if match else -1


def search(place: str, haystack: bytes, secrets: Iterable[Secret]) -> list[Finding]:
    findings = []
    for secret in secrets:
        at = _find(haystack, secret)
        if at >= 0:
            findings.append(Finding(place, secret.label, context(haystack, at, len(secret.text))))
    return findings


def linked(
    place: str, haystack: bytes, markers: Markers, *, bidders: Iterable[str] | None = None
) -> list[Finding]:
    """A bidder named together with the tender or with one of the bidders' traces (a bid,
    upload, receipt or download of the tender): a link of the tender to its bidder, in clear."""
    tender_side = [secret for secret in markers.of("tender", "trace") if secret.text in haystack]
    if not tender_side:
        return []
    chosen = list(bidders) if bidders is not None else ["A", "B", "C"]
    named = [
        secret
        for key in chosen
        for secret in markers.of("identity", bidder=key)
        if secret.text in haystack
    ]
    if not named:
        return []
    return [
        Finding(
            place,
            f"{name.label} with {tender_side[0].label}",
            context(haystack, haystack.find(name.text), len(name.text)),
        )
        for name in named
    ]


def report(findings: list[Finding]) -> str:
    return "\n".join(str(finding) for finding in findings)


# --- The database dump ---


def pg_dump_path() -> str:
    found = shutil.which("pg_dump") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"), reverse=True)), None
    )
    assert found, "pg_dump is not in PATH nor in /usr/lib/postgresql/*/bin"
    return found


def database_dump() -> bytes:
    """A plain-format dump of the whole test database, as its owner (pg_dump from another
    connection: it sees what is committed)."""
    from django.db import connection

    settings = connection.settings_dict
    environment = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    command = [
        pg_dump_path(),
        "--format=plain",
        "--no-owner",
        f"--host={settings['HOST'] or '127.0.0.1'}",
        f"--port={settings['PORT'] or 5432}",
        f"--username={settings['USER']}",
        settings["NAME"],
    ]
    return subprocess.run(command, capture_output=True, check=True, env=environment).stdout


_COPY = re.compile(rb"^COPY public\.(\w+) \(([^)]*)\) FROM stdin;$")
_BYTEA = re.compile(rb"^\\\\x([0-9a-f]*)$")


@dataclass(frozen=True)
class DumpRow:
    table: str
    text: bytes  # the row as dumped, with its bytea columns decoded and appended


def dump_rows(dump: bytes) -> Iterator[DumpRow]:
    """Each data row of a plain dump. Binary columns (`\\x…` hex) are decoded too, and a
    session's signed payload is decoded, so that what they hold is searched as well."""
    table = None
    for line in dump.split(b"\n"):
        if table is None:
            match = _COPY.match(line)
            if match:
                table = match.group(1).decode()
            continue
        if line == b"\\.":
            table = None
            continue
        decoded = [line]
        for column in line.split(b"\t"):
            binary = _BYTEA.match(column)
            if binary:
                decoded.append(bytes.fromhex(binary.group(1).decode()))
        if table == "django_session":
            decoded.append(_session_payload(line))
        yield DumpRow(table, b"\t".join(decoded))


def _session_payload(line: bytes) -> bytes:
    from django.contrib.sessions.backends.db import SessionStore

    columns = line.split(b"\t")
    return repr(SessionStore().decode(columns[1].decode())).encode()


# --- Object storage ---


@dataclass(frozen=True)
class StoredThing:
    bucket: str
    key: str
    headers: bytes  # every header stat_object answers, user metadata included
    content: bytes


def stored_objects(buckets: Iterable[str]) -> Iterator[StoredThing]:
    from storage.objects import get_storage

    storage = get_storage()
    for bucket in buckets:
        for listed in storage.list_objects(bucket=bucket):
            info = storage._client.stat_object(bucket_name=bucket, object_name=listed.key)
            headers = "\n".join(f"{name}: {value}" for name, value in info.metadata.items())
            with storage.open(bucket=bucket, key=listed.key) as chunks:
                content = b"".join(chunks)
            yield StoredThing(bucket, listed.key, headers.encode(), content)


def raw_files(folder) -> Iterator[tuple[str, bytes]]:
    """Every file the S3 server keeps on disk (volumes, filer store, its log)."""
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            if not os.path.isfile(path):
                continue  # the filer's socket
            with open(path, "rb") as file:
                yield path, file.read()
