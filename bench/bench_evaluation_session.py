"""Closing the scoring and consolidating a session on the database: 200 bids × 9 experts × 20
criteria (36,000 scores) beside 20 × 5 × 10 (1,000 scores) as the baseline, in the same run.

Builds a scratch PostgreSQL database (bench_evaluation), fills the rows with bulk inserts, and
times `scoring_close` and `consolidation_close` (which also generates the report), printing the
time, the number of queries and the peak Python memory of each. The arithmetic alone is in
bench_consolidation. Run: python -m bench.bench_evaluation_session
"""

import os
import sys
import time
import tracemalloc
from functools import partial

DATABASE = "bench_evaluation"


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


def build(bids: int, experts: int, criteria: int, tag: str):
    """An opened tender in scoring with every score in; returns (tender id, leader's Acting)."""
    import datetime as dt
    import random
    import uuid

    from accounts.acting import Acting
    from accounts.models import Organisation, User
    from accounts.uscc import make_uscc
    from bids.models import Bid, BidDecryption, BidUpload, OpeningSession
    from evaluation.models import (
        BidEvaluation,
        EvaluationSession,
        Expert,
        Panel,
        PanelSeat,
        Score,
    )
    from trading.models import Project, Tender

    random.seed(7)
    now = dt.datetime.now(dt.UTC)
    tenderee = Organisation.objects.create(
        name=f"招标人{tag}",
        uscc=make_uscc(
            authority="1", organisation_type="1", division="110108", body=f"BE{tag:0>6}"
        ),
    )
    project = Project.objects.create(
        code=f"BENCH-{tag}", name="基准项目", tenderee=tenderee, regime="works", region="110108"
    )
    weight = 70 // criteria
    scheme = {
        "criteria": [
            {
                "code": f"c{number + 1}",
                "name": f"评审因素{number + 1}",
                "weight": weight,
                "minimum": 0,
                "maximum": weight,
            }
            for number in range(criteria)
        ]
        + [{"name": "价格", "kind": "price", "weight": 30, "minimum": 0, "maximum": 30}],
        "price": {"formula": "mean_benchmark", "above_rate": "1", "below_rate": "0.5"},
    }
    tender = Tender.objects.create(
        project=project,
        lot_number=1,
        title="基准标段",
        category="works",
        method="open",
        ceiling_price_fen=20_000_000_00,
        bid_security_fen=0,
        estimated_price_fen=20_000_000_00,
        documents_from=now,
        documents_until=now,
        clarification_cutoff=now,
        bid_deadline=now,
        evaluation_method="comprehensive_scoring",
        scoring_scheme=scheme,
        state="opened",
    )
    opening = OpeningSession.objects.create(tender=tender, created_at=now)
    user = User.objects.create(username=f"bench-bidder-{tag}")
    organisations = Organisation.objects.bulk_create(
        Organisation(
            name=f"投标人{tag}-{number}",
            uscc=make_uscc(
                authority="9",
                organisation_type="1",
                division="310000",
                body=f"{int(tag) % 100:02d}{number:06d}",
            ),
        )
        for number in range(bids)
    )
    uploads = BidUpload.objects.bulk_create(
        BidUpload(
            tender=tender,
            bidder=organisation,
            user=user,
            certificate_sha256="a" * 64,
            size=1,
            part_size=1,
            bucket="bids",
            object_key=f"bench/{uuid.uuid4()}",
            storage_upload_id="x",
            created_at=now,
        )
        for organisation in organisations
    )
    bid_rows = Bid.objects.bulk_create(
        Bid(
            tender=tender,
            bidder=upload.bidder,
            submitted_by=user,
            upload=upload,
            sequence=number + 1,
            received_at=now,
            size=1,
            header_sha256="b" * 64,
            ciphertext_sha256="c" * 64,
            signer_certificate_sha256="d" * 64,
            sealed_at="x",
            state="decrypted",
        )
        for number, upload in enumerate(uploads)
    )
    prices = [random.randint(9_000_000_00, 11_000_000_00) for _ in bid_rows]
    BidDecryption.objects.bulk_create(
        BidDecryption(
            session=opening, bid=bid, state="decrypted", price_sheet={"total_price_fen": price}
        )
        for bid, price in zip(bid_rows, prices, strict=True)
    )
    panel = Panel.objects.create(
        tender=tender,
        requested_by=user,
        requested_at=now,
        specialties=[],
        size=experts,
        seed_sha256="0" * 64,
        state="complete",
    )
    seats = []
    for number in range(experts):
        person = User.objects.create(username=f"bench-expert-{tag}-{number}")
        expert = Expert.objects.create(
            user=person, specialties=["A01"], region="110108", title="senior", created_at=now
        )
        seats.append(
            PanelSeat.objects.create(
                panel=panel, kind="expert", expert=expert, user=person, state="confirmed"
            )
        )
    session = EvaluationSession.objects.create(
        tender=tender,
        panel=panel,
        state="scoring",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
        leader=seats[0],
        convened_at=now,
    )
    BidEvaluation.objects.bulk_create(
        BidEvaluation(
            session=session, bid=bid, code=f"B{number}", price_fen=price, outcome="qualified"
        )
        for number, (bid, price) in enumerate(zip(bid_rows, prices, strict=True))
    )
    Score.objects.bulk_create(
        (
            Score(
                session=session,
                seat=seat,
                bid=bid,
                criterion=f"c{number + 1}",
                points=random.randint(weight * 50, weight * 100) / 100,
                recorded_at=now,
            )
            for seat in seats
            for bid in bid_rows
            for number in range(criteria)
        ),
        batch_size=5000,
    )
    return tender.pk, Acting(user=seats[0].user, client_ip="127.0.0.1")


def measure(label: str, step) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tracemalloc.start()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        step()
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  {label:<22} {elapsed * 1000:9.1f} ms  {len(queries):5d} queries  "
        f"peak {peak / 2**20:6.1f} MiB"
    )


def main() -> int:
    setup_django()
    from evaluation.models import Score
    from evaluation.session.consolidation import consolidation_close, scoring_close

    for bids, experts, criteria in ((20, 5, 10), (200, 9, 20)):
        tender_id, leader = build(bids, experts, criteria, tag=str(bids))
        scores = bids * experts * criteria
        role = "baseline" if bids == 20 else "target"
        print(f"{role}: {bids} bids × {experts} experts × {criteria} criteria ({scores} scores)")
        measure("scoring_close", partial(scoring_close, acting=leader, tender_id=tender_id))
        # Every flagged member reviews its score (as many requests; not timed here).
        Score.objects.filter(session__tender_id=tender_id, flagged=True).update(
            flag_reason="复核后维持原评分"
        )
        measure(
            "consolidation_close",
            partial(consolidation_close, acting=leader, tender_id=tender_id),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
