"""Fault injection: the S3 server is killed (SIGKILL) while a bid part is being relayed to it,
and at each S3 call of a finalise: before the multipart upload's completion reaches it, after
it completed the object but before its answer came back, and while the stored front is read
back for verification.

Each time the bidder is told to retry (503 `storage_unavailable`, `retryable`), no bid,
receipt or event exists, the upload stays open and resumable; once the server is back, one
finalise records exactly one bid, one receipt, one `bid.submitted` event, and a repeated
finalise answers the same receipt.
"""

import os
import time

import pytest

from bids.models import Bid, BidUpload, Receipt, UploadState
from monitoring.chain import find_broken_link
from monitoring.models import Event
from storage.embedded import EmbeddedS3Server, free_port
from storage.objects import get_storage
from tests.bids.conftest import BidClient, ciphertext_digest, seal
from tests.hardening.faults import Cut, CuttingRelay

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def s3_behind_a_relay(tmp_path_factory):
    """An S3 server of this module's own (the run's shared one is never killed), reached
    through a relay that can kill it mid-request."""
    server = EmbeddedS3Server(
        data_dir=tmp_path_factory.mktemp("s3-faults"),
        access_key="fault-access-key",
        secret_key="fault-secret-key-for-the-module",
        s3_port=free_port(),
    )
    server.start()
    relay = CuttingRelay(server)
    yield server, relay
    relay.close()
    server.stop()


@pytest.fixture
def relay(s3_behind_a_relay, bid_settings):
    server, relay = s3_behind_a_relay
    if server.process is None:
        server.start()
    bid_settings.S3_ENDPOINT = relay.endpoint
    bid_settings.S3_ACCESS_KEY = server.access_key
    bid_settings.S3_SECRET_KEY = server.secret_key
    get_storage.cache_clear()
    get_storage().ensure_buckets()
    yield relay
    relay.cut = None
    get_storage.cache_clear()


def _restart(relay: CuttingRelay) -> float:
    started = time.monotonic()
    relay.server.start()
    return time.monotonic() - started


def _retried(call, *arguments, **headers):
    """What bidtool does with a retryable answer: send the same request again after a pause.
    A restarted SeaweedFS answers before its volume server is back: a few more 503s."""
    retries = 0
    while True:
        response = call(*arguments, **headers)
        if response.status_code != 503 or retries == 40:
            return response, retries
        assert response.json()["retryable"] is True
        retries += 1
        time.sleep(0.25)


def _nothing_recorded() -> None:
    assert not Bid.objects.exists()
    assert not Receipt.objects.exists()
    assert not Event.objects.filter(action__in=["bid.submitted", "bid_upload.completed"]).exists()
    assert BidUpload.objects.get().state == UploadState.UPLOADING


def _recorded_once(sealed: bytes, done, again) -> None:
    assert done.status_code == 201, done.json()
    assert again.status_code == 200, again.json()
    assert again.json()["receipt"] == done.json()["receipt"]
    assert done.json()["receipt"]["ciphertext_sha256"] == ciphertext_digest(sealed)
    assert Bid.objects.count() == 1
    assert Receipt.objects.count() == 1
    assert Event.objects.filter(action="bid.submitted").count() == 1
    assert BidUpload.objects.get().state == UploadState.COMPLETE
    assert find_broken_link()[1] is None


def _assert_retryable(response) -> None:
    assert response.status_code == 503, response.content
    assert response.json()["error"] == "storage_unavailable"
    assert response.json()["retryable"] is True


@pytest.mark.django_db
def test_the_s3_server_killed_while_a_part_is_relayed(
    tender, bidder_client, bidder_credential, relay
):
    sealed = seal(bidder_credential, tender.pk, contents=[os.urandom(12 * MIB)])
    bids = BidClient(bidder_client)
    upload = bids.open(tender.pk, len(sealed)).json()
    size = upload["part_size"]
    assert bids.put_part(upload["id"], 1, sealed[:size]).status_code == 200

    # Killed with 2 MiB of part 2's 5 MiB on the wire.
    cut = relay.arm(Cut((b"PUT ", b"partNumber=2"), after_bytes=2 * MIB))
    during = bids.put_part(upload["id"], 2, sealed[size : 2 * size])
    assert cut.fired.wait(timeout=10)
    _assert_retryable(during)
    assert "nothing was lost" in during.json()["message"]
    assert bids.status(upload["id"]).json()["missing_parts"] == [2, 3]
    assert bids.finalise(upload["id"]).json()["error"] == "upload_incomplete"
    _nothing_recorded()

    restart_seconds = _restart(relay)
    retries = 0
    for number in (2, 3):
        part = sealed[(number - 1) * size : number * size]
        response, retried = _retried(bids.put_part, upload["id"], number, part)
        assert response.status_code == 200, response.json()
        retries += retried
    _recorded_once(sealed, bids.finalise(upload["id"]), bids.finalise(upload["id"]))
    print(f"S3 server back in {restart_seconds:.1f} s; {retries} retries after the restart")


FINALISE_CUTS = {
    # The completion never reaches the server.
    "before the completion": Cut((b"POST ", b"uploadId="), after_bytes=0),
    # The server assembled the object; its answer dies with it.
    "after the completion, its answer lost": Cut((b"POST ", b"uploadId="), answered=True),
    # The object assembled and acknowledged; reading its front back for verification fails.
    "at the read-back of the front": Cut((b"GET ", b"/platform-bids/"), after_bytes=0),
}


@pytest.mark.parametrize("moment", list(FINALISE_CUTS))
@pytest.mark.django_db
def test_the_s3_server_killed_during_a_finalise(
    tender, bidder_client, bidder_credential, relay, moment
):
    sealed = seal(bidder_credential, tender.pk, contents=[os.urandom(7 * MIB)])
    bids = BidClient(bidder_client)
    upload = bids.upload(tender.pk, sealed)
    assert bids.status(upload["id"]).json()["missing_parts"] == []

    template = FINALISE_CUTS[moment]
    cut = relay.arm(Cut(template.markers, template.after_bytes, template.answered))
    during = bids.finalise(upload["id"], **{"Idempotency-Key": f"bid-{upload['id']}"})
    assert cut.fired.wait(timeout=10), relay.requests[-5:]
    _assert_retryable(during)
    _nothing_recorded()
    assert bids.status(upload["id"]).json()["missing_parts"] == []

    restart_seconds = _restart(relay)
    done, retries = _retried(
        bids.finalise, upload["id"], **{"Idempotency-Key": f"bid-{upload['id']}"}
    )
    _recorded_once(sealed, done, bids.finalise(upload["id"]))
    print(f"{moment}: S3 server back in {restart_seconds:.1f} s; {retries} retries after it")
