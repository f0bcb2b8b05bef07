"""The closed area's bid viewer: one large bid file read as it is decrypted, beside reading the
same ciphertext and beside the opening's decryption of the whole bid.

    python -m bench.bench_room [--size-mib 200] [--small-mib 8] [--database bench_room]

Set-up, all real, in a temporary folder: a SeaweedFS S3 server, a fresh PostgreSQL database
(--database on DATABASE_URL's server; dropped and created, dropped again at the end), a
platform CA with its service credentials and evaluation key, one bidder with a bound EC P-256
certificate, and an expert with its own. For each size (--small-mib, then --size-mib) a tender
is published with one bid of two files, a 1 MiB letter first and then the large file, sealed
for real (`seal_bid`) and stored through the bid services; the deadline passes, the host starts
decryption, the bidder hands its key over (`opening_submit_key`: wrapped under the evaluation
key) and the opening's job (`decrypt_bid`) decrypts it. A panel with the expert's confirmed
seat and an open session are made from the test factories.

Measured per size, each case in a fresh process (peak resident memory, VmHWM, read after the
process's imports and first query, and again at the end):
* read: the large file's ciphertext part alone, through RangedObjectReader from its offset, in
  256 KiB reads (what the viewer reads, with no decryption);
* viewer: `room_bid_file` (the gate, its event, the header check, the key unwrap) and the
  StreamingHttpResponse of `bid_file_response`, its content iterated and hashed as a WSGI
  server would send it; the digest must be the file's;
* opening: `open_stored_bid`, the opening job's decryption of the whole bid (both files).
Prints figures; never passes or fails on time.
"""

import argparse
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.processes import peak_mib, write_random_file
from bench.scratch import CA_PASSPHRASE, scratch_platform

MIB = 1 << 20
READ_BLOCK = 256 << 10
ACCESS_KEY, SECRET_KEY = "bench-access", "bench-secret-key-for-the-room"
BROKER = "redis://127.0.0.1:6379/10"  # the Redis database of this branch's runs
EXPERT_ADDRESS = "127.0.0.1"


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _setup_django() -> None:
    import django

    django.setup()


# ---- the child processes ---------------------------------------------------------------------


def _floor() -> float:
    """Peak memory once the process has imported what the case needs and queried once."""
    from bids.models import Bid

    Bid.objects.first()
    return peak_mib()


def _child_read(tender_id: str) -> dict:
    from bids.models import Bid
    from bids.sealed_objects import stored_reader
    from signing.envelope import read_envelope

    bid = Bid.objects.select_related("upload").get(tender_id=tender_id)
    floor = _floor()
    started = time.perf_counter()
    with stored_reader(bid) as source:
        envelope = read_envelope(source)
        part = envelope.header.parts[1]
        source.seek(envelope.parts_offset + envelope.header.part_offset(1))
        remaining = part.size
        while remaining:
            count = len(source.readview(min(READ_BLOCK, remaining)))
            assert count, "the stored object ends early"
            remaining -= count
    return {"seconds": time.perf_counter() - started, "floor_mib": floor, "peak_mib": peak_mib()}


def _child_viewer(tender_id: str, expert: str, certificate_sha256: str, sha256: str) -> dict:
    from accounts.acting import Acting
    from accounts.models import User
    from bids.models import Bid
    from evaluation.room.viewer import room_bid_file
    from evaluation.room.views import bid_file_response

    user = User.objects.get(username=expert)
    bid = Bid.objects.get(tender_id=tender_id)
    acting = Acting(user=user, client_ip=EXPERT_ADDRESS, certificate_sha256=certificate_sha256)
    floor = _floor()
    started = time.perf_counter()
    room_file = room_bid_file(acting=acting, tender_id=bid.tender_id, bid_id=bid.pk, file_index=1)
    response = bid_file_response(room_file)
    digest = hashlib.sha256()
    first_byte = None
    for block in response.streaming_content:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        digest.update(block)
    response.close()
    seconds = time.perf_counter() - started
    assert digest.hexdigest() == sha256, "the file read is not the file sealed"
    return {
        "seconds": seconds,
        "first_byte_seconds": first_byte,
        "floor_mib": floor,
        "peak_mib": peak_mib(),
    }


def _child_opening(tender_id: str) -> dict:
    from bids.models import BidDecryption
    from bids.opening.decryption import open_stored_bid, unwrapped_data_key
    from signing.conf import platform_trust_store

    platform_trust_store()
    decryption = BidDecryption.objects.select_related("bid", "bid__upload").get(
        bid__tender_id=tender_id
    )
    floor = _floor()
    started = time.perf_counter()
    open_stored_bid(decryption, unwrapped_data_key(decryption))
    return {"seconds": time.perf_counter() - started, "floor_mib": floor, "peak_mib": peak_mib()}


def _child(arguments: list[str]) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.bench_room", *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode:
        raise RuntimeError(f"child {arguments} failed:\n{completed.stderr[-4000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


# ---- set-up ----------------------------------------------------------------------------------


def _prepare(folder: Path) -> dict:
    """Migrate; the CA, its service credentials and evaluation key; a bidder and an expert."""
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
    name = "评标区压测投标人"
    uscc = make_uscc(authority="9", organisation_type="1", division="110108", body="KR000001")
    credential = authority.issue_organisation(name=name, uscc=uscc, key_type="ec-p256")
    organisation = Organisation.objects.create(name=name, uscc=uscc)
    user = User.objects.create_user(username="bench-room-bidder")
    RoleMembership.objects.create(user=user, role=Role.BIDDER, organisation=organisation)
    binding = certificate_bind(user=user, certificate=credential.certificate, actor=PLATFORM)
    bidder = Acting(
        user=user,
        organisation=organisation,
        role=Role.BIDDER,
        certificate_sha256=binding.certificate_sha256,
        client_ip="10.9.0.1",
        user_agent="bench_room",
    )
    expert_credential = authority.issue_person(
        name="压测专家", person_id="110108198001010001", key_type="ec-p256"
    )
    expert = User.objects.create_user(username="bench-room-expert")
    RoleMembership.objects.create(user=expert, role=Role.EXPERT)
    expert_binding = certificate_bind(
        user=expert, certificate=expert_credential.certificate, actor=PLATFORM
    )
    return {
        "credential": credential,
        "bidder": bidder,
        "expert": expert,
        "expert_certificate_sha256": expert_binding.certificate_sha256,
    }


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


def _submit(acting, tender_id, sealed: Path) -> None:
    from bids.submission.finalise import bid_finalise
    from bids.submission.uploads import bid_upload_open, bid_upload_part

    upload = bid_upload_open(
        acting=acting,
        tender_id=tender_id,
        size=sealed.stat().st_size,
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
    bid_finalise(acting=acting, upload_id=upload.pk)


def _opened_bid_in_session(folder: Path, cast: dict, size_mib: int) -> tuple[str, str]:
    """A tender whose one bid (a 1 MiB letter, then `size_mib` MiB) was opened and decrypted,
    with the expert's panel and an open session. Returns (tender id, the large file's
    SHA-256)."""
    from accounts.models import Role
    from bids.models import BidDecryption
    from bids.opening.decryption import decrypt_bid
    from bids.opening.keys import opening_submit_key
    from bids.opening.start import opening_start
    from evaluation.models import Expert, PanelSeat
    from signing.envelope import seal_bid
    from tests.evaluation.factories import EvaluationSessionFactory, PanelFactory
    from tests.factories import MembershipFactory, TenderFactory
    from trading.models import Tender, TenderState
    from trading.services import Acting, tender_publish, tender_sweep_due

    draft = TenderFactory(title=f"评标区压测 {size_mib} MiB")
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=draft.project.tenderee)
    host = Acting(user=tenderee.user, client_ip="10.0.0.8")
    tender = tender_publish(acting=host, tender_id=draft.pk)
    letter, offer, sealed = folder / "投标函.pdf", folder / "技术标.pdf", folder / "bid.sealed"
    write_random_file(letter, MIB)
    write_random_file(offer, size_mib * MIB)
    with offer.open("rb") as source:
        sha256 = hashlib.file_digest(source, "sha256").hexdigest()
    started = time.perf_counter()
    seal_bid(
        tender_id=str(tender.pk),
        credential=cast["credential"],
        files=[letter, offer],
        price_sheet={"total_price_fen": 10_000_000_00, "duration_days": 200, "quality": "合格"},
        output=sealed,
        device_fingerprint={"installation_id": "bench"},
    )
    letter.unlink()
    offer.unlink()
    key = _data_key(sealed, cast["credential"])
    _submit(cast["bidder"], tender.pk, sealed)
    sealed.unlink()
    _log(f"{size_mib} MiB: sealed and stored in {time.perf_counter() - started:.0f} s")
    Tender.objects.filter(pk=tender.pk).update(
        bid_deadline=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    )
    tender_sweep_due()
    tender.refresh_from_db()
    assert tender.state == TenderState.OPENING, tender.state
    opening_start(acting=host, tender_id=tender.pk)
    decryption = opening_submit_key(acting=cast["bidder"], tender_id=tender.pk, data_key=key)
    assert decrypt_bid(decryption.pk) == "decrypted"
    assert BidDecryption.objects.get(pk=decryption.pk).state == "decrypted"
    panel = PanelFactory(tender=tender, state="complete")
    expert = Expert.objects.filter(user=cast["expert"]).first()
    if expert is None:
        expert = Expert.objects.create(
            user=cast["expert"],
            specialties=["A010101"],
            region="110108",
            title="senior",
            created_at=dt.datetime.now(dt.UTC),
        )
    PanelSeat.objects.create(
        panel=panel, kind="expert", expert=expert, user=cast["expert"], state="confirmed"
    )
    now = dt.datetime.now(dt.UTC)
    EvaluationSessionFactory(
        panel=panel, starts_at=now - dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=4)
    )
    return str(tender.pk), sha256


# ---- main ------------------------------------------------------------------------------------


def _measure(folder: Path, cast: dict, size_mib: int) -> dict:
    tender_id, sha256 = _opened_bid_in_session(folder, cast, size_mib)
    expert = cast["expert"].get_username()
    result = {"size_mib": size_mib}
    _log(f"{size_mib} MiB: reading the ciphertext, the viewer, the opening's decryption")
    result["read"] = _child(["--child", "read", "--tender", tender_id])
    result["viewer"] = _child(
        [
            "--child",
            "viewer",
            "--tender",
            tender_id,
            "--expert",
            expert,
            "--certificate",
            cast["expert_certificate_sha256"],
            "--sha256",
            sha256,
        ]
    )
    result["opening"] = _child(["--child", "opening", "--tender", tender_id])
    return result


def _print(results: list[dict], load: tuple[float, float]) -> None:
    print(
        f"closed-area bid viewer, SeaweedFS and PostgreSQL on one machine: {os.cpu_count()} CPU "
        f"cores (shared), load average {load[0]:.2f} before, {load[1]:.2f} after"
    )
    print(
        f"{'case':<52}{'MiB':>6}{'seconds':>9}{'MiB/s':>8}{'× read':>8}"
        f"{'floor MiB':>11}{'peak MiB':>10}{'growth':>8}"
    )
    for result in results:
        size = result["size_mib"]
        read = result["read"]["seconds"]
        rows = [
            ("read: the file's ciphertext part (baseline)", result["read"], size),
            ("viewer: room_bid_file + StreamingHttpResponse", result["viewer"], size),
            ("opening: open_stored_bid, the whole bid", result["opening"], size + 1),
        ]
        for name, row, mib in rows:
            print(
                f"{name:<52}{mib:>6}{row['seconds']:>9.2f}{mib / row['seconds']:>8.0f}"
                f"{row['seconds'] / read:>8.2f}{row['floor_mib']:>11.1f}{row['peak_mib']:>10.1f}"
                f"{row['peak_mib'] - row['floor_mib']:>8.1f}"
            )
        print(
            f"{'':<52}viewer: first byte after "
            f"{result['viewer']['first_byte_seconds'] * 1000:.0f} ms (gate, event, header, key)"
        )
    print(
        "floor = VmHWM after imports and a first query; peak = VmHWM at the end; "
        "growth = peak − floor (goal: flat in the file's size)"
    )
    print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=200)
    parser.add_argument("--small-mib", type=int, default=8, help="measured first (0: skip)")
    parser.add_argument(
        "--database",
        default="bench_room",
        help="database created (dropped first) on DATABASE_URL's server",
    )
    parser.add_argument("--directory", type=Path, help="scratch directory (default: a temp dir)")
    parser.add_argument("--child", choices=["read", "viewer", "opening"], help=argparse.SUPPRESS)
    parser.add_argument("--tender", help=argparse.SUPPRESS)
    parser.add_argument("--expert", help=argparse.SUPPRESS)
    parser.add_argument("--certificate", help=argparse.SUPPRESS)
    parser.add_argument("--sha256", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        _setup_django()
        if arguments.child == "read":
            result = _child_read(arguments.tender)
        elif arguments.child == "viewer":
            result = _child_viewer(
                arguments.tender, arguments.expert, arguments.certificate, arguments.sha256
            )
        else:
            result = _child_opening(arguments.tender)
        print(json.dumps(result))
        return

    sizes = [size for size in (arguments.small_mib, arguments.size_mib) if size]
    load_before = os.getloadavg()[0]
    results = []
    # The hand-over queues the opening's job on the run's own queue; the bench runs it in
    # process instead.
    with scratch_platform(
        name="bench-room",
        database=arguments.database,
        broker=BROKER,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        directory=arguments.directory,
        environment={"EVALUATION_ROOM_NETWORKS": f"{EXPERT_ADDRESS}/32"},
    ) as scratch:
        _setup_django()
        from storage.objects import get_storage

        get_storage().ensure_buckets()
        cast = _prepare(scratch.folder)
        for size_mib in sizes:
            results.append(_measure(scratch.folder, cast, size_mib))
    _print(results, (load_before, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
