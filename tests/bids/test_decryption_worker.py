"""The decryption job in a real Celery worker, killed in the middle of a bid: the chronograph
hands the job to another worker, which completes it — one result, no duplicate rows or events."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from bids.models import BidDecryption, BidState, DecryptionState
from bids.opening.sweep import opening_sweep_due
from monitoring.chain import find_broken_link
from monitoring.models import Event
from tests.bids.opening import build_opening
from tests.certificates import CA_PASSPHRASE
from tests.parts import shared_database_url

BID_SIZE = 256 * 1024 * 1024  # large enough to catch the worker half-way
LEASE_SECONDS = 2


def _start_worker(settings, queue: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": shared_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
        "S3_ENDPOINT": settings.S3_ENDPOINT,
        "S3_ACCESS_KEY": settings.S3_ACCESS_KEY,
        "S3_SECRET_KEY": settings.S3_SECRET_KEY,
        "SIGNING_CA_DIR": str(settings.SIGNING_CA_DIR),
        "SIGNING_CA_PASSPHRASE": CA_PASSPHRASE.decode(),
        "BID_DECRYPTION_LEASE_SECONDS": str(LEASE_SECONDS),
        "BID_DECRYPTION_PROGRESS_MILLISECONDS": "50",  # so that it is caught half-way
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "--loglevel",
            "INFO",
            "--without-mingle",
            "--without-gossip",
        ],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_decryption_is_replaced_and_the_bid_decrypted_once(
    bid_settings,
    certificate_authority,
    settings,
):
    queue = f"decrypt-{uuid.uuid4().hex[:8]}"
    settings.BID_DECRYPTION_QUEUE = queue
    settings.BID_DECRYPTION_LEASE_SECONDS = LEASE_SECONDS
    story = build_opening(
        certificate_authority,
        bidders=1,
        contents=(os.urandom(1024 * 1024) * (BID_SIZE // (1024 * 1024)),),
    )
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    first = _start_worker(settings, queue)
    second = None
    try:
        assert story.bidders[0].hand_over_key(story.tender_id).status_code == 202
        decryption = BidDecryption.objects.get()
        _wait_for(
            lambda: BidDecryption.objects.filter(
                pk=decryption.pk, bytes_done__gt=0, state=DecryptionState.DECRYPTING
            ).exists(),
            timeout=120,
            what="the first worker to start decrypting",
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        decryption.refresh_from_db()
        assert decryption.state == DecryptionState.DECRYPTING  # killed half-way
        assert 0 < decryption.bytes_done < decryption.bytes_total

        second = _start_worker(settings, queue)
        time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's lease lapses
        opening_sweep_due()  # the chronograph's tick hands the job over
        _wait_for(
            lambda: BidDecryption.objects.filter(
                pk=decryption.pk, state=DecryptionState.DECRYPTED
            ).exists(),
            timeout=180,
            what="the second worker to finish",
        )
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.communicate(timeout=30)

    decryption.refresh_from_db()
    assert decryption.job_runs == 2
    assert decryption.bytes_done == decryption.bytes_total
    assert decryption.bid.state == BidState.DECRYPTED
    assert decryption.price_sheet["total_price_fen"] == story.bidders[0].price_fen
    assert BidDecryption.objects.count() == 1
    assert Event.objects.filter(action="bid_decryption.decrypted").count() == 1
    assert Event.objects.filter(action="bid.decrypted").count() == 1
    assert find_broken_link()[1] is None
