"""Properties of the scoring over random prices and panels (hypothesis)."""

from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.scoring import (
    Criterion,
    CriterionKind,
    PriceScheme,
    consolidate,
    price_scores,
    rank_by_evaluated_price,
)

QUICK = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
PRICES = st.dictionaries(
    st.text("ABCDEFGHIJ", min_size=1, max_size=3),
    st.integers(min_value=1, max_value=10**13),
    min_size=1,
    max_size=25,
)
POINTS = st.decimals(min_value=1, max_value=100, places=2)
RATES = st.decimals(min_value=0, max_value=5, places=2)


@QUICK
@given(prices=PRICES, full=POINTS)
def test_the_lowest_price_gets_full_points_and_no_score_leaves_the_range(prices, full):
    result = price_scores(
        PriceScheme.lowest_price(full_points=full), prices, regime="works", category="works"
    )
    lowest = min(prices.values())
    for bid, score in result.scores.items():
        assert Decimal(0) <= score.score <= full
        if prices[bid] == lowest:
            assert score.score == full
    by_price = sorted(result.scores.values(), key=lambda score: score.price_fen)
    assert all(a.score >= b.score for a, b in pairwise(by_price))


@QUICK
@given(
    prices=PRICES,
    full=POINTS,
    above=RATES,
    below=RATES,
    drop_above=st.none() | st.integers(min_value=2, max_value=6),
    factor=st.decimals(min_value=0, max_value="0.2", places=3),
    floor=st.decimals(min_value=0, max_value=1, places=2),
)
def test_mean_scores_stay_between_the_minimum_and_full_points(
    prices, full, above, below, drop_above, factor, floor
):
    minimum = (full * floor).quantize(Decimal("0.01"))
    scheme = PriceScheme.mean(
        full_points=full,
        above_rate=above,
        below_rate=below,
        drop_above=drop_above,
        downward_factor=factor,
        minimum=minimum,
    )
    result = price_scores(scheme, prices, regime="works", category="works")
    dropping = drop_above is not None and len(prices) > drop_above
    assert len(result.dropped) == (2 if dropping else 0)
    assert len(result.counted) + len(result.dropped) == len(prices)
    for score in result.scores.values():
        assert minimum <= score.score <= full
        if score.price_fen == result.benchmark_fen:
            assert score.score == full


@st.composite
def panels(draw):
    bids = [f"B{n}" for n in range(draw(st.integers(1, 8)))]
    experts = [f"E{n}" for n in range(draw(st.integers(1, 5)))]
    criteria = [
        Criterion(f"C{n}", Decimal(0), Decimal(10), draw(st.sampled_from(CriterionKind)))
        for n in range(draw(st.integers(1, 4)))
    ]
    score = st.decimals(min_value=0, max_value=10, places=2)
    scores = {
        expert: {bid: {c.key: draw(score) for c in criteria} for bid in bids} for expert in experts
    }
    price_points = {bid: draw(st.decimals(min_value=0, max_value=30, places=2)) for bid in bids}
    prices = {bid: draw(st.integers(1, 5)) for bid in bids}  # few values: many ties
    sequence = dict(zip(bids, draw(st.permutations(range(len(bids)))), strict=True))
    return criteria, scores, price_points, prices, sequence


@QUICK
@given(panel=panels())
def test_the_ranking_is_a_permutation_ordered_by_total_then_price(panel):
    criteria, scores, price_points, prices, sequence = panel
    result = consolidate(
        criteria=criteria,
        scores=scores,
        price_scores=price_points,
        prices=prices,
        sequence=sequence,
    )
    assert sorted(r.bid for r in result.ranking) == sorted(price_points)
    assert [r.position for r in result.ranking] == list(range(1, len(price_points) + 1))
    keys = [(-r.total, r.price_fen, sequence[r.bid]) for r in result.ranking]
    assert keys == sorted(keys)
    for r in result.ranking:
        mean = sum(r.expert_totals.values()) / len(scores)
        assert r.total == mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@QUICK
@given(prices=PRICES, data=st.data())
def test_evaluated_prices_rank_every_bid_lowest_first(prices, data):
    sequence = dict(zip(prices, data.draw(st.permutations(range(len(prices)))), strict=True))
    ranking = rank_by_evaluated_price(prices=prices, sequence=sequence)
    assert sorted(r.bid for r in ranking) == sorted(prices)
    keys = [(r.evaluated_fen, r.price_fen, sequence[r.bid]) for r in ranking]
    assert keys == sorted(keys)
