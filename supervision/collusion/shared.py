"""Evidence shared across bidders of one tender: the same address, the same machine, an identical
file, an identical price sheet or total price. Each screen is one pass with a dictionary from
value to bidders: O(n) in the number of bids (times the values each holds)."""

import ipaddress
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from signing.canonical import canonical_digest
from supervision.collusion.findings import Finding, linked_groups, shared_values
from supervision.collusion.inputs import EMPTY_SHA256, BidEvidence, device_identifiers
from supervision.collusion.rules import (
    IDENTICAL_FILE,
    IDENTICAL_PRICE,
    IDENTICAL_PRICE_SHEET,
    SAME_DECRYPTION_ADDRESS,
    SAME_DEVICE,
    SAME_DOWNLOAD_ADDRESS,
    SAME_UPLOAD_ADDRESS,
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ADDRESS_SCREENS = (
    (SAME_UPLOAD_ADDRESS, "upload_addresses"),
    (SAME_DECRYPTION_ADDRESS, "decryption_addresses"),
    (SAME_DOWNLOAD_ADDRESS, "download_addresses"),
)


def _findings(
    rule: str, owners: Iterable[tuple[str, Iterable[Hashable]]], describe: Any
) -> list[Finding]:
    """One finding per group of bidders linked by shared values; `describe(value)` is the
    evidence of one match, to which the bidders sharing it are added."""
    matches = shared_values(owners)
    return [
        Finding(
            rule,
            bidders,
            {"matches": [{**describe(value), "bidders": list(who)} for value, who in evidence]},
        )
        for bidders, evidence in linked_groups(
            ((value, who), who) for value, who in sorted(matches, key=lambda match: str(match[0]))
        )
    ]


def _outside(address: str, networks: Sequence[Network]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not any(parsed in network for network in networks)


def address_findings(
    bids: Sequence[BidEvidence], *, shared_networks: Sequence[Network] = ()
) -> list[Finding]:
    """The same upload, decryption or download address across bidders. `shared_networks` are
    networks many bidders use honestly (a trading centre's own hall): not compared."""
    findings = []
    for rule, attribute in ADDRESS_SCREENS:
        findings += _findings(
            rule,
            (
                (
                    bid.bidder_id,
                    [a for a in getattr(bid, attribute) if _outside(a, shared_networks)],
                )
                for bid in bids
            ),
            lambda address: {"address": address},
        )
    return findings


def device_findings(bids: Sequence[BidEvidence]) -> list[Finding]:
    """The same machine id, tool installation or network card across bidders, from the
    fingerprints of the upload and of the signed manifest."""
    return _findings(
        SAME_DEVICE,
        (
            (bid.bidder_id, set().union(*map(device_identifiers, bid.device_fingerprints)))
            for bid in bids
        ),
        lambda identifier: {"field": identifier[0], "value": identifier[1]},
    )


def file_findings(
    bids: Sequence[BidEvidence], *, common_digests: frozenset[str] = frozenset()
) -> list[Finding]:
    """An identical file (same SHA-256) in the bids of different bidders. `common_digests` are
    files every bidder may include unchanged (the tender's own documents and forms)."""
    ignored = common_digests | {EMPTY_SHA256}
    return _findings(
        IDENTICAL_FILE,
        ((bid.bidder_id, bid.file_digests - ignored) for bid in bids),
        lambda digest: {"sha256": digest},
    )


def price_sheet_findings(bids: Sequence[BidEvidence]) -> list[Finding]:
    """Identical price sheets (every declared value equal) and, apart from those, identical
    total prices."""
    declared = {
        canonical_digest(bid.price_sheet): bid.price_sheet for bid in bids if bid.price_sheet
    }
    sheets = _findings(
        IDENTICAL_PRICE_SHEET,
        (
            (bid.bidder_id, [canonical_digest(bid.price_sheet)] if bid.price_sheet else [])
            for bid in bids
        ),
        lambda digest: {"price_sheet": dict(declared[digest])},
    )
    covered = {finding.bidders for finding in sheets}
    prices = _findings(
        IDENTICAL_PRICE,
        ((bid.bidder_id, [] if bid.price_fen is None else [bid.price_fen]) for bid in bids),
        lambda price: {"price_fen": price},
    )
    return sheets + [finding for finding in prices if finding.bidders not in covered]
