"""Fault injection: a real Celery worker's process killed (SIGKILL) in the middle of a
decryption job, and a worker paused (SIGSTOP) in the middle of one until another worker has
done it, then let go (SIGCONT).

Killed: the job's message goes back on the queue (acks_late + reject_on_worker_lost), the
redelivered job waits out the dead run's lease and completes, with no chronograph sweep.
Paused: its lease lapses, the sweep hands the job to a second worker, which completes it; the
paused run, resumed, finishes its pass and records nothing. Each way: one result, one event.
"""

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from bids.models import BidDecryption, BidState, DecryptionState
from bids.opening.sweep import opening_sweep_due
from monitoring.chain import find_broken_link
from monitoring.models import Event
from tests.bids.opening import build_opening
from tests.workers import start_worker, stop_workers, wait_for

MIB = 1024 * 1024
BID_SIZE = 64 * MIB  # a job of a second or more, to be caught half-way
LEASE_SECONDS = 2


def pool_process(worker: subprocess.Popen) -> int:
    """The prefork pool's child process: the one running the job."""
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def decrypting_half_way(decryption: BidDecryption) -> bool:
    return BidDecryption.objects.filter(
        pk=decryption.pk, bytes_done__gt=0, state=DecryptionState.DECRYPTING
    ).exists()


def decrypted(decryption: BidDecryption) -> bool:
    return BidDecryption.objects.filter(pk=decryption.pk, state=DecryptionState.DECRYPTED).exists()


def assert_decrypted_once(decryption: BidDecryption, price_fen: int, runs: int) -> None:
    decryption.refresh_from_db()
    assert decryption.job_runs == runs
    assert decryption.bytes_done == decryption.bytes_total
    assert decryption.bid.state == BidState.DECRYPTED
    assert decryption.price_sheet["total_price_fen"] == price_fen
    assert BidDecryption.objects.count() == 1
    assert Event.objects.filter(action="bid_decryption.decrypted").count() == 1
    assert Event.objects.filter(action="bid.decrypted").count() == 1
    assert find_broken_link()[1] is None


@pytest.fixture
def opening_with_a_large_bid(bid_settings, certificate_authority, settings):
    settings.BID_DECRYPTION_QUEUE = f"decrypt-{uuid.uuid4().hex[:8]}"
    settings.BID_DECRYPTION_LEASE_SECONDS = LEASE_SECONDS
    story = build_opening(
        certificate_authority, bidders=1, contents=(os.urandom(MIB) * (BID_SIZE // MIB),)
    )
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    return story


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_killed_mid_job_gets_its_job_back_from_the_queue(
    opening_with_a_large_bid, settings, tmp_path
):
    story = opening_with_a_large_bid
    log = tmp_path / "worker.log"
    worker = start_worker(
        settings, settings.BID_DECRYPTION_QUEUE, log, pool="prefork", lease_seconds=LEASE_SECONDS
    )
    try:
        started = time.monotonic()
        assert story.bidders[0].hand_over_key(story.tender_id).status_code == 202
        decryption = BidDecryption.objects.get()
        wait_for(lambda: decrypting_half_way(decryption), timeout=120, what="the job to start")
        os.kill(pool_process(worker), signal.SIGKILL)
        # No sweep: the message itself comes back (reject_on_worker_lost), to the pool process
        # the worker starts in place of the dead one.
        wait_for(lambda: decrypted(decryption), timeout=60, what="the redelivered job")
        elapsed = time.monotonic() - started
    finally:
        stop_workers(worker)

    text = log.read_text()
    assert "WorkerLostError" in text, text[-3000:]
    assert_decrypted_once(decryption, story.bidders[0].price_fen, runs=2)
    print(f"killed mid-job, redelivered and decrypted in {elapsed:.1f} s")


@pytest.mark.django_db(transaction=True)
def test_a_worker_paused_mid_job_is_replaced_and_its_late_result_recorded_nowhere(
    opening_with_a_large_bid, settings, tmp_path
):
    story = opening_with_a_large_bid
    queue = settings.BID_DECRYPTION_QUEUE
    paused = start_worker(settings, queue, tmp_path / "paused.log", lease_seconds=LEASE_SECONDS)
    second = None
    try:
        started = time.monotonic()
        assert story.bidders[0].hand_over_key(story.tender_id).status_code == 202
        decryption = BidDecryption.objects.get()
        wait_for(lambda: decrypting_half_way(decryption), timeout=120, what="the job to start")
        paused.send_signal(signal.SIGSTOP)
        decryption.refresh_from_db()
        bytes_when_paused = decryption.bytes_done

        second = start_worker(settings, queue, tmp_path / "second.log", lease_seconds=LEASE_SECONDS)
        time.sleep(LEASE_SECONDS + 0.5)  # the paused run's lease lapses
        opening_sweep_due()  # the chronograph's tick hands the job over
        wait_for(lambda: decrypted(decryption), timeout=120, what="the second worker")
        paused.send_signal(signal.SIGCONT)
        # The resumed run finishes its pass; its progress and its result find the job taken.
        wait_for(
            lambda: "already_recorded" in (tmp_path / "paused.log").read_text(),
            timeout=120,
            what="the resumed run to end",
        )
        elapsed = time.monotonic() - started
    finally:
        stop_workers(paused, second)

    assert 0 < bytes_when_paused < decryption.bytes_total
    assert_decrypted_once(decryption, story.bidders[0].price_fen, runs=2)
    print(f"paused at {bytes_when_paused / MIB:.1f} MiB; replaced and ended in {elapsed:.1f} s")
