"""The screens across tenders (supervision/collusion/across*.py), run by bench.bench_collusion.

1. Over 1k and 10k awarded tenders in a scratch PostgreSQL database: an honest market (six
   bidders a tender drawn from a pool of a fifth as many bidders as tenders, one tenderee for
   twenty tenders, any bidder winning) with five cover bidders and five favoured winners
   planted at each size. Wall time (best of 3) and queries of each windowed read, of the pure
   screens and of `collusion_screen_across` (its first run raises the planted patterns, the
   next ones nothing), beside the baseline: every loss read and windowed in Python.
2. False alarms on simulated honest markets (pure Python): the share of bidders and tenderees
   each screen names, with few or many bidders, any bidder winning or one firm winning three
   times as often as each other.
"""

import os
import random
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench.processes import create_database, drop_database

DATABASE = f"bench_collusion_{os.getpid()}"
SEED = 20260316
PLANTED = 5
RUNS = 3
# Tenders of a simulated market: enough to fill every window but the largest pool's.
MARKET_TENDERS = 300


def setup_django(base_url: str) -> None:
    os.environ["DATABASE_URL"] = create_database(base_url, DATABASE)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import transaction

    from monitoring.chain import locked_head

    with transaction.atomic():
        locked_head()  # the event log's head, as on a platform that has logged anything


def honest_market(rng: random.Random, count: int, first_day: int) -> list[Any]:
    import datetime as dt

    from tests.supervision.history_seeding import FIRST_AWARD, PastTender, organisations

    pool = organisations(max(count // 5, 10))
    tenderees = organisations(max(count // 20, 1), "招标人")
    past = []
    for number in range(count):
        bidders = rng.sample(pool, 6)
        past.append(
            PastTender(
                tenderee=tenderees[number % len(tenderees)],
                bidders=bidders,
                winner=rng.choice(bidders),
                decided_at=FIRST_AWARD + dt.timedelta(hours=first_day * 24 + number),
            )
        )
    return past


def planted(rng: random.Random, market: list[Any], first_hour: int) -> list[Any]:
    """Five cover bidders each losing six tenders to its winner, and five tenderees each
    awarding six of eight tenders to one winner."""
    import datetime as dt

    from tests.supervision.history_seeding import FIRST_AWARD, PastTender, organisations

    past, hour = [], first_hour
    for _ in range(PLANTED):
        loser, winner = organisations(2, "陪标")
        for _ in range(6):
            past.append(
                PastTender(
                    tenderee=rng.choice(market).tenderee,
                    bidders=[winner, loser, *rng.choice(market).bidders[:4]],
                    winner=winner,
                    decided_at=FIRST_AWARD + dt.timedelta(hours=hour),
                )
            )
            hour += 1
    for _ in range(PLANTED):
        [tenderee] = organisations(1, "招标人")
        [favourite] = organisations(1, "常中标")
        for number in range(8):
            others = rng.choice(market).bidders[:5]
            winner = favourite if number % 4 else others[0]
            past.append(
                PastTender(
                    tenderee=tenderee,
                    bidders=[favourite, *others] if winner is favourite else others,
                    winner=winner,
                    decided_at=FIRST_AWARD + dt.timedelta(hours=hour),
                )
            )
            hour += 1
    return past


def every_loss_windowed_in_python(window: int) -> dict[str, list[Any]]:
    """The baseline: read every loss of the history, keep each bidder's last `window`."""
    from django.db.models import Count, F, Window

    from supervision.collusion.across import AwardedTender
    from supervision.collusion.history import AWARD, losses

    query = (
        losses()
        .annotate(losers=Window(Count("id"), partition_by=[F("tender_id")]))
        .order_by("bidder_id", F(f"{AWARD}decided_at").desc(), F("tender_id").desc())
        .values_list(
            "bidder_id",
            "tender_id",
            "tender__project__tenderee_id",
            f"{AWARD}winner_id",
            f"{AWARD}decided_at",
            "losers",
        )
    )
    by_bidder: dict[str, list[Any]] = defaultdict(list)
    for bidder, tender, tenderee, winner, decided_at, losers in query:
        kept = by_bidder[str(bidder)]
        if len(kept) < window:
            kept.append(
                AwardedTender(str(tender), str(tenderee), str(winner), decided_at, losers + 1)
            )
    return dict(by_bidder)


def timed(function: Callable[[], Any]) -> tuple[float, int, Any]:
    """Best wall time of RUNS runs (the database works too), then one counted run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        result = function()
    return best, len(queries), result


def measure(total: int, rng: random.Random, have: int) -> dict[str, tuple[float, int, str]]:
    from django.db import connection

    from supervision.collusion import thresholds
    from supervision.collusion.across import losing_to_same_winner, repeat_winners
    from supervision.collusion.across_services import collusion_screen_across
    from supervision.collusion.history import awards_by_tenderee, losses_by_bidder
    from tests.supervision.history_seeding import seed_awarded_history

    market = honest_market(rng, total - have - 14 * PLANTED, first_day=have)
    seed_awarded_history(market + planted(rng, market, first_hour=(have + len(market)) * 24))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    losses = losses_by_bidder(window=thresholds.LOSING_WINDOW)
    awards = awards_by_tenderee(window=thresholds.TENDEREE_WINDOW)
    results: dict[str, tuple[float, int, str]] = {}

    started = time.perf_counter()
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        first = collusion_screen_across()
    results["screen across, first run"] = (
        time.perf_counter() - started,
        len(queries),
        f"{len(first.alerts_raised)} alerts raised, {len(first.findings)} findings",
    )
    seconds, count, again = timed(collusion_screen_across)
    results["screen across, again"] = (seconds, count, f"{len(again.alerts_raised)} raised")
    seconds, count, _ = timed(lambda: losses_by_bidder(window=thresholds.LOSING_WINDOW))
    rows = sum(len(window) for window in losses.values())
    results["read losses (SQL window)"] = (seconds, count, f"{rows} rows")
    seconds, count, _ = timed(lambda: awards_by_tenderee(window=thresholds.TENDEREE_WINDOW))
    rows = sum(len(window) for window in awards.values())
    results["read awards (SQL window)"] = (seconds, count, f"{rows} rows")
    seconds, count, _ = timed(lambda: (losing_to_same_winner(losses), repeat_winners(awards)))
    results["screens (pure)"] = (seconds, count, "")
    seconds, count, baseline = timed(
        lambda: every_loss_windowed_in_python(thresholds.LOSING_WINDOW)
    )

    def ids(windows: dict[str, list[Any]]) -> dict[str, list[str]]:
        return {
            bidder: [tender.tender_id for tender in window] for bidder, window in windows.items()
        }

    assert ids(baseline) == ids(losses), "the baseline must read the same windows"
    results["baseline: every loss, window in Python"] = (seconds, count, "")
    return results


def history(sizes: list[int]) -> None:
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    setup_django(base_url)
    try:
        rng = random.Random(SEED)
        results, have = {}, 0
        for size in sizes:
            results[size] = measure(size, rng, have)
            have = size
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(base_url, DATABASE)
    print(
        f"screens across tenders, PostgreSQL, awarded tenders: {sizes}; {PLANTED} cover bidders "
        f"and {PLANTED} favoured winners planted at each size; wall time, best of {RUNS}"
    )
    header = "".join(f"{size:>12} ms  queries" for size in sizes)
    print(f"{'':40}{header}")
    for name in results[sizes[0]]:
        cells = "".join(
            f"{results[size][name][0] * 1000:>15.1f}{results[size][name][1]:>9}" for size in sizes
        )
        notes = "; ".join(results[size][name][2] for size in sizes if results[size][name][2])
        print(f"{name:40}{cells}   {notes}")


def simulated(
    rng: random.Random, pool: int, tenders: int, strong: float
) -> tuple[float, float, int, int]:
    """An honest market of `pool` bidders (six or all a tender), ten tenderees; one firm wins
    `strong` times as often as each other. Shares of bidders and tenderees named."""
    import datetime as dt

    from supervision.collusion import thresholds
    from supervision.collusion.across import (
        AwardedTender,
        losing_to_same_winner,
        repeat_winners,
    )

    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    losses: dict[str, list[AwardedTender]] = defaultdict(list)
    awards: dict[str, list[AwardedTender]] = defaultdict(list)
    firms = [f"firm{index}" for index in range(pool)]
    for number in reversed(range(tenders)):  # most recent first
        bidders = rng.sample(firms, min(6, pool))
        weights = [strong if bidder == "firm0" else 1.0 for bidder in bidders]
        winner = rng.choices(bidders, weights)[0]
        tenderee = f"tenderee{number % 10}"
        tender = AwardedTender(str(number), tenderee, winner, moment, len(bidders))
        if len(awards[tenderee]) < thresholds.TENDEREE_WINDOW:
            awards[tenderee].append(tender)
        for bidder in bidders:
            if bidder != winner and len(losses[bidder]) < thresholds.LOSING_WINDOW:
                losses[bidder].append(tender)
    named_losers = {finding.subject_id for finding in losing_to_same_winner(losses)}
    named_tenderees = {finding.subject_id for finding in repeat_winners(awards)}
    return (
        len(named_losers) / len(losses),
        len(named_tenderees) / len(awards),
        len(losses),
        len(awards),
    )


def markets(count: int) -> None:
    print(
        f"false alarms across tenders on simulated honest markets ({MARKET_TENDERS} tenders, ten "
        f"tenderees, {count} markets a line): share of bidders / tenderees named"
    )
    for strong in (1.0, 3.0):
        for pool in (7, 10, 20, 50, 200):
            named_bidders, named_tenderees = 0.0, 0.0
            for market in range(count):
                bidders, tenderees, _b, _t = simulated(
                    random.Random(SEED + market), pool, MARKET_TENDERS, strong
                )
                named_bidders += bidders
                named_tenderees += tenderees
            print(
                f"  pool of {pool:>3} bidders, one firm winning ×{strong:.0f}: losing to the same "
                f"winner {named_bidders / count:.2%} of bidders, repeat winner "
                f"{named_tenderees / count:.2%} of tenderees"
            )


def run(sizes: list[int], market_count: int) -> None:
    if sizes:
        history(sizes)
    if market_count:
        markets(market_count)
