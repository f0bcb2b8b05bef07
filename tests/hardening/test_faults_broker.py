"""Fault injection: the broker (Redis protocol: the embedded Valkey, durable as `make run` keeps
it) restarted during an opening — with a decryption job queued and no worker yet, and again
between two bidders' decryptions, a key handed over while it is down.

Redis carries only Celery's messages here (no cache, sessions or locks live in it; the hall's
live parts poll the database). The test starts a throw-away broker of its own on a free port:
the shared Redis of the machine is never touched.

Expect: the queued job survives the restart; the key handed over while the broker is down is
accepted (202), and the chronograph's sweep queues its job once the broker is back; the worker
reconnects by itself; every bid is decrypted once and the record is finalised once.
"""

import time
import uuid

import pytest

from bids.models import BidDecryption, DecryptionState
from bids.opening.sweep import opening_sweep_due
from config.celery import app
from config.embedded import EmbeddedBroker
from monitoring.chain import find_broken_link
from monitoring.models import Event
from storage.embedded import free_port
from tests.bids.opening import build_opening
from tests.workers import start_worker, stop_workers, wait_for
from trading.models import Notice, NoticeKind, TenderState

LEASE_SECONDS = 2


@pytest.fixture
def own_broker(tmp_path, settings, monkeypatch):
    """A Valkey server for this test alone; the app and its workers pointed at it."""
    broker = EmbeddedBroker(data_dir=tmp_path / "broker", port=free_port(), durable=True)
    broker.start()
    before = (app.conf.broker_url, app.conf.result_backend)
    url = broker.url(0)
    settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = url
    monkeypatch.setenv("CELERY_BROKER_URL", url)  # Celery reads it before its own setting
    point_app_at(url, url)
    yield broker
    point_app_at(*before)
    broker.stop()


def point_app_at(broker_url: str, result_backend: str) -> None:
    """Send the app's messages to another broker. Its connection pool and the producer pool
    its AMQP part caches are both built for the first broker they served (app.close() drops
    the first only), so both are dropped: otherwise the next test's jobs would still be
    queued on this test's broker, stopped by then."""
    app.close()
    app.amqp._producer_pool = None
    app.conf.broker_url, app.conf.result_backend = broker_url, result_backend


def own_broker_queue_length(broker: EmbeddedBroker, queue: str) -> int:
    import redis

    return redis.Redis(host=broker.host, port=broker.port, db=0).llen(queue)


def _restart(broker: EmbeddedBroker) -> float:
    started = time.monotonic()
    broker.stop()  # SIGTERM: Valkey writes its append-only file out, as on a restart
    broker.start()
    return time.monotonic() - started


def _decrypted(story) -> int:
    return BidDecryption.objects.filter(
        session__tender=story.tender, state=DecryptionState.DECRYPTED
    ).count()


@pytest.mark.django_db(transaction=True)
def test_the_broker_restarted_during_an_opening(
    bid_settings, certificate_authority, settings, own_broker, tmp_path
):
    settings.BID_DECRYPTION_QUEUE = f"decrypt-{uuid.uuid4().hex[:8]}"
    settings.BID_DECRYPTION_LEASE_SECONDS = LEASE_SECONDS
    story = build_opening(certificate_authority, bidders=3)
    story.reach_deadline()
    assert story.host_post("start").status_code == 200
    first, second, third = story.bidders
    worker = None
    try:
        # A job queued, no worker yet: the broker restarts with it on the queue.
        assert first.hand_over_key(story.tender_id).status_code == 202
        assert own_broker_queue_length(own_broker, settings.BID_DECRYPTION_QUEUE) == 1
        queued_restart = _restart(own_broker)
        assert own_broker_queue_length(own_broker, settings.BID_DECRYPTION_QUEUE) == 1
        worker = start_worker(
            settings,
            settings.BID_DECRYPTION_QUEUE,
            tmp_path / "worker.log",
            lease_seconds=LEASE_SECONDS,
        )
        wait_for(lambda: _decrypted(story) == 1, timeout=90, what="the queued job")

        # Between two bidders' decryptions the broker goes down; a key arrives meanwhile.
        own_broker.stop()
        started = time.monotonic()
        during = second.hand_over_key(story.tender_id)
        hand_over_seconds = time.monotonic() - started
        assert during.status_code == 202, during.json()
        own_broker.start()
        time.sleep(LEASE_SECONDS + 0.5)
        opening_sweep_due()  # the chronograph's next tick queues the job nobody holds
        wait_for(lambda: _decrypted(story) == 2, timeout=90, what="the job queued by the sweep")

        # The worker reconnected by itself: the next key is decrypted as usual.
        assert third.hand_over_key(story.tender_id).status_code == 202
        wait_for(lambda: _decrypted(story) == 3, timeout=90, what="the last job")
    finally:
        stop_workers(worker)

    hall = first.hall(story.tender_id)
    assert hall["session"]["state"] == "reading"
    assert [row["total_price_fen"] for row in hall["bidders"]] == [
        bidder.price_fen for bidder in story.bidders
    ]
    for bidder in story.bidders:
        assert bidder.post(story.tender_id, "confirm").status_code == 200
    finalised = story.host_post("finalise")
    assert finalised.status_code == 200, finalised.json()
    assert finalised.json()["outcome"] == "opened"
    assert story.host_post("finalise").status_code == 409  # once

    assert story.refresh().state == TenderState.OPENED
    assert Event.objects.filter(action="bid_decryption.decrypted").count() == 3
    assert Event.objects.filter(action="bid.decrypted").count() == 3
    assert Event.objects.filter(action="opening.record_finalised").count() == 1
    assert Notice.objects.filter(tender=story.tender, kind=NoticeKind.OPENING_RECORD).count() == 1
    assert find_broken_link()[1] is None
    print(
        f"broker restarted in {queued_restart:.1f} s with a job queued; a key handed over "
        f"while it was down answered in {hand_over_seconds:.1f} s"
    )
