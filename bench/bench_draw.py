"""The panel draw from a pool of 100,000 experts, beside a pool of 1,000, in the same run.

Builds a scratch PostgreSQL database (bench_draw; DATABASE_URL's server), bulk-inserts the pool,
and for each size requests panels on fresh tenders (5 bidders each): the whole `panel_request`
(seed committed in one transaction, the pool checked and drawn in the next), a replacement
round after a decline, and the pure algorithm alone on the same snapshot. Prints the median
time, the queries each made (CaptureQueriesContext) and the snapshot's size; never passes or
fails on time.

    python -m bench.bench_draw [--requests 5]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid

DATABASE = "bench_draw"
FIRST, SECOND = "A010101", "A010201"
REQUEST = [{"specialty": FIRST, "count": 3}, {"specialty": SECOND, "count": 2}]


def setup_django(folder: str) -> None:
    server = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/platform")
    base = server.rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{base}/{DATABASE}"
    os.environ["SIGNING_CA_DIR"] = folder
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import psycopg

    with psycopg.connect(
        f"{base.replace('postgres://', 'postgresql://')}/postgres", autocommit=True
    ) as db:
        db.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        db.execute(f"CREATE DATABASE {DATABASE}")
    import django

    django.setup()
    from django.core.management import call_command

    from signing.conf import evaluation_key_issue

    call_command("migrate", verbosity=0)
    evaluation_key_issue()


def fill(total: int) -> None:
    """Add experts until the pool holds `total`: 60% of the first specialty, 50% of the second
    (so 10% hold both), employers spread over 1,000 organisations."""
    import datetime as dt

    from django.db import connection

    from accounts.models import User
    from evaluation.models import Expert

    have = Expert.objects.count()
    now = dt.datetime.now(dt.UTC)
    batch = 10_000
    while have < total:
        size = min(batch, total - have)
        users = User.objects.bulk_create(
            User(
                username=f"pool{have + number:06d}",
                password="!",  # noqa: S106 - unusable: nobody logs in as a bench expert
                full_name=f"专家{have + number}",
            )
            for number in range(size)
        )
        Expert.objects.bulk_create(
            Expert(
                user=user,
                specialties=_specialties(have + number),
                region="110108",
                employer_uscc=_employer(have + number),
                employer_name="基准单位",
                title="senior",
                created_at=now,
            )
            for number, user in enumerate(users)
        )
        have += size
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _specialties(number: int) -> list[str]:
    share = number % 10
    if share < 5:
        return [FIRST]
    if share < 9:
        return [SECOND]
    return [FIRST, SECOND]


def _employer(number: int) -> str:
    from accounts.uscc import make_uscc

    return make_uscc(
        authority="9", organisation_type="1", division="110108", body=f"EM{number % 1000:06d}"
    )


def tender_with_bidders():  # -> (Tender, Acting)
    from accounts.acting import Acting
    from accounts.models import Organisation, Role, RoleMembership, User
    from accounts.uscc import make_uscc
    from bids.models import Bid, BidUpload
    from trading.models import Project, Tender, TenderState

    def organisation(prefix: str) -> Organisation:
        body = f"{prefix}{uuid.uuid4().int % 10**6:06d}"
        return Organisation.objects.create(
            name=f"基准 {body}",
            uscc=make_uscc(authority="9", organisation_type="1", division="110108", body=body),
        )

    tenderee = organisation("TE")
    project = Project.objects.create(
        code=f"DRAW-{uuid.uuid4().hex[:8]}",
        name="基准抽取项目",
        tenderee=tenderee,
        regime="works",
        region="110108",
    )
    tender = Tender.objects.create(
        project=project,
        title="基准标段",
        category="works",
        method="open",
        ceiling_price_fen=1_000_000_00,
        estimated_price_fen=1_000_000_00,
        evaluation_method="lowest_evaluated_price",
        state=TenderState.OPENED,
    )
    person = User.objects.create(username=f"te-{uuid.uuid4().hex[:8]}")
    RoleMembership.objects.create(user=person, role=Role.TENDEREE, organisation=tenderee)
    for sequence in range(1, 6):
        bidder = organisation("BD")
        upload = BidUpload.objects.create(
            tender=tender,
            bidder=bidder,
            user=person,
            certificate_sha256="0" * 64,
            size=1,
            part_size=1,
            bucket="bids",
            object_key=f"bench/{uuid.uuid4()}",
            storage_upload_id="-",
            created_at=tender.created_at,
        )
        Bid.objects.create(
            tender=tender,
            bidder=bidder,
            submitted_by=person,
            upload=upload,
            sequence=sequence,
            received_at=tender.created_at,
            size=1,
            header_sha256="0" * 64,
            ciphertext_sha256="0" * 64,
            signer_certificate_sha256="0" * 64,
            sealed_at="-",
        )
    return tender, Acting(user=person)


def measure(requests: int) -> dict[str, tuple[float, int]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.acting import Acting
    from evaluation.models import PanelDraw, PanelSeat, SeatKind
    from evaluation.panel.algorithm import draw_round
    from evaluation.panel.request import panel_request
    from evaluation.panel.seats import seat_decline
    from evaluation.panel.seed import seed_unwrap

    timings: dict[str, list[float]] = {"request": [], "replacement": [], "algorithm": []}
    queries: dict[str, int] = {}
    snapshot_bytes = 0
    for _ in range(requests):
        tender, acting = tender_with_bidders()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            panel = panel_request(acting=acting, tender_id=tender.pk, specialties=REQUEST, size=5)
            timings["request"].append((time.perf_counter() - started) * 1000)
        queries["request"] = len(captured)
        seat = PanelSeat.objects.filter(panel=panel, kind=SeatKind.EXPERT).first()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            seat_decline(acting=Acting(user=seat.user), seat_id=seat.pk, reason="基准：回避")
            timings["replacement"].append((time.perf_counter() - started) * 1000)
        queries["replacement"] = len(captured)
        draw = PanelDraw.objects.get(panel=panel, number=1)
        seed = seed_unwrap(panel)
        requests_ = [(item["specialty"], item["count"]) for item in draw.requests]
        started = time.perf_counter()
        draw_round(seed=seed, number=1, requests=requests_, snapshot=draw.pool_snapshot)
        timings["algorithm"].append((time.perf_counter() - started) * 1000)
        queries["algorithm"] = 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_column_size(pool_snapshot) FROM evaluation_paneldraw WHERE id = %s",
                [draw.pk],
            )
            snapshot_bytes = cursor.fetchone()[0]
    results = {case: (statistics.median(values), queries[case]) for case, values in timings.items()}
    results["snapshot"] = (snapshot_bytes / 1024, 0)
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup_django(folder)
        results = {}
        for total in (1_000, 100_000):
            started = time.perf_counter()
            fill(total)
            print(f"pool of {total:,}: filled in {time.perf_counter() - started:.1f} s", flush=True)
            results[total] = measure(arguments.requests)
    print(
        f"panel draw, 5 seats over 2 specialties, 5 bidders, median of {arguments.requests}, "
        "PostgreSQL"
    )
    print(f"{'case':<34}{'1k ms':>10}{'1k queries':>12}{'100k ms':>10}{'100k queries':>14}")
    labels = {
        "request": "panel_request (commit + draw)",
        "replacement": "decline + replacement round",
        "algorithm": "algorithm alone (round 1)",
    }
    for case, label in labels.items():
        small, large = results[1_000][case], results[100_000][case]
        print(f"{label:<34}{small[0]:>10.1f}{small[1]:>12}{large[0]:>10.1f}{large[1]:>14}")
    print(
        f"{'snapshot stored (KiB, jsonb)':<34}{results[1_000]['snapshot'][0]:>10.0f}{'':>12}"
        f"{results[100_000]['snapshot'][0]:>10.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
