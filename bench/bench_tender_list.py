"""Public tender list page: p50/p95 latency at 1k and at 100k published tenders, same run.

Builds a scratch PostgreSQL database (bench_tender_list), fills it with bulk inserts, and times
the page through Django's test client (the whole request: URL routing, the query, the template).
Goal: p95 at 100k ≤ 1.5 × p95 at 1k. Run: python -m bench.bench_tender_list
"""

import os
import statistics
import sys
import time

REQUESTS = 200
DATABASE = "bench_tender_list"


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        db.execute(f"CREATE DATABASE {DATABASE}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(total: int) -> None:
    """Add published tenders until there are `total`."""
    import datetime as dt

    from accounts.models import Organisation
    from accounts.uscc import make_uscc
    from trading.models import Project, Tender, TenderState

    tenderee, _ = Organisation.objects.get_or_create(
        uscc=make_uscc(authority="1", organisation_type="1", division="110108", body="BENCH001"),
        defaults={"name": "基准测试招标人"},
    )
    now = dt.datetime.now(dt.UTC)
    have = Tender.objects.count()
    batch = 5000
    while have < total:
        size = min(batch, total - have)
        project = Project.objects.create(
            code=f"BENCH-{have}",
            name=f"基准项目 {have}",
            tenderee=tenderee,
            regime="works",
            region="110108",
        )
        Tender.objects.bulk_create(
            Tender(
                project=project,
                lot_number=number + 1,
                title=f"基准标段 {have + number}",
                category=("works", "goods", "services")[number % 3],
                method="open",
                ceiling_price_fen=1_000_000_00,
                evaluation_method="lowest_evaluated_price",
                bid_deadline=now + dt.timedelta(days=20),
                state=TenderState.PUBLISHED,
                published_at=now - dt.timedelta(seconds=have + number),
            )
            for number in range(size)
        )
        have += size
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client, url: str) -> tuple[float, float]:
    client.get(url)  # warm caches and the template loader
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def main() -> None:
    setup_django()
    from django.test import Client

    client = Client()
    results = {}
    for total in (1_000, 100_000):
        fill(total)
        results[total] = {
            "first page": measure(client, "/tenders/"),
            "search 'goods'": measure(client, "/tenders/?category=goods"),
            "page 10": measure(client, "/tenders/?page=10"),
            "text search": measure(client, "/tenders/?q=%E6%A0%87%E6%AE%B5%20999"),
        }
    print(f"public tender list, {REQUESTS} requests per case, Django test client, PostgreSQL")
    print(
        f"{'case':<16}{'1k p50 ms':>11}{'1k p95 ms':>11}{'100k p50 ms':>13}{'100k p95 ms':>13}"
        f"{'p95 ratio':>11}"
    )
    for case in results[1_000]:
        small, large = results[1_000][case], results[100_000][case]
        print(
            f"{case:<16}{small[0]:>11.2f}{small[1]:>11.2f}{large[0]:>13.2f}{large[1]:>13.2f}"
            f"{large[1] / small[1]:>11.2f}"
        )
    print("goal: p95 ratio ≤ 1.5")


if __name__ == "__main__":
    sys.exit(main())
