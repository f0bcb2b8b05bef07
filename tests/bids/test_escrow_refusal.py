"""A tender with an opening committee refuses, at the sealed bid's front, a bid whose data key
is not wrapped to the tender's escrow key: the committee could not recover it (DESIGN §5 step 4,
办法 第31条). Nothing is left behind: the upload aborted, no byte stored, no bid, no receipt."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bids.models import Bid, BidUpload, Receipt, UploadState
from monitoring.models import Event
from signing.envelope import create_escrow
from storage.objects import ObjectNotFound, get_storage
from tests.bids.conftest import BidClient, seal
from tests.bids.opening import build_opening
from trading.models import TenderEscrow


@pytest.fixture
def committee_tender(bid_settings, certificate_authority):
    """A published tender whose opening committee holds its escrow key 2-of-2."""
    return build_opening(certificate_authority, bidders=0, committee=2, threshold=2).tender


def escrow_public_key(tender) -> ec.EllipticCurvePublicKey:
    return serialization.load_pem_public_key(tender.escrow.public_key_pem.encode())


def send_front(client, tender, sealed: bytes):
    """Open the upload and send part 1, which holds the front (the header)."""
    bids = BidClient(client)
    upload = bids.open(tender.pk, len(sealed)).json()
    return upload, bids.put_part(upload["id"], 1, sealed)


def assert_nothing_left(upload_id: str, error: str) -> None:
    upload = BidUpload.objects.get()
    assert (str(upload.pk), upload.state, upload.refusal_code) == (
        upload_id,
        UploadState.ABORTED,
        error,
    )
    assert "bidtool seal --escrow-key" in upload.refusal_message
    storage = get_storage()
    with pytest.raises(ObjectNotFound):
        storage.stat(bucket=upload.bucket, key=upload.object_key)
    assert storage.multipart_list_incomplete(bucket=upload.bucket, prefix=upload.object_key) == []
    assert not Bid.objects.exists()
    assert not Receipt.objects.exists()
    event = Event.objects.get(action="bid_upload.refused")
    assert (event.object_id, event.from_state, event.to_state, event.payload["error"]) == (
        upload_id,
        "uploading",
        "aborted",
        error,
    )


@pytest.mark.django_db
def test_a_bid_sealed_without_the_escrow_key_is_refused_at_its_front(
    committee_tender, bidder_client, bidder_credential
):
    sealed = seal(bidder_credential, committee_tender.pk)

    upload, response = send_front(bidder_client, committee_tender, sealed)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "escrow_key_missing"
    assert body["message"].startswith(
        f"Tender {committee_tender.pk} has an opening committee, but the sealed bid does not "
        f"wrap its data key to the tender's escrow key {committee_tender.escrow.key_id}"
    )
    assert "`bidtool seal --escrow-key escrow.pem …`" in body["message"]
    assert_nothing_left(upload["id"], "escrow_key_missing")
    # Finalising what was refused gives no receipt either.
    finalised = BidClient(bidder_client).finalise(upload["id"])
    assert (finalised.status_code, finalised.json()["error"]) == (409, "upload_not_open")
    assert not Receipt.objects.exists()


@pytest.mark.django_db
def test_a_bid_sealed_to_another_escrow_key_is_refused_the_same_way(
    committee_tender, bidder_client, bidder_credential
):
    another = ec.generate_private_key(ec.SECP256R1()).public_key()
    sealed = seal(bidder_credential, committee_tender.pk, escrow_public_key=another)

    upload, response = send_front(bidder_client, committee_tender, sealed)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "escrow_key_wrong"
    assert f"not to the escrow key {committee_tender.escrow.key_id}" in body["message"]
    assert "`bidtool seal --escrow-key escrow.pem …`" in body["message"]
    assert_nothing_left(upload["id"], "escrow_key_wrong")


@pytest.mark.django_db
def test_a_bid_sealed_to_the_tenders_escrow_key_is_received(
    committee_tender, bidder_client, bidder_credential
):
    sealed = seal(
        bidder_credential,
        committee_tender.pk,
        escrow_public_key=escrow_public_key(committee_tender),
    )

    response = BidClient(bidder_client).submit(committee_tender.pk, sealed)

    assert response.status_code == 201, response.json()
    bid = Bid.objects.get()
    assert (str(bid.pk), bid.tender_id) == (response.json()["bid"]["id"], committee_tender.pk)
    assert Receipt.objects.filter(bid=bid).count() == 1


@pytest.mark.django_db
def test_finalise_checks_the_stored_front_for_the_escrow_key_again_before_any_receipt(
    tender, bidder_client, bidder_credential, certificate_authority
):
    """Part 1 was accepted while the tender had no escrow key on record (a row restored late, an
    upload from before the check): the stored front is checked again, before the receipt."""
    sealed = seal(bidder_credential, tender.pk)
    bids = BidClient(bidder_client)
    upload = bids.upload(tender.pk, sealed)
    member = certificate_authority.issue_person(
        name="委员", person_id="110101199001010011", key_type="ec-p256"
    )
    escrow = create_escrow(1, 1, [member.certificate])
    TenderEscrow.objects.create(
        tender=tender,
        public_key_pem=escrow.public_key_pem().decode("ascii"),
        key_id=escrow.key_id,
        threshold=1,
        shares=[],
        created_at=tender.published_at,
    )

    response = bids.finalise(upload["id"])

    assert response.status_code == 400
    assert response.json()["error"] == "escrow_key_missing"
    assert_nothing_left(upload["id"], "escrow_key_missing")
