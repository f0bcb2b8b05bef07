"""The one record per bid the screens read, and the identifying fields of a device fingerprint.

`services.bid_evidence_of_tender` fills it from the database; tests and bench/ build it by hand.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The empty file's SHA-256: every bid may carry an empty file without sharing anything.
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@dataclass(frozen=True)
class BidEvidence:
    """What the screens compare of one bid of a tender.

    `device_fingerprints` holds every fingerprint the bid came with: the one bidtool sent with
    the upload (`BidUpload.device_fingerprint`) and the one signed in the manifest
    (`BidDecryption.manifest_summary["device_fingerprint"]`). `technical_text` is the text of
    its technical documents, supplied by whoever can read them (the platform stores no
    plaintext): empty when none is given.
    """

    bid_id: str
    bidder_id: str
    price_fen: int | None = None
    upload_addresses: frozenset[str] = frozenset()
    decryption_addresses: frozenset[str] = frozenset()
    download_addresses: frozenset[str] = frozenset()
    device_fingerprints: tuple[Mapping[str, Any], ...] = ()
    file_digests: frozenset[str] = frozenset()
    price_sheet: Mapping[str, Any] | None = None
    technical_text: str = ""


# Fields of signing.envelope.fingerprint.collect_device_fingerprint that name one machine or one
# installation of the tool. The host name (hashed) is left out: "DESKTOP-…" names are random,
# but "localhost" and a vendor's default are shared by unrelated machines. The operating system
# names nothing.
IDENTIFYING_FIELDS = ("machine_id_sha256", "installation_id")


def universal_mac(address: str) -> bool:
    """A MAC burnt into one network card: not multicast, not locally administered (virtual
    adapters of Docker, VirtualBox, VPNs carry the same locally administered ones everywhere)."""
    parts = address.split(":")
    if len(parts) != 6:
        return False
    try:
        first = int(parts[0], 16)
    except ValueError:
        return False
    return not first & 0b11 and address != "00:00:00:00:00:00"


def device_identifiers(fingerprint: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(field, value) pairs of a fingerprint that identify a machine: its machine id, the tool's
    installation id, and each universal MAC address."""
    identifiers = set()
    for name in IDENTIFYING_FIELDS:
        value = fingerprint.get(name)
        if isinstance(value, str) and value:
            identifiers.add((name, value))
    addresses = fingerprint.get("mac_addresses")
    if isinstance(addresses, list):
        for address in addresses:
            if isinstance(address, str) and universal_mac(address.lower()):
                identifiers.add(("mac_address", address.lower()))
    return identifiers
