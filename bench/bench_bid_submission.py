"""Sealed bid submission end to end, beside a plain put_object of the same file, and a surge.

    python -m bench.bench_bid_submission [--size-mib 1024] [--surge-bidders 20] [--surge-mib 8]
                                         [--rounds 2]

Starts its own parts in a temporary folder: a SeaweedFS S3 server, a fresh PostgreSQL database
(DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432), a platform CA, and the web
application under gunicorn (one worker, 8 threads, MALLOC_ARENA_MAX=2 unless set), whose
resident memory after start-up (VmRSS) and peak resident memory (VmHWM) are read from /proc.
The client is bidtool's own (login, resumable submit, finalise).

Cases:
* submit: `bidtool submit` of one sealed bid of --size-mib (open, parts, finalise with the
  front check and segment-digest comparison, receipt), timed end to end, and its finalise
  request alone;
* plain put_object: the SDK's put_object of the same file to the same server (known length,
  SDK defaults), the baseline (goal: submit ≥ 0.8× its throughput); --rounds of each,
  alternating which goes first;
* surge: --surge-bidders bidders each submitting a --surge-mib bid at once; p50/p99 of the
  finalise step.
Prints figures; never passes or fails on time.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from bench.processes import (
    children,
    create_database,
    drop_database,
    peak_mib,
    resident_mib,
    write_random_file,
)
from storage.embedded import free_port

MIB = 1 << 20
ACCESS_KEY, SECRET_KEY = "bench-access", "bench-secret-key-for-bids"
CA_PASSPHRASE = "bench passphrase of the platform CA"  # noqa: S105 - a throwaway CA


def _prepare(folder: Path, bidders: int):
    """Migrate, make the CA and its platform credentials, the bidders and a published tender."""
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import Organisation, Role, RoleMembership, User
    from accounts.services import certificate_bind
    from accounts.uscc import make_uscc
    from monitoring.services import PLATFORM
    from signing.certificates import CertificateAuthority
    from signing.conf import service_credentials_issue
    from signing.credentials import dump_pkcs12
    from tests.factories import MembershipFactory, TenderFactory
    from trading.services import Acting, tender_publish

    call_command("migrate", verbosity=0)
    authority = CertificateAuthority.initialise(
        folder / "ca", passphrase=CA_PASSPHRASE.encode(), name="Bench CA"
    )
    service_credentials_issue(authority)
    authority.publish_crls()
    draft = TenderFactory()
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=draft.project.tenderee)
    tender = tender_publish(acting=Acting(user=tenderee.user), tender_id=draft.pk)
    credentials = []
    for number in range(bidders):
        uscc = make_uscc(
            authority="9", organisation_type="1", division="110108", body=f"BN{number:06d}"
        )
        credential = authority.issue_organisation(
            name=f"压测投标人{number:03d}", uscc=uscc, key_type="ec-p256"
        )
        organisation = Organisation.objects.create(name=f"压测投标人{number:03d}", uscc=uscc)
        user = User.objects.create_user(username=f"bench-bidder-{number:03d}")
        RoleMembership.objects.create(user=user, role=Role.BIDDER, organisation=organisation)
        certificate_bind(user=user, certificate=credential.certificate, actor=PLATFORM)
        p12 = folder / f"bidder-{number:03d}.p12"
        p12.write_bytes(dump_pkcs12(credential, b"pw", friendly_name="bidder"))
        credentials.append((credential, p12))
    (folder / "pw").write_text("pw")
    return tender, credentials, authority


def _seal(credential, tender_id: str, source: Path, output: Path) -> None:
    from signing.envelope import seal_bid

    seal_bid(
        tender_id=tender_id,
        credential=credential,
        files=[source],
        price_sheet={"total_price_fen": 1, "duration_days": 1, "quality": "合格"},
        output=output,
        device_fingerprint={},
    )


def _start_web(folder: Path, environment: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    log = (folder / "gunicorn.log").open("wb")
    # The web service's recommended environment (docs/bids.md): glibc's per-thread malloc
    # arenas would otherwise keep freed buffers of 8 threads as resident memory.
    environment = {"MALLOC_ARENA_MAX": "2", **environment}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi",
            "-w",
            "1",
            "--threads",
            "8",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "600",
        ],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    import urllib.request

    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)  # noqa: S310
            return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the web server did not start; see {folder / 'gunicorn.log'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--surge-bidders", type=int, default=20)
    parser.add_argument("--surge-mib", type=int, default=8)
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="submit and plain put each this many times, alternating order",
    )
    arguments = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")

    from storage.embedded import EmbeddedS3Server

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        server = EmbeddedS3Server(
            data_dir=folder / "s3",
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            s3_port=free_port(),
        )
        server.start()
        database_name = f"bench_bids_{os.getpid()}"
        database_url = create_database(base_url, database_name)
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "S3_ENDPOINT": server.endpoint,
            "S3_ACCESS_KEY": ACCESS_KEY,
            "S3_SECRET_KEY": SECRET_KEY,
            "SIGNING_CA_DIR": str(folder / "ca"),
            "SIGNING_CA_PASSPHRASE": CA_PASSPHRASE,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "BIDTOOL_HOME": str(folder / "home"),
        }
        os.environ.update(environment)
        web = None
        try:
            from storage.objects import get_storage

            get_storage().ensure_buckets()
            tender, credentials, _ = _prepare(folder, 1 + arguments.surge_bidders)
            web, url = _start_web(folder, environment)
            results = _run(
                arguments,
                folder,
                url,
                str(tender.pk),
                credentials,
                server,
                web_peak=lambda: max(map(peak_mib, children(web.pid)), default=0),
                web_rss=lambda: max(map(resident_mib, children(web.pid)), default=0),
                web_cpu=lambda: _cpu_seconds(children(web.pid)[0]),
            )
        finally:
            if web is not None:
                web.terminate()
                web.wait(timeout=30)
            server.stop()
            from django.db import connections

            connections.close_all()
            drop_database(base_url, database_name)
    _print(arguments, results)


@contextmanager
def _timing_finalise(client):
    """Time the finalise request of `bidtool submit` (the rest is opening and relaying parts)."""
    seconds: list[float] = []
    original = client.Http.request

    def request(self, method: str, path: str, **options):
        started = time.perf_counter()
        try:
            return original(self, method, path, **options)
        finally:
            if path.endswith("/finalise"):
                seconds.append(time.perf_counter() - started)

    client.Http.request = request
    try:
        yield seconds
    finally:
        client.Http.request = original


def _cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time of a process so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def _run(
    arguments,
    folder: Path,
    url: str,
    tender_id: str,
    credentials,
    server,
    web_peak,
    web_rss,
    web_cpu,
) -> dict:
    from minio import Minio

    from bidtool import cli as bidtool
    from bidtool import client as bidtool_client

    size = arguments.size_mib * MIB
    source, sealed = folder / "offer.bin", folder / "bid.sealed"
    write_random_file(source, size)
    credential, p12 = credentials[0]
    _seal(credential, tender_id, source, sealed)
    source.unlink()
    sealed_size = sealed.stat().st_size
    web_start_rss = web_rss()  # after start-up and a health check: the floor before any bid
    os.environ["BIDTOOL_HOME"] = str(folder / "home-0")
    assert (
        bidtool.main(
            ["login", "--server", url, "--cert", str(p12), "--password-file", str(folder / "pw")]
        )
        == 0
    )
    client = Minio(server.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False)
    if not client.bucket_exists(bucket_name="bench-plain"):
        client.make_bucket(bucket_name="bench-plain")

    web_cpu_seconds = [0.0, 0.0]  # user, system

    def submit() -> tuple[float, float]:
        with _timing_finalise(bidtool_client) as finalise_seconds:
            cpu, started = web_cpu(), time.perf_counter()
            assert bidtool.main(["submit", "--server", url, str(sealed)]) == 0
            for index, value in enumerate(web_cpu()):
                web_cpu_seconds[index] += value - cpu[index]
            return time.perf_counter() - started, sum(finalise_seconds)

    def plain() -> float:
        started = time.perf_counter()
        with sealed.open("rb") as stream:
            client.put_object(
                bucket_name="bench-plain", object_name="plain", data=stream, length=sealed_size
            )
        return time.perf_counter() - started

    # Other work on a shared machine drifts: alternate the order (plain, submit, submit,
    # plain, …) so that neither case always runs in the quieter moment.
    rounds = []
    for number in range(max(1, arguments.rounds)):
        if number % 2 == 0:
            plain_seconds = plain()
            submit_seconds, finalise_seconds = submit()
        else:
            submit_seconds, finalise_seconds = submit()
            plain_seconds = plain()
        rounds.append(
            {
                "submit_seconds": submit_seconds,
                "finalise_seconds": finalise_seconds,
                "plain_seconds": plain_seconds,
            }
        )
    peak_after_submit = web_peak()
    sealed.unlink()

    latencies = _surge(arguments, folder, url, tender_id, credentials[1:])
    return {
        "sealed_size": sealed_size,
        "rounds": rounds,
        **{
            key: sum(item[key] for item in rounds)
            for key in ("submit_seconds", "finalise_seconds", "plain_seconds")
        },
        "web_cpu_seconds": web_cpu_seconds,
        "latencies": latencies,
        "web_start_rss_mib": web_start_rss,
        "web_peak_after_submit_mib": peak_after_submit,
        "web_peak_mib": web_peak(),
    }


def _surge(arguments, folder: Path, url: str, tender_id: str, credentials) -> list[float]:
    from bidtool.client import Http
    from bidtool.submit import send_part

    clients, uploads = [], []
    for number, (credential, _p12) in enumerate(credentials):
        source, sealed = folder / f"surge-{number}.bin", folder / f"surge-{number}.sealed"
        write_random_file(source, arguments.surge_mib * MIB)
        _seal(credential, tender_id, source, sealed)
        source.unlink()
        client = Http(url)
        _, challenge = client.request("POST", "/api/v1/auth/challenge")
        import base64

        from signing.cms import sign_detached

        signature = sign_detached(base64.b64decode(challenge["message"]), credential=credential)
        client.request(
            "POST",
            "/api/v1/auth/certificate-login",
            json_body={
                "challenge_id": challenge["challenge_id"],
                "signature": base64.b64encode(signature).decode(),
            },
        )
        clients.append(client)
        uploads.append(sealed)
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(clients))

    def submit(index: int) -> None:
        client, sealed = clients[index], uploads[index]
        data = sealed.read_bytes()
        _, upload = client.request(
            "POST", f"/api/v1/tenders/{tender_id}/bid-uploads", json_body={"size": len(data)}
        )
        part = upload["part_size"]
        for number in range(1, upload["part_count"] + 1):
            send_part(client, upload["id"], number, data[(number - 1) * part : number * part])
        barrier.wait()
        started = time.perf_counter()
        client.request("POST", f"/api/v1/bid-uploads/{upload['id']}/finalise", json_body={})
        with lock:
            latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def _print(arguments, results: dict) -> None:
    mib = results["sealed_size"] / MIB
    sent = mib * len(results["rounds"])  # the seconds below are summed over the rounds
    submit = sent / results["submit_seconds"]
    plain = sent / results["plain_seconds"]
    latencies = sorted(results["latencies"])
    print(
        f"bid submission, one sealed bid of {mib:,.1f} MiB, SeaweedFS and gunicorn on loopback "
        f"({len(results['rounds'])} rounds)"
    )
    print(f"{'case':<30}{'MiB/s':>10}{'seconds':>10}")
    for number, item in enumerate(results["rounds"], start=1):
        for name, key in (
            ("bidtool submit (end to end)", "submit_seconds"),
            ("plain put_object", "plain_seconds"),
        ):
            print(f"{f'{name} #{number}':<30}{mib / item[key]:>10.1f}{item[key]:>10.1f}")
    print(
        f"all rounds: submit {submit:.1f} MiB/s, plain put_object {plain:.1f} MiB/s; "
        f"ratio submit / plain: {submit / plain:.2f} (goal ≥ 0.8)"
    )
    relay = results["submit_seconds"] - results["finalise_seconds"]
    print(
        f"submit, all rounds: open and relay the parts {relay:.1f} s ({sent / relay:.1f} MiB/s), "
        f"finalise {results['finalise_seconds']:.1f} s "
        f"({sent / max(results['finalise_seconds'], 1e-9):.1f} MiB/s)"
    )
    user, system = (seconds / len(results["rounds"]) for seconds in results["web_cpu_seconds"])
    print(f"web process CPU time per submission: {user:.1f} s user, {system:.1f} s system")
    print(f"web process RSS after start-up (import floor): {results['web_start_rss_mib']:.1f} MiB")
    print(
        f"web process peak RSS after the submission: "
        f"{results['web_peak_after_submit_mib']:.1f} MiB, after the surge: "
        f"{results['web_peak_mib']:.1f} MiB (goal: flat, < 128 MiB)"
    )
    if latencies:
        p99 = latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))]
        print(
            f"surge: {len(latencies)} bidders × {arguments.surge_mib} MiB at once: finalise "
            f"p50 {statistics.median(latencies):.2f} s, p99 {p99:.2f} s, "
            f"max {latencies[-1]:.2f} s"
        )
    print(
        json.dumps(
            {key: value for key, value in results.items() if key not in {"latencies", "rounds"}}
        )
    )


if __name__ == "__main__":
    main()
