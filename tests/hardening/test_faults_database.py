"""Fault injection: the database connection serving a finalise is cut in the middle of its
transaction (pg_terminate_backend, what a database restart or a failover does to it).

The finalise waits, half-written, on a real lock the test holds: the receipts table, locked by
another session, so the finalise has already completed the upload, recorded its event and
inserted the bid when it blocks on the receipt's insert. Then its backend is terminated. The
bidder is told to retry (503, `retryable`), nothing of the transaction is left, and the retry
— on the same web thread, whose connection must recover — records the bid exactly once.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection

from bids.models import Bid, BidUpload, Receipt, UploadState
from monitoring.chain import find_broken_link
from monitoring.models import Event
from tests.bids.conftest import BidClient, seal
from tests.database_roles import as_database_owner


def _wait_for(condition, *, what: str, timeout: float = 20.0):
    limit = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > limit:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _backend_waiting_to_insert_a_receipt() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            [f'INSERT INTO "{Receipt._meta.db_table}"%'],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _terminate(pid: int) -> None:
    # The web threads connect as the owner and then assume the application's role; only the
    # owner may end such a backend.
    with as_database_owner() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone()[0] is True


def _served(call, *arguments):
    """One request as a WSGI server serves it. Django's test client unhooks
    `close_old_connections` from request_started/finished (so that a test's transaction
    survives its requests); a web thread runs it around every request, and it is what drops a
    broken connection (and, with CONN_HEALTH_CHECKS, checks a kept one before reuse)."""
    close_old_connections()
    try:
        return call(*arguments)
    finally:
        close_old_connections()


def _backend_of(web_thread: ThreadPoolExecutor) -> int:
    def pid() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    return web_thread.submit(pid).result()


@pytest.mark.django_db(transaction=True)
def test_a_finalise_whose_database_connection_is_cut_is_retryable_and_recorded_once(
    tender,
    bidder_client,
    bidder_credential,
    settings,
):
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 60  # kept between requests, as deployed
    bids = BidClient(bidder_client)
    upload = bids.upload(tender.pk, seal(bidder_credential, tender.pk))
    connection.close()
    receipts_locked, release = threading.Event(), threading.Event()

    def hold_the_receipts_table() -> None:
        try:
            with as_database_owner() as cursor:
                cursor.execute(f'LOCK TABLE "{Receipt._meta.db_table}" IN SHARE MODE')
                receipts_locked.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_receipts_table)
    holder.start()
    # One web thread serves every request of the story, as a gunicorn thread would: its
    # connection is the one cut, and the one that must serve the retry.
    web_thread = ThreadPoolExecutor(max_workers=1)
    try:
        assert receipts_locked.wait(timeout=10)
        started = time.monotonic()
        cut = web_thread.submit(_served, bids.finalise, upload["id"])
        pid = _wait_for(_backend_waiting_to_insert_a_receipt, what="the finalise to wait")
        # Inside the transaction: the upload completed, its event and the bid written.
        _terminate(pid)
        during = cut.result(timeout=30)
        cut_seconds = time.monotonic() - started
        release.set()
        holder.join(timeout=30)

        assert during.status_code == 503, during.content
        assert during.json()["error"] == "database_unavailable"
        assert during.json()["retryable"] is True
        assert "Retry it in a moment" in during.json()["message"]
        # Nothing half-written: no bid, no receipt, no event of the finalise; the upload open.
        assert not Bid.objects.exists()
        assert not Receipt.objects.exists()
        assert not Event.objects.filter(
            action__in=["bid.submitted", "bid_upload.completed"]
        ).exists()
        assert BidUpload.objects.get().state == UploadState.UPLOADING
        assert bids.status(upload["id"]).json()["missing_parts"] == []

        retry = web_thread.submit(_served, bids.finalise, upload["id"]).result(timeout=30)
        assert retry.status_code == 201, retry.json()

        # Between requests the thread's idle connection is cut too: checked before reuse
        # (CONN_HEALTH_CHECKS), the next request gets a fresh one.
        _terminate(_backend_of(web_thread))
        repeat = web_thread.submit(_served, bids.finalise, upload["id"]).result(timeout=30)
        assert repeat.status_code == 200, repeat.json()
        assert repeat.json()["receipt"] == retry.json()["receipt"]
    finally:
        release.set()
        web_thread.submit(lambda: connection.close()).result(timeout=30)
        web_thread.shutdown()
        holder.join(timeout=30)

    bid = Bid.objects.get()
    assert str(bid.pk) == retry.json()["bid"]["id"]
    assert Receipt.objects.filter(bid=bid).count() == 1
    assert Event.objects.filter(action="bid.submitted").count() == 1
    assert Event.objects.filter(action="bid_upload.completed").count() == 1
    assert BidUpload.objects.get().state == UploadState.COMPLETE
    assert find_broken_link()[1] is None
    print(f"finalise cut after {cut_seconds:.2f} s; retried once, repeated once")
