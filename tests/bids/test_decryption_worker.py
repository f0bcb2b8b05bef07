"""The decryption job in a real Celery worker, killed in the middle of a bid: the chronograph
hands the job to another worker, which completes it — one result, no duplicate rows or events."""

import os
import signal
import time
import uuid

import pytest

from bids.models import BidDecryption, BidState, DecryptionState
from bids.opening.sweep import opening_sweep_due
from monitoring.chain import find_broken_link
from monitoring.models import Event
from tests.bids.opening import build_opening
from tests.workers import start_worker, stop_workers, wait_for

BID_SIZE = 256 * 1024 * 1024  # large enough to catch the worker half-way
LEASE_SECONDS = 2


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_decryption_is_replaced_and_the_bid_decrypted_once(
    bid_settings,
    certificate_authority,
    settings,
    tmp_path,
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
    first = start_worker(settings, queue, tmp_path / "first.log", lease_seconds=LEASE_SECONDS)
    second = None
    try:
        assert story.bidders[0].hand_over_key(story.tender_id).status_code == 202
        decryption = BidDecryption.objects.get()
        wait_for(
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

        second = start_worker(settings, queue, tmp_path / "second.log", lease_seconds=LEASE_SECONDS)
        time.sleep(LEASE_SECONDS + 0.5)  # the dead worker's lease lapses
        opening_sweep_due()  # the chronograph's tick hands the job over
        wait_for(
            lambda: BidDecryption.objects.filter(
                pk=decryption.pk, state=DecryptionState.DECRYPTED
            ).exists(),
            timeout=180,
            what="the second worker to finish",
        )
    finally:
        stop_workers(first, second)

    decryption.refresh_from_db()
    assert decryption.job_runs == 2
    assert decryption.bytes_done == decryption.bytes_total
    assert decryption.bid.state == BidState.DECRYPTED
    assert decryption.price_sheet["total_price_fen"] == story.bidders[0].price_fen
    assert BidDecryption.objects.count() == 1
    assert Event.objects.filter(action="bid_decryption.decrypted").count() == 1
    assert Event.objects.filter(action="bid.decrypted").count() == 1
    assert find_broken_link()[1] is None
