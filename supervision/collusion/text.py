"""Text similarity of technical documents across bidders (条例 第四十条（一）（四）): MinHash
signatures, LSH banding for candidate pairs, the exact Jaccard similarity of each candidate's
shingle sets to decide, both reported."""

from collections.abc import Sequence
from typing import Any

from supervision.collusion import thresholds
from supervision.collusion.findings import Finding, linked_groups
from supervision.collusion.inputs import BidEvidence
from supervision.collusion.minhash import (
    candidate_pairs,
    estimated_similarity,
    jaccard,
    shingles,
    signature,
)
from supervision.collusion.rules import RED, SIMILAR_TEXT


def text_findings(bids: Sequence[BidEvidence]) -> list[Finding]:
    """Bids of different bidders whose technical texts have a Jaccard similarity of their
    character shingles at or above TEXT_SIMILARITY_MINIMUM, pairs that share a bidder joined
    into one finding; red from TEXT_SIMILARITY_RED."""
    texts = {bid.bid_id: bid for bid in bids if bid.technical_text}

    def shingled(key: str) -> set[int]:
        return shingles(texts[key].technical_text, thresholds.SHINGLE_CHARACTERS)

    # Only the signatures are kept: the shingles of the few candidates are made again, so
    # memory holds one text's shingles at a time, not every text's.
    signatures = {
        key: value
        for key in texts
        if (value := signature(shingled(key), thresholds.MINHASH_BINS)) is not None
    }
    pairs: list[tuple[dict[str, Any], tuple[str, ...]]] = []
    for first, second in sorted(
        candidate_pairs(signatures, bands=thresholds.LSH_BANDS, rows=thresholds.LSH_ROWS)
    ):
        one, other = texts[first], texts[second]
        if one.bidder_id == other.bidder_id:
            continue
        exact = jaccard(shingled(first), shingled(second))
        if exact < thresholds.TEXT_SIMILARITY_MINIMUM:
            continue
        estimate = estimated_similarity(signatures[first], signatures[second])
        bidders = tuple(sorted((one.bidder_id, other.bidder_id)))
        pair = {
            "bids": [first, second],
            "bidders": list(bidders),
            "estimated_similarity": round(estimate, 3),
            "jaccard_similarity": round(exact, 3),
        }
        pairs.append((pair, bidders))
    return [
        Finding(
            SIMILAR_TEXT,
            bidders,
            {"pairs": evidence, "shingle_characters": thresholds.SHINGLE_CHARACTERS},
            severity=RED
            if max(pair["jaccard_similarity"] for pair in evidence)
            >= thresholds.TEXT_SIMILARITY_RED
            else "",
        )
        for bidders, evidence in linked_groups(pairs)
    ]
