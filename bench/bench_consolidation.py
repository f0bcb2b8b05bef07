"""Consolidation of comprehensive scoring in pure computation: 200 bids × 9 experts × 20
criteria (the issue's figure), beside a baseline of 20 bids × 5 experts × 10 criteria and a
naive Decimal implementation of the same totals and outlier rule, all in the same run.

    python -m bench.bench_consolidation [--repeats 30]

Prints p50/p95 time over the repeats and the peak memory of one run (tracemalloc, measured in a
separate run so that tracing does not slow the timed ones). No database: the query count of the
evaluation services is measured by their own bench. Never passes or fails on time.
"""

import argparse
import os
import random
import statistics
import time
import tracemalloc
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def panel(bids: int, experts: int, criteria: int, seed: int = 15) -> dict:
    """Scores as experts give them: each bid has a quality, each expert a little noise, one in
    fifty scores is far off; objective criteria (every third) get the same score from all."""
    from evaluation.scoring import Criterion, CriterionKind

    randomness = random.Random(seed)
    maximum = Decimal(70) / criteria
    kinds = [
        CriterionKind.OBJECTIVE if n % 3 == 0 else CriterionKind.SUBJECTIVE for n in range(criteria)
    ]
    criteria_list = [
        Criterion(f"C{n:02d}", Decimal(0), maximum.quantize(CENT), kinds[n])
        for n in range(criteria)
    ]
    quality = {f"B{n:03d}": randomness.uniform(0.4, 0.95) for n in range(bids)}
    scores: dict = {}
    for expert in range(experts):
        by_bid = scores[f"E{expert}"] = {}
        for bid, level in quality.items():
            row = by_bid[bid] = {}
            for criterion in criteria_list:
                if criterion.kind is CriterionKind.OBJECTIVE:
                    share = level
                elif randomness.random() < 0.02:
                    share = randomness.random()
                else:
                    share = min(1.0, max(0.0, level + randomness.gauss(0, 0.05)))
                row[criterion.key] = (criterion.maximum * Decimal(share)).quantize(CENT)
    prices = {bid: randomness.randrange(900_000_00, 1_200_000_00) for bid in quality}
    sequence = {bid: n for n, bid in enumerate(quality)}
    return {"criteria": criteria_list, "scores": scores, "prices": prices, "sequence": sequence}


def run_platform(case: dict):
    from evaluation.scoring import PriceScheme, consolidate, price_scores

    price = price_scores(
        PriceScheme.lowest_price(full_points=30),
        case["prices"],
        regime="government_procurement",
        category="goods",
    )
    return consolidate(
        criteria=case["criteria"],
        scores=case["scores"],
        price_scores=price.points(),
        prices=case["prices"],
        sequence=case["sequence"],
    )


def run_naive(case: dict) -> list:
    """The same totals, means and outliers written the obvious way, in Decimal throughout."""
    criteria, scores, prices = case["criteria"], case["scores"], case["prices"]
    lowest = min(prices.values())
    price_points = {
        bid: (Decimal(lowest) / Decimal(price) * 30).quantize(CENT, ROUND_HALF_UP)
        for bid, price in prices.items()
    }
    results, flags = [], 0
    for bid in prices:
        totals = []
        for expert in scores:
            for criterion in criteria:
                value = scores[expert][bid][criterion.key]
                if not criterion.minimum <= value <= criterion.maximum:
                    raise ValueError(value)
            totals.append(sum(scores[expert][bid].values()) + price_points[bid])
        for criterion in criteria:
            values = [scores[expert][bid][criterion.key] for expert in scores]
            mean = statistics.mean(values)
            flags += sum(abs(value - mean) > criterion.maximum / 5 for value in values)
        total = (sum(totals) / len(totals)).quantize(CENT, ROUND_HALF_UP)
        results.append((-total, prices[bid], case["sequence"][bid], bid))
    return sorted(results)


def measure(label: str, run, case: dict, repeats: int) -> None:
    run(case)  # imports and caches warmed once, as a real session would have them
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run(case)
        times.append((time.perf_counter() - started) * 1000)
    tracemalloc.start()
    run(case)
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    flags = f"{len(result.flags):>5} flags" if hasattr(result, "flags") else " " * 11
    print(
        f"{label:<44} p50 {statistics.median(times):8.1f} ms   p95 {p95:8.1f} ms   "
        f"peak {peak / 2**20:6.2f} MiB   {flags}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=30)
    arguments = parser.parse_args()
    setup_django()
    small, large = panel(20, 5, 10), panel(200, 9, 20)
    scored = sum(len(row) for by_bid in large["scores"].values() for row in by_bid.values())
    print(f"scores per run: baseline 1,000, large {scored:,}; {arguments.repeats} repeats")
    measure("baseline: 20 bids × 5 experts × 10 criteria", run_platform, small, arguments.repeats)
    measure("200 bids × 9 experts × 20 criteria", run_platform, large, arguments.repeats)
    measure("naive Decimal version, 200 × 9 × 20", run_naive, large, arguments.repeats)


if __name__ == "__main__":
    main()
