"""The S3 server stops in the middle of an upload: a clear retryable error, no half bid, and
the upload resumes once the server is back."""

import pytest

from bids.models import Bid, BidUpload, UploadState
from tests.bids.conftest import BidClient, seal


@pytest.mark.django_db
def test_an_upload_interrupted_by_a_storage_outage_resumes_when_storage_is_back(
    tender, bidder_client, bidder_credential, s3_server
):
    sealed = seal(bidder_credential, tender.pk, contents=[bytes(range(256)) * 45_000])
    bids = BidClient(bidder_client)
    upload = bids.open(tender.pk, len(sealed)).json()
    size = upload["part_size"]
    assert bids.put_part(upload["id"], 1, sealed[:size]).status_code == 200

    s3_server.stop()
    try:
        during = bids.put_part(upload["id"], 2, sealed[size : 2 * size])
        finalise_during = bids.finalise(upload["id"])
    finally:
        s3_server.start()

    assert during.status_code == 503
    assert during.json()["error"] == "storage_unavailable"
    assert during.json()["retryable"] is True
    assert "Retry in a moment" in during.json()["message"]
    assert finalise_during.status_code == 409  # parts are missing: nothing half-made
    assert not Bid.objects.exists()
    assert BidUpload.objects.get().state == UploadState.UPLOADING
    assert bids.status(upload["id"]).json()["missing_parts"] == [2, 3]

    for number in (2, 3):
        response = bids.put_part(upload["id"], number, sealed[(number - 1) * size : number * size])
        assert response.status_code == 200, response.json()
    done = bids.finalise(upload["id"])

    assert done.status_code == 201, done.json()
    assert done.json()["receipt"]["size"] == len(sealed)
