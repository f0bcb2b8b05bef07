"""Stories of the bid viewer in the closed area: real bids decrypted as they are read, bidders
under codes in an anonymous technical evaluation, the price envelope closed until the technical
result is signed, and no plaintext left anywhere."""

import io

import pytest
from django.db import connection

from bids.models import Bid
from evaluation.models import BidEvaluation, EvaluationSession
from evaluation.room.services import bid_code, bid_codes_assign
from monitoring.models import Alert, Event
from signing.envelope.errors import ChunkAuthenticationFailed
from storage.objects import get_storage
from tests.config.test_openapi import assert_matches
from tests.evaluation.room_story import (
    PRICE,
    PRICE_NAME,
    TECHNICAL,
    build_room,
    now,
    room_settings,  # noqa: F401  (a fixture)
    stored_objects,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(room_settings, certificate_authority):  # noqa: F811
    return build_room(certificate_authority, bidders=3)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def sign_technical_result(room) -> None:
    EvaluationSession.objects.filter(pk=room.session.pk).update(technical_signed_at=now())


def test_the_bid_list_names_each_bidder_and_its_files(room):
    response = room.client().get(room.api_bids_url())

    assert response.status_code == 200, response.json()
    listing = response.json()
    assert listing["anonymous"] is False
    assert [bid["label"] for bid in listing["bids"]] == [
        bidder.name for bidder in room.opening.bidders
    ]
    assert [file["label"] for file in listing["bids"][0]["files"]] == ["file-0.pdf", "file-1.pdf"]
    assert [file["size"] for file in listing["bids"][0]["files"]] == [len(TECHNICAL), len(PRICE)]
    assert all(file["readable"] for bid in listing["bids"] for file in bid["files"])
    assert_matches("/api/v1/evaluation/room/{tender_id}/bids", "get", 200, listing)
    [viewed] = Event.objects.filter(action="evaluation.viewed")
    assert viewed.payload["what"] == "bid_list"


def test_the_anonymous_technical_view_shows_codes_not_names(room):
    room.scheme(anonymous_technical=True)
    client = room.client()

    page = client.get(room.bids_url())
    listing = client.get(room.api_bids_url()).json()

    assert page.status_code == 200
    text = page.content.decode()
    for bidder in room.opening.bidders:
        assert bidder.name not in text
        assert bidder.uscc not in text
        assert bidder.name not in str(listing)
    assert "file-0.pdf" not in text
    assert listing["anonymous"] is True
    assert [bid["label"] for bid in listing["bids"]] == ["A", "B", "C"]
    assert [bid["code"] for bid in listing["bids"]] == ["A", "B", "C"]
    assert [file["label"] for file in listing["bids"][0]["files"]] == ["File 1", "File 2"]
    codes = dict(BidEvaluation.objects.values_list("bid_id", "code"))
    first = listing["bids"][0]["bid_id"]
    download = client.get(room.file_url(first, 0))
    assert download["Content-Disposition"] == 'attachment; filename="A-1.pdf"'
    assert body(download) == TECHNICAL
    assert sorted(codes.values()) == ["A", "B", "C"]
    [assigned] = Event.objects.filter(action="evaluation.codes_assigned")
    assert assigned.payload["assigned"] == 3


def test_names_appear_once_the_technical_result_is_signed(room):
    room.scheme(anonymous_technical=True)
    sign_technical_result(room)

    listing = room.client().get(room.api_bids_url()).json()

    assert listing["anonymous"] is False
    assert {bid["label"] for bid in listing["bids"]} == {
        bidder.name for bidder in room.opening.bidders
    }


def test_bid_codes_are_given_once_and_kept(room):
    first = bid_codes_assign(session_id=room.session.pk)
    again = bid_codes_assign(session_id=room.session.pk)

    assert first == again
    assert sorted(first.values()) == ["A", "B", "C"]
    assert set(first) == {bid.pk for bid in room.bids()}
    assert Event.objects.filter(action="evaluation.codes_assigned").count() == 1
    prices = dict(BidEvaluation.objects.values_list("bid_id", "price_fen"))
    assert prices == {
        bid.pk: bidder.price_fen
        for bid, bidder in zip(room.bids(), room.opening.bidders, strict=True)
    }


def test_codes_run_past_z():
    assert [bid_code(number) for number in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_the_price_file_of_two_envelopes_opens_only_after_the_technical_result_is_signed(room):
    room.scheme(two_envelopes=True, price_files=["file-1.*"])
    bid = room.bids()[0]
    client = room.client()

    technical = client.get(room.file_url(bid.pk, 0))
    early = client.get(room.api_file_url(bid.pk, 1))
    listing = client.get(room.api_bids_url()).json()

    assert technical.status_code == 200
    assert body(technical) == TECHNICAL
    assert early.status_code == 403
    assert early.json()["error"] == "price_envelope_sealed"
    assert_matches(
        "/api/v1/evaluation/room/{tender_id}/bids/{bid_id}/files/{index}",
        "get",
        403,
        early.json(),
    )
    assert [file["readable"] for file in listing["bids"][0]["files"]] == [True, False]
    assert [file["price_part"] for file in listing["bids"][0]["files"]] == [False, True]
    refused = Event.objects.get(action="evaluation.access_refused")
    assert refused.payload == {
        "what": "bid_file",
        "bid": str(bid.pk),
        "file": 1,
        "code": "price_envelope_sealed",
        "message": early.json()["message"],
        "tender": str(room.tender.pk),
    }
    assert Alert.objects.filter(kind="evaluation_room_access_refused").count() == 1

    # The technical result is signed: the bid that passed opens, the one rejected stays shut.
    sign_technical_result(room)
    bid_codes_assign(session_id=room.session.pk)
    rejected = room.bids()[1]
    BidEvaluation.objects.filter(bid=bid).update(outcome="qualified")
    BidEvaluation.objects.filter(bid=rejected).update(outcome="rejected")

    opened = client.get(room.api_file_url(bid.pk, 1))
    shut = client.get(room.api_file_url(rejected.pk, 1))

    assert opened.status_code == 200
    assert body(opened) == PRICE
    assert opened["Content-Disposition"] == f'attachment; filename="{PRICE_NAME}"'
    assert shut.status_code == 403
    assert shut.json()["error"] == "bid_not_qualified"


def test_two_envelopes_without_price_files_open_no_file(room):
    room.scheme(two_envelopes=True)
    bid = room.bids()[0]

    response = room.client().get(room.api_file_url(bid.pk, 0))

    assert response.status_code == 409
    assert response.json()["error"] == "price_files_undefined"
    assert "scoring_scheme.price_files" in response.json()["message"]


def test_a_bid_of_another_tender_or_a_missing_file_is_not_found(room, certificate_authority):
    other = build_room(certificate_authority, bidders=1)
    client = room.client()
    foreign = other.bids()[0]
    own = room.bids()[0]

    response = client.get(room.api_file_url(foreign.pk, 0))
    missing = client.get(room.api_file_url(own.pk, 2))

    assert response.status_code == 404
    assert response.json()["error"] == "bid_not_found"
    assert missing.status_code == 404
    assert missing.json()["error"] == "file_not_found"
    assert not Event.objects.filter(action="evaluation.viewed").exists()


def test_reading_stores_no_plaintext_anywhere(room):
    objects_before = stored_objects()
    bids = room.bids()
    client = room.client()

    for bid in bids:
        for index, expected in enumerate((TECHNICAL, PRICE)):
            assert body(client.get(room.file_url(bid.pk, index))) == expected

    assert stored_objects() == objects_before
    markers = ("TECHNICAL-OFFER-PLAINTEXT", "PRICE-SCHEDULE-PLAINTEXT")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            cursor.execute(f'SELECT CAST(t AS text) FROM "{table}" t')
            dump = "\n".join(row[0] for row in cursor.fetchall())
            for marker in markers:
                assert marker not in dump, f"{marker} found in {table}"
                # bytea columns are shown as hex
                assert marker.encode().hex() not in dump, f"{marker} found in {table}"


def test_a_stored_bid_changed_after_the_opening_is_cut_off_and_alerts(room):
    bid = room.bids()[0]
    upload = bid.upload
    storage = get_storage()
    with storage.open(bucket=upload.bucket, key=upload.object_key) as chunks:
        stored = bytearray(b"".join(chunks))
    # One bit of the technical offer's ciphertext (file 0, two thirds of the object in); the
    # price file after it is untouched.
    stored[len(stored) * 2 // 3] ^= 0x01
    storage.put_stream(bucket=upload.bucket, key=upload.object_key, stream=io.BytesIO(stored))
    client = room.client()

    responses = [client.get(room.file_url(bid.pk, index)) for index in (0, 1)]

    assert [response.status_code for response in responses] == [200, 200]
    # The headers went out before the damage was met: the download of file 0 is cut there.
    with pytest.raises(ChunkAuthenticationFailed):
        body(responses[0])
    assert body(responses[1]) == PRICE
    [alert] = Alert.objects.filter(kind="bid_tampered")
    assert alert.severity == "red"
    assert alert.object_id == str(bid.pk)
    assert Bid.objects.get(pk=bid.pk).state == "decrypted"


def test_a_stored_header_that_is_not_the_one_received_is_refused_before_any_byte(room):
    bid = room.bids()[0]
    # The receipt names another header than the stored one: the object was replaced.
    Bid.objects.filter(pk=bid.pk).update(header_sha256="0" * 64)

    response = room.client().get(room.api_file_url(bid.pk, 0))

    assert response.status_code == 500
    assert response.json()["error"] == "bid_file_unreadable"
    [alert] = Alert.objects.filter(kind="bid_tampered")
    assert alert.evidence["code"] == "header_changed"
    assert alert.evidence["receipt_header_sha256"] == "0" * 64


def test_the_bid_list_costs_the_same_queries_for_one_bid_as_for_three(room, certificate_authority):
    from django.test.utils import CaptureQueriesContext

    small = build_room(certificate_authority, bidders=1)
    counts = []
    for story in (small, room):
        client = story.client()
        client.get(story.api_bids_url())  # codes and first-time work out of the way
        with CaptureQueriesContext(connection) as queries:
            assert client.get(story.api_bids_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
