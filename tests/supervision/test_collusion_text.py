"""Text similarity of technical documents: MinHash estimates, LSH candidates, findings."""

import random

import pytest

from supervision.collusion.inputs import BidEvidence
from supervision.collusion.minhash import (
    candidate_pairs,
    estimated_similarity,
    jaccard,
    normalise,
    shingles,
    signature,
)
from supervision.collusion.rules import SIMILAR_TEXT
from supervision.collusion.text import text_findings
from tests.supervision import synthetic


def test_shingles_are_character_trigrams_of_the_text_without_layout():
    assert normalise("施工 方案\n确保 Quality") == "施工方案确保quality"
    assert shingles("施工方案") == {
        ord("施") << 42 | ord("工") << 21 | ord("方"),
        ord("工") << 42 | ord("方") << 21 | ord("案"),
    }
    assert len(shingles("工期")) == 1  # shorter than a shingle: the text is one
    assert shingles(" \n") == set()


def test_the_signature_is_the_same_in_every_run_and_empty_text_has_none():
    assert signature(shingles("本工程采用钢筋混凝土框架结构"), 16) == signature(
        shingles("本工程 采用钢筋混凝土框架结构"), 16
    )
    assert signature(set(), 16) is None


def test_the_estimate_follows_the_jaccard_similarity():
    rng = random.Random(11)
    original = synthetic.technical_text(rng)
    for changed, low, high in ((0.1, 0.75, 0.95), (0.5, 0.3, 0.6)):
        copy = synthetic.copied_text(rng, original, changed=changed)
        first, second = shingles(original), shingles(copy)
        exact = jaccard(first, second)
        assert low <= exact <= high
        estimate = estimated_similarity(signature(first, 128), signature(second, 128))
        # One-permutation MinHash with 128 bins: standard error √(J(1−J)/128) ≤ 0.045.
        assert estimate == pytest.approx(exact, abs=0.12)


def test_banding_proposes_the_similar_pair_and_not_the_unrelated_ones():
    rng = random.Random(12)
    texts = {f"bid-{index}": synthetic.technical_text(rng) for index in range(20)}
    texts["bid-20"] = synthetic.copied_text(rng, texts["bid-3"], changed=0.1)
    signatures = {key: signature(shingles(text), 128) for key, text in texts.items()}

    candidates = candidate_pairs(signatures, bands=32, rows=4)

    assert ("bid-20", "bid-3") in candidates
    assert len(candidates) < 10  # of 210 pairs


def test_three_bidders_copying_one_offer_are_one_finding():
    rng = random.Random(13)
    texts = [synthetic.technical_text(rng) for _ in range(5)]
    texts.append(synthetic.copied_text(rng, texts[2], changed=0.05))
    texts.append(synthetic.copied_text(rng, texts[2], changed=0.15))
    bids = [
        BidEvidence(bid_id=f"bid-{index}", bidder_id=chr(ord("A") + index), technical_text=text)
        for index, text in enumerate(texts)
    ]

    [finding] = text_findings(bids)

    assert (finding.rule, finding.bidders, finding.severity) == (
        SIMILAR_TEXT,
        ("C", "F", "G"),
        "red",
    )
    pairs = {tuple(pair["bids"]): pair for pair in finding.evidence["pairs"]}
    assert set(pairs) == {("bid-2", "bid-5"), ("bid-2", "bid-6"), ("bid-5", "bid-6")}
    assert pairs["bid-2", "bid-5"]["jaccard_similarity"] >= 0.85
    assert finding.source == "招标投标法实施条例 第四十条（四）; 招标投标法实施条例 第四十条（一）"


def test_honest_offers_quoting_the_same_requirements_are_not_similar():
    rng = random.Random(14)
    bids = [
        BidEvidence(bid_id=f"bid-{index}", bidder_id=str(index), technical_text=text)
        for index, text in enumerate(synthetic.technical_text(rng) for _ in range(30))
    ]
    assert text_findings(bids) == []
