"""Key custody and backup: what the key service and the backup cost, beside their baselines.

- unwrap: one bid's data key unwrapped by the key service (a process of its own, Unix socket,
  one connection per request), sequentially and from 4 threads, beside the same HPKE unwrap
  in the calling process (what a web process did before it gave the evaluation key up);
- escrow recovery: a 2-of-3 committee escrow (three parts) rebuilt and 10 bids' data keys
  unwrapped, in the key service beside the same operation in process;
- backup and restore: `backup` of a scratch database (2,000 events, a checkpoint), 16
  objects of 16 MiB and one of 256 MiB, then `restore` into a fresh database and buckets with
  its verification, beside reading the same objects without keeping them; peak memory of this
  process.

A scratch PostgreSQL database (DATABASE_URL's server), an embedded S3 server and a throw-away
CA are made and removed. Run: python -m bench.bench_custody
"""

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.processes import MIB, create_database, drop_database, peak_mib

UNWRAPS = 2000
BIDS = 10
OBJECTS, OBJECT_MIB = 16, 16
LARGE_MIB = 256  # one object larger than the process's memory before the backup
EVENTS = 2000
DATABASE = f"bench_custody_{os.getpid()}"
RESTORED = f"{DATABASE}_restored"
CA_PASSPHRASE = "bench passphrase of the platform CA"  # noqa: S105 - a throwaway CA
S3_SECRET = "bench-secret-key"  # noqa: S105 - a throwaway server


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]


def start_key_service(socket: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "signing.keyservice", "--socket", str(socket)],
        env={**os.environ, "PLATFORM_PROCESS": "key_service"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while not socket.exists():
        time.sleep(0.05)
    return process


def measure_unwrap(socket: Path) -> dict:
    from signing.canonical import canonical_json
    from signing.conf import evaluation_private_key, evaluation_public_key
    from signing.envelope.keywrap import decrypt_secret, encrypt_secret
    from signing.keyservice import EVALUATION_WRAP_PURPOSE, KeyServiceClient

    # What bids.sealed_objects binds a bid's data key to.
    info = canonical_json({"purpose": EVALUATION_WRAP_PURPOSE, "of": "sealed-bid data key"})
    method, wrapped = encrypt_secret(os.urandom(32), evaluation_public_key(), info=info)
    key = evaluation_private_key()
    local = []
    for _ in range(UNWRAPS):
        started = time.perf_counter()
        decrypt_secret(method, wrapped, key, info=info)
        local.append((time.perf_counter() - started) * 1000)
    client = KeyServiceClient(socket)
    remote = []
    for _ in range(UNWRAPS):
        started = time.perf_counter()
        client.unwrap(method, wrapped, info=info)
        remote.append((time.perf_counter() - started) * 1000)

    def worker() -> None:
        for _ in range(UNWRAPS // 4):
            client.unwrap(method, wrapped, info=info)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    parallel = UNWRAPS / (time.perf_counter() - started)
    return {"local": percentiles(local), "remote": percentiles(remote), "parallel": parallel}


def measure_escrow(socket: Path, authority, folder: Path) -> dict:
    import base64

    from cryptography.hazmat.primitives import serialization

    from accounts.uscc import make_uscc
    from signing.conf import evaluation_private_key, evaluation_public_key
    from signing.envelope import seal_bid
    from signing.envelope.container import read_envelope
    from signing.envelope.escrow_parts import (
        combine_public_parts,
        deal_escrow_part,
        open_member_shares,
        seal_member_shares,
        submission_info,
    )
    from signing.envelope.format import key_id
    from signing.keyservice import OPERATIONS, KeyServiceClient

    members = [
        authority.issue_person(
            name=f"委员{n}", person_id=f"1101011990010100{n}", key_type="ec-p256"
        )
        for n in range(1, 4)
    ]
    certificates = [member.certificate for member in members]
    tender = "bench-tender"
    parts = [
        deal_escrow_part(
            tender_id=tender, dealer_number=n, threshold=2, member_certificates=certificates
        )
        for n in range(1, 4)
    ]
    escrow_key = combine_public_parts([part.public_key for part in parts])
    escrow_pem = escrow_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    bidder = authority.issue_organisation(
        name="基准投标人", uscc=make_uscc(authority="9", organisation_type="1",
                                           division="110000", body="99000001"),
        key_type="ec-p256",
    )  # fmt: skip
    (folder / "offer.pdf").write_bytes(os.urandom(4096))
    headers = {}
    for number in range(BIDS):
        output = folder / f"bid-{number}.sealed"
        seal_bid(
            tender_id=tender,
            credential=bidder,
            files=[folder / "offer.pdf"],
            price_sheet={
                "total_price_fen": 100_000_00 + number,
                "duration_days": 180,
                "quality": "合格",
                "other": {},
            },
            output=output,
            escrow_public_key=escrow_key,
        )
        with output.open("rb") as source:
            headers[str(number)] = base64.b64encode(read_envelope(source).header_bytes).decode()
    submissions = []
    for number in (1, 3):
        record = [
            {
                "dealer_number": part.dealer_number,
                "public_key": part.public_key_pem(),
                "share": part.shares[number - 1].to_json(),
            }
            for part in parts
        ]
        opened = open_member_shares(record, members[number - 1].private_key)
        method, wrapped = seal_member_shares(
            opened,
            key_service_key=evaluation_public_key(),
            tender_id=tender,
            escrow_key_id=key_id(escrow_key),
            member_number=number,
        )
        submissions.append(
            {
                "method": method,
                "wrapped": base64.b64encode(wrapped).decode(),
                "info": base64.b64encode(
                    submission_info(
                        tender_id=tender, escrow_key_id=key_id(escrow_key), member_number=number
                    )
                ).decode(),
            }
        )
    request = {
        "escrow_public_key": escrow_pem,
        "parts": {str(part.dealer_number): part.public_key_pem() for part in parts},
        "submissions": submissions,
        "headers": headers,
    }
    timings: dict[str, list[float]] = {"local": [], "remote": []}
    for _ in range(5):
        started = time.perf_counter()
        answer = OPERATIONS["escrow_recover"](evaluation_private_key(), request)
        timings["local"].append((time.perf_counter() - started) * 1000)
        assert len(answer["data_keys"]) == BIDS, answer
        started = time.perf_counter()
        answer = KeyServiceClient(socket).request({**request, "op": "escrow_recover"})
        timings["remote"].append((time.perf_counter() - started) * 1000)
        assert len(answer["data_keys"]) == BIDS, answer
    return {where: statistics.median(values) for where, values in timings.items()}


def fill_platform(storage) -> None:
    from django.db import transaction

    from monitoring.checkpoints import checkpoint_create
    from monitoring.services import Actor, record_event

    for number in range(EVENTS):
        with transaction.atomic():
            record_event(
                actor=Actor(role="operator", client_ip="127.0.0.1"),
                action="bench.touched",
                object_type="bench.thing",
                object_id=str(number),
                payload={"number": number},
            )
    checkpoint_create()
    block = os.urandom(MIB)

    class Repeated:
        def __init__(self, size: int) -> None:
            self.left = size

        def read(self, size: int = -1) -> bytes:
            size = self.left if size < 0 else min(size, self.left)
            pieces = []
            while size > 0:
                piece = block[: min(size, MIB)]
                pieces.append(piece)
                size -= len(piece)
                self.left -= len(piece)
            return b"".join(pieces)

    for number in range(OBJECTS):
        storage.put_stream(
            bucket=storage.bucket("bids"),
            key=f"tenders/bench/bids/{number:04d}",
            stream=Repeated(OBJECT_MIB * MIB),
        )
    storage.put_stream(
        bucket=storage.bucket("bids"),
        key="tenders/bench/bids/large",
        stream=Repeated(LARGE_MIB * MIB),
    )


def measure_backup(folder: Path, base_url: str) -> dict:
    from django.conf import settings
    from django.db import connections

    from operations.backup import backup_create
    from operations.restore import restore
    from operations.verification import verify_platform
    from storage.objects import get_storage

    storage = get_storage()
    storage.ensure_buckets()
    fill_platform(storage)
    before = peak_mib()
    started = time.perf_counter()
    for listed in storage.list_objects(bucket=storage.bucket("bids")):
        with storage.open(bucket=listed.bucket, key=listed.key) as chunks:
            for _chunk in chunks:
                pass
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    backup_create(folder / "backup")
    backup_seconds = time.perf_counter() - started
    backup_peak = peak_mib()
    create_database(base_url, RESTORED)
    connections["default"].close()
    connections["default"].settings_dict["NAME"] = RESTORED
    settings.S3_BUCKETS = {
        purpose: f"restored-{name}" for purpose, name in settings.S3_BUCKETS.items()
    }
    get_storage.cache_clear()
    started = time.perf_counter()
    restore(folder / "backup")
    restore_seconds = time.perf_counter() - started
    started = time.perf_counter()
    verified = verify_platform()
    verify_seconds = time.perf_counter() - started
    assert verified.events == EVENTS, verified
    connections.close_all()
    return {
        "read": read_seconds,
        "backup": backup_seconds,
        "restore": restore_seconds,
        "verify": verify_seconds,
        "peak_before": before,
        "peak_backup": backup_peak,
        "dump_mib": (folder / "backup" / "database.dump").stat().st_size / MIB,
    }


def main() -> int:
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        from storage.embedded import EmbeddedS3Server, free_port

        s3 = EmbeddedS3Server(
            data_dir=folder / "s3", access_key="bench-access", secret_key=S3_SECRET,
            s3_port=free_port(),
        )  # fmt: skip
        s3.start()
        os.environ.update(
            {
                "DATABASE_URL": create_database(base_url, DATABASE),
                "SIGNING_CA_DIR": str(folder / "ca"),
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "S3_ENDPOINT": s3.endpoint,
                "S3_ACCESS_KEY": s3.access_key,
                "S3_SECRET_KEY": s3.secret_key,
            }
        )
        service = None
        try:
            import django

            django.setup()
            from django.core.management import call_command

            from signing.certificates import CertificateAuthority
            from signing.conf import service_credentials_issue

            call_command("migrate", verbosity=0)
            authority = CertificateAuthority.initialise(
                folder / "ca", passphrase=CA_PASSPHRASE.encode(), name="Bench CA"
            )
            os.environ["SIGNING_CA_PASSPHRASE"] = CA_PASSPHRASE
            from django.conf import settings

            settings.SIGNING_CA_PASSPHRASE = CA_PASSPHRASE
            service_credentials_issue(authority)
            socket = folder / "keys.sock"
            service = start_key_service(socket)
            unwrap = measure_unwrap(socket)
            escrow = measure_escrow(socket, authority, folder)
            backup = measure_backup(folder, base_url)
        finally:
            if service is not None:
                service.terminate()
                service.wait()
            from django.db import connections

            connections.close_all()
            drop_database(base_url, DATABASE)
            drop_database(base_url, RESTORED)
            s3.stop()
    local, remote = unwrap["local"], unwrap["remote"]
    print(f"unwrap of one data key (HPKE P-256), {UNWRAPS} times")
    print(f"  in process (baseline)      p50 {local[0]:.3f} ms   p99 {local[1]:.3f} ms")
    print(f"  key service, one at a time p50 {remote[0]:.3f} ms   p99 {remote[1]:.3f} ms")
    print(f"  key service, 4 threads     {unwrap['parallel']:.0f} unwraps/s")
    print(f"escrow recovery, 2-of-3 committee (3 parts), {BIDS} bids' data keys")
    print(
        f"  in process (baseline) {escrow['local']:.1f} ms   key service {escrow['remote']:.1f} ms"
    )
    total = OBJECTS * OBJECT_MIB + LARGE_MIB
    print(
        f"backup and restore: {EVENTS} events, {OBJECTS} objects of {OBJECT_MIB} MiB and one "
        f"of {LARGE_MIB} MiB ({total} MiB); dump {backup['dump_mib']:.1f} MiB"
    )
    rate = total / backup["read"]
    print(f"  read the objects only (baseline) {backup['read']:.1f} s ({rate:.0f} MiB/s)")
    print(f"  backup   {backup['backup']:.1f} s ({total / backup['backup']:.0f} MiB/s)")
    print(f"  restore  {backup['restore']:.1f} s; verification {backup['verify']:.1f} s")
    print(
        f"  peak memory {backup['peak_before']:.0f} MiB before the backup, "
        f"{backup['peak_backup']:.0f} MiB after it"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
