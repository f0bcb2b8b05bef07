"""Public tender list and its search: p50/p95 latency at 1k and at 100k published tenders, with
the plan PostgreSQL chooses for each search at 100k and the alternatives it was chosen over
(LIKE alone through a pg_trgm index, made here for the comparison only; every pair of the query
with LIKE).

Builds two scratch PostgreSQL databases (BENCH_DATABASE_NAME, default bench_tender_list, with
the suffixes _1k and _100k), fills them with bulk inserts of realistic Chinese titles
(bench/tender_titles.py: one project per tender; the search trigger and both indexes
maintained as the platform maintains them), and times the page through Django's test client
(the whole request: URL routing, the query, the template). The two sizes are timed in turns,
request by request, so that a busy machine slows both alike. Goal: p95 at 100k ≤ 1.5 × p95 at
1k. Run: python -m bench.bench_tender_list
"""

import itertools
import os
import statistics
import sys
import time
from urllib.parse import urlencode

REQUESTS = 200
DATABASE = os.environ.get("BENCH_DATABASE_NAME", "bench_tender_list")
# BENCH_REUSE=1 keeps databases a previous run filled (the 100k fill takes ~250 s), to time two
# versions of the code on the same rows; a missing database is made and filled.
REUSE = os.environ.get("BENCH_REUSE") == "1"
SIZES = {"default": 1_000, "large": 100_000}
# (case, query string): the page, its filters, and searches of 1, 2, 5 and 6 characters, an
# English word (searched through the glossary) and a word no title holds.
CASES = [
    ("first page", {}),
    ("category filter", {"category": "goods"}),
    ("page 10", {"page": 10}),
    ("search 路 (1 char)", {"q": "路"}),
    ("search 学校 (2)", {"q": "学校"}),
    ("search 道路 (2)", {"q": "道路"}),
    ("search 医院门诊楼 (5)", {"q": "医院门诊楼"}),
    ("search 特殊教育学校 (6)", {"q": "特殊教育学校"}),
    ("search 提升改造工程 (6)", {"q": "提升改造工程"}),
    ("search school", {"q": "school"}),
    ("search 量子 (none)", {"q": "量子"}),
]


class SizeRouter:
    """Sends the page's reads to the database of the size being timed."""

    current = "default"

    def db_for_read(self, model, **hints):
        return SizeRouter.current

    def db_for_write(self, model, **hints):
        return SizeRouter.current

    def allow_relation(self, obj1, obj2, **hints):
        return True


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DATABASE}_1k"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        for suffix in ("1k", "100k"):
            name = f"{DATABASE}_{suffix}"
            if (
                REUSE
                and db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            ):
                continue
            db.execute(f"DROP DATABASE IF EXISTS {name}")
            db.execute(f"CREATE DATABASE {name}")
    from django.conf import settings

    settings.DATABASES["large"] = {**settings.DATABASES["default"], "NAME": f"{DATABASE}_100k"}
    # An instance, not a dotted path: run as __main__, this module is not the one a path names.
    settings.DATABASE_ROUTERS = [SizeRouter()]
    import django

    django.setup()
    from django.core.management import call_command

    for alias in SIZES:
        SizeRouter.current = alias  # a migration reading through the router reads its own
        call_command("migrate", database=alias, verbosity=0)


def fill(alias: str, total: int) -> float:
    """Published tenders, each with its project; seconds taken."""
    import datetime as dt

    from django.db import connections

    from accounts.models import Organisation
    from accounts.uscc import make_uscc
    from bench.tender_titles import titles
    from trading.models import Project, Tender, TenderState

    started = time.perf_counter()
    tenderees = [
        Organisation.objects.using(alias).create(
            uscc=make_uscc(
                authority="1", organisation_type="1", division="110108", body=f"BENCH{number:03d}"
            ),
            name=f"基准测试招标人{number:03d}",
        )
        for number in range(50)
    ]
    now = dt.datetime.now(dt.UTC)
    stream = titles()
    have = 0
    while have < total:
        size = min(5000, total - have)
        batch = list(itertools.islice(stream, size))
        projects = Project.objects.using(alias).bulk_create(
            Project(
                code=f"BENCH-{have + number}",
                name=item.project_name,
                tenderee=tenderees[(have + number) % len(tenderees)],
                regime="works",
                region="110108",
            )
            for number, item in enumerate(batch)
        )
        Tender.objects.using(alias).bulk_create(
            Tender(
                project=project,
                lot_number=1,
                title=item.title,
                category=item.category,
                method="open",
                ceiling_price_fen=1_000_000_00,
                evaluation_method="lowest_evaluated_price",
                bid_deadline=now + dt.timedelta(days=20),
                state=TenderState.PUBLISHED,
                published_at=now - dt.timedelta(seconds=have + number),
            )
            for number, (project, item) in enumerate(zip(projects, batch, strict=True))
        )
        have += size
    with connections[alias].cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def measure(client, url: str) -> dict[str, tuple[float, float]]:
    """(p50 ms, p95 ms) of each size, timed in turns."""
    timings: dict[str, list[float]] = {alias: [] for alias in SIZES}
    for alias in SIZES:  # warm caches and the template loader
        SizeRouter.current = alias
        client.get(url)
    for turn in range(REQUESTS):
        order = list(SIZES) if turn % 2 else list(reversed(SIZES))
        for alias in order:
            SizeRouter.current = alias
            started = time.perf_counter()
            response = client.get(url)
            timings[alias].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    return {
        alias: (statistics.median(values), sorted(values)[int(len(values) * 0.95) - 1])
        for alias, values in timings.items()
    }


def measure_query(query: dict) -> dict[str, tuple[float, float]]:
    """(p50 ms, p95 ms) of the page's query alone (21 rows through the ORM), sizes in turns."""
    timings: dict[str, list[float]] = {alias: [] for alias in SIZES}
    for turn in range(REQUESTS):
        order = list(SIZES) if turn % 2 else list(reversed(SIZES))
        for alias in order:
            SizeRouter.current = alias
            started = time.perf_counter()
            list(page_query(query)[:21])
            timings[alias].append((time.perf_counter() - started) * 1000)
    return {
        alias: (statistics.median(values), sorted(values)[int(len(values) * 0.95) - 1])
        for alias, values in timings.items()
    }


def page_query(query: dict):
    from trading.selectors import tender_list_public

    # rows: the 21 the page reads (its first page), as the view asks (trading/views/portal.py).
    return tender_list_public(
        search=query.get("q", ""), category=query.get("category", ""), rows=21
    )


def explain(queryset) -> tuple[list[str], float]:
    """EXPLAIN ANALYZE of the page's query (21 rows, as the page asks) on the large database:
    the plan's lines and the best execution time of five."""
    from django.db import connections

    sql, params = queryset[:21].query.sql_with_params()
    best, lines = float("inf"), []
    with connections["large"].cursor() as cursor:
        for _ in range(5):
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) {sql}", params)
            lines = [row[0] for row in cursor.fetchall()]
            executed = float(lines[-1].split(":")[1].split()[0])
            best = min(best, executed)
    return lines, best


def access(lines: list[str]) -> str:
    """How the plan reaches the tenders: the scan on trading_tender and the index it uses."""
    for line in lines:
        if "on trading_tender" in line and "Scan" in line:
            scan = line.strip(" ->").split(" (")[0]
            return scan.replace(" on trading_tender", "").replace("Backward using ", "Backward ")
    return "?"


def alternatives(text: str) -> dict[str, object]:
    """The page's query for `text` written three ways: as the platform asks it, as LIKE alone
    (served by a pg_trgm index where one exists), and as every pair of the text and LIKE."""
    from trading.search import SearchTerms, grams_of, matching
    from trading.selectors import tender_list_public

    base = tender_list_public()
    return {
        "as asked": base.filter(matching(SearchTerms.of(text))),
        "LIKE, pg_trgm": base.filter(search_text__contains=text),
        "all pairs+LIKE": base.filter(
            search_text__contains=text, search_grams__contains=grams_of(text)
        ),
    }


def trigram_index(create: bool) -> str:
    """Add (or drop) a pg_trgm index on the large database, for the comparison; returns the
    database's LC_CTYPE, on which pg_trgm's reading of Chinese depends."""
    from django.db import connections

    with connections["large"].cursor() as cursor:
        if create:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                "CREATE INDEX bench_trigrams ON trading_tender USING gin (search_text gin_trgm_ops)"
            )
            cursor.execute("ANALYZE trading_tender")
        else:
            cursor.execute("DROP INDEX bench_trigrams")
        cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def main() -> None:
    setup_django()
    from django.test import Client

    from trading.models import Tender

    for alias, total in SIZES.items():
        SizeRouter.current = alias
        if REUSE and Tender.objects.using(alias).count() == total:
            print(f"reused {total} tenders filled by a previous run", flush=True)
            continue
        if REUSE and Tender.objects.using(alias).exists():
            raise SystemExit(f"{alias}: not the {total} tenders of a run; run without BENCH_REUSE")
        print(f"filled {total} tenders with their projects: {fill(alias, total):.1f} s", flush=True)
    client = Client()
    results = {case: measure(client, "/tenders/?" + urlencode(query)) for case, query in CASES}
    queries = {case: measure_query(query) for case, query in CASES}
    rows = {}
    for alias in SIZES:
        SizeRouter.current = alias
        rows[alias] = {case: len(page_query(query)[:20]) for case, query in CASES}

    print(
        f"\npublic tender list, {REQUESTS} requests per case and size (in turns), "
        "Django test client, PostgreSQL"
    )
    for title, figures in (("the page", results), ("the page's query alone", queries)):
        print(f"-- {title} (ms; rows: on the first page at 1k / at 100k)")
        print(
            f"{'case':<24}{'rows':>8}{'1k p50':>9}{'1k p95':>9}{'100k p50':>10}{'100k p95':>10}"
            f"{'p95 ratio':>11}"
        )
        for case, _query in CASES:
            low, high = figures[case]["default"], figures[case]["large"]
            counted = f"{rows['default'][case]}/{rows['large'][case]}"
            print(
                f"{case:<24}{counted:>8}{low[0]:>9.2f}{low[1]:>9.2f}{high[0]:>10.2f}"
                f"{high[1]:>10.2f}{high[1] / low[1]:>11.2f}"
            )
    print("goal: p95 ratio ≤ 1.5")

    ctype = trigram_index(create=True)
    print(
        "\nthe page's query at 100k, three ways (execution ms, best of 5; how it reads tenders; "
        f"LC_CTYPE {ctype})"
    )
    print(f"{'query':<14}{'as asked':>34}{'LIKE, pg_trgm':>34}{'all pairs+LIKE':>34}")
    for text in ("路", "学校", "道路", "医院门诊楼", "特殊教育学校", "提升改造工程", "量子"):
        cells = []
        for queryset in alternatives(text).values():
            lines, best = explain(queryset)
            cells.append(f"{best:7.2f} {access(lines)[:25]:<25}")
        print(f"{text:<14}" + "".join(f"{cell:>34}" for cell in cells))
    trigram_index(create=False)

    print("\nplans at 100k of the page's query, as asked (EXPLAIN ANALYZE):")
    for case, query in CASES:
        if "q" in query:
            lines, _ = explain(page_query(query))
            print(f"-- {case}")
            for line in lines:
                if "accounts_organisation" not in line and "trading_project" not in line:
                    print(f"   {line}")


if __name__ == "__main__":
    sys.exit(main())
