"""The manifest: what the bidder declares it sealed, signed with its certificate key.

It travels encrypted as the last part of the sealed bid, as canonical JSON
{"manifest": base64(manifest bytes), "signature": base64(CMS detached over those bytes)}, so the
signature is checked over the exact bytes the bidder signed.
"""

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from signing.canonical import canonical_json, is_canonical_json, load_json
from signing.envelope.errors import InputInvalid, ManifestInvalid
from signing.envelope.format import FORMAT_VERSION
from signing.envelope.price_sheet import validate_price_sheet

TOOL_NAME = "bidtool"
TOOL_VERSION = "1.0.0"
MAX_FILE_NAME_BYTES = 255
_HEX64 = re.compile(r"\A[0-9a-f]{64}\Z")


@dataclass(frozen=True)
class FileEntry:
    index: int
    name: str
    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "name": self.name, "size": self.size, "sha256": self.sha256}


def check_file_name(name: str) -> str:
    """A bare file name: no directories, so an opened bid cannot write outside its folder."""
    if (
        not name
        or name in (".", "..")
        or any(character in name for character in "/\\\x00")
        or len(name.encode("utf-8")) > MAX_FILE_NAME_BYTES
    ):
        raise InputInvalid(f"File name {name!r} is not allowed in a sealed bid.")
    return name


def utc_timestamp(moment: datetime | None = None) -> str:
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build_manifest(
    *,
    tender_id: str,
    bidder_uscc: str,
    files: list[FileEntry],
    price_sheet: dict[str, Any],
    device_fingerprint: dict[str, Any],
    created_at: datetime | None = None,
) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "tender_id": tender_id,
        "bidder_uscc": bidder_uscc,
        "files": [entry.to_json() for entry in files],
        "price_sheet": validate_price_sheet(price_sheet),
        "tool": {"name": TOOL_NAME, "version": TOOL_VERSION},
        "device_fingerprint": device_fingerprint,
        "created_at": utc_timestamp(created_at),
    }


def encode_signed_manifest(manifest_bytes: bytes, signature: bytes) -> bytes:
    return canonical_json(
        {
            "manifest": base64.b64encode(manifest_bytes).decode("ascii"),
            "signature": base64.b64encode(signature).decode("ascii"),
        }
    )


def decode_signed_manifest(data: bytes) -> tuple[bytes, bytes]:
    """Return (manifest bytes, CMS signature) from the decrypted manifest part."""
    try:
        document = load_json(data)
        manifest_bytes = base64.b64decode(document["manifest"], validate=True)
        signature = base64.b64decode(document["signature"], validate=True)
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, binascii.Error) as error:
        raise ManifestInvalid("The manifest part is not a signed manifest record.") from error
    return manifest_bytes, signature


def _field(document: dict[str, Any], name: str, kind: type) -> Any:
    value = document.get(name)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ManifestInvalid(f"Manifest field {name} is missing or not of type {kind.__name__}.")
    return value


def parse_manifest(manifest_bytes: bytes) -> dict[str, Any]:
    """Parse and check the shape of a manifest (not its signature, not its binding to a bid)."""
    try:
        document = load_json(manifest_bytes)
    except ValueError as error:  # UnicodeDecodeError is one
        raise ManifestInvalid("The manifest is not UTF-8 JSON.") from error
    if not isinstance(document, dict):
        raise ManifestInvalid("The manifest is not a JSON object.")
    if not is_canonical_json(document, manifest_bytes):
        raise ManifestInvalid("The manifest is not in canonical JSON form.")
    if _field(document, "format_version", int) != FORMAT_VERSION:
        raise ManifestInvalid(f"Manifest format version is not {FORMAT_VERSION}.")
    _field(document, "tender_id", str)
    _field(document, "bidder_uscc", str)
    _field(document, "created_at", str)
    _field(document, "tool", dict)
    _field(document, "device_fingerprint", dict)
    files = _field(document, "files", list)
    names = set()
    for position, entry in enumerate(files):
        if not isinstance(entry, dict):
            raise ManifestInvalid(f"Manifest files[{position}] is not an object.")
        if _field(entry, "index", int) != position:
            raise ManifestInvalid(f"Manifest files[{position}] is out of order.")
        try:
            name = check_file_name(_field(entry, "name", str))
        except InputInvalid as error:
            raise ManifestInvalid(f"Manifest files[{position}]: {error}") from error
        if name in names:
            raise ManifestInvalid(f"Manifest names file {name!r} twice.")
        names.add(name)
        if _field(entry, "size", int) < 0 or not _HEX64.match(_field(entry, "sha256", str)):
            raise ManifestInvalid(f"Manifest files[{position}] has a bad size or sha256.")
    if validate_price_sheet(document.get("price_sheet")) != document["price_sheet"]:
        raise ManifestInvalid("The manifest's price sheet is not in canonical shape.")
    return document


def manifest_files(document: dict[str, Any]) -> list[FileEntry]:
    return [
        FileEntry(entry["index"], entry["name"], entry["size"], entry["sha256"])
        for entry in document["files"]
    ]
