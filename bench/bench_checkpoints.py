"""Event log checkpoints and inclusion proofs at 1k, 10k and 100k events, beside a full rescan.

For each size the log is filled to N − BATCH events and checkpointed, then BATCH more events
are appended (what a busy checkpoint interval adds) and timed:

- checkpoint: `checkpoint_create` (reads and checks the new events only, from the last
  checkpoint's frontier; stores completed subtrees; signs and timestamps), and what of it is
  the signature and the TSA;
- baseline: the root by a full rescan (every digest read, every leaf hashed), what a checkpoint
  would cost without the frontier;
- proof: `event_inclusion_proof` for random events (stored subtrees + fewer than 256 digests
  per subtree, three queries) against a full rescan (every digest read, the path hashed from
  them);
- in memory: the pure Merkle root and proof over the N leaf hashes (no database).

Events are inserted with plain SQL in the chain's own format (digests chained as record_event
makes them), so that filling 100k takes seconds. A scratch PostgreSQL database (DATABASE_URL's
server) and a throw-away platform CA are made and removed. Run: python -m bench.bench_checkpoints
"""

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.processes import create_database, drop_database, peak_mib

SIZES = (1_000, 10_000, 100_000)
BATCH = 300  # events appended between two checkpoints
PROOFS = 40  # random events proven per size
RESCAN_PROOFS = 10  # of them, proven again by a full rescan (seconds each at 100k)
CA_PASSPHRASE = "bench passphrase of the platform CA"  # noqa: S105 - a throwaway CA
DATABASE = f"bench_checkpoints_{os.getpid()}"


def prepare(folder: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from signing.certificates import CertificateAuthority
    from signing.conf import service_credentials_issue

    call_command("migrate", verbosity=0)
    authority = CertificateAuthority.initialise(
        folder / "ca", passphrase=CA_PASSPHRASE.encode(), name="Bench CA"
    )
    service_credentials_issue(authority)


def append(count: int) -> None:
    """Append `count` chained events with plain SQL, and move the chain head."""
    from django.db import connection, transaction

    from monitoring.chain import chained_value
    from monitoring.models import EventChainHead
    from signing.canonical import canonical_digest
    from signing.eventlog import event_digest_of

    payload = "{}"
    payload_digest = canonical_digest({})
    with transaction.atomic():
        head, _ = EventChainHead.objects.select_for_update().get_or_create(pk=1)
        sequence, previous = head.last_sequence, head.last_digest
        moment = dt.datetime.now(dt.UTC)
        rows = []
        for _ in range(count):
            sequence += 1
            fields = {
                "sequence": sequence,
                "occurred_at": chained_value(moment + dt.timedelta(microseconds=sequence)),
                "actor_id": None,
                "actor_label": "platform",
                "role": "platform",
                "action": "bench.touched",
                "object_type": "bench.thing",
                "object_id": str(sequence),
                "from_state": "old",
                "to_state": "new",
                "client_ip": None,
                "payload_digest": payload_digest,
                "previous_digest": previous,
            }
            previous = event_digest_of(fields)
            rows.append((*fields.values(), payload, previous))
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO monitoring_event (sequence, occurred_at, actor_id, actor_label, "
                "role, action, object_type, object_id, from_state, to_state, client_ip, "
                "payload_digest, previous_digest, payload, digest) VALUES "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s)",
                rows,
            )
        EventChainHead.objects.filter(pk=1).update(last_sequence=sequence, last_digest=previous)


def milliseconds(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def percentiles(timings: list[float]) -> tuple[float, float]:
    timings = sorted(timings)
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)]


def all_leaves() -> list[bytes]:
    from monitoring.models import Event
    from signing.eventlog import event_leaf_hash

    digests = Event.objects.order_by("sequence").values_list("digest", flat=True)
    return [event_leaf_hash(digest) for digest in digests.iterator(chunk_size=10_000)]


def measure(size: int) -> dict[str, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from monitoring.checkpoints import checkpoint_create
    from monitoring.models import Event
    from monitoring.proofs import event_inclusion_proof
    from signing.canonical import canonical_json
    from signing.cms import sign_detached
    from signing.conf import platform_credential, platform_timestamp_authority
    from signing.merkle import inclusion_proof, root_of

    have = Event.objects.count()
    append(size - BATCH - have)
    checkpoint_create()
    append(BATCH)
    credential, authority = platform_credential(), platform_timestamp_authority()
    with CaptureQueriesContext(connection) as queries:
        checkpoint_ms, checkpoint = milliseconds(checkpoint_create)
    data = canonical_json({"bench": size})
    signing_ms, _ = milliseconds(
        lambda: (sign_detached(data, credential=credential), authority.timestamp(data))
    )
    rescan_ms, leaves = milliseconds(all_leaves)
    root_ms, root = milliseconds(lambda: root_of(leaves))
    assert root.hex() == checkpoint.root_hash

    chooser = random.Random(size)  # which events to prove: reproducible, not secret
    events = [Event.objects.get(sequence=chooser.randint(1, size)) for _ in range(PROOFS)]
    proof_ms, rescan_proof_ms, memory_proof_ms, proof_queries = [], [], [], 0
    for event in events:
        with CaptureQueriesContext(connection) as counted:
            elapsed, _ = milliseconds(lambda event=event: event_inclusion_proof(event=event))
        proof_queries = max(proof_queries, len(counted))
        proof_ms.append(elapsed)
        if len(rescan_proof_ms) < RESCAN_PROOFS:
            elapsed, _ = milliseconds(
                lambda event=event: inclusion_proof(event.sequence - 1, all_leaves())
            )
            rescan_proof_ms.append(elapsed)
        elapsed, _ = milliseconds(lambda event=event: inclusion_proof(event.sequence - 1, leaves))
        memory_proof_ms.append(elapsed)
    return {
        "checkpoint": checkpoint_ms,
        "checkpoint queries": len(queries),
        "sign + TSA": signing_ms,
        "rescan root": rescan_ms + root_ms,
        "memory root": root_ms,
        "proof": percentiles(proof_ms),
        "proof queries": proof_queries,
        "rescan proof": percentiles(rescan_proof_ms),
        "memory proof": percentiles(memory_proof_ms),
    }


def main() -> int:
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        os.environ.update(
            {
                "DATABASE_URL": create_database(base_url, DATABASE),
                "SIGNING_CA_DIR": str(folder / "ca"),
                "SIGNING_CA_PASSPHRASE": CA_PASSPHRASE,
                "DJANGO_SETTINGS_MODULE": "config.settings",
            }
        )
        try:
            prepare(folder)
            results = {size: measure(size) for size in SIZES}
        finally:
            from django.db import connections

            connections.close_all()
            drop_database(base_url, DATABASE)
    print(
        f"event log checkpoints and proofs, PostgreSQL; {BATCH} events appended before the "
        f"timed checkpoint; {PROOFS} proofs of random events per size"
    )
    header = (
        f"{'events':>8}{'checkpoint ms':>15}{'(sign+TSA)':>12}{'queries':>9}"
        f"{'rescan root ms':>16}{'of it hashing':>15}"
    )
    print(header)
    for size, figures in results.items():
        print(
            f"{size:>8}{figures['checkpoint']:>15.1f}{figures['sign + TSA']:>12.1f}"
            f"{figures['checkpoint queries']:>9}{figures['rescan root']:>16.1f}"
            f"{figures['memory root']:>15.1f}"
        )
    print(
        f"{'events':>8}{'proof p50 ms':>14}{'p95':>8}{'queries':>9}{'rescan p50':>12}"
        f"{'p95':>8}{'in memory p50':>15}"
    )
    for size, figures in results.items():
        proof, rescan, memory = figures["proof"], figures["rescan proof"], figures["memory proof"]
        print(
            f"{size:>8}{proof[0]:>14.2f}{proof[1]:>8.2f}{figures['proof queries']:>9}"
            f"{rescan[0]:>12.1f}{rescan[1]:>8.1f}{memory[0]:>15.2f}"
        )
    print(f"peak memory {peak_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
