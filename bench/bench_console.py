"""The supervisors' console tender list: queries per page, p50/p95 at 1k and at 100k tenders.

Builds two scratch PostgreSQL databases (bench_console_1k, and bench_console_100k copied from
it and filled on), with bulk inserts: tenders in every state, one in 20 awarded with its award,
one in 50 with an open alert, one in 40 of the published ones with an objection waiting for
its answer. Times the page through Django's test client as a logged-in supervisor (routing,
session, role check, the queries, next_due, the template), in rounds that alternate the two
sizes, so that other load on the machine weighs on both alike.
Issue #16 asks p95 at 100k ≤ 1.5 × p95 at 1k; the baseline beside it is the same rows 90% of
the way down read with OFFSET instead of the keyset. Run: python -m bench.bench_console
"""

import os
import statistics
import sys
import time
from collections import defaultdict

REQUESTS = 200
ROUNDS = 10
SIZES = {1_000: "bench_console_1k", 100_000: "bench_console_100k"}
STATES = ["published", "bidding_closed", "opening", "opened", "evaluating", "publicizing"]
ADMIN_DATABASE = "postgresql://postgres@127.0.0.1:5432/postgres"


def recreate(name: str, template: str = "") -> None:
    import psycopg

    with psycopg.connect(ADMIN_DATABASE, autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {name}")
        db.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))


def use(name: str) -> None:
    """Point Django's connection at another of the scratch databases."""
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict["NAME"] = name


def setup_django() -> None:
    small = SIZES[1_000]
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{small}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    recreate(small)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fill(total: int) -> None:
    """Add tenders until there are `total`, with awards, alerts and objections among them."""
    import datetime as dt

    from accounts.models import Organisation, User
    from accounts.uscc import make_uscc
    from monitoring.models import Alert
    from trading.models import (
        Award,
        Candidate,
        DocumentObjection,
        Notice,
        Project,
        Tender,
    )

    tenderee, _ = Organisation.objects.get_or_create(
        uscc=make_uscc(authority="1", organisation_type="1", division="110108", body="BENCH001"),
        defaults={"name": "基准测试招标人"},
    )
    winner, _ = Organisation.objects.get_or_create(
        uscc=make_uscc(authority="9", organisation_type="1", division="110108", body="BENCH002"),
        defaults={"name": "基准测试中标人"},
    )
    officer, _ = User.objects.get_or_create(username="bench-tenderee")
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
        tenders = Tender.objects.bulk_create(
            Tender(
                project=project,
                lot_number=number + 1,
                title=f"基准标段 {have + number}",
                category=("works", "goods", "services")[number % 3],
                method="open",
                ceiling_price_fen=1_000_000_00,
                evaluation_method="lowest_evaluated_price",
                bid_deadline=now + dt.timedelta(days=20 - (have + number) % 40),
                state="awarded" if (have + number) % 20 == 0 else STATES[number % len(STATES)],
                published_at=now - dt.timedelta(seconds=have + number),
            )
            for number in range(size)
        )
        awarded = [tender for tender in tenders if tender.state == "awarded"]
        notices = Notice.objects.bulk_create(
            Notice(
                sequence=have + index + 1,
                tender=tender,
                kind="award_announcement",
                title="中标结果公告",
                body={},
                published_at=now,
                release={},
                release_sha256="0" * 64,
                platform_signature=b"",
                timestamp_token=b"",
            )
            for index, tender in enumerate(awarded)
        )
        candidates = Candidate.objects.bulk_create(
            Candidate(tender=tender, rank=1, organisation=winner, price_fen=900_000_00)
            for tender in awarded
        )
        Award.objects.bulk_create(
            Award(
                tender=tender,
                candidate=candidate,
                winner=winner,
                price_fen=900_000_00,
                decided_by=officer,
                decided_at=now,
                announcement=notice,
                award_notice_at=now,
                contract_due=now + dt.timedelta(days=30),
            )
            for tender, candidate, notice in zip(awarded, candidates, notices, strict=True)
        )
        Alert.objects.bulk_create(
            Alert(
                kind="contract_signing",
                severity="yellow",
                object_type="trading.tender",
                object_id=str(tender.pk),
                tender_id=str(tender.pk),
                message="bench",
                raised_at=now,
            )
            for index, tender in enumerate(tenders)
            if index % 50 == 0
        )
        DocumentObjection.objects.bulk_create(
            DocumentObjection(
                tender=tender,
                organisation=winner,
                raised_by=officer,
                text="异议",
                raised_at=now,
                answer_due=now + dt.timedelta(days=3),
            )
            for index, tender in enumerate(tenders)
            if index % 40 == 1 and tender.state == "published"
        )
        have += size
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def count_queries(read) -> int:
    from django.db import connection

    queries = []
    # Counted with a wrapper: a request resets the debug cursor's log as it starts.
    with connection.execute_wrapper(lambda execute, *args: queries.append(1) or execute(*args)):
        read()
    return len(queries)


def cases(client, total: int) -> dict[str, object]:
    """What is timed at one size: three pages, and the selector's rows 90% down by keyset and
    by OFFSET (without the template: the keyset's clock, tenders and alerts; the OFFSET's
    query of tenders alone)."""
    from supervision.console.selectors import (
        console_cursor,
        console_tender_queryset,
        console_tenders,
    )

    ordered = console_tender_queryset().order_by("-published_at", "-pk")
    row = total * 9 // 10
    cursor = console_cursor(ordered[row])

    def page(url: str):
        def get() -> None:
            assert client.get(url).status_code == 200

        return get

    return {
        "first page": page("/supervision/"),
        "page at 90%": page(f"/supervision/?after={cursor}"),
        "state=awarded": page("/supervision/?state=awarded"),
        "rows at 90%, keyset": lambda: console_tenders(after=cursor),
        "rows at 90%, OFFSET": lambda: list(ordered[row + 1 : row + 52]),
    }


def main() -> None:
    setup_django()
    from django.test import Client

    from accounts.models import Role, RoleMembership, User

    user = User.objects.create(username="bench-supervisor")
    RoleMembership.objects.create(user=user, role=Role.SUPERVISOR)
    client = Client()
    client.force_login(user)  # the session row is copied with the database
    fill(1_000)
    use("postgres")
    recreate(SIZES[100_000], template=SIZES[1_000])
    use(SIZES[100_000])
    fill(100_000)
    timed: dict[int, dict[str, object]] = {}
    queries: dict[int, dict[str, int]] = {}
    for total, name in SIZES.items():
        use(name)
        timed[total] = cases(client, total)
        queries[total] = {case: count_queries(read) for case, read in timed[total].items()}
    timings: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for _round in range(ROUNDS):
        for total, name in SIZES.items():
            use(name)
            for case, read in timed[total].items():
                read()  # the new connection's first use is not timed
                for _ in range(REQUESTS // ROUNDS):
                    started = time.perf_counter()
                    read()
                    timings[total][case].append((time.perf_counter() - started) * 1000)

    def figures(values: list[float]) -> tuple[float, float]:
        values = sorted(values)
        return statistics.median(values), values[int(len(values) * 0.95) - 1]

    print(
        f"supervision console tender list, {REQUESTS} timings per case and size in {ROUNDS} "
        "alternating rounds, Django test client, PostgreSQL"
    )
    print(
        f"{'case':<22}{'queries':>8}{'1k p50 ms':>11}{'1k p95 ms':>11}{'100k p50 ms':>13}"
        f"{'100k p95 ms':>13}{'p95 ratio':>11}"
    )
    for case in timed[1_000]:
        small, large = figures(timings[1_000][case]), figures(timings[100_000][case])
        counts = f"{queries[1_000][case]}/{queries[100_000][case]}"
        print(
            f"{case:<22}{counts:>8}{small[0]:>11.2f}{small[1]:>11.2f}{large[0]:>13.2f}"
            f"{large[1]:>13.2f}{large[1] / small[1]:>11.2f}"
        )
    print("queries: per request at 1k / at 100k; goal: p95 ratio ≤ 1.5 for the pages")


if __name__ == "__main__":
    sys.exit(main())
