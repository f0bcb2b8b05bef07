"""The opening hall: decrypting N sealed bids of M MiB, beside reading the same ciphertext.

    python -m bench.bench_opening [--bids 50] [--size-mib 64] [--small-mib 8] [--concurrency 2]
                                  [--database bench_opening]

Set-up, all real, in a temporary folder: a SeaweedFS S3 server, a fresh PostgreSQL database
(--database on DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432; dropped and
created, dropped again at the end), a platform CA with its service credentials and evaluation
key, and --bids bidder organisations, each with a user and a bound EC P-256 certificate. Then,
for each size (--small-mib first, then --size-mib), a tender published through
trading.services with one bid per bidder: one random plaintext file of that size, sealed for
real by each bidder (`seal_bid`, so every ciphertext differs), stored through the bid services
in process (`bid_upload_open`, `bid_upload_part` for every part, `bid_finalise` with its
front check, segment-digest comparison and receipt) -- what the API does, without HTTP. Each
bidder's data key is unwrapped from its own sealed file with its own private key, as
`bidtool decrypt` does. The deadline is moved into the past, the chronograph sweep opens the
hall and the host starts decryption (`opening_start`).

Measured per size, in the same run, each case in its own process:
* read: every stored bid read in full with the storage adapter (`storage.open`), serially; the
  same through `RangedObjectReader` (the opening's reader, with its prefetch thread, read in
  256 KiB `readinto` calls as the decryption does); and `storage.open` from --concurrency
  processes at once, each reading its share of the bids (span: common start to last end).
* worker: a real Celery worker (`celery -A config worker --concurrency C`, prefork, on its own
  queue and Redis db 14) runs `bids.tasks.bid_decrypt`; every key is handed over through
  `opening_submit_key` (checked against the manifest, wrapped, job queued on commit). Timed
  from the first key accepted to the last decryption recorded (database clock:
  min(key_received_at) .. max(decrypted_at)). Peak memory: VmHWM of the pool processes, read
  from /proc when they are idle after start-up and again after the last job.
* in-process: the decryption rows are put back to `decrypting` (queryset updates of
  BidDecryption, Bid and OpeningSession: a bench-only reset, so that the same stored bids are
  decrypted again) and `decrypt_bid` runs for every bid serially in a fresh process; its
  VmHWM before the first job and after the last.
* worker, queued: reset again, every job dispatched (`dispatch_decryption`) while no worker
  runs, then a fresh worker started: timed from the worker ready to the last decryption
  recorded. The worker's throughput alone, with no key hand-over beside it.
The live run reports the deadlocks PostgreSQL broke (a hand-over aborted is sent again, as a
bidder's client would; a job aborted waits for its lease to lapse, and the bench calls
`opening_sweep_due` every few seconds as the chronograph would) and the jobs run twice.
Every bid must end `decrypted`. The machine's cores are shared with the S3 server and
PostgreSQL (and whatever else runs): the load average is printed. Prints figures; never
passes or fails on time.
"""

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.processes import (
    children,
    cpu_seconds,
    peak_mib,
    postgres_cpu_seconds,
    write_random_file,
)
from bench.scratch import CA_PASSPHRASE, scratch_platform

MIB = 1 << 20
READ_BLOCK = 256 << 10  # what decrypt_stream asks of its source per readinto
ACCESS_KEY, SECRET_KEY = "bench-access", "bench-secret-key-for-opening"
BROKER = "redis://127.0.0.1:6379/14"
CHRONOGRAPH_SECONDS = 5.0
# How often the bench asks the database whether the jobs are done: its queries count in the
# PostgreSQL CPU of the worker cases, and the times come from the database clock anyway.
POLL_SECONDS = 0.2


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _setup_django() -> None:
    import django

    django.setup()


# ---- the child processes: reads and the in-process decryption ------------------------------


def _stored_bids(tender_id: str, shard: int, shards: int) -> list:
    from bids.models import Bid

    bids = list(
        Bid.objects.filter(tender_id=tender_id).select_related("upload").order_by("sequence", "pk")
    )
    return bids[shard::shards]


def _child_read(mode: str, tender_id: str, shard: int, shards: int, start_at: float) -> dict:
    from storage.objects import get_storage
    from storage.ranged import RangedObjectReader

    storage = get_storage()
    bids = _stored_bids(tender_id, shard, shards)
    buffer = bytearray(READ_BLOCK)
    total = 0
    if start_at:  # processes reading at once start together, after their imports
        time.sleep(max(0.0, start_at - time.time()))
    started_at = time.time()
    started, cpu_started = time.perf_counter(), time.process_time()
    for bid in bids:
        upload = bid.upload
        if mode == "plain":
            with storage.open(bucket=upload.bucket, key=upload.object_key) as chunks:
                for chunk in chunks:
                    total += len(chunk)
        else:
            with RangedObjectReader(
                storage, bucket=upload.bucket, key=upload.object_key, size=bid.size
            ) as reader:
                while count := reader.readinto(buffer):
                    total += count
    seconds = time.perf_counter() - started
    expected = sum(bid.size for bid in bids)
    assert total == expected, (total, expected)
    return {
        "bytes": total,
        "seconds": seconds,
        "started_at": started_at,
        "ended_at": started_at + seconds,
        "peak_mib": peak_mib(),
        "cpu_seconds": time.process_time() - cpu_started,
    }


def _child_open(tender_id: str, shard: int, shards: int, start_at: float) -> dict:
    """The decryption's own work without the job around it: `open_stored_bid`, what
    `decrypt_bid` calls, over each stored bid, with no lease, progress, events or recording
    (what the job's bookkeeping costs is the difference)."""
    from bids.models import BidDecryption
    from bids.opening.decryption import open_stored_bid, unwrapped_data_key
    from signing.conf import platform_trust_store

    platform_trust_store()  # loaded before the clock starts, as in a worker after its first job
    decryptions = list(
        BidDecryption.objects.filter(bid__tender_id=tender_id)
        .select_related("bid", "bid__upload")
        .order_by("bid__sequence", "pk")
    )[shard::shards]
    if start_at:
        time.sleep(max(0.0, start_at - time.time()))
    started_at = time.time()
    started, cpu_started = time.perf_counter(), time.process_time()
    for decryption in decryptions:
        open_stored_bid(decryption, unwrapped_data_key(decryption))
    seconds = time.perf_counter() - started
    return {
        "bytes": sum(item.bid.size for item in decryptions),
        "seconds": seconds,
        "started_at": started_at,
        "ended_at": started_at + seconds,
        "peak_mib": peak_mib(),
        "cpu_seconds": time.process_time() - cpu_started,
    }


def _child_decrypt(tender_id: str) -> dict:
    import bids.tasks  # noqa: F401 - imports a worker pays before its first job
    from bids.models import BidDecryption
    from bids.opening.decryption import decrypt_bid
    from signing.conf import platform_trust_store

    platform_trust_store()
    ids = list(
        BidDecryption.objects.filter(bid__tender_id=tender_id, state="decrypting")
        .order_by("bid__sequence", "pk")
        .values_list("pk", flat=True)
    )
    floor = peak_mib()
    started, cpu_started = time.perf_counter(), time.process_time()
    outcomes = [decrypt_bid(pk) for pk in ids]
    seconds = time.perf_counter() - started
    return {
        "jobs": len(ids),
        "outcomes": outcomes,
        "seconds": seconds,
        "floor_mib": floor,
        "peak_mib": peak_mib(),
        "cpu_seconds": time.process_time() - cpu_started,
    }


def _child(arguments: list[str]) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.bench_opening", *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode:
        raise RuntimeError(f"child {arguments} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _children_at_once(arguments: list[list[str]]) -> list[dict]:
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.bench_opening", *item],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for item in arguments
    ]
    results = []
    for process in processes:
        stdout, stderr = process.communicate()
        if process.returncode:
            raise RuntimeError(f"child failed:\n{stderr[-4000:]}")
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    return results


# ---- set-up ----------------------------------------------------------------------------------


def _prepare(folder: Path, bidders: int) -> list[dict]:
    """Migrate; the CA, its service credentials and evaluation key; the bidders."""
    from django.core.management import call_command

    from accounts.acting import Acting
    from accounts.models import Organisation, Role, RoleMembership, User
    from accounts.services import certificate_bind
    from accounts.uscc import make_uscc
    from monitoring.services import PLATFORM
    from signing.certificates import CertificateAuthority
    from signing.conf import service_credentials_issue

    call_command("migrate", verbosity=0)
    authority = CertificateAuthority.initialise(
        folder / "ca", passphrase=CA_PASSPHRASE.encode(), name="Bench CA"
    )
    service_credentials_issue(authority)
    authority.publish_crls()
    cast = []
    for number in range(bidders):
        name = f"开标压测投标人{number:03d}"
        uscc = make_uscc(
            authority="9", organisation_type="1", division="110108", body=f"KB{number:06d}"
        )
        credential = authority.issue_organisation(name=name, uscc=uscc, key_type="ec-p256")
        organisation = Organisation.objects.create(name=name, uscc=uscc)
        user = User.objects.create_user(username=f"bench-opening-{number:03d}")
        RoleMembership.objects.create(user=user, role=Role.BIDDER, organisation=organisation)
        binding = certificate_bind(user=user, certificate=credential.certificate, actor=PLATFORM)
        acting = Acting(
            user=user,
            organisation=organisation,
            role=Role.BIDDER,
            certificate_sha256=binding.certificate_sha256,
            client_ip="10.9.0.1",
            user_agent="bench_opening",
        )
        cast.append({"credential": credential, "acting": acting})
    return cast


def _data_key(sealed: Path, credential) -> bytes:
    """What `bidtool decrypt` does on the bidder's machine: unwrap its own recipient entry."""
    from signing.envelope import read_envelope
    from signing.envelope.format import wrap_info
    from signing.envelope.keywrap import unwrap_key

    with sealed.open("rb") as source:
        header = read_envelope(source).header
    recipient = next(item for item in header.recipients if item.role == "bidder")
    info = wrap_info(
        tender_id=header.tender_id, bidder_uscc=header.bidder_uscc, role=recipient.role
    )
    return unwrap_key(recipient.method, recipient.wrapped_key, credential.private_key, info=info)


def _submit(acting, tender_id, sealed: Path) -> str:
    from bids.submission.finalise import bid_finalise
    from bids.submission.uploads import bid_upload_open, bid_upload_part

    size = sealed.stat().st_size
    upload = bid_upload_open(
        acting=acting,
        tender_id=tender_id,
        size=size,
        device_fingerprint={"installation_id": "bench"},
    )
    with sealed.open("rb") as source:
        for number in range(1, upload.part_count + 1):
            bid_upload_part(
                acting=acting,
                upload_id=upload.pk,
                number=number,
                stream=source,
                length=upload.expected_part_size(number),
            )
    finalised = bid_finalise(acting=acting, upload_id=upload.pk)
    return str(finalised.bid.pk)


def _tender_with_bids(folder: Path, cast: list[dict], size_mib: int):
    """A published tender, one sealed bid of `size_mib` per bidder, deadline passed, hall
    open, decryption started. Returns (tender, host acting, {bid id: data key})."""
    from accounts.models import Role
    from bids.opening.start import opening_start
    from signing.envelope import seal_bid
    from tests.factories import MembershipFactory, TenderFactory
    from trading.models import Tender, TenderState
    from trading.services import Acting, tender_publish, tender_sweep_due

    draft = TenderFactory(title=f"开标压测 {len(cast)} × {size_mib} MiB")
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=draft.project.tenderee)
    host = Acting(user=tenderee.user, client_ip="10.0.0.8")
    tender = tender_publish(acting=host, tender_id=draft.pk)
    plaintext, sealed = folder / "技术标.pdf", folder / "bid.sealed"
    write_random_file(plaintext, size_mib * MIB)
    keys: dict[str, bytes] = {}
    started = time.perf_counter()
    for number, member in enumerate(cast):
        seal_bid(
            tender_id=str(tender.pk),
            credential=member["credential"],
            files=[plaintext],
            price_sheet={
                "total_price_fen": 10_000_000_00 + number * 12_345_00,
                "duration_days": 200,
                "quality": "合格",
            },
            output=sealed,
            device_fingerprint={"installation_id": "bench"},
        )
        key = _data_key(sealed, member["credential"])
        keys[_submit(member["acting"], tender.pk, sealed)] = key
        sealed.unlink()
        if (number + 1) % 10 == 0 or number + 1 == len(cast):
            _log(
                f"{size_mib} MiB: {number + 1}/{len(cast)} bids sealed and stored "
                f"({time.perf_counter() - started:.0f} s)"
            )
    plaintext.unlink()
    Tender.objects.filter(pk=tender.pk).update(
        bid_deadline=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    )
    tender_sweep_due()
    tender.refresh_from_db()
    assert tender.state == TenderState.OPENING, tender.state
    opening_start(acting=host, tender_id=tender.pk)
    return tender, keys


# ---- the worker run --------------------------------------------------------------------------


def _start_worker(
    folder: Path, environment: dict[str, str], queue: str, concurrency: int, label: str
) -> subprocess.Popen:
    log_path = folder / f"worker-{label}.log"
    log = log_path.open("wb")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--concurrency",
            str(concurrency),
            "--pool",
            "prefork",
            "--loglevel",
            "INFO",
            "-n",
            f"{queue}-{label}@%h",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{log_path.read_text()[-4000:]}")
        if b" ready." in log_path.read_bytes() and len(children(worker.pid)) >= concurrency:
            return worker
        time.sleep(0.2)
    worker.kill()
    raise RuntimeError(f"the worker did not start:\n{log_path.read_text()[-4000:]}")


def _stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _run_worker(
    folder: Path,
    environment: dict[str, str],
    queue: str,
    concurrency: int,
    tender,
    keys: dict[str, bytes],
    cast: list[dict],
    label: str,
    server: "_ServerCpu",
) -> dict:
    from django.db import OperationalError
    from django.db.models import Max, Min

    from bids.models import BidDecryption
    from bids.opening.keys import opening_submit_key
    from bids.opening.sweep import opening_sweep_due

    acting_of = {str(member["acting"].organisation.pk): member["acting"] for member in cast}
    worker = _start_worker(folder, environment, queue, concurrency, label)
    try:
        pool = children(worker.pid)
        idle = [peak_mib(pid) for pid in pool]
        pool_cpu = sum(cpu_seconds(pid) for pid in pool)
        server_reading = server.reading()  # the hand-over's own use of both is counted too
        decryptions = list(
            BidDecryption.objects.filter(bid__tender=tender)
            .select_related("bid")
            .order_by("bid__sequence", "pk")
        )
        started = time.perf_counter()
        handover_deadlocks = 0
        for decryption in decryptions:
            for _attempt in range(10):
                try:
                    opening_submit_key(
                        acting=acting_of[str(decryption.bid.bidder_id)],
                        tender_id=tender.pk,
                        data_key=keys[str(decryption.bid_id)],
                    )
                    break
                except OperationalError as error:
                    # What a bidder's client sees as a server error, and sends again.
                    if "deadlock" not in str(error):
                        raise
                    handover_deadlocks += 1
        handed_over = time.perf_counter() - started
        rows = BidDecryption.objects.filter(bid__tender=tender)
        deadline = time.monotonic() + 3600
        swept = time.monotonic()
        while rows.filter(state__in=("waiting", "decrypting")).exists():
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError(f"decryption did not finish; see {folder}/worker-{label}.log")
            if time.monotonic() - swept > CHRONOGRAPH_SECONDS:
                # The chronograph's part (beat is not running): re-dispatch lapsed leases.
                with contextlib.suppress(OperationalError):
                    opening_sweep_due()
                swept = time.monotonic()
            time.sleep(POLL_SECONDS)
        wall = time.perf_counter() - started
        peaks = [peak_mib(pid) for pid in pool]
        pool_cpu = sum(cpu_seconds(pid) for pid in pool) - pool_cpu
        server_cpu = server.since(server_reading)
        parent_peak = peak_mib(worker.pid)
    finally:
        _stop_worker(worker)
    log = (folder / f"worker-{label}.log").read_text(errors="replace")
    span = rows.aggregate(first=Min("key_received_at"), last=Max("decrypted_at"))
    states = sorted(set(rows.values_list("state", flat=True)))
    assert states == ["decrypted"], (states, list(rows.values_list("failure_code", flat=True)))
    return {
        "seconds": (span["last"] - span["first"]).total_seconds(),
        "wall_seconds": wall,
        "handover_seconds": handed_over,
        "idle_mib": max(idle),
        "peak_mib": max(peaks),
        "parent_peak_mib": parent_peak,
        "jobs": rows.count(),
        "cpu_seconds": pool_cpu,
        "handover_deadlocks": handover_deadlocks,
        "worker_deadlocks": _aborted_jobs(log),
        "jobs_run_again": rows.filter(job_runs__gt=1).count(),
    } | server_cpu


def _run_worker_queued(
    folder: Path,
    environment: dict[str, str],
    queue: str,
    concurrency: int,
    tender,
    label: str,
    server: "_ServerCpu",
) -> dict:
    """Every key already accepted and every job queued before the worker starts: the
    worker's decryption throughput alone, with no key hand-over running beside it."""
    from django.db.models import Max

    from bids.models import BidDecryption
    from bids.opening.dispatch import dispatch_decryption

    rows = BidDecryption.objects.filter(bid__tender=tender)
    for pk in rows.values_list("pk", flat=True):
        dispatch_decryption(pk)
    worker = _start_worker(folder, environment, queue, concurrency, label)
    try:
        ready = time.time()
        server_reading = server.reading()
        pool = children(worker.pid)
        idle = [peak_mib(pid) for pid in pool]
        pool_cpu = sum(cpu_seconds(pid) for pid in pool)
        deadline = time.monotonic() + 3600
        while rows.filter(state="decrypting").exists():
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError(f"decryption did not finish; see {folder}/worker-{label}.log")
            time.sleep(POLL_SECONDS)
        peaks = [peak_mib(pid) for pid in pool]
        pool_cpu = sum(cpu_seconds(pid) for pid in pool) - pool_cpu
        server_cpu = server.since(server_reading)
    finally:
        _stop_worker(worker)
    last = rows.aggregate(last=Max("decrypted_at"))["last"]
    assert sorted(set(rows.values_list("state", flat=True))) == ["decrypted"]
    log = (folder / f"worker-{label}.log").read_text(errors="replace")
    return {
        "seconds": last.timestamp() - ready,
        "idle_mib": max(idle),
        "peak_mib": max(peaks),
        "worker_deadlocks": _aborted_jobs(log),
        "cpu_seconds": pool_cpu,
    } | server_cpu


def _aborted_jobs(log: str) -> int:
    """Jobs the worker logged as failed on a deadlock PostgreSQL broke."""
    return sum(
        "raised unexpected" in line and "deadlock detected" in line for line in log.splitlines()
    )


def _reset(tender) -> None:
    """Bench only: put the finished decryptions back to `decrypting`, to run them again."""
    from bids.models import Bid, BidDecryption, OpeningSession

    BidDecryption.objects.filter(bid__tender=tender).update(
        state="decrypting", lease_until=None, job_runs=0, bytes_done=0, decrypted_at=None
    )
    Bid.objects.filter(tender=tender).update(state="submitted")
    OpeningSession.objects.filter(tender=tender).update(state="decrypting")


# ---- main ------------------------------------------------------------------------------------


def _crypto_cpu_per_byte(size: int) -> float:
    """CPU seconds per byte of `decrypt_stream` over a ciphertext held in memory, as the job
    calls it (one thread, no ciphertext digest, plaintext hashed and discarded): the work no
    reader can skip, without any reading."""
    import io

    from signing.envelope.encryption import decrypt_stream, encrypt_bytes, generate_data_key

    key, context = generate_data_key(), b"bench: the decryption's own work"
    ciphertext = encrypt_bytes(os.urandom(size), key=key, context=context)
    started = time.thread_time()
    decrypt_stream(
        io.BytesIO(ciphertext),
        None,
        key=key,
        context=context,
        ciphertext_size=len(ciphertext),
        expected_ciphertext_sha256=None,
        description="bench",
        overlap=False,
    )
    return (time.thread_time() - started) / len(ciphertext)


class _ServerCpu:
    """CPU time the S3 server and PostgreSQL spend during a case (added to its result)."""

    def __init__(self, s3_server_pid: int) -> None:
        self.s3_server_pid = s3_server_pid

    def reading(self) -> tuple[float, float]:
        return cpu_seconds(self.s3_server_pid), postgres_cpu_seconds()

    def since(self, reading: tuple[float, float]) -> dict:
        s3, database = self.reading()
        return {"s3_cpu_seconds": s3 - reading[0], "postgres_cpu_seconds": database - reading[1]}

    def measure(self, run, *arguments) -> dict:
        """Around a child process: its imports and connections are counted too (a little)."""
        reading = self.reading()
        result = run(*arguments)
        return result | self.since(reading)


def _at_once(mode: str, tender_id: str, concurrency: int) -> dict:
    """`concurrency` children of `mode`, each on its share of the bids, started together:
    timed from their common start to the last one's end."""
    start_at = time.time() + 5  # time enough for every process to import and connect
    parallel = _children_at_once(
        [
            [
                "--child",
                mode,
                "--tender",
                tender_id,
                "--shard",
                f"{shard}/{concurrency}",
                "--start-at",
                str(start_at),
            ]
            for shard in range(concurrency)
        ]
    )
    return {
        "bytes": sum(item["bytes"] for item in parallel),
        "seconds": max(item["ended_at"] for item in parallel) - start_at,
        "peak_mib": max(item["peak_mib"] for item in parallel),
        "cpu_seconds": sum(item["cpu_seconds"] for item in parallel),
    }


def _measure_size(
    folder: Path,
    environment: dict[str, str],
    queue: str,
    cast: list[dict],
    size_mib: int,
    concurrency: int,
    server: _ServerCpu,
) -> dict:
    tender, keys = _tender_with_bids(folder, cast, size_mib)
    tender_id = str(tender.pk)
    from bids.models import Bid

    total = sum(Bid.objects.filter(tender=tender).values_list("size", flat=True))
    result: dict = {
        "size_mib": size_mib,
        "bids": len(keys),
        "bytes": total,
        "crypto_cpu_seconds": _crypto_cpu_per_byte(size_mib * MIB) * total,
    }
    _log(f"{size_mib} MiB: reading the stored bids")
    os.sync()
    result["read_plain"] = server.measure(_child, ["--child", "read-plain", "--tender", tender_id])
    result["read_ranged"] = server.measure(
        _child, ["--child", "read-ranged", "--tender", tender_id]
    )
    result["read_parallel"] = server.measure(_at_once, "read-plain", tender_id, concurrency)
    _log(f"{size_mib} MiB: decrypting in the Celery worker")
    result["worker"] = _run_worker(
        folder, environment, queue, concurrency, tender, keys, cast, f"{size_mib}mib", server
    )
    # Once the keys are handed over (by the live run above), wrapped under the evaluation key.
    _log(f"{size_mib} MiB: open_sealed_bid alone in {concurrency} processes")
    result["open_parallel"] = server.measure(_at_once, "open", tender_id, concurrency)
    _reset(tender)
    _log(f"{size_mib} MiB: decrypting in process, serially")
    result["in_process"] = server.measure(_child, ["--child", "decrypt", "--tender", tender_id])
    assert result["in_process"]["outcomes"] == ["decrypted"] * len(keys), result["in_process"]
    _reset(tender)
    _log(f"{size_mib} MiB: decrypting in a Celery worker started after every job was queued")
    result["worker_queued"] = _run_worker_queued(
        folder, environment, queue, concurrency, tender, f"{size_mib}mib-queued", server
    )
    return result


def _print(results: list[dict], concurrency: int, load: tuple[float, float]) -> None:
    print(
        f"opening-hall decryption, SeaweedFS, PostgreSQL and the worker on one machine: "
        f"{os.cpu_count()} CPU cores (shared), load average {load[0]:.2f} before, "
        f"{load[1]:.2f} after"
    )
    for result in results:
        mib = result["bytes"] / MIB
        read = result["read_plain"]["seconds"]
        print(
            f"\n{result['bids']} bids × {result['size_mib']} MiB "
            f"({mib:,.1f} MiB of sealed bids in all)"
        )
        print(
            f"{'case':<46}{'seconds':>9}{'MiB/s':>8}{'× read':>8}{'peak MiB':>10}"
            f"{'CPU s: own':>12}{'S3':>6}{'PG':>6}"
        )
        rows = [
            ("read: storage.open, serial", result["read_plain"]),
            ("read: RangedObjectReader, serial", result["read_ranged"]),
            (f"read: storage.open, {concurrency} processes", result["read_parallel"]),
            (f"decrypt: open_sealed_bid alone, {concurrency} processes", result["open_parallel"]),
            (f"decrypt: Celery worker, concurrency {concurrency}", result["worker"]),
            ("decrypt: the same, jobs queued before start", result["worker_queued"]),
            ("decrypt: in-process decrypt_bid, serial", result["in_process"]),
        ]
        for name, row in rows:
            print(
                f"{name:<46}{row['seconds']:>9.1f}{mib / row['seconds']:>8.0f}"
                f"{row['seconds'] / read:>8.2f}{row['peak_mib']:>10.1f}"
                f"{row['cpu_seconds']:>12.2f}{row['s3_cpu_seconds']:>6.2f}"
                f"{row['postgres_cpu_seconds']:>6.2f}"
            )
        print(
            "CPU s: own = the reading or decrypting processes (the worker's pool processes); "
            "S3 = the SeaweedFS server; PG = PostgreSQL (every backend)"
        )
        plain = result["read_plain"]
        floor = (plain["cpu_seconds"] + plain["s3_cpu_seconds"] + result["crypto_cpu_seconds"]) / (
            os.cpu_count() or 1
        )
        print(
            f"floor on this machine: the serial read's CPU ({plain['cpu_seconds']:.2f} own + "
            f"{plain['s3_cpu_seconds']:.2f} S3) + decryption and plaintext SHA-256 of the same "
            f"bytes in memory ({result['crypto_cpu_seconds']:.2f} CPU s), spread over "
            f"{os.cpu_count()} cores: {floor:.2f} s = {floor / read:.2f}× read; "
            f"the queued worker took {result['worker_queued']['seconds'] / floor:.2f}× that, "
            f"open_sealed_bid alone {result['open_parallel']['seconds'] / floor:.2f}×"
        )
        worker = result["worker"]
        print(
            f"worker: first key accepted → last decryption recorded (database clock); key "
            f"hand-over of all {result['bids']} keys took {worker['handover_seconds']:.1f} s; "
            f"bench wall clock from the first hand-over {worker['wall_seconds']:.1f} s; "
            f"ratio to {concurrency} parallel reads "
            f"{worker['seconds'] / result['read_parallel']['seconds']:.2f}×"
        )
        print(
            f"deadlocks (PostgreSQL aborted a transaction): key hand-over "
            f"{worker['handover_deadlocks']} (sent again), worker jobs "
            f"{worker['worker_deadlocks']}; "
            f"jobs run more than once (lease lapsed, re-dispatched by the sweep): "
            f"{worker['jobs_run_again']}"
        )
        print(
            f"in-process serial ÷ RangedObjectReader serial read: "
            f"{result['in_process']['seconds'] / result['read_ranged']['seconds']:.2f}×"
        )
        print(
            f"decryption time (worker, jobs queued) ÷ serial read: "
            f"{result['worker_queued']['seconds'] / read:.2f}× (goal ≤ 1.5); with the keys "
            f"handed over live beside it: {worker['seconds'] / read:.2f}×"
        )
    print("\npeak resident memory (VmHWM, MiB) by bid size (goal: flat)")
    print(f"{'process':<46}" + "".join(f"{str(r['size_mib']) + ' MiB':>10}" for r in results))
    lines = [
        ("worker pool process, idle after start-up", lambda r: r["worker"]["idle_mib"]),
        ("worker pool process, after the jobs", lambda r: r["worker"]["peak_mib"]),
        ("worker pool process, after the queued jobs", lambda r: r["worker_queued"]["peak_mib"]),
        ("worker main process", lambda r: r["worker"]["parent_peak_mib"]),
        ("in-process, before the first job", lambda r: r["in_process"]["floor_mib"]),
        ("in-process, after the last job", lambda r: r["in_process"]["peak_mib"]),
        ("read: storage.open (serial)", lambda r: r["read_plain"]["peak_mib"]),
        ("read: RangedObjectReader (serial)", lambda r: r["read_ranged"]["peak_mib"]),
        ("open_sealed_bid alone (each process)", lambda r: r["open_parallel"]["peak_mib"]),
    ]
    for name, value in lines:
        print(f"{name:<46}" + "".join(f"{value(r):>10.1f}" for r in results))
    print(
        "goal: decryption by the worker ≤ 1.5 × the serial storage.open read of the same "
        "ciphertext; worker peak memory flat in the bid size."
    )
    print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=50)
    parser.add_argument("--size-mib", type=int, default=64)
    parser.add_argument(
        "--small-mib",
        type=int,
        default=8,
        help="a smaller bid size measured first, to show memory is flat (0: skip)",
    )
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--database",
        default="bench_opening",
        help="database created (dropped first) on DATABASE_URL's server",
    )
    parser.add_argument("--directory", type=Path, help="scratch directory (default: a temp dir)")
    parser.add_argument(
        "--child", choices=["read-plain", "read-ranged", "decrypt", "open"], help=argparse.SUPPRESS
    )
    parser.add_argument("--tender", help=argparse.SUPPRESS)
    parser.add_argument("--shard", default="0/1", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        _setup_django()
        shard, shards = (int(value) for value in arguments.shard.split("/"))
        if arguments.child == "decrypt":
            result = _child_decrypt(arguments.tender)
        elif arguments.child == "open":
            result = _child_open(arguments.tender, shard, shards, arguments.start_at)
        else:
            result = _child_read(
                arguments.child.removeprefix("read-"),
                arguments.tender,
                shard,
                shards,
                arguments.start_at,
            )
        print(json.dumps(result))
        return

    sizes = [size for size in (arguments.small_mib, arguments.size_mib) if size]
    load_before = os.getloadavg()[0]
    results = []
    with scratch_platform(
        name="bench-opening",
        database=arguments.database,
        broker=BROKER,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        directory=arguments.directory,
    ) as scratch:
        _setup_django()
        from storage.objects import get_storage

        get_storage().ensure_buckets()
        _log(f"set-up: {arguments.bids} bidders with EC P-256 certificates")
        cast = _prepare(scratch.folder, arguments.bids)
        for size_mib in sizes:
            results.append(
                _measure_size(
                    scratch.folder,
                    scratch.environment,
                    scratch.queue,
                    cast,
                    size_mib,
                    arguments.concurrency,
                    _ServerCpu(scratch.server.process.pid),
                )
            )
    _print(results, arguments.concurrency, (load_before, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
