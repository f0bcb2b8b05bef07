"""A bidder submits a sealed bid and gets a receipt it can verify offline for ever."""

import base64
import datetime as dt
import hashlib

import pytest

from bids.models import Bid, BidState, BidUpload, UploadState
from monitoring.models import Event
from signing.canonical import canonical_json
from signing.cms import verify_detached
from signing.conf import platform_trust_store
from signing.timestamps import verify_timestamp
from storage.objects import ObjectNotFound, get_storage
from tests.bids.conftest import BidClient, ciphertext_digest, seal, segment_digests
from tests.certificates import BIDDER_USCC


def verify_receipt(body: dict) -> dict:
    """What `bidtool receipt verify` does: platform signature and timestamp over the JSON."""
    document = canonical_json(body["receipt"])
    trust = platform_trust_store()
    signed = verify_detached(base64.b64decode(body["signature"]), document, trust=trust)
    stamped = verify_timestamp(base64.b64decode(body["timestamp_token"]), document, trust=trust)
    return {"signer": signed.identity.name, "stamped_at": stamped.generated_at}


@pytest.mark.django_db
def test_a_bidder_submits_a_sealed_bid_and_gets_a_verifiable_receipt(
    tender, bidder_client, bidder_credential
):
    sealed = seal(bidder_credential, tender.pk)
    bids = BidClient(bidder_client)

    response = bids.submit(tender.pk, sealed)

    assert response.status_code == 201, response.json()
    body = response.json()
    bid = Bid.objects.get()
    header_size = int.from_bytes(sealed[10:14], "big")
    assert body["receipt"] == {
        "receipt_version": 2,
        "kind": "submission",
        "bid": str(bid.pk),
        "tender": str(tender.pk),
        "bidder_uscc": BIDDER_USCC,
        "header_sha256": hashlib.sha256(sealed[22 : 22 + header_size]).hexdigest(),
        "ciphertext_sha256": ciphertext_digest(sealed),
        "size": len(sealed),
        "received_at": bid.received_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "submission_number": 1,
    }
    checked = verify_receipt(body)
    assert checked["signer"] == "Trading Platform"
    assert abs(checked["stamped_at"] - bid.received_at) < dt.timedelta(seconds=5)
    assert bid.state == BidState.SUBMITTED
    assert bid.received_at < tender.bid_deadline
    assert bid.upload.state == UploadState.COMPLETE
    # The stored object is the sealed file, byte for byte, under a key made of ids.
    upload = bid.upload
    assert upload.object_key == f"tenders/{tender.pk}/bids/{upload.pk}.sealed"
    with get_storage().open(bucket=upload.bucket, key=upload.object_key) as chunks:
        assert b"".join(chunks) == sealed
    # The events say what happened; who, from where and on which tender is sealed (办法 第21条).
    events = Event.objects.filter(object_type__startswith="bids.").select_related("sealed_identity")
    assert [
        (
            event.action,
            event.from_state,
            event.to_state,
            event.actor_id,
            event.actor_label,
            event.client_ip,
            "tender" in event.payload,
        )
        for event in events
    ] == [
        ("bid_upload.opened", "", "uploading", None, "sealed", None, False),
        ("bid_upload.completed", "uploading", "complete", None, "sealed", None, False),
        ("bid.submitted", "", "submitted", None, "sealed", None, False),
    ]
    assert {
        (
            event.sealed_identity.tender_id,
            event.sealed_identity.client_ip,
            event.sealed_identity.fields["bidder_uscc"],
            event.sealed_identity.actor_id,
        )
        for event in events
    } == {(str(tender.pk), "10.1.2.3", BIDDER_USCC, bid.submitted_by_id)}
    assert events.get(action="bid.submitted").payload["submission_number"] == 1
    # The receipt can be downloaded again, identical.
    again = bidder_client.get(f"/api/v1/bids/{bid.pk}/receipt")
    assert again.status_code == 200
    assert again.json() == {key: body[key] for key in ("receipt", "signature", "timestamp_token")}
    assert bidder_client.get("/api/v1/bids").json()["bids"][0]["state"] == "submitted"


@pytest.mark.django_db
def test_finalising_twice_returns_the_same_receipt(tender, bidder_client, bidder_credential):
    bids = BidClient(bidder_client)
    upload = bids.upload(tender.pk, seal(bidder_credential, tender.pk))

    first = bids.finalise(upload["id"], **{"Idempotency-Key": "submit-1"})
    second = bids.finalise(upload["id"])
    by_key = bids.finalise(upload["id"], **{"Idempotency-Key": "submit-1"})

    assert first.status_code == 201
    assert second.status_code == 200 and by_key.status_code == 200
    assert second.json() == first.json() == by_key.json()
    assert Bid.objects.count() == 1
    assert Event.objects.filter(action="bid.submitted").count() == 1


@pytest.mark.django_db
def test_a_new_bid_supersedes_the_earlier_one_which_is_kept(
    tender, bidder_client, bidder_credential
):
    bids = BidClient(bidder_client)
    first = bids.submit(tender.pk, seal(bidder_credential, tender.pk)).json()
    second = bids.submit(
        tender.pk, seal(bidder_credential, tender.pk, contents=[b"revised offer"])
    ).json()

    assert second["receipt"]["submission_number"] == 2
    states = dict(Bid.objects.values_list("pk", "state"))
    assert {str(pk): state for pk, state in states.items()} == {
        first["bid"]["id"]: "superseded",
        second["bid"]["id"]: "submitted",
    }
    superseded = Event.objects.select_related("sealed_identity").get(
        action="bid.superseded",
        object_id=first["bid"]["id"],
        from_state="submitted",
        to_state="superseded",
    )
    assert (
        superseded.actor_id,
        "tender" in superseded.payload,
        superseded.sealed_identity.tender_id,
    ) == (None, False, str(tender.pk))
    # Both files are kept for the record.
    for bid in Bid.objects.all():
        assert (
            get_storage().stat(bucket=bid.upload.bucket, key=bid.upload.object_key).size == bid.size
        )


@pytest.mark.django_db
def test_a_receipt_tells_a_bidder_nothing_of_how_many_bid_before_it(
    tender, bidder_client, bidder_credential, other_bidder_client, other_bidder_credential
):
    # 办法 第21条: before the deadline nobody may learn how many bidders there are.
    first = BidClient(bidder_client)
    first.submit(tender.pk, seal(bidder_credential, tender.pk))
    first.submit(tender.pk, seal(bidder_credential, tender.pk, contents=[b"revised"]))

    later = (
        BidClient(other_bidder_client)
        .submit(tender.pk, seal(other_bidder_credential, tender.pk))
        .json()
    )

    assert later["receipt"]["submission_number"] == 1
    assert later["bid"]["submission_number"] == 1
    assert "sequence" not in later["receipt"] and "sequence" not in later["bid"]
    # The platform still orders the bids as received, for the opening.
    assert Bid.objects.get(pk=later["bid"]["id"]).sequence == 3
    page = other_bidder_client.get("/bids/")
    assert page.status_code == 200
    assert '<td class="number">1</td>' in page.content.decode()
    assert "<td>3</td>" not in page.content.decode()


@pytest.mark.django_db
def test_an_interrupted_upload_resumes_from_the_stored_parts(
    tender, bidder_client, bidder_credential
):
    # Three parts of 5 MiB, 5 MiB and the rest.
    sealed = seal(bidder_credential, tender.pk, contents=[bytes(range(256)) * 45_000])
    bids = BidClient(bidder_client)
    upload = bids.open(tender.pk, len(sealed)).json()
    size = upload["part_size"]
    assert upload["part_count"] == 3
    bids.put_part(upload["id"], 1, sealed[:size])
    bids.put_part(upload["id"], 3, sealed[2 * size :])

    early = bids.finalise(upload["id"])
    status = bids.status(upload["id"]).json()

    assert early.status_code == 409
    assert early.json()["error"] == "upload_incomplete"
    assert status["missing_parts"] == [2]
    assert [part["number"] for part in status["parts"]] == [1, 3]
    assert (
        status["parts"][0]["sha256"] == hashlib.sha256(segment_digests(sealed, 0, size)).hexdigest()
    )
    assert not Bid.objects.exists()

    assert bids.put_part(upload["id"], 2, sealed[size : 2 * size]).status_code == 200
    done = bids.finalise(upload["id"])

    assert done.status_code == 201, done.json()
    assert done.json()["receipt"]["ciphertext_sha256"] == ciphertext_digest(sealed)


@pytest.mark.django_db
def test_a_withdrawal_signed_by_the_bidder_withdraws_the_bid_with_its_own_receipt(
    tender, bidder_client, bidder_credential
):
    bids = BidClient(bidder_client)
    bid_id = bids.submit(tender.pk, seal(bidder_credential, tender.pk)).json()["bid"]["id"]

    request, sent, response = bids.withdraw(tender.pk, bid_id, bidder_credential)
    repeated = bidder_client.post(
        f"/api/v1/bids/{bid_id}/withdraw", sent, content_type="application/json"
    )

    assert response.status_code == 201, response.json()
    assert repeated.status_code == 200 and repeated.json() == response.json()
    body = response.json()
    bid = Bid.objects.get()
    assert bid.state == BidState.WITHDRAWN
    assert bid.withdrawal_request == request
    assert body["receipt"] == {
        "receipt_version": 2,
        "kind": "withdrawal",
        "bid": bid_id,
        "tender": str(tender.pk),
        "bidder_uscc": BIDDER_USCC,
        "submission_number": 1,
        "ciphertext_sha256": bid.ciphertext_sha256,
        "request_sha256": hashlib.sha256(canonical_json(request)).hexdigest(),
        "withdrawn_at": bid.withdrawn_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    verify_receipt(body)
    withdrawn = Event.objects.select_related("sealed_identity").get(
        action="bid.withdrawn", from_state="submitted", to_state="withdrawn"
    )
    # The signed request names the tender: it is sealed with the bidder (办法 第21条).
    assert (withdrawn.actor_id, withdrawn.client_ip, set(withdrawn.payload)) == (
        None,
        None,
        {"sealed_identity_sha256"},
    )
    assert (withdrawn.sealed_identity.tender_id, withdrawn.sealed_identity.fields) == (
        str(tender.pk),
        {"bidder_uscc": BIDDER_USCC, "request": request},
    )
    download = bidder_client.get(f"/api/v1/bids/{bid_id}/receipt?kind=withdrawal")
    assert download.json()["receipt"] == body["receipt"]


@pytest.mark.django_db
def test_a_withdrawal_signed_by_another_organisation_is_refused(
    tender, bidder_client, bidder_credential, other_bidder_credential
):
    bids = BidClient(bidder_client)
    bid_id = bids.submit(tender.pk, seal(bidder_credential, tender.pk)).json()["bid"]["id"]

    _, _, response = bids.withdraw(tender.pk, bid_id, other_bidder_credential)

    assert response.status_code == 400
    assert response.json()["error"] == "signer_not_bidder"
    assert Bid.objects.get().state == BidState.SUBMITTED


@pytest.mark.django_db
def test_the_database_and_stored_objects_hold_no_plaintext_or_price(
    tender, bidder_client, bidder_credential
):
    from django.db import connection

    BidClient(bidder_client).submit(tender.pk, seal(bidder_credential, tender.pk))
    upload = BidUpload.objects.get()
    with get_storage().open(bucket=upload.bucket, key=upload.object_key) as chunks:
        stored = b"".join(chunks)
    assert PLAINTEXT_MARKER_TEXT.encode() not in stored
    assert str(987_654_321_987).encode() not in stored
    tables = [model._meta.db_table for model in (Bid, BidUpload, Event)] + ["bids_receipt"]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT CAST(t AS text) FROM {table} t")
            dump = "\n".join(row[0] for row in cursor.fetchall())
            assert PLAINTEXT_MARKER_TEXT not in dump
            assert "987654321987" not in dump


PLAINTEXT_MARKER_TEXT = "PLAINTEXT-MARKER-of-the-technical-offer"


@pytest.mark.django_db
def test_refused_bytes_are_discarded(tender, bidder_client):
    bids = BidClient(bidder_client)
    plain = b"%PDF-1.7 a plain technical offer, not sealed" * 10
    upload = bids.open(tender.pk, len(plain)).json()

    refused = bids.put_part(upload["id"], 1, plain)

    assert refused.status_code == 400
    row = BidUpload.objects.get()
    assert row.state == UploadState.ABORTED
    with pytest.raises(ObjectNotFound):
        get_storage().stat(bucket=row.bucket, key=row.object_key)
    assert get_storage().multipart_list_incomplete(bucket=row.bucket, prefix=row.object_key) == []
