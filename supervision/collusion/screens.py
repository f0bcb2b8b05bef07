"""Every collusion screen over the bids of one tender, in one call."""

from collections.abc import Sequence

from supervision.collusion.findings import Finding
from supervision.collusion.inputs import BidEvidence
from supervision.collusion.price_screens import subgroup_findings, tender_findings
from supervision.collusion.progressions import progression_findings
from supervision.collusion.shared import (
    Network,
    address_findings,
    device_findings,
    file_findings,
    price_sheet_findings,
)
from supervision.collusion.text import text_findings


def screen_bids(
    bids: Sequence[BidEvidence],
    *,
    common_digests: frozenset[str] = frozenset(),
    shared_networks: Sequence[Network] = (),
) -> list[Finding]:
    """The findings of every screen, in a fixed order (rule, then bidders).

    `common_digests`: files any bidder may include unchanged (the tender's own documents);
    `shared_networks`: networks many bidders use honestly (a trading centre's hall).
    """
    findings = [
        *address_findings(bids, shared_networks=shared_networks),
        *device_findings(bids),
        *file_findings(bids, common_digests=common_digests),
        *price_sheet_findings(bids),
        *progression_findings(bids),
        *tender_findings(bids),
        *subgroup_findings(bids),
        *text_findings(bids),
    ]
    return sorted(findings, key=lambda finding: (finding.rule, finding.bidders))
