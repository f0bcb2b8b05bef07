"""100 bidders finalising at once across the deadline instant, on PostgreSQL.

The deadline is enforced under the tender's row lock against the database clock: every
accepted bid was received before the deadline, every refused one got a clear error, none lost.
"""

import base64
import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from accounts.uscc import make_uscc
from bids.models import Bid, BidUpload, UploadState
from monitoring.chain import find_broken_link
from signing.canonical import canonical_json
from signing.cms import verify_detached
from signing.conf import platform_trust_store
from tests.bids.conftest import BidClient, certificate_login, make_bidder, seal
from trading.models import Tender

BIDDERS = 100


def free_connections() -> int:
    """How many more PostgreSQL connections this run may open (max_connections is shared with
    whatever else uses the server), keeping a margin for the test itself."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int, count(*) "
                       "FROM pg_stat_activity")
        limit, in_use = cursor.fetchone()
    return limit - in_use - 10


@pytest.mark.django_db(transaction=True)
def test_a_hundred_bidders_finalising_across_the_deadline_instant(
    tender, certificate_authority, bid_settings
):
    clients, uploads = [], []
    for number in range(BIDDERS):
        uscc = make_uscc(authority="9", organisation_type="1", division="310000",
                         body=f"RC{number:06d}")
        credential = certificate_authority.issue_organisation(
            name=f"竞速投标人{number:03d}", uscc=uscc, key_type="ec-p256"
        )
        make_bidder(credential, name=f"竞速投标人{number:03d}", uscc=uscc,
                    username=f"race-{number:03d}")
        client = Client(REMOTE_ADDR=f"10.9.{number // 250}.{number % 250 + 1}",
                        HTTP_ACCEPT_LANGUAGE="en")
        certificate_login(client, credential)
        clients.append(client)
        uploads.append(BidClient(client).upload(tender.pk, seal(credential, tender.pk)))
    connection.close()

    start = time.monotonic() + 0.5
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=0.5 + 4.0)
    Tender.objects.filter(pk=tender.pk).update(bid_deadline=deadline)
    deadline = Tender.objects.get(pk=tender.pk).bid_deadline
    # Each request in flight holds a connection: as many at once as the server allows, up to all.
    workers = max(8, min(BIDDERS, free_connections()))
    connection.close()
    results: dict[int, tuple[int, dict]] = {}
    lock = threading.Lock()

    def finalise(number: int) -> None:
        try:
            # Spread the finalises over 5 s, so that they straddle the deadline at 4 s.
            time.sleep(max(0.0, start + number * 0.05 - time.monotonic()))
            response = BidClient(clients[number]).finalise(uploads[number]["id"])
            with lock:
                results[number] = (response.status_code, response.json())
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(finalise, range(BIDDERS)))

    assert len(results) == BIDDERS
    statuses = sorted({status for status, _ in results.values()})
    assert set(statuses) <= {201, 409}, statuses  # and so never a 500
    accepted = {n: body for n, (status, body) in results.items() if status == 201}
    refused = {n: body for n, (status, body) in results.items() if status == 409}
    assert accepted and refused, (len(accepted), len(refused))
    trust = platform_trust_store()
    for body in accepted.values():
        received_at = dt.datetime.fromisoformat(body["receipt"]["received_at"])
        assert received_at < deadline
        verify_detached(base64.b64decode(body["signature"]),
                        canonical_json(body["receipt"]), trust=trust)
    for body in refused.values():
        assert body["error"] == "deadline_passed"
        assert "has passed" in body["message"]
    # None lost: every receipt is a submitted bid, numbered 1..n in the order received.
    bids = list(Bid.objects.filter(tender=tender).order_by("sequence"))
    assert sorted(str(bid.pk) for bid in bids) == sorted(
        body["bid"]["id"] for body in accepted.values())
    assert [bid.sequence for bid in bids] == list(range(1, len(accepted) + 1))
    assert [bid.received_at for bid in bids] == sorted(bid.received_at for bid in bids)
    assert all(bid.received_at < deadline for bid in bids)
    assert BidUpload.objects.filter(state=UploadState.ABORTED,
                                    refusal_code="deadline_passed").count() == len(refused)
    assert find_broken_link()[1] is None
    print(f"accepted {len(accepted)}, refused {len(refused)}, {workers} in flight at most")
