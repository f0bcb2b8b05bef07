"""Abuse limits of sealed bid uploads (docs/hardening.md): a bidder holds a bounded number of
unfinished uploads, and sends a bounded number of bytes of parts per window; past either it is
refused with 429, the time to retry and nothing stored."""

import os

import pytest

from bids.models import BidUpload, BidUploadPart, UploadState
from storage.objects import MINIMUM_PART_SIZE
from tests.bids.conftest import BidClient, seal


@pytest.mark.django_db
def test_a_bidder_holds_a_bounded_number_of_open_uploads(
    tender, bidder_client, settings, object_storage
):
    settings.BID_UPLOADS_OPEN_PER_BIDDER = 2
    bids = BidClient(bidder_client)
    first, second = (bids.open(tender.pk, 4096).json() for _ in range(2))

    refused = bids.open(tender.pk, 4096)

    oldest = BidUpload.objects.get(pk=first["id"])
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "uploads_too_many"
    assert body["retryable"] is True
    assert body["message"].startswith(
        "This bidder has 2 unfinished uploads open, the most it may: finish one"
    )
    assert 23 * 3600 < int(refused["Retry-After"]) <= 24 * 3600
    assert BidUpload.objects.count() == 2
    # Nothing was left in the S3 server for the refused one: its multipart upload was aborted.
    incomplete = object_storage.multipart_list_incomplete(
        bucket=oldest.bucket, prefix=f"tenders/{tender.pk}/"
    )
    assert len(incomplete) == 2
    # An upload that ends frees its place.
    BidUpload.objects.filter(pk=second["id"]).update(state=UploadState.ABORTED)
    assert bids.open(tender.pk, 4096).status_code == 201


@pytest.mark.django_db
def test_a_bidder_sending_parts_past_its_budget_waits_for_the_next_window(
    tender, bidder_client, bidder_credential, settings
):
    settings.BID_UPLOAD_BYTES_PER_WINDOW = MINIMUM_PART_SIZE  # one part a minute
    settings.BID_UPLOAD_WINDOW_SECONDS = 60
    sealed = seal(bidder_credential, tender.pk, contents=(os.urandom(MINIMUM_PART_SIZE),))
    bids = BidClient(bidder_client)
    upload = bids.open(tender.pk, len(sealed)).json()
    assert upload["part_count"] == 2
    assert bids.put_part(upload["id"], 1, sealed[:MINIMUM_PART_SIZE]).status_code == 200

    refused = bids.put_part(upload["id"], 2, sealed[MINIMUM_PART_SIZE:])

    assert refused.status_code == 429
    assert refused.json()["error"] == "upload_rate_exceeded"
    assert refused.json()["message"].startswith(
        f"This bidder sent more than {MINIMUM_PART_SIZE} bytes of parts within 60 seconds, the "
        "most it may: send part 2 again after "
    )
    assert 0 < int(refused["Retry-After"]) <= 60
    assert list(BidUploadPart.objects.values_list("number", flat=True)) == [1]

    settings.PLATFORM_CLOCK_OFFSET_SECONDS += 60  # the next window, on the database clock
    assert bids.put_part(upload["id"], 2, sealed[MINIMUM_PART_SIZE:]).status_code == 200
    assert bids.finalise(upload["id"]).status_code == 201
