"""Supervisors see where each upload came from; unfinished uploads are swept away."""

import datetime as dt

import pytest

from accounts.models import Role
from bids.models import Bid, BidUpload, UploadState
from bids.tasks import bid_uploads_expire
from monitoring.models import Event
from storage.objects import ObjectNotFound, get_storage
from tests.bids.conftest import BidClient, seal
from tests.factories import MembershipFactory


@pytest.mark.django_db
def test_a_supervisor_sees_the_evidence_other_bidders_and_the_tenderee_do_not(
    tender, bidder_client, other_bidder_client, bidder_credential, client
):
    BidClient(bidder_client).submit(tender.pk, seal(bidder_credential, tender.pk))
    url = f"/api/v1/tenders/{tender.pk}/bid-evidence"
    supervisor = MembershipFactory(role=Role.SUPERVISOR, organisation=None).user
    tenderee = MembershipFactory(role=Role.TENDEREE, organisation=tender.project.tenderee).user

    client.force_login(supervisor)
    seen = client.get(url)
    client.force_login(tenderee)
    by_tenderee = client.get(url)
    by_other_bidder = other_bidder_client.get(url)

    assert seen.status_code == 200
    [row] = seen.json()["uploads"]
    bid = Bid.objects.get()
    assert row == {
        "upload": str(bid.upload_id),
        "bidder_uscc": bid.bidder.uscc,
        "bidder": bid.bidder.name,
        "user": "bidder-zhang",
        "state": "complete",
        "bid": str(bid.pk),
        "bid_state": "submitted",
        "client_ip": "10.1.2.3",
        "user_agent": "bidtool/1.0 (Test OS)",
        "device_fingerprint": {"installation_id": "00000000-0000-4000-8000-000000000001"},
        "created_at": bid.upload.created_at.isoformat(),
        "error": None,
    }
    assert by_tenderee.status_code == 403
    assert by_other_bidder.status_code == 403
    assert "10.1.2.3" not in by_tenderee.content.decode()


@pytest.mark.django_db
def test_unfinished_uploads_are_aborted_after_the_configured_age(
    tender, bidder_client, bidder_credential, bid_settings
):
    bid_settings.BID_UPLOAD_MAX_AGE_HOURS = 24
    sealed = seal(bidder_credential, tender.pk, contents=[bytes(range(256)) * 25_000])
    bids = BidClient(bidder_client)
    stale = bids.open(tender.pk, len(sealed)).json()
    assert bids.put_part(stale["id"], 1, sealed[: stale["part_size"]]).status_code == 200
    fresh = bids.open(tender.pk, len(sealed)).json()
    BidUpload.objects.filter(pk=stale["id"]).update(
        created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
    )
    row = BidUpload.objects.get(pk=stale["id"])

    assert bid_uploads_expire() == 1
    assert bid_uploads_expire() == 0  # safe to run twice

    row.refresh_from_db()
    assert (row.state, row.refusal_code) == (UploadState.ABORTED, "upload_expired")
    assert get_storage().multipart_list_incomplete(bucket=row.bucket, prefix=row.object_key) == []
    with pytest.raises(ObjectNotFound):
        get_storage().stat(bucket=row.bucket, key=row.object_key)
    assert BidUpload.objects.get(pk=fresh["id"]).state == UploadState.UPLOADING
    expired = Event.objects.select_related("sealed_identity").get(
        action="bid_upload.expired", object_id=stale["id"], to_state="aborted"
    )
    # The platform acted, but the event still names neither tender nor bidder (办法 第21条).
    assert set(expired.payload) == {"created_at", "sealed_identity_sha256"}
    assert (expired.sealed_identity.tender_id, expired.sealed_identity.fields) == (
        str(row.tender_id),
        {"bidder_uscc": row.bidder.uscc},
    )
    late = bids.put_part(stale["id"], 2, sealed[stale["part_size"] :])
    assert late.status_code == 409
    assert late.json()["error"] == "upload_not_open"
    assert not Bid.objects.exists()


@pytest.mark.django_db
def test_the_bidder_workspace_lists_only_my_bids_with_receipts(
    tender, bidder_client, other_bidder_client, bidder_credential, bidder
):
    submitted = BidClient(bidder_client).submit(tender.pk, seal(bidder_credential, tender.pk))
    bid_id = submitted.json()["bid"]["id"]

    mine = bidder_client.get("/bids/")
    theirs = other_bidder_client.get("/bids/")
    download = bidder_client.get(f"/bids/{bid_id}/receipt/submission.json")

    assert mine.status_code == 200
    assert [str(bid.pk) for bid in mine.context["bids"]] == [bid_id]
    assert f"/bids/{bid_id}/receipt/submission.json" in mine.content.decode()
    assert theirs.context["bids"] == []
    assert download.json()["receipt"] == submitted.json()["receipt"]
    assert other_bidder_client.get(f"/bids/{bid_id}/receipt/submission.json").status_code == 404
