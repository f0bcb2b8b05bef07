"""The collusion screens over 100, 250 and 500 bids of one tender, text similarity included,
beside the naive all-pairs Jaccard comparison of the same texts measured in the same run; and
the screens across tenders over 1k and 10k awarded tenders, beside reading the whole history.

    python -m bench.bench_collusion [--sizes 100,250,500] [--characters 3000] [--honest 1000]
        [--bidders 8,20] [--spreads 0.06]      # --sizes "" for the false alarms alone
        [--across 1000,10000] [--markets 200]  # --across "" / --markets 0 to leave them out

Prints, per size, the CPU time of each screen (best of 3; the baseline once), the growth exponent
(least-squares slope of log time on log n: 1 is linear, 2 quadratic), the peak memory of one
run, and the false alarms of the price screens on simulated honest tenders: pure Python.

Across tenders (bench.collusion_across): a scratch PostgreSQL database (DATABASE_URL's
server) filled with an honest market and a few planted patterns; wall time (best of 3) and
query count of each read and of `collusion_screen_across`, beside the baseline that reads every
loss and windows it in Python; then the false alarms of both screens on simulated honest
markets of few and many bidders. Never passes or fails on time.
"""

import argparse
import math
import random
import time
import tracemalloc
from collections.abc import Callable
from itertools import combinations

from supervision.collusion import thresholds
from supervision.collusion.inputs import BidEvidence
from supervision.collusion.minhash import jaccard, shingles
from supervision.collusion.price_screens import subgroup_findings, tender_findings
from supervision.collusion.progressions import progression_findings
from supervision.collusion.screens import screen_bids
from supervision.collusion.shared import (
    address_findings,
    device_findings,
    file_findings,
    price_sheet_findings,
)
from supervision.collusion.text import text_findings
from tests.supervision import synthetic

SEED = 20260302


def tender(count: int, characters: int) -> list[BidEvidence]:
    """`count` honest bids and, among them, a ring of four on one machine with prices in
    progression and copied technical offers."""
    rng = random.Random(SEED + count)
    sentences = max(1, characters // 30)
    bids = [
        BidEvidence(
            bid_id=f"bid-{index}",
            bidder_id=f"bidder-{index}",
            price_fen=synthetic.honest_price(rng),
            upload_addresses=frozenset({synthetic.address(rng)}),
            decryption_addresses=frozenset({synthetic.address(rng)}),
            device_fingerprints=(synthetic.fingerprint(rng),),
            file_digests=frozenset({synthetic.digest(rng), synthetic.digest(rng)}),
            price_sheet={"total_price_fen": index, "duration_days": 200},
            technical_text=synthetic.technical_text(rng, sentences),
        )
        for index in range(count)
    ]
    machine, offer = synthetic.fingerprint(rng), bids[0].technical_text
    for step, index in enumerate((0, count // 3, 2 * count // 3, count - 1)):
        bids[index] = BidEvidence(
            bid_id=f"bid-{index}",
            bidder_id=f"bidder-{index}",
            price_fen=9_650_000_00 + step * 100_000_00,
            device_fingerprints=(machine,),
            technical_text=synthetic.copied_text(rng, offer, changed=0.1),
        )
    return bids


def naive_text_pairs(bids: list[BidEvidence]) -> list[tuple[str, str]]:
    """The baseline: shingle every text and compute the exact Jaccard of every pair."""
    sets = {bid.bid_id: shingles(bid.technical_text) for bid in bids}
    return [
        (first, second)
        for first, second in combinations(sets, 2)
        if jaccard(sets[first], sets[second]) >= thresholds.TEXT_SIMILARITY_MINIMUM
    ]


SCREENS: dict[str, Callable[[list[BidEvidence]], object]] = {
    "shared evidence": lambda bids: (
        address_findings(bids),
        device_findings(bids),
        file_findings(bids),
        price_sheet_findings(bids),
    ),
    "progressions": progression_findings,
    "tender screens": tender_findings,
    "subgroups": subgroup_findings,
    "text (MinHash+LSH)": text_findings,
    "all screens": screen_bids,
    "baseline: all-pairs Jaccard": naive_text_pairs,
}


def best_of(
    function: Callable[[list[BidEvidence]], object], bids: list[BidEvidence], runs: int
) -> float:
    times = []
    for _ in range(runs):
        # CPU time of this process: the machine may be shared, and wall time then measures
        # the neighbours as much as the screens.
        start = time.process_time()
        function(bids)
        times.append(time.process_time() - start)
    return min(times)


def slope(sizes: list[int], times: list[float]) -> float:
    xs, ys = [math.log(size) for size in sizes], [math.log(max(t, 1e-9)) for t in times]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )


def peak_mib(function: Callable[[list[BidEvidence]], object], bids: list[BidEvidence]) -> float:
    tracemalloc.start()
    function(bids)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def false_alarms(tenders: int, bidders: int, spread: float) -> dict[str, float]:
    """Share of simulated honest tenders each price screen flags."""
    rng = random.Random(SEED)
    flagged = dict.fromkeys(("progressions", "tender screens", "subgroups"), 0)
    for _ in range(tenders):
        bids = [
            BidEvidence(
                bid_id=str(i),
                bidder_id=str(i),
                price_fen=synthetic.honest_price(rng, spread=spread),
            )
            for i in range(bidders)
        ]
        flagged["progressions"] += bool(progression_findings(bids))
        flagged["tender screens"] += bool(tender_findings(bids))
        flagged["subgroups"] += bool(subgroup_findings(bids))
    return {name: count / tenders for name, count in flagged.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,250,500")
    parser.add_argument("--characters", type=int, default=3000)
    parser.add_argument("--honest", type=int, default=1000)
    parser.add_argument("--bidders", default="8,20", help="bids per simulated honest tender")
    parser.add_argument("--spreads", default="0.06", help="σ of the honest prices' log-normal")
    parser.add_argument("--across", default="1000,10000", help="awarded tenders in the history")
    parser.add_argument("--markets", type=int, default=200, help="simulated markets per line")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",") if size]
    if sizes:
        timings(sizes, arguments.characters)
    for spread in map(float, arguments.spreads.split(",")):
        for bidders in map(int, arguments.bidders.split(",")):
            rates = false_alarms(arguments.honest, bidders, spread)
            shares = ", ".join(f"{name} {rate:.2%}" for name, rate in rates.items())
            print(
                f"honest tenders of {bidders} bids, σ {spread:.0%}, flagged "
                f"({arguments.honest} simulated): {shares}"
            )
    across_sizes = [int(size) for size in arguments.across.split(",") if size]
    if across_sizes or arguments.markets:
        from bench import collusion_across

        collusion_across.run(across_sizes, arguments.markets)


def timings(sizes: list[int], characters: int) -> None:
    tenders = {size: tender(size, characters) for size in sizes}
    found = {size: screen_bids(tenders[size]) for size in sizes}
    print(f"bids per tender: {sizes}; technical texts of ~{characters} characters")
    for size in sizes:
        rules = sorted({finding.rule.removeprefix("collusion.") for finding in found[size]})
        print(f"  {size} bids: {len(found[size])} findings ({', '.join(rules)})")
    print(f"{'screen':30}" + "".join(f"{size:>10}" for size in sizes) + "   growth n^k")
    for name, function in SCREENS.items():
        # The baseline takes a minute at 500 bids: once is enough to see it.
        runs = 1 if name.startswith("baseline") else 3
        times = [best_of(function, tenders[size], runs) for size in sizes]
        cells = "".join(f"{t * 1000:>8.1f}ms" for t in times)
        print(f"{name:30}{cells}   k = {slope(sizes, times):.2f}")
    peaks = ", ".join(f"{size}: {peak_mib(screen_bids, tenders[size]):.1f}" for size in sizes)
    smallest = sizes[0]
    print(
        f"peak memory (MiB, tracemalloc) of all screens: {peaks}; "
        f"baseline at {smallest}: {peak_mib(naive_text_pairs, tenders[smallest]):.1f}"
    )


if __name__ == "__main__":
    main()
