"""Every bad input is refused with a clear error, its bytes discarded, nothing submitted."""

import datetime as dt
import os

import pytest

from bids.models import Bid, BidUpload, UploadState
from monitoring.models import Event
from storage.objects import ObjectNotFound, get_storage
from tests.bids.conftest import BidClient, seal
from tests.factories import MembershipFactory, TenderFactory
from trading.models import Tender


def assert_discarded(error: str) -> None:
    """Nothing counts as a bid; the upload is aborted with its reason; no byte is left."""
    assert not Bid.objects.exists()
    upload = BidUpload.objects.get()
    assert (upload.state, upload.refusal_code) == (UploadState.ABORTED, error)
    storage = get_storage()
    with pytest.raises(ObjectNotFound):
        storage.stat(bucket=upload.bucket, key=upload.object_key)
    assert storage.multipart_list_incomplete(bucket=upload.bucket, prefix=upload.object_key) == []
    event = Event.objects.select_related("sealed_identity").get(action="bid_upload.refused")
    assert (event.from_state, event.to_state, event.payload["error"]) == (
        "uploading",
        "aborted",
        error,
    )
    # The message may name the tender: it is sealed with the bidder (办法 第21条).
    assert set(event.payload) == {"error", "sealed_identity_sha256"}
    assert event.sealed_identity.fields["message"] == upload.refusal_message
    assert event.sealed_identity.tender_id == str(upload.tender_id)


def move_deadline(tender, *, seconds: float) -> None:
    Tender.objects.filter(pk=tender.pk).update(
        bid_deadline=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    )


@pytest.mark.django_db
def test_an_unsealed_plain_file_is_refused_at_the_first_bytes_with_a_prompt(tender, bidder_client):
    bids = BidClient(bidder_client)
    plain = b"%PDF-1.7\n" + b"technical offer " * 1000
    upload = bids.open(tender.pk, len(plain)).json()

    response = bids.put_part(upload["id"], 1, plain)

    assert response.status_code == 400
    assert response.json()["error"] == "not_a_sealed_bid"
    assert "电子招标投标办法 第二十六条" in response.json()["message"]
    assert "bidtool seal" in response.json()["message"]
    assert_discarded("not_a_sealed_bid")


@pytest.mark.django_db
def test_a_size_over_the_limit_is_refused_before_any_byte_is_stored(
    tender, bidder_client, bid_settings
):
    bid_settings.BID_MAX_SIZE = 10_000

    response = BidClient(bidder_client).open(tender.pk, 10_001)

    assert response.status_code == 413
    assert response.json() == {
        "error": "bid_too_large",
        "field": "size",
        "message": "The sealed bid is 10001 bytes; the platform accepts at most 10000 bytes.",
    }
    assert not BidUpload.objects.exists()


@pytest.mark.django_db
def test_a_header_accounting_for_more_than_the_limit_is_refused(
    tender, bidder_client, bidder_credential, bid_settings
):
    sealed = seal(bidder_credential, tender.pk, contents=[b"x" * 20_000])
    bids = BidClient(bidder_client)
    upload = bids.open(tender.pk, len(sealed)).json()
    bid_settings.BID_MAX_SIZE = len(sealed) - 1

    response = bids.put_part(upload["id"], 1, sealed)

    assert response.status_code == 413
    assert response.json()["error"] == "bid_too_large"
    assert_discarded("bid_too_large")


@pytest.mark.django_db
def test_an_upload_after_the_deadline_is_refused(tender, bidder_client):
    move_deadline(tender, seconds=-1)

    response = BidClient(bidder_client).open(tender.pk, 1000)

    assert response.status_code == 409
    assert response.json()["error"] == "deadline_passed"
    assert not BidUpload.objects.exists()


@pytest.mark.django_db
def test_a_finalise_after_the_deadline_is_refused(tender, bidder_client, bidder_credential):
    bids = BidClient(bidder_client)
    upload = bids.upload(tender.pk, seal(bidder_credential, tender.pk))
    move_deadline(tender, seconds=-0.001)

    response = bids.finalise(upload["id"])

    assert response.status_code == 409
    assert response.json()["error"] == "deadline_passed"
    assert "has passed" in response.json()["message"]
    assert_discarded("deadline_passed")


@pytest.mark.django_db
def test_a_tender_not_open_for_bids_is_refused(bid_settings, bidder_client):
    closed = TenderFactory(state="bidding_closed")
    MembershipFactory(organisation=closed.project.tenderee)

    response = BidClient(bidder_client).open(closed.pk, 1000)

    assert response.status_code == 409
    assert response.json() == {
        "error": "tender_not_open",
        "message": f"Tender {closed.pk} is bidding_closed: it does not accept bids.",
    }


@pytest.mark.django_db
def test_a_bidder_is_told_a_draft_does_not_exist(bid_settings, bidder_client):
    """Another organisation's draft answers as an unknown id (trading.middleware)."""
    draft = TenderFactory()

    response = BidClient(bidder_client).open(draft.pk, 1000)

    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.django_db
def test_a_bid_sealed_by_another_organisation_is_refused(
    tender, bidder_client, other_bidder_credential
):
    sealed = seal(other_bidder_credential, tender.pk)
    bids = BidClient(bidder_client)
    upload = bids.open(tender.pk, len(sealed)).json()

    response = bids.put_part(upload["id"], 1, sealed)

    assert response.status_code == 400
    assert response.json()["error"] == "signer_not_bidder"
    assert_discarded("signer_not_bidder")


@pytest.mark.django_db
def test_a_bid_sealed_for_another_tender_is_refused(tender, bidder_client, bidder_credential):
    sealed = seal(bidder_credential, "TENDER-ELSEWHERE")
    bids = BidClient(bidder_client)
    upload = bids.open(tender.pk, len(sealed)).json()

    response = bids.put_part(upload["id"], 1, sealed)

    assert response.status_code == 400
    assert response.json()["error"] == "wrong_tender"
    assert_discarded("wrong_tender")


@pytest.mark.parametrize(
    ("credential_name", "error"),
    [
        ("expired_bidder_credential", "certificate_expired"),
        ("revoked_bidder_credential", "certificate_revoked"),
        ("untrusted_bidder_credential", "certificate_untrusted"),
    ],
)
@pytest.mark.django_db
def test_a_bid_signed_with_a_bad_certificate_is_refused(
    tender, bidder_client, request, credential_name, error
):
    credential = request.getfixturevalue(credential_name)
    sealing_time = credential.certificate.not_valid_after_utc - dt.timedelta(days=1)
    sealed = seal(credential, tender.pk, now=min(sealing_time, dt.datetime.now(dt.UTC)))
    bids = BidClient(bidder_client)

    response = bids.submit(tender.pk, sealed)

    assert response.status_code == 400, response.json()
    assert response.json()["error"] == error
    assert_discarded(error)


@pytest.mark.parametrize(
    ("where", "error"),
    [
        ("header", "header_signature_invalid"),
        ("part", "part_digest_mismatch"),
        ("last byte", "part_digest_mismatch"),
    ],
)
@pytest.mark.django_db
def test_stored_bytes_that_do_not_match_the_signed_header_are_refused(
    tender, bidder_client, bidder_credential, where, error
):
    sealed = bytearray(seal(bidder_credential, tender.pk))
    header_size, signature_size, padding_size = (
        int.from_bytes(sealed[offset : offset + 4], "big") for offset in (10, 14, 18)
    )
    parts_offset = 22 + header_size + signature_size + padding_size
    # In the header: the sealing year's first digit, 2 → 3 (still well-formed, no longer signed).
    position = {
        "header": sealed.index(b'"sealed_at":"') + len(b'"sealed_at":"'),
        "part": parts_offset + 100,
        "last byte": len(sealed) - 1,
    }[where]
    sealed[position] ^= 0x01
    bids = BidClient(bidder_client)
    upload = bids.upload(tender.pk, bytes(sealed))

    response = bids.finalise(upload["id"])

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert_discarded(error)


@pytest.mark.django_db
def test_a_later_part_changed_on_its_way_is_refused_naming_its_bytes(
    tender, bidder_client, bidder_credential
):
    """Parts are hashed apart as they are relayed; finalise compares the segment digests
    found with the signed header's, without reading the file back."""
    sealed = bytearray(seal(bidder_credential, tender.pk, contents=[os.urandom(7 << 20)]))
    sealed[(6 << 20) + 17] ^= 0x01  # in part 2 (parts are 5 MiB here), segment 6 of the file
    bids = BidClient(bidder_client)
    upload = bids.upload(tender.pk, bytes(sealed))
    assert upload["part_count"] == 2

    response = bids.finalise(upload["id"])

    assert response.status_code == 400
    assert response.json()["error"] == "part_digest_mismatch"
    assert f"Bytes {6 << 20}..{(7 << 20) - 1} of the sealed bid" in response.json()["message"]
    assert_discarded("part_digest_mismatch")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ("truncated", "sealed_bid_truncated"),
        ("extended", "sealed_bid_extended"),
    ],
)
@pytest.mark.django_db
def test_a_truncated_or_extended_file_is_refused(
    tender, bidder_client, bidder_credential, change, error
):
    sealed = seal(bidder_credential, tender.pk)
    sealed = sealed[:-1] if change == "truncated" else sealed + b"\x00"
    bids = BidClient(bidder_client)
    upload = bids.open(tender.pk, len(sealed)).json()

    response = bids.put_part(upload["id"], 1, sealed)

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert_discarded(error)


@pytest.mark.django_db
def test_a_finalise_of_an_incomplete_upload_is_refused_and_the_upload_kept(
    tender, bidder_client, bidder_credential
):
    bids = BidClient(bidder_client)
    upload = bids.open(tender.pk, 1000).json()

    response = bids.finalise(upload["id"])

    assert response.status_code == 409
    assert response.json() == {
        "error": "upload_incomplete",
        "message": "The upload is not complete: part(s) 1 of 1 are missing. Send them, then "
        "finalise again.",
    }
    assert BidUpload.objects.get().state == UploadState.UPLOADING


@pytest.mark.django_db
def test_a_part_of_the_wrong_size_is_refused(tender, bidder_client):
    bids = BidClient(bidder_client)
    upload = bids.open(tender.pk, 1000).json()

    response = bids.put_part(upload["id"], 1, b"x" * 999)

    assert response.status_code == 400
    assert response.json() == {
        "error": "part_size_invalid",
        "field": "number",
        "message": "Part 1 must be 1000 bytes, not 999.",
    }


@pytest.mark.django_db
def test_a_password_session_cannot_submit(tender, bidder, client):
    client.force_login(bidder)

    response = BidClient(client).open(tender.pk, 1000)

    assert response.status_code == 403
    assert response.json()["error"] == "certificate_login_required"


@pytest.mark.django_db
def test_another_bidder_cannot_see_or_finalise_my_upload(
    tender, bidder_client, other_bidder_client, bidder_credential
):
    upload = BidClient(bidder_client).upload(tender.pk, seal(bidder_credential, tender.pk))

    assert BidClient(other_bidder_client).status(upload["id"]).status_code == 404
    assert BidClient(other_bidder_client).finalise(upload["id"]).status_code == 404
    assert other_bidder_client.get("/api/v1/bids").json() == {"bids": []}


@pytest.mark.django_db
def test_a_withdrawal_after_the_deadline_is_refused(tender, bidder_client, bidder_credential):
    bids = BidClient(bidder_client)
    bid_id = bids.submit(tender.pk, seal(bidder_credential, tender.pk)).json()["bid"]["id"]
    move_deadline(tender, seconds=-0.001)

    _, _, response = bids.withdraw(tender.pk, bid_id, bidder_credential)

    assert response.status_code == 409
    assert response.json()["error"] == "deadline_passed"
    assert Bid.objects.get().state == "submitted"
